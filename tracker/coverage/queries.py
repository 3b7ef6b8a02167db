"""Coverage: trained against required for a course as of a date, per department and organisation.

The rules are DESIGN.md's "The rules that numbers depend on":

- *required*: people whose placement covers the day, who have not left, and whom a requirement of the
  course in force that day covers (same organisation; the requirement's department subtree, if set,
  holds the department they are placed in that day; its job titles, if any, hold theirs, ignoring case);
- *trained*: those of them with a training record of the course or an equivalent course, completed on
  or before the day and not expired on it;
- *percent*: trained / required x 100 rounded half up (none when nobody is required), then RAG;
- *sessions delivered* to a department in [period start, day]: sessions of the course, not cancelled,
  starting in the period (London dates) at which someone then placed in the department (or beneath)
  attended or partly attended; *attendees* counts those attendances.

A department's row counts the people placed in it or beneath it, each person once per row, and each
organisation has a total row. Every read here issues a fixed number of SQL statements whatever the
size of the data: the counts come from set-based statements (a recursive CTE gives each department's
ancestors, GROUP BY counts distinct people per row); Python only labels and orders the rows.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Select,
    and_,
    case,
    cast,
    distinct,
    exists,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.selectable import CTE

from tracker.attendance.models import Attendance, AttendanceOutcome, TrainingRecord
from tracker.booking.models import Booking
from tracker.common.time import add_months, end_of_london_day, start_of_london_day, today_london
from tracker.courses.models import Course, SessionStatus, TrainingSession
from tracker.coverage.loading import (
    EVERYTHING,
    CoverageContext,
    CoverageError,
    CoverageScope,
    DepartmentNode,
    DepartmentTree,
    UnknownOrganisationError,
    load_context,
    load_tree,
)
from tracker.coverage.rag import Rag, gap_to_target, percent, rag
from tracker.coverage.sql import london_date
from tracker.extensions import db
from tracker.people.models import Department, Person, Placement

#: A valid record that ends within this many days of the as-of date is "expiring soon".
EXPIRING_WITHIN_DAYS = 90
#: The quarterly chart covers quarter ends within this many years up to the as-of date.
CHART_YEARS = 2
#: Attendance outcomes that count as attendees of a session.
ATTENDED_OUTCOMES = (AttendanceOutcome.ATTENDED, AttendanceOutcome.PARTIAL)


# --- The arithmetic: one implementation for every figure in the product (tracker/coverage/rag.py) ---------

percent_of = percent
rag_for = rag


# --- Rows ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CoverageRow:
    """One line of the report: a department (with everything beneath it) or an organisation's total."""

    organisation_id: int
    organisation: str
    department_id: int | None
    department: str | None
    #: "Children and Family Services/Fostering"; None on an organisation's total row.
    department_path: str | None
    #: 0 for an organisation total, 1 for a top department, 2 for a team inside it...
    depth: int
    required: int
    trained: int
    target_percent: int
    sessions_delivered: int
    attendees: int

    @property
    def is_total(self) -> bool:
        return self.department_id is None

    @property
    def percent(self) -> int | None:
        return percent_of(self.trained, self.required)

    @property
    def rag(self) -> Rag | None:
        return rag_for(self.percent, self.target_percent)

    @property
    def gap(self) -> int:
        return gap_to_target(self.trained, self.required, self.target_percent)

    @property
    def untrained(self) -> int:
        return self.required - self.trained


@dataclass(frozen=True)
class OrganisationRows:
    organisation_id: int
    organisation: str
    #: The total row (None for a manager, who sees only their departments) then departments in tree order.
    total: CoverageRow | None
    departments: list[CoverageRow]

    @property
    def rows(self) -> list[CoverageRow]:
        return ([self.total] if self.total else []) + self.departments


@dataclass(frozen=True)
class CoverageReport:
    course: Course
    as_of: date
    period_start: date
    organisations: list[OrganisationRows]

    @property
    def target_percent(self) -> int:
        return self.course.target_percent

    @property
    def rows(self) -> list[CoverageRow]:
        return [row for organisation in self.organisations for row in organisation.rows]


# --- Who sees what --------------------------------------------------------------------------------------


# --- Loading what every report needs (a few small statements) ---------------------------------------------


# --- SQL building blocks ------------------------------------------------------------------------------------


def _days_cte(days: Sequence[date]) -> CTE:
    """The days asked about, as a one-column table (so one statement answers for many days)."""
    selects = [select(literal(day, Date()).label("day")) for day in days]
    return (selects[0] if len(selects) == 1 else union_all(*selects)).cte("coverage_day")


def department_closure() -> CTE:
    """(department_id, ancestor_id) for every department and each of its ancestors, itself included."""
    closure = select(Department.id.label("department_id"), Department.id.label("ancestor_id")).cte(
        "department_closure", recursive=True
    )
    return closure.union_all(
        select(closure.c.department_id, Department.parent_id)
        .join(Department, Department.id == closure.c.ancestor_id)
        .where(Department.parent_id.is_not(None))
    )


def _placement_covers(day: Any, placement: Any = Placement) -> ColumnElement[bool]:
    """The placement covers `day`: `placement` is the model or columns named like it (a CTE's)."""
    return and_(placement.from_date <= day, or_(placement.to_date.is_(None), placement.to_date > day))


def _not_left(day: Any, end_date: Any = Person.end_date) -> ColumnElement[bool]:
    return or_(end_date.is_(None), end_date > day)


def _required_since(context: CoverageContext) -> ColumnElement[date | None]:
    """From which day one of the course's requirements covers (Person, Placement): the earliest `from_date` of
    those that match them (a requirement stays in force once it starts), else NULL. A person placed there is
    required on day D when this is on or before D.

    Each requirement matches the same organisation, the department subtree it names (if any) and the job
    titles it names (if any, ignoring case)."""
    whens = []
    for rule in sorted(context.requirements, key=lambda rule: rule.from_date):  # CASE takes the first match
        parts: list[ColumnElement[bool]] = [Person.organisation_id == rule.organisation_id]
        if rule.department_id is not None:
            parts.append(Placement.department_id.in_(sorted(context.tree.subtree([rule.department_id]))))
        if rule.job_titles:
            parts.append(func.lower(func.trim(Person.job_title)).in_(rule.job_titles))
        whens.append((and_(*parts), literal(rule.from_date, Date())))
    return case(*whens) if whens else cast(null(), Date)


def _valid_record(context: CoverageContext, person_id: Any, day: Any) -> ColumnElement[bool]:
    """A record of the course or an equivalent, completed by `day` and not expired on it, for the person."""
    return exists().where(
        TrainingRecord.person_id == person_id,
        TrainingRecord.course_id.in_(context.satisfying_course_ids),
        TrainingRecord.completed_on <= day,
        or_(TrainingRecord.expires_on.is_(None), TrainingRecord.expires_on > day),
    )


def _eligible(
    context: CoverageContext, days: CTE, placed_in: set[int] | None, person_ids: Sequence[int] | None = None
) -> Select:
    """(day, department_id, person_id, trained) for each required person's placement on each day.

    Which requirement covers a placement does not depend on the day, only from when: that is worked out once
    per placement (`required_placement`), then each day asked about takes the placements covering it."""
    since = _required_since(context)
    placements = (
        select(
            Placement.department_id,
            Placement.person_id,
            Placement.from_date,
            Placement.to_date,
            Person.end_date,
            since.label("required_since"),
        )
        .join(Person, Person.id == Placement.person_id)
        .where(since.is_not(None))
    )
    if placed_in is not None:
        placements = placements.where(Placement.department_id.in_(sorted(placed_in)))
    if person_ids is not None:
        placements = placements.where(Placement.person_id.in_(list(person_ids)))
    # MATERIALIZED: else PostgreSQL inlines the CTE and matches the requirements once per day again (the chart
    # of eight quarter ends 2.6-2.8 s without, 1.7-1.9 s with, at regional scale). SQLite reads it from 3.35 only.
    placed = placements.cte("required_placement").prefix_with("MATERIALIZED", dialect="postgresql")
    day = days.c.day
    return (
        select(
            day,
            placed.c.department_id,
            placed.c.person_id,
            case((_valid_record(context, placed.c.person_id, day), 1), else_=0).label("trained"),
        )
        .select_from(days)
        .join(
            placed,
            and_(placed.c.required_since <= day, _placement_covers(day, placed.c), _not_left(day, placed.c.end_date)),
        )
    )


@dataclass(frozen=True)
class _Counts:
    required: int = 0
    trained: int = 0
    sessions: int = 0
    attendees: int = 0


def _as_date(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(str(value))


def count_required_trained(
    context: CoverageContext,
    days: Sequence[date],
    *,
    placed_in: set[int] | None,
    department_rows: set[int] | None,
    organisation_totals: bool,
) -> dict[tuple[date, int | None, int | None], tuple[int, int]]:
    """{(day, organisation_id, None) or (day, None, department_id): (required, trained)} in ONE statement.

    `placed_in` limits the people counted to those placed in these departments (None: everyone);
    `department_rows` limits which department rows are returned (None: all; empty: none).
    """
    day_table = _days_cte(days)
    eligible = _eligible(context, day_table, placed_in).cte("eligible")
    trained_person = case((eligible.c.trained == 1, eligible.c.person_id))
    parts = []
    if department_rows is None or department_rows:
        closure = department_closure()
        by_department = (
            select(
                eligible.c.day,
                cast(null(), Integer).label("organisation_id"),
                closure.c.ancestor_id.label("department_id"),
                func.count(distinct(eligible.c.person_id)).label("required"),
                func.count(distinct(trained_person)).label("trained"),
            )
            .join(closure, closure.c.department_id == eligible.c.department_id)
            .group_by(eligible.c.day, closure.c.ancestor_id)
        )
        if department_rows is not None:
            by_department = by_department.where(closure.c.ancestor_id.in_(sorted(department_rows)))
        parts.append(by_department)
    if organisation_totals:
        parts.append(
            select(
                eligible.c.day,
                Department.organisation_id,
                cast(null(), Integer).label("department_id"),
                func.count(distinct(eligible.c.person_id)).label("required"),
                func.count(distinct(trained_person)).label("trained"),
            )
            .join(Department, Department.id == eligible.c.department_id)
            .group_by(eligible.c.day, Department.organisation_id)
        )
    if not parts:
        return {}
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    return {
        (_as_date(day), organisation_id, department_id): (required, trained)
        for day, organisation_id, department_id, required, trained in db.session.execute(statement)
    }


def count_sessions_attendees(
    context: CoverageContext,
    period_start: date,
    as_of: date,
    *,
    placed_in: set[int] | None,
    department_rows: set[int] | None,
    organisation_totals: bool,
) -> dict[tuple[int | None, int | None], tuple[int, int]]:
    """{(organisation_id, None) or (None, department_id): (sessions delivered, attendees)} in ONE statement."""
    session_day = london_date(TrainingSession.starts_at)
    attendee = (
        select(TrainingSession.id.label("session_id"), Booking.person_id, Placement.department_id)
        .join(Booking, Booking.session_id == TrainingSession.id)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .join(Placement, and_(Placement.person_id == Booking.person_id, _placement_covers(session_day)))
        .where(
            TrainingSession.course_id == context.course.id,
            TrainingSession.status != SessionStatus.CANCELLED,
            TrainingSession.starts_at >= start_of_london_day(period_start),
            TrainingSession.starts_at < end_of_london_day(as_of),
            Attendance.outcome.in_(ATTENDED_OUTCOMES),
        )
    )
    if placed_in is not None:
        attendee = attendee.where(Placement.department_id.in_(sorted(placed_in)))
    attendee_cte = attendee.cte("attendee")
    parts = []
    if department_rows is None or department_rows:
        closure = department_closure()
        per_department = (
            select(closure.c.ancestor_id.label("department_id"), attendee_cte.c.session_id, attendee_cte.c.person_id)
            .join(closure, closure.c.department_id == attendee_cte.c.department_id)
            .distinct()
        )
        if department_rows is not None:
            per_department = per_department.where(closure.c.ancestor_id.in_(sorted(department_rows)))
        pairs = per_department.subquery("department_attendance")
        parts.append(
            select(
                cast(null(), Integer).label("organisation_id"),
                pairs.c.department_id,
                func.count(distinct(pairs.c.session_id)),
                func.count(),
            ).group_by(pairs.c.department_id)
        )
    if organisation_totals:
        pairs = (
            select(Department.organisation_id, attendee_cte.c.session_id, attendee_cte.c.person_id)
            .join(Department, Department.id == attendee_cte.c.department_id)
            .distinct()
            .subquery("organisation_attendance")
        )
        parts.append(
            select(
                pairs.c.organisation_id,
                cast(null(), Integer).label("department_id"),
                func.count(distinct(pairs.c.session_id)),
                func.count(),
            ).group_by(pairs.c.organisation_id)
        )
    if not parts:
        return {}
    statement = parts[0] if len(parts) == 1 else union_all(*parts)
    return {
        (organisation_id, department_id): (sessions, attendees)
        for organisation_id, department_id, sessions, attendees in db.session.execute(statement)
    }


def required_people(context: CoverageContext, day: date, person_ids: Sequence[int]) -> dict[int, bool]:
    """{person_id: trained?} for those of `person_ids` required on `day` (ONE statement)."""
    if not person_ids:
        return {}
    eligible = _eligible(context, _days_cte([day]), None, person_ids).subquery()
    rows = db.session.execute(select(eligible.c.person_id, func.max(eligible.c.trained)).group_by(eligible.c.person_id))
    return {person_id: bool(trained) for person_id, trained in rows}


# --- The report ---------------------------------------------------------------------------------------------


def default_period_start(as_of: date) -> date:
    """One year before the as-of date."""
    return add_months(as_of, -12)


def _check_dates(as_of: date, period_start: date) -> None:
    if period_start > as_of:
        raise CoverageError("The period start must be on or before the as-of date", field="period_start")


def _check_organisation(context: CoverageContext, organisation_id: int | None) -> None:
    if organisation_id is not None and organisation_id not in context.tree.organisations:
        raise UnknownOrganisationError("There is no such organisation", field="organisation_id")


@dataclass(frozen=True)
class _Restriction:
    """Which people are counted and which rows come back, from the scope and the filters."""

    placed_in: set[int] | None
    department_rows: set[int] | None
    organisation_totals: bool


def _restriction(
    context: CoverageContext,
    organisation_id: int | None,
    department_id: int | None = None,
    organisations: Collection[int] | None = None,
) -> _Restriction:
    allowed = context.scope_department_ids  # None: everything
    if department_id is not None:
        subtree = context.tree.subtree([department_id])
        if allowed is not None:
            subtree &= allowed
        return _Restriction(placed_in=subtree, department_rows=subtree, organisation_totals=False)
    if organisation_id is not None:
        organisations = [organisation_id]
    if organisations is not None:  # those organisations' rows, counting only their people
        departments = {d for o in organisations for d in context.tree.of_organisation(o)}
        if allowed is not None:
            departments &= allowed
        return _Restriction(placed_in=departments, department_rows=departments, organisation_totals=allowed is None)
    if allowed is not None:
        return _Restriction(placed_in=allowed, department_rows=allowed, organisation_totals=False)
    return _Restriction(placed_in=None, department_rows=None, organisation_totals=True)


def coverage_report(
    *,
    course: Course,
    as_of: date | None = None,
    period_start: date | None = None,
    organisation_id: int | None = None,
    department_id: int | None = None,
    organisations: Collection[int] | None = None,
    scope: CoverageScope = EVERYTHING,
    context: CoverageContext | None = None,
) -> CoverageReport:
    """Required, trained, percent, RAG, sessions delivered and attendees per organisation and department.

    A coordinator's report has every organisation that takes part (a requirement of the course, someone
    required, or a session delivered) with a total row each; a manager's (`scope`) has only the
    departments they manage and beneath, without organisation totals. `organisation_id` or
    `department_id` narrow it; `organisations` keeps those of these organisations that take part (the board
    report's councils), counting only their people, so its rows are the whole report's rows for them.
    Five statements with the context, whatever the size.
    Raises CoverageError (period start after the as-of date), UnknownOrganisationError.
    """
    as_of = as_of or today_london()
    period_start = period_start or default_period_start(as_of)
    _check_dates(as_of, period_start)
    context = context or load_context(course=course, scope=scope)
    _check_organisation(context, organisation_id)
    restriction = _restriction(context, organisation_id, department_id, organisations)

    people = count_required_trained(
        context,
        [as_of],
        placed_in=restriction.placed_in,
        department_rows=restriction.department_rows,
        organisation_totals=restriction.organisation_totals,
    )
    sessions = count_sessions_attendees(
        context,
        period_start,
        as_of,
        placed_in=restriction.placed_in,
        department_rows=restriction.department_rows,
        organisation_totals=restriction.organisation_totals,
    )

    def counts(organisation: int | None, department: int | None) -> _Counts:
        required, trained = people.get((as_of, organisation, department), (0, 0))
        delivered, attendees = sessions.get((organisation, department), (0, 0))
        return _Counts(required, trained, delivered, attendees)

    tree = context.tree
    target = course.target_percent
    if restriction.department_rows is None:
        shown_departments = set(tree.departments)
    else:
        shown_departments = restriction.department_rows
    by_organisation: dict[int, list[DepartmentNode]] = {}
    for department in shown_departments:
        node = tree.departments[department]
        by_organisation.setdefault(node.organisation_id, []).append(node)

    if restriction.organisation_totals:
        organisation_ids = set(by_organisation)
        if organisation_id is None:
            # Only organisations that take part in this course; a named one is always shown.
            taking_part = {rule.organisation_id for rule in context.requirements if rule.from_date <= as_of}
            taking_part |= {o for (_, o, _) in people if o is not None}
            taking_part |= {o for (o, _) in sessions if o is not None}
            organisation_ids &= taking_part
        else:
            organisation_ids = {organisation_id}
    else:
        organisation_ids = set(by_organisation)

    result = []
    for organisation in sorted(organisation_ids, key=lambda o: (tree.organisations[o].casefold(), o)):
        name = tree.organisations[organisation]
        total = None
        if restriction.organisation_totals:
            c = counts(organisation, None)
            total = CoverageRow(
                organisation, name, None, None, None, 0, c.required, c.trained, target, c.sessions, c.attendees
            )
        rows = []
        for node in sorted(by_organisation.get(organisation, []), key=lambda n: n.sort_key):
            c = counts(None, node.id)
            rows.append(
                CoverageRow(
                    organisation,
                    name,
                    node.id,
                    node.name,
                    node.path,
                    node.depth,
                    c.required,
                    c.trained,
                    target,
                    c.sessions,
                    c.attendees,
                )
            )
        result.append(OrganisationRows(organisation, name, total, rows))
    return CoverageReport(course=course, as_of=as_of, period_start=period_start, organisations=result)


def can_view_department(scope: CoverageScope, department: Department, *, tree: DepartmentTree | None = None) -> bool:
    """A coordinator sees every department; a manager those they manage and beneath them."""
    if scope.everything:
        return True
    if department.id in scope.managed_department_ids:
        return True
    tree = tree or load_tree()
    return department.id in tree.subtree(scope.managed_department_ids)


# --- Percent by quarter ------------------------------------------------------------------------------------------


# --- Drill-down: the people still to train ----------------------------------------------------------------------


# --- A person's own requirements ("My training") -------------------------------------------------------------------
