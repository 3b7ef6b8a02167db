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

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from enum import StrEnum
from functools import cache
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    cast,
    distinct,
    exists,
    false,
    func,
    literal,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import aliased
from sqlalchemy.sql.selectable import CTE

from tracker.accounts.models import Role
from tracker.attendance.models import Attendance, AttendanceOutcome, TrainingRecord
from tracker.booking.models import Booking
from tracker.common.database import read_rows
from tracker.common.errors import TrackerError
from tracker.common.time import add_months, end_of_london_day, start_of_london_day, today_london
from tracker.courses.models import Course, CourseEquivalence, Requirement, SessionStatus, TrainingSession
from tracker.coverage.rag import Rag, gap_to_target, percent, rag
from tracker.coverage.sql import london_date
from tracker.extensions import db
from tracker.people.models import Department, DepartmentManager, Organisation, Person, Placement

#: A valid record that ends within this many days of the as-of date is "expiring soon".
EXPIRING_WITHIN_DAYS = 90
#: The quarterly chart covers quarter ends within this many years up to the as-of date.
CHART_YEARS = 2
#: Attendance outcomes that count as attendees of a session.
ATTENDED_OUTCOMES = (AttendanceOutcome.ATTENDED, AttendanceOutcome.PARTIAL)


class CoverageError(TrackerError):
    """A coverage question that cannot be answered as asked (bad dates, unknown course or department)."""


class UnknownCourseError(CoverageError):
    code = "unknown_course"
    status = 404


class UnknownOrganisationError(CoverageError):
    code = "unknown_organisation"
    status = 404


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


@dataclass(frozen=True)
class CoverageScope:
    """The rows a user may see: everything (coordinator), or the departments they manage and beneath."""

    everything: bool
    managed_department_ids: frozenset[int] = frozenset()


EVERYTHING = CoverageScope(everything=True)


def scope_for(user: Any) -> CoverageScope:
    """A coordinator sees every organisation; anyone else the departments they manage (one query)."""
    if user.has_role(Role.COORDINATOR):
        return EVERYTHING
    managed = db.session.scalars(
        select(DepartmentManager.department_id).where(DepartmentManager.person_id == user.person_id)
    )
    return CoverageScope(everything=False, managed_department_ids=frozenset(managed))


# --- Loading what every report needs (a few small statements) ---------------------------------------------


@dataclass(frozen=True)
class DepartmentNode:
    id: int
    organisation_id: int
    parent_id: int | None
    name: str
    path: str

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    @property
    def sort_key(self) -> tuple[str, ...]:
        return tuple(part.casefold() for part in self.path.split("/"))


@dataclass
class DepartmentTree:
    """Every department and organisation, loaded once, to label rows and find subtrees without SQL."""

    organisations: dict[int, str]
    departments: dict[int, DepartmentNode]
    children: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in self.departments.values():
            if node.parent_id is not None:
                self.children.setdefault(node.parent_id, []).append(node.id)

    def subtree(self, department_ids: Iterable[int]) -> set[int]:
        """The departments given and every department beneath them."""
        found: set[int] = set()
        stack = [d for d in department_ids if d in self.departments]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def of_organisation(self, organisation_id: int) -> set[int]:
        return {d.id for d in self.departments.values() if d.organisation_id == organisation_id}

    def roots(self, department_ids: Iterable[int]) -> set[int]:
        """The given departments that have no ancestor among them."""
        ids = set(department_ids)
        roots = set()
        for department_id in ids:
            node = self.departments.get(department_id)
            ancestor = node.parent_id if node else None
            while ancestor is not None and ancestor not in ids:
                ancestor = self.departments[ancestor].parent_id
            if node is not None and ancestor is None:
                roots.add(department_id)
        return roots


def load_tree() -> DepartmentTree:
    """Organisations and departments (one statement)."""
    rows = db.session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Department.id,
            Department.parent_id,
            Department.name,
            Department.path,
        ).outerjoin(Department, Department.organisation_id == Organisation.id)
    ).all()
    organisations: dict[int, str] = {}
    departments: dict[int, DepartmentNode] = {}
    for organisation_id, organisation_name, department_id, parent_id, name, path in rows:
        organisations[organisation_id] = organisation_name
        if department_id is not None:
            departments[department_id] = DepartmentNode(department_id, organisation_id, parent_id, name, path)
    return DepartmentTree(organisations, departments)


@dataclass(frozen=True)
class RequirementRule:
    organisation_id: int
    department_id: int | None
    #: Lower-cased; empty means every job title.
    job_titles: tuple[str, ...]
    from_date: date


@dataclass
class CoverageContext:
    """What a coverage question needs besides the counts: the course, its equivalents, the rules, the tree."""

    course: Course
    satisfying_course_ids: list[int]
    requirements: list[RequirementRule]
    tree: DepartmentTree
    scope: CoverageScope = EVERYTHING

    @property
    def scope_department_ids(self) -> set[int] | None:
        """None when the scope is everything; else the managed departments and everything beneath them."""
        if self.scope.everything:
            return None
        return self.tree.subtree(self.scope.managed_department_ids)


def list_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.code, Course.id)))


def find_course(code: str) -> Course | None:
    return db.session.scalar(select(Course).where(func.upper(Course.code) == code.strip().upper()))


def get_course(code: str) -> Course:
    """The course with this code (ignoring case). Raises UnknownCourseError."""
    course = find_course(code or "")
    if course is None:
        raise UnknownCourseError(f"There is no course with the code {code}", field="course")
    return course


def load_context(*, course: Course, scope: CoverageScope = EVERYTHING, tree: DepartmentTree | None = None):
    """The course's equivalents, its requirements and the department tree (three statements)."""
    equivalents = db.session.scalars(
        select(CourseEquivalence.equivalent_course_id).where(CourseEquivalence.course_id == course.id)
    )
    requirements = [
        RequirementRule(
            organisation_id=r.organisation_id,
            department_id=r.department_id,
            job_titles=tuple(sorted({t.strip().lower() for t in (r.job_titles or []) if t and t.strip()})),
            from_date=r.from_date,
        )
        for r in db.session.scalars(
            select(Requirement).where(Requirement.course_id == course.id).order_by(Requirement.id)
        )
    ]
    return CoverageContext(
        course=course,
        satisfying_course_ids=[course.id, *equivalents],
        requirements=requirements,
        tree=tree or load_tree(),
        scope=scope,
    )


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


def _placement_covers(day: Any) -> ColumnElement[bool]:
    return and_(Placement.from_date <= day, or_(Placement.to_date.is_(None), Placement.to_date > day))


def _not_left(day: Any) -> ColumnElement[bool]:
    return or_(Person.end_date.is_(None), Person.end_date > day)


def _required_clause(context: CoverageContext, day: Any) -> ColumnElement[bool]:
    """Whether one of the course's requirements covers (Person, Placement) on `day`."""
    clauses = []
    # `organisation_id + 0`, not the bare column: with one `organisation_id = ?` per requirement, SQLite reads
    # people through the organisation index once per requirement and day (a MULTI-INDEX OR) instead of walking
    # the placements covering the day, which makes the quarterly counts about twice as slow.
    organisation_id = Person.organisation_id + 0
    for rule in context.requirements:
        parts: list[ColumnElement[bool]] = [
            organisation_id == rule.organisation_id,
            literal(rule.from_date, Date()) <= day,
        ]
        if rule.department_id is not None:
            parts.append(Placement.department_id.in_(sorted(context.tree.subtree([rule.department_id]))))
        if rule.job_titles:
            parts.append(func.lower(func.trim(Person.job_title)).in_(rule.job_titles))
        clauses.append(and_(*parts))
    return or_(*clauses) if clauses else false()


def _valid_record(context: CoverageContext, day: Any) -> ColumnElement[bool]:
    """A record of the course or an equivalent, completed by `day` and not expired on it, for Person."""
    return exists().where(
        TrainingRecord.person_id == Person.id,
        TrainingRecord.course_id.in_(context.satisfying_course_ids),
        TrainingRecord.completed_on <= day,
        or_(TrainingRecord.expires_on.is_(None), TrainingRecord.expires_on > day),
    )


def _eligible(
    context: CoverageContext, days: CTE, placed_in: set[int] | None, person_ids: Sequence[int] | None = None
) -> Select:
    """(day, department_id, person_id, trained) for each required person's placement on each day."""
    statement = (
        select(
            days.c.day,
            Placement.department_id,
            Person.id.label("person_id"),
            case((_valid_record(context, days.c.day), 1), else_=0).label("trained"),
        )
        .select_from(days)
        .join(Placement, _placement_covers(days.c.day))
        .join(Person, Person.id == Placement.person_id)
        .where(_not_left(days.c.day), _required_clause(context, days.c.day))
    )
    if placed_in is not None:
        statement = statement.where(Placement.department_id.in_(sorted(placed_in)))
    if person_ids is not None:
        statement = statement.where(Person.id.in_(list(person_ids)))
    return statement


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
    context: CoverageContext, organisation_id: int | None, department_id: int | None = None
) -> _Restriction:
    allowed = context.scope_department_ids  # None: everything
    if department_id is not None:
        subtree = context.tree.subtree([department_id])
        if allowed is not None:
            subtree &= allowed
        return _Restriction(placed_in=subtree, department_rows=subtree, organisation_totals=False)
    if organisation_id is not None:
        departments = context.tree.of_organisation(organisation_id)
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
    scope: CoverageScope = EVERYTHING,
    context: CoverageContext | None = None,
) -> CoverageReport:
    """Required, trained, percent, RAG, sessions delivered and attendees per organisation and department.

    A coordinator's report has every organisation that takes part (a requirement of the course, someone
    required, or a session delivered) with a total row each; a manager's (`scope`) has only the
    departments they manage and beneath, without organisation totals. `organisation_id` or
    `department_id` narrow it. Five statements with the context, whatever the size.
    Raises CoverageError (period start after the as-of date), UnknownOrganisationError.
    """
    as_of = as_of or today_london()
    period_start = period_start or default_period_start(as_of)
    _check_dates(as_of, period_start)
    context = context or load_context(course=course, scope=scope)
    _check_organisation(context, organisation_id)
    restriction = _restriction(context, organisation_id, department_id)

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


# --- Drill-down: the people still to train ----------------------------------------------------------------------


class PersonTrainingStatus(StrEnum):
    NEVER_TRAINED = "never_trained"
    EXPIRED = "expired"
    EXPIRING = "expiring"
    VALID = "valid"

    @property
    def label(self) -> str:
        return {
            PersonTrainingStatus.NEVER_TRAINED: "Never trained",
            PersonTrainingStatus.EXPIRED: "Expired",
            PersonTrainingStatus.EXPIRING: "Expiring soon",
            PersonTrainingStatus.VALID: "Trained",
        }[self]

    @property
    def tag_class(self) -> str:
        return {
            PersonTrainingStatus.NEVER_TRAINED: "govuk-tag--red",
            PersonTrainingStatus.EXPIRED: "govuk-tag--red",
            PersonTrainingStatus.EXPIRING: "govuk-tag--yellow",
            PersonTrainingStatus.VALID: "govuk-tag--green",
        }[self]


def is_expiring(expires_on: date | None, as_of: date) -> bool:
    """A valid record expiring within 90 days of `as_of` (a record is valid on days before `expires_on`)."""
    return expires_on is not None and expires_on <= as_of + timedelta(days=EXPIRING_WITHIN_DAYS)


def status_from(
    *, expires_on: date | None, valid_forever: bool, last_expired_on: date | None, as_of: date
) -> PersonTrainingStatus:
    """A person's standing from their records on `as_of`: valid (maybe expiring soon), expired, or never.

    `expires_on` is the expiry of their latest valid record; `last_expired_on` that of a record already expired.
    """
    if valid_forever:
        return PersonTrainingStatus.VALID
    if expires_on is not None:
        return PersonTrainingStatus.EXPIRING if is_expiring(expires_on, as_of) else PersonTrainingStatus.VALID
    if last_expired_on is not None:
        return PersonTrainingStatus.EXPIRED
    return PersonTrainingStatus.NEVER_TRAINED


def last_valid_day(expires_on: date | None) -> date | None:
    """A record is valid on the days before its expiry date: the last of them."""
    return expires_on - timedelta(days=1) if expires_on is not None else None


@dataclass(frozen=True)
class PersonToTrain:
    person_id: int
    first_name: str
    last_name: str
    job_title: str | None
    department_path: str
    status: PersonTrainingStatus
    #: Expiry of the current (valid) record, if any: it is valid on the days before this date.
    expires_on: date | None
    #: Expiry of the last record, when it has already expired.
    expired_on: date | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def valid_until(self) -> date | None:
        return last_valid_day(self.expires_on)


@dataclass(frozen=True)
class PeoplePage:
    items: list[PersonToTrain]
    total: int
    page: int
    per_page: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _record_dates(context: CoverageContext, day: Any) -> tuple[Any, Any, Any]:
    """Correlated (valid forever?, latest valid expiry, latest past expiry) of Person's records on `day`."""
    base = and_(
        TrainingRecord.person_id == Person.id,
        TrainingRecord.course_id.in_(context.satisfying_course_ids),
        TrainingRecord.completed_on <= day,
    )
    valid_forever = exists().where(base, TrainingRecord.expires_on.is_(None))
    valid_until = (
        select(func.max(TrainingRecord.expires_on)).where(base, TrainingRecord.expires_on > day).scalar_subquery()
    )
    expired_on = (
        select(func.max(TrainingRecord.expires_on)).where(base, TrainingRecord.expires_on <= day).scalar_subquery()
    )
    return valid_forever, valid_until, expired_on


def list_people_to_train(
    *,
    context: CoverageContext,
    department_id: int,
    as_of: date,
    page: int = 1,
    per_page: int = 50,
) -> PeoplePage:
    """People required in the department (or beneath) on `as_of` who are not trained then or whose
    training expires within 90 days, most urgent first: never trained or expired, then by expiry, then name.
    Two statements (a count and a page)."""
    placed_in = context.tree.subtree([department_id])
    allowed = context.scope_department_ids
    if allowed is not None:
        placed_in &= allowed
    day = literal(as_of, Date())
    valid_forever, valid_until, expired_on = _record_dates(context, day)
    soon = as_of + timedelta(days=EXPIRING_WITHIN_DAYS)
    # One row per person: their first department (by path) in the subtree, if placed twice.
    candidates = (
        select(
            Person.id.label("person_id"),
            func.min(Department.path).label("department_path"),
        )
        .select_from(Placement)
        .join(Person, Person.id == Placement.person_id)
        .join(Department, Department.id == Placement.department_id)
        .where(
            _placement_covers(day),
            _not_left(day),
            _required_clause(context, day),
            Placement.department_id.in_(sorted(placed_in)),
        )
        .group_by(Person.id)
        .subquery("candidate")
    )
    statement = (
        select(
            Person.id,
            Person.first_name,
            Person.last_name,
            Person.job_title,
            candidates.c.department_path,
            valid_until.label("valid_until"),
            expired_on.label("expired_on"),
        )
        .join(candidates, candidates.c.person_id == Person.id)
        .where(~valid_forever, or_(valid_until.is_(None), valid_until <= soon))
    )
    total = db.session.scalar(select(func.count()).select_from(statement.subquery())) or 0
    rows = db.session.execute(
        statement.order_by(
            case((valid_until.is_(None), 0), else_=1),
            valid_until,
            func.lower(Person.last_name),
            func.lower(Person.first_name),
            Person.id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        PersonToTrain(
            person_id=person_id,
            first_name=first,
            last_name=last,
            job_title=job_title,
            department_path=path,
            status=status_from(expires_on=until, valid_forever=False, last_expired_on=expired, as_of=as_of),
            expires_on=until,
            expired_on=expired,
        )
        for person_id, first, last, job_title, path, until, expired in rows
    ]
    return PeoplePage(items=items, total=total, page=page, per_page=per_page)


# --- A person's own requirements ("My training") -------------------------------------------------------------------


@dataclass(frozen=True)
class RequirementStatus:
    """One course required of a person, and where they stand on it."""

    course_id: int
    course_code: str
    course_name: str
    met: bool
    #: The date the current record expires on (None: not met, or it never expires).
    expires_on: date | None
    expiring_soon: bool
    #: When the latest valid record was completed; None when not met.
    completed_on: date | None
    #: When their last record expired, if they are not met because it did.
    expired_on: date | None

    @property
    def valid_until(self) -> date | None:
        """The last day the current record is valid (None: not met, or it never expires)."""
        return last_valid_day(self.expires_on)

    @property
    def status(self) -> PersonTrainingStatus:
        if self.met:
            return PersonTrainingStatus.EXPIRING if self.expiring_soon else PersonTrainingStatus.VALID
        return PersonTrainingStatus.EXPIRED if self.expired_on else PersonTrainingStatus.NEVER_TRAINED


@cache
def _requirements_of_person_statement() -> Select:
    """The requirements of a person's organisation in force on `as_of`, for the whole organisation or for a
    department subtree the person is placed in that day, each with its course: one row per requirement and
    equivalent course (the course's own row when it has none), as columns: job_titles, course_id, course_code,
    course_name, equivalent_course_id. Built once (building it cost more than running it); parameters
    person_id, organisation_id, as_of."""
    as_of = bindparam("as_of", type_=Date)
    placed = aliased(Department)
    placed_in_subtree = (
        exists()
        .where(
            Placement.person_id == bindparam("person_id"),
            _placement_covers(as_of),
            Placement.department_id == placed.id,
            or_(
                placed.path == Department.path,
                func.substr(placed.path, 1, func.length(Department.path) + 1) == Department.path + "/",
            ),
        )
        .correlate(Department)
    )
    return (
        select(
            Requirement.job_titles,
            Course.id.label("course_id"),
            Course.code.label("course_code"),
            Course.name.label("course_name"),
            CourseEquivalence.equivalent_course_id,
        )
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Department, Department.id == Requirement.department_id)
        .outerjoin(CourseEquivalence, CourseEquivalence.course_id == Course.id)
        .where(
            Requirement.organisation_id == bindparam("organisation_id"),
            Requirement.from_date <= as_of,
            or_(Requirement.department_id.is_(None), placed_in_subtree),
        )
        .order_by(Course.code, Requirement.id)
    )


def training_status_for_person(
    person: Person, *, as_of: date | None = None, records: list[Row] | None = None
) -> list[RequirementStatus]:
    """The courses required of `person` on `as_of` (default today in London) and, for each, whether they
    meet it (a record of the course or an equivalent, completed by then and not expired), until when,
    and whether it expires within 90 days. Courses ordered by code. Two statements, whatever the data (one
    when the caller passes the person's `records` (rows of `list_person_records`), as "My training" does, which
    lists them anyway).

    Requirements for the whole organisation apply to anyone in it who has not left; a requirement for
    a department subtree applies when the person is placed in that subtree on the day.
    """
    as_of = as_of or today_london()
    if person.end_date is not None and person.end_date <= as_of:
        return []
    requirement_rows = read_rows(
        _requirements_of_person_statement(),
        {"person_id": person.id, "organisation_id": person.organisation_id, "as_of": as_of},
    )
    title = (person.job_title or "").strip().lower()
    courses: dict[int, Row] = {}
    satisfies: dict[int, set[int]] = {}
    for row in requirement_rows:
        titles = {t.strip().lower() for t in (row.job_titles or []) if t and t.strip()}
        if titles and title not in titles:
            continue
        courses.setdefault(row.course_id, row)
        satisfies.setdefault(row.course_id, {row.course_id})
        if row.equivalent_course_id is not None:
            satisfies[row.course_id].add(row.equivalent_course_id)
    if not courses:
        return []
    counted = set().union(*satisfies.values())
    if records is None:
        records = db.session.execute(
            select(TrainingRecord.course_id, TrainingRecord.completed_on, TrainingRecord.expires_on).where(
                TrainingRecord.person_id == person.id,
                TrainingRecord.course_id.in_(counted),
                TrainingRecord.completed_on <= as_of,
            )
        ).all()
    else:
        records = [r for r in records if r.course_id in counted and r.completed_on <= as_of]
    statuses = []
    for course_id, course in courses.items():
        mine = [r for r in records if r.course_id in satisfies[course_id]]
        valid = [r for r in mine if r.expires_on is None or r.expires_on > as_of]
        expired = [r.expires_on for r in mine if r.expires_on is not None and r.expires_on <= as_of]
        forever = [r for r in valid if r.expires_on is None]
        best = forever[0] if forever else max(valid, key=lambda r: (r.expires_on, r.completed_on), default=None)
        expires_on = best.expires_on if best is not None else None
        statuses.append(
            RequirementStatus(
                course_id=course.course_id,
                course_code=course.course_code,
                course_name=course.course_name,
                met=best is not None,
                expires_on=expires_on,
                expiring_soon=is_expiring(expires_on, as_of),
                completed_on=max((r.completed_on for r in valid), default=None),
                expired_on=max(expired, default=None) if best is None else None,
            )
        )
    return statuses
