"""The `reports` section of `make bench`: each report's time on a data set a tenth the size and on the full
one, and how the cost grows between them.

The reports are called as their pages, CSV and API call them (`tracker.coverage`), inside the bench's app on
the data sets `bench.run` builds. With `make bench SCALE=10` the two sizes are the council's (1×) and the
region's (10×); the goal for the regional set is a median of at most 0.5 s and a 95th percentile of at
most 1 s on PostgreSQL.
"""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

MEDIAN_GOAL = 0.5
P95_GOAL = 1.0


@dataclass(frozen=True)
class Timing:
    median: float
    p95: float


def _time(run: Callable[[], Any], repeat: int) -> Timing:
    run()  # warm-up: compiled statements and the database's own caches
    seconds = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        seconds.append(time.perf_counter() - started)
    seconds.sort()
    p95 = seconds[min(len(seconds) - 1, round(0.95 * (len(seconds) - 1)))]
    return Timing(statistics.median(seconds), p95)


def _reports(built: Any) -> dict[str, Callable[[], Any]]:
    """Each report, as a callable that answers it once and ends its unit of work (a read: rolled back)."""
    from sqlalchemy import func, select

    from tracker.coverage import board, demand, export, loading, queries, trend
    from tracker.extensions import db
    from tracker.people.models import Person

    data = built.dataset
    with built.app.app_context():
        # The organisation with the most people: the heaviest one-organisation report.
        largest = db.session.execute(
            select(Person.organisation_id).group_by(Person.organisation_id).order_by(func.count().desc())
        ).scalar()
        db.session.rollback()

    def answered(work: Callable[[Any], Any]) -> Callable[[], Any]:
        def run() -> Any:
            with built.app.app_context():
                try:
                    return work(loading.get_course(data.course_code))
                finally:
                    db.session.rollback()

        return run

    def coverage(organisation_id: int | None):
        return lambda course: queries.coverage_report(
            course=course, as_of=data.as_of, period_start=data.period_start, organisation_id=organisation_id
        )

    return {
        "Coverage, every organisation": answered(coverage(None)),
        "Coverage, one organisation": answered(coverage(largest)),
        "Coverage CSV, every organisation": answered(lambda course: export.coverage_csv(coverage(None)(course))),
        # The coverage page shows this chart under the report: percent trained at the last eight quarter ends.
        "Coverage page's chart, every organisation": answered(
            lambda course: trend.quarterly_coverage(course=course, as_of=data.as_of)
        ),
        "Board report for a year": answered(
            lambda course: board.board_report(date_from=data.period_start, date_to=data.as_of, course=course)
        ),
        "Demand planning, every organisation": answered(
            lambda course: demand.demand_plan(
                course=course, target_date=data.as_of + timedelta(days=180), today=data.as_of
            )
        ),
    }


def measure(bench: Any, backend: str) -> dict[tuple[str, str], Timing]:
    """(report, size) → timing, for the small ("1×") and full ("10×") data sets on `backend`."""
    from bench.common import say

    figures: dict[tuple[str, str], Timing] = {}
    for label, built in (("1×", bench.small_data_set(backend)), ("10×", bench.data_set(backend))):
        if built is None:
            return {}
        for name, run in _reports(built).items():
            say(f"[{backend}] {label} {name}...")
            figures[(name, label)] = _time(run, bench.options.repeat)
    return figures


def reports_section(bench: Any) -> str:
    from bench import dataset
    from bench.common import markdown_table, say

    rows = []
    goals_met: dict[str, tuple[Timing, bool]] = {}
    for backend in bench.options.backends:
        figures = measure(bench, backend)
        if not figures:
            continue
        names = list(dict.fromkeys(name for name, _ in figures))
        for name in names:
            small, large = figures[(name, "1×")], figures[(name, "10×")]
            met = large.median <= MEDIAN_GOAL and large.p95 <= P95_GOAL
            if backend == "postgresql":
                goals_met[name] = (large, met)
            rows.append(
                [
                    backend,
                    name,
                    f"{small.median * 1000:,.0f} ms",
                    f"{large.median * 1000:,.0f} ms",
                    f"{large.p95 * 1000:,.0f} ms",
                    f"{large.median / small.median:.1f}×",
                    "yes" if met else "**no**",
                ]
            )
    if not rows:
        return "Not measured: no database was available."
    bench.notes["reports"] = goals_met
    table = markdown_table(
        ["Backend", "Report", "1× median", "10× median", "10× p95", "Growth", "≤ 0.5 s median, ≤ 1 s p95 at 10×"],
        rows,
    )
    say("\n" + table + "\n")
    small, large = dataset.FULL.times(bench.options.scale / 10), dataset.FULL.times(bench.options.scale)
    return "\n".join(
        [
            "Each report as its page, CSV and API produce it (`tracker.coverage`: `coverage_report`, `coverage_csv`,",
            "`quarterly_coverage` (the chart the coverage page shows under the report: the last eight quarter ends),",
            "`board_report` for the year to the as-of date, `demand_plan` six months ahead), on a data set a tenth",
            f"the size ({small.people:,} people, {small.departments:,} departments of {small.organisations} organisations,",
            f"{small.bookings:,} bookings) and on the full one ({large.people:,} people, {large.departments:,} departments",
            f"of {large.organisations} organisations, {large.bookings:,} bookings). Median and 95th percentile of",
            f"{bench.options.repeat} runs after a warm-up. Growth is the 10× median over the 1× median: a report that",
            "reads every person grows about tenfold; the goal is set for `make bench SCALE=10` (the region) on",
            "PostgreSQL.",
            "",
            table,
        ]
    )
