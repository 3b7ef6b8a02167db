"""Demand planning: how many sessions of a course to run so each department reaches the target by a date.

For a course and a target date, per department (rolled up as in coverage, with each organisation's total):

- *required*: the people required today (coverage's rule) who are not known to leave before the target date;
- *untrained now*: those of them without a valid record today;
- *expiring*: those trained today whose every record expires on or before the target date;
- *must train*: the fewest of the untrained and expiring whose training makes the rounded percent reach
  the course's target on the target date (`rag.gap_to_target` against those still valid then);
- *sessions needed*: must train / people trained per session, rounded up, where a session trains
  places x fill rate x (1 - no-show rate). The rates come from the last 12 months of the course's
  sessions (published, started before today): fill = confirmed bookings / capacity, no-show = confirmed
  bookings marked absent / confirmed bookings, places = the average capacity; each rounded half up to a
  whole number, shown, and replaceable by the coordinator's own figures;
- against the *sessions scheduled*: published sessions of the course starting from now up to the end of
  the target date (a session on the day counts on the day, as coverage does), booking not closed, with
  places left, and open to the organisation (unrestricted, or its audience includes it).

Bounded: a fixed number of statements whatever the data (the context's three, one count, two for the
rates, one for the scheduled sessions).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date, datetime
from fractions import Fraction

from sqlalchemy import (
    Date,
    Integer,
    and_,
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

from tracker.attendance.models import Attendance, AttendanceOutcome, TrainingRecord
from tracker.booking.capacity import not_closed_sql, places_left_sql
from tracker.booking.models import Booking, BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.time import add_months, end_of_london_day, start_of_london_day, today_london, utc_now
from tracker.courses.models import Course, SessionAudience, SessionStatus, TrainingSession
from tracker.coverage import loading
from tracker.coverage.loading import CoverageContext, DepartmentTree
from tracker.coverage.queries import _not_left, _placement_covers, _required_since, department_closure
from tracker.coverage.rag import gap_to_target, percent
from tracker.extensions import db
from tracker.people.models import Department, Organisation, Person, Placement

HISTORY_MONTHS = 12
#: Assumed when the course has no sessions in the last 12 months (shown, and to be replaced).
DEFAULT_FILL_PERCENT = 100
DEFAULT_NO_SHOW_PERCENT = 0
DEFAULT_PLACES = 20


class DemandError(TrackerError):
    code = "invalid_plan"


# --- Rates ---------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rates:
    """The fill and no-show rates and places per session a plan uses, and where they came from."""

    fill_percent: int
    no_show_percent: int
    places: int
    #: The history behind the rates: sessions, their capacity, confirmed bookings, those marked absent.
    sessions_seen: int = 0
    capacity_seen: int = 0
    confirmed_seen: int = 0
    absent_seen: int = 0
    #: Names of the rates the coordinator entered ("fill_percent", "no_show_percent", "places").
    overridden: frozenset[str] = frozenset()

    @property
    def from_history(self) -> bool:
        return self.sessions_seen > 0

    @property
    def trained_per_session(self) -> Fraction:
        """People trained by one session: places x fill x (1 - no-show)."""
        return Fraction(self.places * self.fill_percent * (100 - self.no_show_percent), 100 * 100)

    def sessions_for(self, people: int) -> int | None:
        """Sessions needed to train `people`, rounded up; None when a session trains nobody at these rates."""
        if people <= 0:
            return 0
        per_session = self.trained_per_session
        if per_session <= 0:
            return None
        return -(-Fraction(people) // per_session)


def history_rates(*, course: Course, today: date | None = None) -> Rates:
    """The rates from the course's published sessions that started in the 12 months before today (two statements)."""
    today = today or today_london()
    in_window = and_(
        TrainingSession.course_id == course.id,
        TrainingSession.status == SessionStatus.PUBLISHED,
        TrainingSession.starts_at >= start_of_london_day(add_months(today, -HISTORY_MONTHS)),
        TrainingSession.starts_at < start_of_london_day(today),
    )
    sessions, capacity = db.session.execute(
        select(func.count(TrainingSession.id), func.coalesce(func.sum(TrainingSession.capacity), 0)).where(in_window)
    ).one()
    confirmed, absent = db.session.execute(
        select(
            func.count(Booking.id),
            func.coalesce(func.sum(case((Attendance.outcome == AttendanceOutcome.ABSENT, 1), else_=0)), 0),
        )
        .select_from(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(in_window, Booking.status == BookingStatus.CONFIRMED)
    ).one()
    if not sessions:
        return Rates(DEFAULT_FILL_PERCENT, DEFAULT_NO_SHOW_PERCENT, DEFAULT_PLACES)
    return Rates(
        fill_percent=percent(confirmed, capacity) or 0,
        no_show_percent=percent(absent, confirmed) or 0,
        places=max((2 * capacity + sessions) // (2 * sessions), 1),  # the average capacity, rounded half up
        sessions_seen=sessions,
        capacity_seen=capacity,
        confirmed_seen=confirmed,
        absent_seen=absent,
    )


def with_overrides(
    rates: Rates, *, fill_percent: int | None = None, no_show_percent: int | None = None, places: int | None = None
) -> Rates:
    """The rates with the coordinator's own figures in place of those given (None keeps a rate)."""
    given = {"fill_percent": fill_percent, "no_show_percent": no_show_percent, "places": places}
    given = {name: value for name, value in given.items() if value is not None}
    if "fill_percent" in given and not 1 <= given["fill_percent"] <= 200:
        raise DemandError("Fill rate must be between 1 and 200", field="fill_percent")
    if "no_show_percent" in given and not 0 <= given["no_show_percent"] <= 99:
        raise DemandError("No-show rate must be between 0 and 99", field="no_show_percent")
    if "places" in given and not 1 <= given["places"] <= 1000:
        raise DemandError("Places per session must be between 1 and 1,000", field="places")
    return replace(rates, **given, overridden=rates.overridden | frozenset(given))


# --- Rows ------------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemandRow:
    organisation_id: int
    organisation: str
    #: None on an organisation's total row.
    department_id: int | None
    department: str | None
    depth: int
    required: int
    trained_now: int
    valid_at_target: int
    target_percent: int
    rates: Rates
    #: Sessions open to this row's organisation, scheduled before the target date with places left.
    scheduled_sessions: int
    scheduled_places: int

    @property
    def is_total(self) -> bool:
        return self.department_id is None

    @property
    def untrained_now(self) -> int:
        return self.required - self.trained_now

    @property
    def expiring(self) -> int:
        return self.trained_now - self.valid_at_target

    @property
    def to_train(self) -> int:
        return self.required - self.valid_at_target

    @property
    def percent_at_target(self) -> int | None:
        """The percent on the target date if nobody else is trained."""
        return percent(self.valid_at_target, self.required)

    @property
    def must_train(self) -> int:
        return gap_to_target(self.valid_at_target, self.required, self.target_percent)

    @property
    def sessions_needed(self) -> int | None:
        return self.rates.sessions_for(self.must_train)

    @property
    def still_to_schedule(self) -> int | None:
        needed = self.sessions_needed
        return None if needed is None else max(needed - self.scheduled_sessions, 0)


@dataclass(frozen=True)
class OrganisationDemand:
    organisation_id: int
    organisation: str
    total: DemandRow
    departments: list[DemandRow]

    @property
    def rows(self) -> list[DemandRow]:
        return [self.total, *self.departments]


@dataclass(frozen=True)
class DemandPlan:
    course: Course
    today: date
    target_date: date
    rates: Rates
    organisations: list[OrganisationDemand]

    @property
    def target_percent(self) -> int:
        return self.course.target_percent


# --- The plan ---------------------------------------------------------------------------------------------------


def _valid(context: CoverageContext, completed_by: date, valid_on: date):
    """Person has a record of the course (or an equivalent) completed by one day and still valid on another."""
    return exists().where(
        TrainingRecord.person_id == Person.id,
        TrainingRecord.course_id.in_(context.satisfying_course_ids),
        TrainingRecord.completed_on <= completed_by,
        or_(TrainingRecord.expires_on.is_(None), TrainingRecord.expires_on > valid_on),
    )


def _counts(
    context: CoverageContext, today: date, target_date: date, placed_in: set[int] | None
) -> dict[tuple[int | None, int | None], tuple[int, int, int]]:
    """{(organisation_id, None) or (None, department_id): (required, trained now, valid at target)} in ONE statement."""
    day = literal(today, Date())
    eligible = (
        select(
            Placement.department_id,
            Person.id.label("person_id"),
            case((_valid(context, today, today), 1), else_=0).label("trained"),
            case((_valid(context, today, target_date), 1), else_=0).label("still_valid"),
        )
        .select_from(Placement)
        .join(Person, Person.id == Placement.person_id)
        .where(
            _placement_covers(day),
            _not_left(day),
            _not_left(literal(target_date, Date())),
            _required_since(context) <= day,
        )
    )
    if placed_in is not None:
        eligible = eligible.where(Placement.department_id.in_(sorted(placed_in)))
    eligible = eligible.cte("demand_eligible")
    trained = func.count(distinct(case((eligible.c.trained == 1, eligible.c.person_id))))
    still_valid = func.count(distinct(case((eligible.c.still_valid == 1, eligible.c.person_id))))
    required = func.count(distinct(eligible.c.person_id))
    closure = department_closure()
    statement = union_all(
        select(cast(null(), Integer), closure.c.ancestor_id, required, trained, still_valid)
        .join(closure, closure.c.department_id == eligible.c.department_id)
        .group_by(closure.c.ancestor_id),
        select(Department.organisation_id, cast(null(), Integer), required, trained, still_valid)
        .join(Department, Department.id == eligible.c.department_id)
        .group_by(Department.organisation_id),
    )
    return {
        (organisation_id, department_id): (required_count, trained_count, valid_count)
        for organisation_id, department_id, required_count, trained_count, valid_count in db.session.execute(statement)
    }


def scheduled_sessions(
    *, course: Course, target_date: date, organisation_ids: set[int], now: datetime | None = None
) -> dict[int, tuple[int, int]]:
    """{organisation_id: (sessions, places left)} of the course's published sessions from now to the end of the
    target date, booking still open, with places left, open to the organisation (ONE statement)."""
    if not organisation_ids:
        return {}
    now = now or utc_now()
    places_left = places_left_sql()
    upcoming = (
        select(
            TrainingSession.id.label("session_id"),
            TrainingSession.audience_restricted,
            places_left.label("places_left"),
        )
        .where(
            TrainingSession.course_id == course.id,
            not_closed_sql(now),
            TrainingSession.starts_at < end_of_london_day(target_date),
            places_left > 0,
        )
        .cte("upcoming")
    )
    open_to = or_(
        upcoming.c.audience_restricted == false(),
        exists().where(
            SessionAudience.session_id == upcoming.c.session_id, SessionAudience.organisation_id == Organisation.id
        ),
    )
    rows = db.session.execute(
        select(Organisation.id, func.count(upcoming.c.session_id), func.coalesce(func.sum(upcoming.c.places_left), 0))
        .select_from(Organisation)
        .join(upcoming, open_to)
        .where(Organisation.id.in_(sorted(organisation_ids)))
        .group_by(Organisation.id)
    )
    return {organisation_id: (count, places) for organisation_id, count, places in rows}


def demand_plan(
    *,
    course: Course,
    target_date: date,
    organisation_id: int | None = None,
    fill_percent: int | None = None,
    no_show_percent: int | None = None,
    places: int | None = None,
    today: date | None = None,
    now: datetime | None = None,
    tree: DepartmentTree | None = None,
) -> DemandPlan:
    """The plan for every organisation with people required (or one), department by department.

    Raises DemandError (a target date not after today, a rate out of range), UnknownOrganisationError.
    """
    today = today or today_london()
    if target_date <= today:
        raise DemandError("The target date must be after today", field="target_date")
    rates = with_overrides(
        history_rates(course=course, today=today),
        fill_percent=fill_percent,
        no_show_percent=no_show_percent,
        places=places,
    )
    context = loading.load_context(course=course, tree=tree)
    if organisation_id is not None and organisation_id not in context.tree.organisations:
        raise loading.UnknownOrganisationError("There is no such organisation", field="organisation_id")
    placed_in = context.tree.of_organisation(organisation_id) if organisation_id is not None else None
    counts = _counts(context, today, target_date, placed_in)
    organisation_ids = {o for (o, _) in counts if o is not None}
    if organisation_id is not None:
        organisation_ids = {organisation_id}
    scheduled = scheduled_sessions(course=course, target_date=target_date, organisation_ids=organisation_ids, now=now)
    tree = context.tree
    target = course.target_percent

    def row(organisation: int, node: loading.DepartmentNode | None) -> DemandRow:
        key = (None, node.id) if node else (organisation, None)
        required, trained, still_valid = counts.get(key, (0, 0, 0))
        sessions, places_left = scheduled.get(organisation, (0, 0))
        return DemandRow(
            organisation_id=organisation,
            organisation=tree.organisations[organisation],
            department_id=node.id if node else None,
            department=node.name if node else None,
            depth=node.depth if node else 0,
            required=required,
            trained_now=trained,
            valid_at_target=still_valid,
            target_percent=target,
            rates=rates,
            scheduled_sessions=sessions,
            scheduled_places=places_left,
        )

    plans = []
    for organisation in sorted(organisation_ids, key=lambda o: (tree.organisations[o].casefold(), o)):
        nodes = sorted(
            (tree.departments[d] for d in tree.of_organisation(organisation) if (None, d) in counts),
            key=lambda n: n.sort_key,
        )
        plans.append(
            OrganisationDemand(
                organisation,
                tree.organisations[organisation],
                row(organisation, None),
                [row(organisation, n) for n in nodes],
            )
        )
    return DemandPlan(course=course, today=today, target_date=target_date, rates=rates, organisations=plans)
