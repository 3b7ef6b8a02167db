"""Performance measurements (`make bench`): data sets, hand-written SQL to compare with, and the runner.

- `bench.dataset`: a council-sized data set built with bulk inserts (also used by the scale tests);
- `bench.handwritten`: one hand-written aggregate SQL statement per database for the coverage numbers;
- `bench.run`: builds the data set on SQLite and PostgreSQL, times, and writes `bench/results.md`;
- `bench.outbox` (added separately): `measure_outbox()`, the outbox sending rate.
"""
