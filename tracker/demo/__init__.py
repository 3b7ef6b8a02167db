"""Demo data from the seed report: the organisations, people and sessions `make run` shows."""
