"""`make bench` (`python -m bench.run`): performance figures, printed and written to bench/results.md.

Each measurement is a *section*: a function that takes the run's `Bench` (machine, options, the data
sets built so far) and returns Markdown. They run in the order of SECTIONS; add a new one by writing
the function and listing it there. Today:

- coverage: the coverage report (tracker.coverage.queries) against one hand-written aggregate SQL
  statement (bench.handwritten) on the council-sized data set (bench.dataset), on SQLite and PostgreSQL,
  medians of several runs, with the numbers checked equal;
- outbox: the outbox worker's sending rate against a bare smtplib loop (bench.outbox);
- throughput: wrk against gunicorn (sync workers) serving the full data set: the sessions list, a session
  page, My training, the coverage page and a booking POST, each as a ratio to a bare route of the same app
  in the same server (bench.web), and the coverage page against a route serving the hand-written statement;
- queries: SQL statements of one request to each of those pages on a data set a tenth the size and on the
  full one (equal counts: no query per row), and each page's time in process on both (a page of fixed rows
  should not grow);
- reports: each report (coverage for all and one organisation, its CSV, the board report, demand
  planning) timed on the tenth-size and the full data set, with the growth between them (bench.reports);
- surge: 500 people signing in and booking 200 places at once against gunicorn (bench.surge);
- imports: a roster as large as the data set's people checked and imported, time and memory (bench.imports);
- memory: the gunicorn workers' peak resident memory after the throughput run;
- summary: every ratio beside its goal (shown first in results.md).

PostgreSQL: a new database is made beside the one named by BENCH_POSTGRES_URL or
TRACKER_TEST_POSTGRES_URL (default postgresql+psycopg://postgres@127.0.0.1:5432/test) and dropped at
the end. SQLite: a file in a temporary directory.

    python -m bench.run [--backends sqlite,postgresql] [--repeat 7] [--scale 1.0] [--seconds 6] [--rounds 3]
                        [--workers 2]
                        [--sections coverage,outbox,throughput,queries,reports,surge,imports,memory,summary]
"""

from __future__ import annotations

import argparse
import os
import platform
import sqlite3
import tempfile
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg

from bench import dataset, handwritten
from bench.common import interleaved_medians, markdown_table, say
from bench.databases import admin_conninfo, postgres_base_url, scratch_database
from bench.imports import imports_section
from bench.reports import reports_section
from bench.surge import surge_section
from bench.throughput import COVERAGE_GOAL, POST_GOAL, READ_GOAL, throughput_section

ROOT = Path(__file__).resolve().parent
RESULTS = ROOT / "results.md"
BACKENDS = ("sqlite", "postgresql")


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
        with psycopg.connect(admin_conninfo(url), connect_timeout=5) as connection:
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


@contextmanager
def database(backend: str) -> Iterator[str]:
    """A new, empty database URL for the backend, removed afterwards."""
    if backend == "sqlite":
        with tempfile.TemporaryDirectory(prefix="tracker-bench-") as directory:
            yield f"sqlite:///{directory}/bench.db"
        return
    with scratch_database("tracker_bench") as url:
        yield url


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
    url: str = ""
    factor: float = 1.0
    #: The bench app (product app plus the bench's routes) and what the pages need, once prepared.
    web_app: Any = None
    web: Any = None


@dataclass
class Bench:
    options: argparse.Namespace
    machine: Machine
    #: Data sets built so far, by backend (sections build them on first use and share them).
    built: dict[str, Built] = field(default_factory=dict)
    #: Why a backend could not be measured, by backend.
    unavailable: dict[str, str] = field(default_factory=dict)
    #: Smaller data sets (for statements per page at 1× and 10×), by (backend, factor).
    extra: dict[tuple[str, float], Built] = field(default_factory=dict)
    #: Figures that sections leave for later ones (worker memory, the summary against the goals).
    notes: dict[str, Any] = field(default_factory=dict)
    _stack: list[Any] = field(default_factory=list)

    def data_set(self, backend: str) -> Built | None:
        """The full-scale data set on `backend`, built on first use (None if the backend is unavailable)."""
        if backend in self.unavailable:
            return None
        if backend not in self.built:
            built = self._build(backend, self.options.scale)
            if built is None:
                return None
            self.built[backend] = built
        return self.built[backend]

    def small_data_set(self, backend: str) -> Built | None:
        """A data set a tenth the size of the full one, on its own database (built on first use)."""
        factor = self.options.scale / 10
        if (backend, factor) not in self.extra:
            built = self._build(backend, factor)
            if built is None:
                return None
            self.extra[(backend, factor)] = built
        return self.extra[(backend, factor)]

    def _build(self, backend: str, factor: float) -> Built | None:
        if backend in self.unavailable:
            return None
        manager = database(backend)
        try:
            url = manager.__enter__()
        except psycopg.Error as error:
            self.unavailable[backend] = f"could not create a database: {error}"
            return None
        self._stack.append(manager)
        app = make_app(url)
        scale = dataset.FULL.times(factor)
        say(f"[{backend}] building a data set ({scale.people:,} people, {scale.bookings:,} bookings)...")
        started = time.perf_counter()
        with app.app_context():
            from tracker.extensions import db

            with db.engine.begin() as connection:
                built = dataset.build(connection, scale)
            if db.engine.dialect.name == "postgresql":
                # What autovacuum has done long before anyone reads a real database: the visibility map set, so an
                # index-only scan reads no table pages (on the freshly loaded regional set they all did).
                with db.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                    connection.exec_driver_sql("VACUUM ANALYZE")
            db.session.remove()
        seconds = time.perf_counter() - started
        say(f"[{backend}] built in {seconds:.1f}s: {dataset.describe(built)}")
        return Built(backend, app, built, seconds, url=url, factor=factor)

    def web_ready(self, built: Built) -> Built:
        """The bench app on `built`'s database, and the accounts, sessions and bookings the pages need."""
        if built.web is None:
            from bench import web

            built.web_app = web.create_bench_app(built.url, csrf=False)
            say(f"[{built.backend}] adding accounts, upcoming sessions and bookings for the pages...")
            built.web = web.prepare(built.web_app, built.factor)
        return built

    def close(self) -> None:
        for built in [*self.built.values(), *self.extra.values()]:
            for app in (built.app, built.web_app):
                if app is None:
                    continue
                with app.app_context():
                    from tracker.extensions import db

                    db.session.remove()
                    db.engine.dispose()
        while self._stack:
            self._stack.pop().__exit__(None, None, None)


# --- Section: coverage report against hand-written SQL -------------------------------------------------------


def measure_coverage(bench: Bench, backend: str) -> dict[str, Any] | None:
    built = bench.data_set(backend)
    if built is None:
        return None
    from tracker.coverage import loading, queries
    from tracker.extensions import db

    data = built.dataset
    with built.app.app_context():

        def report():
            try:
                course = loading.get_course(data.course_code)
                return queries.coverage_report(course=course, as_of=data.as_of, period_start=data.period_start)
            finally:
                db.session.rollback()

        def aggregate():
            try:
                course_id = loading.get_course(data.course_code).id
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
    bench.notes["coverage"] = measured
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


# --- Section: outbox sending rate (bench/outbox.py) --------------------------------------------------------------

OUTBOX_MESSAGES = 1000


def outbox_section(bench: Bench) -> str:
    """The outbox worker against a bare smtplib loop sending the same messages to the same local server."""
    from bench.outbox import format_table, measure_outbox

    say(f"sending {OUTBOX_MESSAGES:,} invites through the outbox worker and through a bare smtplib loop...")
    result = measure_outbox(OUTBOX_MESSAGES)
    bench.notes["outbox"] = result
    table = format_table(result)
    say("\n" + table + "\n")
    return "\n".join(
        [
            table,
            "",
            "The worker claims a batch, has its render process build each message (two templates, the calendar",
            "invite, MIME) while it sends those already built over one connection, and records the outcomes 20 to a",
            "commit; the bare loop only sends messages built beforehand. The ratio is the share of the bare loop's",
            "rate the worker keeps.",
        ]
    )


# --- Section: SQL statements and time per page at 1× and 10× --------------------------------------------------


#: A page of a fixed number of rows takes the same time at both sizes: within this, for noise.
FIXED_PAGE_GROWTH_GOAL = 1.1


def queries_section(bench: Bench) -> str:
    from bench import web

    counts: dict[tuple[str, str], dict[str, int]] = {}
    times: dict[str, dict[str, dict[str, float]]] = {}
    for backend in bench.options.backends:
        small, large = bench.small_data_set(backend), bench.data_set(backend)
        if small is None or large is None:
            continue
        for label, built in (("1×", small), ("10×", large)):
            bench.web_ready(built)
            say(f"[{backend}] counting SQL statements per page on the {label} data set...")
            counts[(backend, label)] = web.count_statements(built.web_app, built.web)
        say(f"[{backend}] timing each page on both data sets, alternately...")
        times[backend] = web.page_times({"1×": (small.web_app, small.web), "10×": (large.web_app, large.web)})
    if not counts:
        return "Not measured: no database was available."
    names = list(next(iter(counts.values())))
    header = ["Page", *[f"{backend} {label}" for backend, label in counts], "Equal"]
    rows = []
    equal_everywhere = True
    for name in names:
        equal = all(
            counts[(backend, "1×")][name] == counts[(backend, "10×")][name]
            for backend in bench.options.backends
            if (backend, "1×") in counts
        )
        equal_everywhere &= equal
        rows.append([name, *[str(c[name]) for c in counts.values()], "yes" if equal else "**no**"])
    bench.notes["queries_equal"] = equal_everywhere
    table = markdown_table(header, rows)
    time_header = ["Page"]
    for backend in times:
        time_header += [f"{backend} 1×", f"{backend} 10×", f"{backend} growth"]
    time_rows = []
    for name in next(iter(times.values())):
        row = [name]
        for by_page in times.values():
            small_ms, large_ms = by_page[name]["1×"], by_page[name]["10×"]
            row += [f"{small_ms:,.1f} ms", f"{large_ms:,.1f} ms", f"{large_ms / small_ms:.2f}×"]
        time_rows.append(row)
    time_table = markdown_table(time_header, time_rows)
    bench.notes["fixed_page_growth"] = {
        (backend, name): by_page[name]["10×"] / by_page[name]["1×"]
        for backend, by_page in times.items()
        for name in web.FIXED_ROW_PAGES
    }
    say("\n" + table + "\n\n" + time_table + "\n")
    small_scale = dataset.FULL.times(bench.options.scale / 10)
    small_factor, large_factor = bench.options.scale / 10, bench.options.scale
    return "\n".join(
        [
            "SQL statements of one request to each page (signed in, after a warm-up request; counted in process with",
            "the same app), on a data set a tenth the size "
            f"({small_scale.people:,} people, {small_scale.bookings:,} bookings, {web.upcoming_count(small_factor)} "
            "upcoming sessions) and on the full one "
            f"({web.upcoming_count(large_factor)} upcoming sessions): "
            "the same count at both sizes means no page issues a query per row. SQLite's counts include the",
            "explicit `BEGIN` (or `BEGIN IMMEDIATE`) the app issues there (see docs/decisions.md).",
            "",
            table,
            "",
            "Each page's median time in process (the test client, no HTTP server), signed in, over "
            f"{web.TIMED_REQUESTS} requests on each data set ({web.COVERAGE_TIMED_REQUESTS} for the coverage page), "
            "alternating between the two. The sessions list, the session page and the people list (50 a page, "
            "whole or searched for a surname about one in a thousand people have) show a fixed number of rows, so "
            "their time should not grow with the data (goal: the same, ± noise). My training lists every upcoming "
            f"place, and the member of staff holds {web.staff_places(small_factor)} and "
            f"{web.staff_places(large_factor)}; the coverage page reports on every department: both grow with "
            "the data by design.",
            "",
            time_table,
        ]
    )


# --- Section: worker memory -------------------------------------------------------------------------------------


def memory_section(bench: Bench) -> str:
    measured = bench.notes.get("throughput") or {}
    if not measured:
        return "Not measured: it is read from the gunicorn workers after the throughput run (section `throughput`)."
    rows = []
    for backend, figures in measured.items():
        for pid, peak, rss in figures["memory"]:
            rows.append([backend, str(pid), f"{peak / 1024:,.1f} MB", f"{rss / 1024:,.1f} MB"])
    table = markdown_table(["Backend", "Worker", "Peak resident memory (VmHWM)", "Resident at the end (VmRSS)"], rows)
    say("\n" + table + "\n")
    peak = max(p for figures in measured.values() for _, p, _ in figures["memory"]) if rows else 0
    bench.notes["memory_peak_mb"] = peak / 1024
    return "\n".join(
        [
            "Each gunicorn sync worker's high-water mark of resident memory (`VmHWM` in `/proc/<pid>/status`) after",
            "it served every page and the booking POSTs above on the full data set.",
            "",
            table,
        ]
    )


# --- Summary ----------------------------------------------------------------------------------------------------


def summary_section(bench: Bench) -> str:
    rows = []
    for backend, figures in (bench.notes.get("throughput") or {}).items():
        for name, m in figures["measured"].items():
            if name == "Hand-written coverage SQL":
                continue
            ratio = m["rate"] / m["bare"]
            if name == "Coverage page":
                sql = figures["measured"]["Hand-written coverage SQL"]["rate"]
                met = m["rate"] / sql >= COVERAGE_GOAL
                rows.append(
                    [
                        backend,
                        "Coverage page / hand-written SQL route",
                        f"{m['rate'] / sql:.2f}",
                        f"≥ {COVERAGE_GOAL}",
                        met,
                    ]
                )
                continue
            goal = POST_GOAL if name == "Booking POST" else READ_GOAL
            rows.append([backend, f"{name} / bare route", f"{ratio:.3f}", f"≥ {goal}", ratio >= goal])
    for figures in bench.notes.get("coverage", []):
        rows.append(
            [
                figures["backend"],
                "Coverage report / hand-written statement (time)",
                f"{figures['ratio']:.2f}×",
                "≤ 2×",
                figures["ratio"] <= 2,
            ]
        )
    if "queries_equal" in bench.notes:
        equal = bench.notes["queries_equal"]
        rows.append(["both", "SQL statements per page, 1× and 10×", "equal" if equal else "differ", "equal", equal])
    for (backend, name), growth in (bench.notes.get("fixed_page_growth") or {}).items():
        goal = FIXED_PAGE_GROWTH_GOAL
        rows.append(
            [backend, f"{name}: time at 10× / 1×", f"{growth:.2f}×", f"≤ {goal}× (the same ± noise)", growth <= goal]
        )
    for name, (timing, met) in (bench.notes.get("reports") or {}).items():
        figure = f"{timing.median * 1000:,.0f} ms, p95 {timing.p95 * 1000:,.0f} ms"
        rows.append(["postgresql", f"{name}, full data set", figure, "≤ 0.5 s median, ≤ 1 s p95", met])
    for outcome in bench.notes.get("surge", []):
        p99 = outcome.latencies.get("booking POST", (0, 0.0, 0.0, float("inf")))[3]
        rows.append(
            [
                outcome.backend,
                "Booking surge: POST p99 (all checks)",
                f"{p99 * 1000:,.0f} ms",
                "≤ 500 ms",
                outcome.passed,
            ]
        )
    if "imports" in bench.notes:
        people, slowest, met = bench.notes["imports"]
        rows.append(["both", f"Roster of {people:,} checked and imported", f"{slowest:,.1f} s", "≤ 60 s each", met])
    if "outbox" in bench.notes:
        ratio = bench.notes["outbox"]["ratio"]
        rows.append(["sqlite", "Outbox send rate / bare smtplib loop", f"{ratio:.2f}", "(shown)", None])
    if "memory_peak_mb" in bench.notes:
        rows.append(["both", "Peak worker memory", f"{bench.notes['memory_peak_mb']:,.0f} MB", "(shown)", None])
    table = markdown_table(
        ["Backend", "Measure", "Figure", "Goal", "Met"],
        [[*row[:4], "" if row[4] is None else ("yes" if row[4] else "**no**")] for row in rows],
    )
    say("\n" + table + "\n")
    return table


SUMMARY_TITLE = "Summary against the goals"

#: (key, title, function) in the order they run; results.md shows the summary first.
SECTIONS: list[tuple[str, str, Callable[[Bench], str]]] = [
    ("coverage", "Coverage report against one hand-written SQL statement", coverage_section),
    ("outbox", "Outbox sending rate", outbox_section),
    ("throughput", "Page throughput", throughput_section),
    ("queries", "SQL statements and time per page at 1× and 10×", queries_section),
    ("reports", "Reports at 1× and 10×", reports_section),
    ("surge", "Booking surge", surge_section),
    ("imports", "Roster import at scale", imports_section),
    ("memory", "Worker memory", memory_section),
    ("summary", SUMMARY_TITLE, summary_section),
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
    # The summary (run last, as it gathers the others' figures) comes first.
    ordered = sorted(sections, key=lambda section: section[0] != SUMMARY_TITLE)
    for title, body in ordered:
        parts += ["", f"## {title}", "", body]
    path.write_text("\n".join(parts) + "\n")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--backends", default=",".join(BACKENDS), help="comma-separated: sqlite,postgresql")
    parser.add_argument("--repeat", type=int, default=7, help="timed runs per measurement (median)")
    parser.add_argument("--scale", type=float, default=1.0, help="multiply people, sessions and bookings")
    parser.add_argument("--seconds", type=float, default=6, help="length of each wrk run (after a warm-up)")
    parser.add_argument("--rounds", type=int, default=3, help="wrk runs per request, each between bare runs (median)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn sync workers")
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
