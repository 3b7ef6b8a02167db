"""`make bench` (`python -m bench.run`): performance figures, printed and written to bench/results.md.

Each measurement is a *section*: a function that takes the run's `Bench` (machine, options, the data
sets built so far) and returns Markdown. They run in the order of SECTIONS; add a new one by writing
the function and listing it there. Today:

- coverage: the coverage report (tracker.coverage.queries) against one hand-written aggregate SQL
  statement (bench.handwritten) on the council-sized data set (bench.dataset), on SQLite and PostgreSQL,
  medians of several runs, with the numbers checked equal;
- outbox: the outbox sending rate, from `bench.outbox.measure_outbox()` when that module exists;
- throughput, queries per page, worker memory: placeholders for the measurements still to come.

PostgreSQL: a new database is made beside the one named by BENCH_POSTGRES_URL or
TRACKER_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped at
the end. SQLite: a file in a temporary directory.

    python -m bench.run [--backends sqlite,postgresql] [--repeat 7] [--scale 1.0] [--sections coverage,outbox]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import statistics
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy.engine import make_url

from bench import dataset, handwritten

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results.md"
DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"
BACKENDS = ("sqlite", "postgresql")


def postgres_base_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TRACKER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


# --- The machine ------------------------------------------------------------------------------------------


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def postgres_version(url: str) -> str:
    try:
        with psycopg.connect(_admin_conninfo(url), connect_timeout=5) as connection:
            return str(connection.execute("SHOW server_version").fetchone()[0])
    except psycopg.Error as error:
        return f"unreachable ({error.__class__.__name__})"


@dataclass
class Machine:
    cpu: str = field(default_factory=cpu_model)
    cores: int = field(default_factory=lambda: os.cpu_count() or 1)
    python: str = field(default_factory=platform.python_version)
    sqlite: str = sqlite3.sqlite_version
    postgresql: str = ""
    system: str = field(default_factory=lambda: f"{platform.system()} {platform.release()}")
    load: str = field(default_factory=lambda: " ".join(f"{n:.2f}" for n in os.getloadavg()))

    def markdown(self) -> str:
        return "\n".join(
            [
                f"- CPU: {self.cpu}, {self.cores} cores; load average at the start {self.load}",
                f"- System: {self.system}",
                f"- Python: {self.python}",
                f"- SQLite: {self.sqlite}",
                f"- PostgreSQL: {self.postgresql}",
            ]
        )


# --- Databases ----------------------------------------------------------------------------------------------


def _admin_conninfo(url: str) -> str:
    return make_url(url).set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A new, empty database URL for the backend, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tracker-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    base = postgres_base_url()
    name = f"tracker_bench_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(_admin_conninfo(base), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        with psycopg.connect(_admin_conninfo(base), autocommit=True) as connection:
            connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def make_app(url: str):
    """The tracker on `url`, migrated with the Alembic migrations like production."""
    from flask_migrate import upgrade

    from config import TestConfig
    from tracker import create_app

    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = url
    app = create_app(config)
    with app.app_context():
        upgrade()
    return app


# --- The run ------------------------------------------------------------------------------------------------


@dataclass
class Built:
    """A migrated database holding a data set, kept open for every section that wants it."""

    backend: str
    app: Any
    dataset: dataset.Dataset
    build_seconds: float


@dataclass
class Bench:
    options: argparse.Namespace
    machine: Machine
    #: Data sets built so far, by backend (sections build them on first use and share them).
    built: dict[str, Built] = field(default_factory=dict)
    #: Why a backend could not be measured, by backend.
    unavailable: dict[str, str] = field(default_factory=dict)
    _stack: list[Any] = field(default_factory=list)

    def data_set(self, backend: str) -> Built | None:
        """The full-scale data set on `backend`, built on first use (None if the backend is unavailable)."""
        if backend in self.unavailable:
            return None
        if backend not in self.built:
            manager = database(backend)
            try:
                url = manager.__enter__()
            except psycopg.Error as error:
                self.unavailable[backend] = f"could not create a database: {error}"
                return None
            self._stack.append(manager)
            app = make_app(url)
            scale = dataset.FULL.times(self.options.scale)
            say(f"[{backend}] building the data set ({scale.people:,} people, {scale.bookings:,} bookings)...")
            started = time.perf_counter()
            with app.app_context():
                from tracker.extensions import db

                with db.engine.begin() as connection:
                    built = dataset.build(connection, scale)
                db.session.remove()
            seconds = time.perf_counter() - started
            say(f"[{backend}] built in {seconds:.1f}s: {dataset.describe(built)}")
            self.built[backend] = Built(backend, app, built, seconds)
        return self.built[backend]

    def close(self) -> None:
        for built in self.built.values():
            with built.app.app_context():
                from tracker.extensions import db

                db.session.remove()
                db.engine.dispose()
        while self._stack:
            self._stack.pop().__exit__(None, None, None)


def say(message: str) -> None:
    print(message, flush=True)


def interleaved_medians(runs: list[Callable[[], Any]], repeat: int) -> list[tuple[float, Any]]:
    """Median wall time of each of `runs` over `repeat` rounds, after a warm-up round; each round runs
    them one after the other, so a busy spell on a shared machine slows them alike. Returns
    (median seconds, last result) per run."""
    results = [run() for run in runs]
    times: list[list[float]] = [[] for _ in runs]
    for _ in range(repeat):
        for index, run in enumerate(runs):
            started = time.perf_counter()
            results[index] = run()
            times[index].append(time.perf_counter() - started)
    return [(statistics.median(t), r) for t, r in zip(times, results, strict=True)]


def markdown_table(header: list[str], rows: list[list[str]]) -> str:
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(row) + " |" for row in rows]
    return "\n".join(lines)


# --- Section: coverage report against hand-written SQL -------------------------------------------------------


def measure_coverage(bench: Bench, backend: str) -> dict[str, Any] | None:
    built = bench.data_set(backend)
    if built is None:
        return None
    from tracker.coverage import queries
    from tracker.extensions import db

    data = built.dataset
    with built.app.app_context():

        def report():
            try:
                course = queries.get_course(data.course_code)
                return queries.coverage_report(course=course, as_of=data.as_of, period_start=data.period_start)
            finally:
                db.session.rollback()

        def aggregate():
            try:
                course_id = queries.get_course(data.course_code).id
                return handwritten.coverage_numbers(
                    db.session.connection(), course_id=course_id, as_of=data.as_of, period_start=data.period_start
                )
            finally:
                db.session.rollback()

        (report_seconds, result), (sql_seconds, numbers) = interleaved_medians(
            [report, aggregate], bench.options.repeat
        )
    mismatched = [
        row
        for row in result.rows
        if (row.required, row.trained, row.sessions_delivered, row.attendees)
        != tuple(vars(numbers[(row.organisation_id, row.department_id)]).values())
    ]
    if mismatched:
        raise AssertionError(f"[{backend}] the report and the hand-written SQL disagree on {mismatched[:3]}")
    return {
        "backend": backend,
        "report": report_seconds,
        "sql": sql_seconds,
        "ratio": report_seconds / sql_seconds,
        "rows": len(result.rows),
        "build": built.build_seconds,
        "data": dataset.describe(data),
    }


def coverage_section(bench: Bench) -> str:
    measured = []
    for backend in bench.options.backends:
        say(f"[{backend}] timing the coverage report and the hand-written statement...")
        figures = measure_coverage(bench, backend)
        if figures is None:
            say(f"[{backend}] not measured: {bench.unavailable[backend]}")
            continue
        measured.append(figures)
    rows = [
        [
            f["backend"],
            f"{f['report'] * 1000:,.0f} ms",
            f"{f['sql'] * 1000:,.0f} ms",
            f"{f['ratio']:.2f}×",
            "yes" if f["ratio"] <= 2 else "**no**",
            f"{f['rows']:,}",
        ]
        for f in measured
    ]
    table = markdown_table(
        ["Backend", "Coverage report", "One hand-written SQL statement", "Ratio", "Within 2×", "Rows"], rows
    )
    say("\n" + table + "\n")
    scale = dataset.FULL.times(bench.options.scale)
    data = measured[0]["data"] if measured else ""
    notes = [
        "The report as the page, CSV, CLI and API run it (`tracker.coverage.queries.coverage_report`: loads the",
        "course's equivalents, requirements and department tree, then two counting statements), against one",
        "hand-written statement computing the same required, trained, sessions delivered and attendees for every",
        "department and organisation (`bench/handwritten.py`). The numbers were checked equal on every row.",
        f"Medians of {bench.options.repeat} rounds (report, then statement) after a warm-up round; as of "
        f"{dataset.AS_OF}, sessions from {dataset.PERIOD_START}.",
        "",
        f"Data set (`bench/dataset.py`, scale {bench.options.scale:g}: {scale.people:,} people, {scale.departments:,} "
        f"departments of {scale.organisations} organisations, {scale.sessions:,} sessions over {scale.years} years, "
        f"{scale.bookings:,} bookings): {data}.",
        "",
        table,
    ]
    for backend, reason in bench.unavailable.items():
        notes += ["", f"{backend}: not measured, {reason}."]
    builds = ", ".join(f"{b.backend} {b.build_seconds:.0f}s" for b in bench.built.values())
    if builds:
        notes += ["", f"Building the data set with bulk inserts took: {builds}."]
    return "\n".join(notes)


# --- Section: outbox sending rate (bench/outbox.py, added separately) -------------------------------------------


def outbox_section(bench: Bench) -> str:
    """`bench.outbox.measure_outbox()` returns Markdown, or a mapping of figure name to value."""
    try:
        from bench.outbox import measure_outbox  # type: ignore[import-not-found]
    except ModuleNotFoundError as error:
        if error.name != "bench.outbox":
            raise
        return "Not measured yet: `bench/outbox.py` (`measure_outbox()`) is still to come."
    result = measure_outbox()
    if isinstance(result, dict):
        return markdown_table(["Figure", "Value"], [[str(k), str(v)] for k, v in result.items()])
    return str(result)


# --- Sections still to come ------------------------------------------------------------------------------------


def placeholder(what: str) -> Callable[[Bench], str]:
    def section(_bench: Bench) -> str:
        return f"Not measured yet: {what}."

    return section


#: (key, title, function) in the order they appear in results.md.
SECTIONS: list[tuple[str, str, Callable[[Bench], str]]] = [
    ("coverage", "Coverage report against one hand-written SQL statement", coverage_section),
    ("outbox", "Outbox sending rate", outbox_section),
    (
        "throughput",
        "Page throughput",
        placeholder("requests per second for the main pages with wrk, as ratios to a bare route in the same run"),
    ),
    (
        "queries",
        "Queries per page at 1× and 10×",
        placeholder("SQL statements per page on the data set and ten times it"),
    ),
    ("memory", "Worker memory", placeholder("resident memory of a gunicorn worker after serving the pages")),
]


def write_results(bench: Bench, sections: list[tuple[str, str]], path: Path) -> None:
    now = datetime.now(UTC)
    parts = [
        "# Benchmark results",
        "",
        f"Written by `make bench` (`python -m bench.run`) on {now:%Y-%m-%d} at {now:%H:%M} UTC.",
        "Figures depend on the machine and on what else it was doing: compare ratios measured in the same run.",
        "",
        "## Machine",
        "",
        bench.machine.markdown(),
    ]
    for title, body in sections:
        parts += ["", f"## {title}", "", body]
    path.write_text("\n".join(parts) + "\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement (median)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply people, sessions and bookings")
    parser.add_argument("--sections", default=",".join(key for key, _, _ in SECTIONS), help="which to run")
    parser.add_argument("--output", type=Path, default=RESULTS, help="where to write the Markdown")
    options = parser.parse_args(argv)
    options.backends = [b.strip() for b in options.backends.split(",") if b.strip()]
    unknown = set(options.backends) - set(BACKENDS)
    if unknown:
        parser.error(f"unknown backends: {', '.join(sorted(unknown))}")
    options.sections = [s.strip() for s in options.sections.split(",") if s.strip()]
    return options


def main(argv: list[str] | None = None) -> int:
    options = parse_args(argv)
    machine = Machine(postgresql=postgres_version(postgres_base_url()) if "postgresql" in options.backends else "")
    bench = Bench(options=options, machine=machine)
    say("Machine:\n" + machine.markdown())
    results = []
    try:
        for key, title, section in SECTIONS:
            if key in options.sections:
                say(f"\n== {title}")
                results.append((title, section(bench)))
    finally:
        bench.close()
    write_results(bench, results, options.output)
    say(f"\nWritten to {options.output}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
