"""A manager's team: who is trained, expiring, untrained or booked, and booking the untrained on.

The team is `tracker.people.services.list_team` (line reports and everyone placed in a department the
manager manages). Reads issue a fixed number of statements whatever the team's size; the one write,
`book_untrained`, books each person through `tracker.booking.services.book_place` (the capacity rule),
so a full session puts the rest on its waiting list.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from tracker.attendance.models import TrainingRecord, last_valid_day
from tracker.booking import services as booking_services
from tracker.booking.capacity import bookable_now_sql, places_left_sql
from tracker.booking.models import ACTIVE_STATUSES, Booking, BookingSource, BookingStatus
from tracker.common.errors import TrackerError
from tracker.common.time import to_london, utc_now
from tracker.courses.models import Course, SessionAudience, SessionStatus, TrainingSession
from tracker.coverage import loading, queries
from tracker.coverage.people_to_train import PersonTrainingStatus, status_from
from tracker.coverage.queries import percent_of, rag_for
from tracker.extensions import db
from tracker.people.models import Person
from tracker.people.services import list_team


@dataclass(frozen=True)
class UpcomingBooking:
    session_id: int
    starts_at: datetime
    status: BookingStatus

    @property
    def is_waitlisted(self) -> bool:
        return self.status == BookingStatus.WAITLISTED


@dataclass(frozen=True)
class TeamMember:
    person: Person
    #: Whether a requirement of the course covers them today (the team's percent counts only these).
    required: bool
    status: PersonTrainingStatus
    #: Expiry of their current record, if valid; it is valid on the days before this date.
    expires_on: date | None
    expired_on: date | None
    booking: UpcomingBooking | None

    @property
    def valid_until(self) -> date | None:
        return last_valid_day(self.expires_on)

    @property
    def is_trained(self) -> bool:
        return self.status in (PersonTrainingStatus.VALID, PersonTrainingStatus.EXPIRING)

    @property
    def needs_booking(self) -> bool:
        """Untrained (never, or expired) and not already booked or waiting for an upcoming session."""
        return not self.is_trained and self.booking is None


@dataclass(frozen=True)
class TeamStatus:
    course: Course
    as_of: date
    members: list[TeamMember]
    #: The manager's own standing: shown apart, never counted in the team's figures (Coverage counts them in
    #: the department they are placed in, like anyone else).
    you: TeamMember | None = None

    @property
    def required(self) -> int:
        return sum(1 for m in self.members if m.required)

    @property
    def trained(self) -> int:
        return sum(1 for m in self.members if m.required and m.is_trained)

    @property
    def percent(self) -> int | None:
        return percent_of(self.trained, self.required)

    @property
    def rag(self):
        return rag_for(self.percent, self.course.target_percent)

    @property
    def to_book(self) -> list[TeamMember]:
        return [m for m in self.members if m.needs_booking]

    def count_by_status(self) -> dict[PersonTrainingStatus, int]:
        counts = dict.fromkeys(PersonTrainingStatus, 0)
        for member in self.members:
            counts[member.status] += 1
        return counts

    @property
    def booked(self) -> int:
        """Members with a place (confirmed or held) on an upcoming session; waiting-list places are `waitlisted`."""
        return sum(1 for m in self.members if m.booking is not None and not m.booking.is_waitlisted)

    @property
    def waitlisted(self) -> int:
        """Members on the waiting list of an upcoming session (and without a place on another)."""
        return sum(1 for m in self.members if m.booking is not None and m.booking.is_waitlisted)


def _record_standing(
    person_ids: list[int], satisfying: list[int], day: date
) -> dict[int, tuple[bool, date | None, date | None]]:
    """{person_id: (valid forever, latest valid expiry, latest past expiry)} from one statement."""
    standing: dict[int, tuple[bool, date | None, date | None]] = {}
    rows = db.session.execute(
        select(TrainingRecord.person_id, TrainingRecord.expires_on).where(
            TrainingRecord.person_id.in_(person_ids),
            TrainingRecord.course_id.in_(satisfying),
            TrainingRecord.completed_on <= day,
        )
    )
    for person_id, expires_on in rows:
        forever, valid, expired = standing.get(person_id, (False, None, None))
        if expires_on is None:
            forever = True
        elif expires_on > day:
            valid = max(valid, expires_on) if valid else expires_on
        else:
            expired = max(expired, expires_on) if expired else expires_on
        standing[person_id] = (forever, valid, expired)
    return standing


def _upcoming_bookings(person_ids: list[int], course: Course, now: datetime) -> dict[int, UpcomingBooking]:
    """Each person's first active booking on an upcoming session of the course (one statement)."""
    rows = db.session.execute(
        select(Booking.person_id, TrainingSession.id, TrainingSession.starts_at, Booking.status)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.person_id.in_(person_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            TrainingSession.course_id == course.id,
            TrainingSession.status != SessionStatus.CANCELLED,
            TrainingSession.starts_at > now,
        )
        .order_by(TrainingSession.starts_at, Booking.id)
    )
    first: dict[int, UpcomingBooking] = {}
    for person_id, session_id, starts_at, status in rows:
        first.setdefault(person_id, UpcomingBooking(session_id, starts_at, status))
    return first


def team_status(*, manager: Person, course: Course, now: datetime | None = None) -> TeamStatus:
    """Every team member's standing on the course today (London): trained until when, expiring within
    90 days, never trained or expired, and any upcoming booking; and the manager's own, apart (`you`).
    About ten statements, whatever the size."""
    now = now or utc_now()
    today = to_london(now).date()
    team = list_team(manager, day=today)
    ids = [p.id for p in team] + [manager.id]
    context = loading.load_context(course=course)
    required = queries.required_people(context, today, ids)
    standing = _record_standing(ids, context.satisfying_course_ids, today)
    bookings = _upcoming_bookings(ids, course, now)

    def member(person: Person) -> TeamMember:
        forever, valid, expired = standing.get(person.id, (False, None, None))
        return TeamMember(
            person=person,
            required=person.id in required,
            status=status_from(expires_on=valid, valid_forever=forever, last_expired_on=expired, as_of=today),
            expires_on=None if forever else valid,
            expired_on=expired,
            booking=bookings.get(person.id),
        )

    members = [member(person) for person in team]
    return TeamStatus(course=course, as_of=today, members=members, you=member(manager))


# --- Booking the untrained ------------------------------------------------------------------------------


@dataclass(frozen=True)
class SessionWithPlaces:
    training_session: TrainingSession
    places_left: int
    #: None: open to all; else the organisations that may book.
    audience: frozenset[int] | None

    def admits(self, person: Person) -> bool:
        return self.audience is None or person.organisation_id in self.audience


@dataclass(frozen=True)
class PlannedBooking:
    person: Person
    #: The earliest published session of the course that they may book with a place still free for them once the
    #: people planned before them have theirs; None if there is none (they are not placed, never waitlisted).
    session: SessionWithPlaces | None


@dataclass(frozen=True)
class PlanGroup:
    """The people planned onto one session, in booking order: each has a place (the plan never overfills)."""

    session: SessionWithPlaces
    people: list[Person]


def group_plan(plan: list[PlannedBooking]) -> tuple[list[PlanGroup], list[Person]]:
    """The plan by session, soonest first, and the people with no session to go to."""
    groups: dict[int, PlanGroup] = {}
    stranded = []
    for planned in plan:
        if planned.session is None:
            stranded.append(planned.person)
            continue
        key = planned.session.training_session.id
        groups.setdefault(key, PlanGroup(planned.session, [])).people.append(planned.person)
    ordered = sorted(
        groups.values(), key=lambda g: (g.session.training_session.starts_at, g.session.training_session.id)
    )
    return ordered, stranded


def upcoming_sessions_with_places(course: Course, *, now: datetime | None = None) -> list[SessionWithPlaces]:
    """Published sessions of the course open for booking now with places left, soonest first (two statements)."""
    now = now or utc_now()
    places_left = places_left_sql()
    rows = db.session.execute(
        select(TrainingSession, places_left.label("places_left"))
        .where(TrainingSession.course_id == course.id, bookable_now_sql(now), places_left > 0)
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    ).all()
    restricted = [s.id for s, _ in rows if s.audience_restricted]
    audiences: dict[int, set[int]] = {}
    if restricted:
        for session_id, organisation_id in db.session.execute(
            select(SessionAudience.session_id, SessionAudience.organisation_id).where(
                SessionAudience.session_id.in_(restricted)
            )
        ):
            audiences.setdefault(session_id, set()).add(organisation_id)
    return [
        SessionWithPlaces(s, left, frozenset(audiences.get(s.id, ())) if s.audience_restricted else None)
        for s, left in rows
    ]


def plan_untrained_bookings(
    *, manager: Person, course: Course, person_ids: Iterable[int] | None = None, now: datetime | None = None
) -> list[PlannedBooking]:
    """Who would be booked where: each untrained, unbooked team member (or those of `person_ids`), in team
    order, onto the earliest session they may book that still has a place once those before them have theirs.
    Nobody is planned onto a waiting list: when no session has a place left for someone, they are not placed."""
    now = now or utc_now()
    status = team_status(manager=manager, course=course, now=now)
    wanted = set(person_ids) if person_ids is not None else None
    people = [m.person for m in status.to_book if wanted is None or m.person.id in wanted]
    if not people:
        return []
    sessions = upcoming_sessions_with_places(course, now=now)
    free = {s.training_session.id: s.places_left for s in sessions}
    plan = []
    for person in people:
        chosen = next((s for s in sessions if free[s.training_session.id] > 0 and s.admits(person)), None)
        if chosen is not None:
            free[chosen.training_session.id] -= 1
        plan.append(PlannedBooking(person, chosen))
    return plan


NO_PLACE_LEFT = "No upcoming session they can book has a place left"


@dataclass(frozen=True)
class BookingOutcome:
    person: Person
    training_session: TrainingSession | None
    booking: Booking | None
    #: Why they were not booked (no session with a place left, or the booking rule's message).
    problem: str | None = None

    @property
    def is_booked(self) -> bool:
        """A place (confirmed or held), not a waiting-list place."""
        return self.booking is not None and self.booking.status != BookingStatus.WAITLISTED

    @property
    def is_waitlisted(self) -> bool:
        """Only when a place went between planning and booking (someone else took it at the same moment)."""
        return self.booking is not None and self.booking.status == BookingStatus.WAITLISTED


def book_untrained(
    *, manager: Person, course: Course, person_ids: Iterable[int], now: datetime | None = None
) -> list[BookingOutcome]:
    """Book the untrained team members among `person_ids` onto the earliest session with a place, as their manager.

    Only people still in the manager's team, untrained and unbooked are booked (the plan is worked out
    again, so a stale confirmation page cannot book anyone else). Each booking goes through `book_place`
    with source "manager" (the capacity rule, one place per course). Someone with no session that has a place
    left is not placed (never put on a waiting list); a rule that refuses one person (booking closed, audience)
    is reported for them; the rest go ahead.
    """
    now = now or utc_now()
    outcomes = []
    for planned in plan_untrained_bookings(manager=manager, course=course, person_ids=person_ids, now=now):
        if planned.session is None:
            outcomes.append(BookingOutcome(planned.person, None, None, NO_PLACE_LEFT))
            continue
        training_session = planned.session.training_session
        try:
            booking = booking_services.book_place(
                training_session=training_session,
                person=planned.person,
                booked_by=manager,
                source=BookingSource.MANAGER,
                now=now,
            )
        except TrackerError as error:
            outcomes.append(BookingOutcome(planned.person, training_session, None, error.message))
        else:
            outcomes.append(BookingOutcome(planned.person, training_session, booking))
    return outcomes


@dataclass(frozen=True)
class BookedOutcomeRow:
    """One line of the page that says who went where: a booking the manager made, or someone not placed."""

    name: str
    #: A detail that tells two people of the same name apart (their email address).
    detail: str | None
    training_session: TrainingSession | None
    status: BookingStatus | None
    waitlist_position: int | None = None
    problem: str | None = None


def list_booked_outcomes(
    *, manager: Person, booking_ids: list[int], not_placed: list[tuple[int, str]]
) -> tuple[list[BookedOutcomeRow], list[BookedOutcomeRow]]:
    """The places booked by `manager` among `booking_ids` (soonest session first) and the people not placed
    with why, for the page after booking the untrained (three statements whatever the number)."""
    bookings = []
    if booking_ids:
        bookings = db.session.scalars(
            select(Booking)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .join(Person, Person.id == Booking.person_id)
            .options(contains_eager(Booking.training_session), contains_eager(Booking.person))
            .where(Booking.id.in_(booking_ids), Booking.booked_by_id == manager.id)
            .order_by(TrainingSession.starts_at, TrainingSession.id, Person.last_name, Person.first_name, Booking.id)
        ).all()
    positions = booking_services.waitlist_positions([b.id for b in bookings if b.status == BookingStatus.WAITLISTED])
    booked = [
        BookedOutcomeRow(b.person.full_name, b.person.email, b.training_session, b.status, positions.get(b.id), None)
        for b in bookings
    ]
    problems = dict(not_placed)
    people = (
        db.session.scalars(
            select(Person).where(Person.id.in_(problems)).order_by(Person.last_name, Person.first_name, Person.id)
        ).all()
        if problems
        else []
    )
    missed = [BookedOutcomeRow(p.full_name, p.email, None, None, None, problems[p.id]) for p in people]
    return booked, missed
