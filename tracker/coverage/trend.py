"""Coverage at each quarter end: the trend on the Coverage page and the board report's chart."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date
from typing import Any

from tracker.common.time import add_months, today_london
from tracker.courses.models import Course
from tracker.coverage.loading import EVERYTHING, CoverageContext, CoverageScope, load_context
from tracker.coverage.queries import CHART_YEARS, _check_organisation, count_required_trained, percent_of


def quarter_ends(as_of: date, *, years: int = CHART_YEARS) -> list[date]:
    """Quarter ends (31 March, 30 June, 30 September, 31 December) after `years` before `as_of`, up to it."""
    earliest = add_months(as_of, -12 * years)
    ends = []
    for year in range(earliest.year, as_of.year + 1):
        for month, day in ((3, 31), (6, 30), (9, 30), (12, 31)):
            end = date(year, month, day)
            if earliest < end <= as_of:
                ends.append(end)
    return ends


@dataclass(frozen=True)
class QuarterPoint:
    quarter_end: date
    required: int
    trained: int

    @property
    def percent(self) -> int | None:
        return percent_of(self.trained, self.required)


@dataclass(frozen=True)
class QuarterlySeries:
    """One line of the chart: an organisation's total, or a department a manager manages."""

    label: str
    organisation_id: int
    department_id: int | None
    points: list[QuarterPoint]


@dataclass(frozen=True)
class QuarterlyCoverage:
    course: Course
    quarter_ends: list[date]
    series: list[QuarterlySeries]

    @property
    def target_percent(self) -> int:
        return self.course.target_percent

    def chart_data(self) -> dict[str, Any]:
        """What static/js/coverage-chart.js draws: quarter labels, one line per series, the target line."""
        return {
            "labels": [end.isoformat() for end in self.quarter_ends],
            "target": self.target_percent,
            "series": [{"label": s.label, "data": [p.percent for p in s.points]} for s in self.series],
        }


def quarterly_coverage(
    *,
    course: Course,
    as_of: date | None = None,
    organisation_id: int | None = None,
    scope: CoverageScope = EVERYTHING,
    context: CoverageContext | None = None,
    organisation_ids: Iterable[int] | None = None,
) -> QuarterlyCoverage:
    """Percent trained at each quarter end of the last two years: one series per organisation total (or,
    for a manager, per department they manage). One counting statement for all the quarters.

    `organisation_ids` limits the series to these organisations (the ones a report shows).
    """
    as_of = as_of or today_london()
    context = context or load_context(course=course, scope=scope)
    _check_organisation(context, organisation_id)
    ends = quarter_ends(as_of)
    if not ends:
        return QuarterlyCoverage(course, [], [])
    tree = context.tree
    allowed = context.scope_department_ids
    if allowed is None:
        wanted_organisations = set(organisation_ids) if organisation_ids is not None else set(tree.organisations)
        if organisation_id is not None:
            wanted_organisations &= {organisation_id}
        placed_in = tree.of_organisation(organisation_id) if organisation_id is not None else None
        counts = count_required_trained(
            context, ends, placed_in=placed_in, department_rows=set(), organisation_totals=True
        )
        series = [
            QuarterlySeries(
                tree.organisations[o],
                o,
                None,
                [QuarterPoint(end, *counts.get((end, o, None), (0, 0))) for end in ends],
            )
            for o in sorted(wanted_organisations, key=lambda o: (tree.organisations[o].casefold(), o))
        ]
        return QuarterlyCoverage(course, ends, series)
    roots = tree.roots(context.scope.managed_department_ids & set(tree.departments))
    if organisation_id is not None:
        roots = {r for r in roots if tree.departments[r].organisation_id == organisation_id}
    counts = count_required_trained(context, ends, placed_in=allowed, department_rows=roots, organisation_totals=False)
    series = [
        QuarterlySeries(
            tree.departments[r].path,
            tree.departments[r].organisation_id,
            r,
            [QuarterPoint(end, *counts.get((end, None, r), (0, 0))) for end in ends],
        )
        for r in sorted(roots, key=lambda r: tree.departments[r].sort_key)
    ]
    return QuarterlyCoverage(course, ends, series)
