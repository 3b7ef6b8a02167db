"""Walk-ins: finding people to add to a register, and seating them (a booking of their own, made at the
register), new to the tracker or not."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from tracker.accounts.models import UserAccount
from tracker.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceOutcome,
)
from tracker.attendance.services import (
    NAMES_IN_MESSAGE,
    PersonErasedError,
    RegisterError,
    UnknownPeopleError,
    _apply_mark,
    _audit_marks,
    _lock_open_register,
    _person_id,
    find_reopen_reason,
)
from tracker.booking.models import ACTIVE_STATUSES, Booking, BookingSource, BookingStatus
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError
from tracker.common.time import utc_now
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, Person


def search_people(query: str, *, limit: int = 20) -> list[Person]:
    """People whose name or email contains every word of `query` (case-insensitive), by name."""
    words = [w for w in query.lower().split() if w][:5]
    if not words:
        return []
    statement = select(Person).options(joinedload(Person.organisation)).where(Person.erased_at.is_(None))
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        statement = statement.where(
            or_(
                func.lower(Person.first_name).like(pattern, escape="\\"),
                func.lower(Person.last_name).like(pattern, escape="\\"),
                func.lower(Person.email).like(pattern, escape="\\"),
            )
        )
    statement = statement.order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    return list(db.session.scalars(statement.limit(limit)))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def booked_person_ids(training_session: TrainingSession, person_ids: Iterable[int]) -> set[int]:
    """Which of these people already have a confirmed place on the session."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Booking.person_id).where(
                Booking.session_id == training_session.id,
                Booking.status == BookingStatus.CONFIRMED,
                Booking.person_id.in_(ids),
            )
        )
    )


@dataclass(frozen=True)
class WalkIn:
    booking: Booking
    #: False when the person already had a confirmed place (they are simply marked attended).
    is_new: bool


def _find_active_booking(session_id: int, person_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(
            Booking.session_id == session_id, Booking.person_id == person_id, Booking.status.in_(ACTIVE_STATUSES)
        )
    )


def _seat_walk_in(
    locked: TrainingSession, person: Person, existing: Booking | None, *, actor: UserAccount | None, now: datetime
) -> WalkIn:
    """A confirmed place for someone physically present, whatever the capacity or booking window.

    An existing waitlisted or held place is confirmed; a confirmed one is kept. Sends no booking
    signal: the person is already in the room, so no invitation is due.
    """
    if person.erased_at is not None:
        raise PersonErasedError("This person's details have been erased", field="person_id")
    if existing is not None and existing.status == BookingStatus.CONFIRMED:
        return WalkIn(existing, is_new=False)
    if existing is not None:
        was = existing.status
        existing.status = BookingStatus.CONFIRMED
        existing.confirmed_at = now
        existing.hold_expires_at = None
        existing.sequence += 1
        record_event(
            "booking.walked_in",
            actor=actor,
            object_type="booking",
            object_id=existing.id,
            before={"status": was},
            after={"status": "confirmed"},
        )
        return WalkIn(existing, is_new=True)
    booking = Booking(
        session_id=locked.id,
        person_id=person.id,
        status=BookingStatus.CONFIRMED,
        source=BookingSource.WALK_IN,
        booked_by_id=_person_id(actor),
        created_at=now,
        confirmed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as error:  # a racing booking for the same person got in first
        raise ConflictError(
            f"{person.full_name} was booked on this session at the same moment: try again", code="already_booked"
        ) from error
    record_event(
        "booking.created",
        actor=actor,
        object_type="booking",
        object_id=booking.id,
        after={"session_id": locked.id, "person_id": person.id, "status": "confirmed", "source": "walk_in"},
    )
    return WalkIn(booking, is_new=True)


def seat_walk_in(
    *, training_session: TrainingSession, person: Person, actor: UserAccount | None, now: datetime | None = None
) -> WalkIn:
    """Give someone who turned up a confirmed place on the register, as `add_walk_in` does, without marking them
    (self check-in: arriving is not attending until the trainer marks it). Raises what `add_walk_in` raises."""
    now = now or utc_now()
    locked = _lock_open_register(training_session, now=now)
    walk_in = _seat_walk_in(locked, person, _find_active_booking(locked.id, person.id), actor=actor, now=now)
    db.session.flush()
    return walk_in


def add_walk_in(
    *, training_session: TrainingSession, person: Person, actor: UserAccount | None, now: datetime | None = None
) -> WalkIn:
    """Put someone who turned up on the register and mark them attended.

    A walk-in is a confirmed booking (source walk_in) made even after booking has closed, once the
    session has started, and when the session is full: the capacity rule governs places booked in
    advance, not people in the room. Raises RegisterSignedOffError (409), RegisterNotOpenError,
    PersonErasedError.
    """
    now = now or utc_now()
    locked = _lock_open_register(training_session, now=now)
    walk_in = _seat_walk_in(locked, person, _find_active_booking(locked.id, person.id), actor=actor, now=now)
    db.session.flush()
    attendance = db.session.scalar(select(Attendance).where(Attendance.booking_id == walk_in.booking.id))
    reason = find_reopen_reason(locked)
    change = _apply_mark(
        booking=walk_in.booking,
        attendance=attendance,
        outcome=AttendanceOutcome.ATTENDED,
        actor=actor,
        now=now,
        reason=reason,
    )
    db.session.flush()
    if change is not None:
        _audit_marks(locked.id, [(walk_in.booking, change)], actor, reason)
    return walk_in


class PersonEmailTakenError(ConflictError):
    code = "email_taken"


def add_new_walk_in(
    *,
    training_session: TrainingSession,
    first_name: str,
    last_name: str,
    email: str | None,
    organisation: Organisation,
    actor: UserAccount | None,
    now: datetime | None = None,
) -> WalkIn:
    """Add a person not yet known (names, optional email, organisation) and put them on as a walk-in.

    Raises PersonEmailTakenError when the email belongs to someone already (search for them instead),
    and what `add_walk_in` raises.
    """
    now = now or utc_now()
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if not first_name:
        raise RegisterError("Enter their first name", field="first_name")
    if not last_name:
        raise RegisterError("Enter their last name", field="last_name")
    email = (email or "").strip().lower() or None
    _lock_open_register(training_session, now=now)  # refuse before adding anyone to a closed register
    if email is not None and db.session.scalar(select(Person.id).where(Person.email == email)) is not None:
        raise PersonEmailTakenError(
            "Someone with this email address is already known: search for them instead", field="email"
        )
    person = Person(organisation_id=organisation.id, first_name=first_name, last_name=last_name, email=email)
    db.session.add(person)
    db.session.flush()
    record_event(
        "person.created",
        actor=actor,
        object_type="person",
        object_id=person.id,
        after={"organisation_id": organisation.id, "name": person.full_name, "email": email, "how": "walk_in"},
    )
    return add_walk_in(training_session=training_session, person=person, actor=actor, now=now)


@dataclass(frozen=True)
class MarkedLine:
    person_id: int
    booking: Booking
    outcome: AttendanceOutcome
    #: True when the person was not booked and became a walk-in.
    walked_in: bool
    #: True when this call changed their mark.
    changed: bool


def record_attendance(
    *,
    training_session: TrainingSession,
    records: Sequence[tuple[int, AttendanceOutcome]],
    actor: UserAccount | None,
    now: datetime | None = None,
) -> list[MarkedLine]:
    """Set several people's marks at once (the API): a person with no confirmed place becomes a walk-in.

    `records` are (person_id, outcome) pairs. Raises RegisterSignedOffError (409), RegisterNotOpenError,
    UnknownPeopleError naming the index of the first unknown or repeated person (`records.N.person_id`).
    """
    now = now or utc_now()
    locked = _lock_open_register(training_session, now=now)
    first_index: dict[int, int] = {}
    for index, (person_id, _) in enumerate(records):
        if person_id in first_index:
            raise RegisterError(
                f"Person {person_id} appears twice (records {first_index[person_id]} and {index})",
                code="duplicate_person",
                field=f"records.{index}.person_id",
            )
        first_index[person_id] = index
    people = {
        p.id: p
        for p in db.session.scalars(select(Person).where(Person.id.in_(list(first_index)), Person.erased_at.is_(None)))
    }
    unknown = [index for index, (person_id, _) in enumerate(records) if person_id not in people]
    if unknown:
        listed = ", ".join(f"records {i} (person {records[i][0]})" for i in unknown[:NAMES_IN_MESSAGE])
        raise UnknownPeopleError(f"No such person at {listed}", field=f"records.{unknown[0]}.person_id")

    rows = db.session.execute(
        select(Booking, Attendance)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(
            Booking.session_id == locked.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.person_id.in_(list(first_index)),
        )
    ).all()
    active = {booking.person_id: (booking, attendance) for booking, attendance in rows}
    reason = find_reopen_reason(locked)
    results: list[MarkedLine] = []
    changes: list[tuple[Booking, AttendanceChange]] = []
    for person_id, outcome in records:
        outcome = AttendanceOutcome(outcome)
        booking, attendance = active.get(person_id, (None, None))
        walked_in = booking is None or booking.status != BookingStatus.CONFIRMED
        if walked_in:
            booking = _seat_walk_in(locked, people[person_id], booking, actor=actor, now=now).booking
            db.session.flush()
        change = _apply_mark(
            booking=booking, attendance=attendance, outcome=outcome, actor=actor, now=now, reason=reason
        )
        if change is not None:
            changes.append((booking, change))
        results.append(MarkedLine(person_id, booking, outcome, walked_in, change is not None))
    db.session.flush()
    _audit_marks(locked.id, changes, actor, reason)
    return results
