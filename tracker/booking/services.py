"""Bookings and the capacity rule: confirmed seats never exceed capacity, whatever arrives at once.

Every write here first locks the training session row (`tracker.courses.locking.lock_session`). Seats (see
tracker.booking.capacity) are then counted and changed under that lock, so two requests can
never both take the last seat, and a cancellation hands its seat to the first waitlisted person in
the same transaction. Places held for organisations (seat quotas) follow `tracker.booking.seat_rule`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from functools import cache

from sqlalchemy import Select, and_, bindparam, case, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from tracker.accounts.models import Role, UserAccount
from tracker.booking import seat_rule, signals
from tracker.booking.capacity import count_seats_taken, has_opened, is_closed
from tracker.booking.capacity import places_left as places_left  # the pages ask the booking service for it
from tracker.booking.models import ACTIVE_STATUSES, SEAT_STATUSES, Booking, BookingSource, BookingStatus, SeatQuota
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import format_datetime, utc_now
from tracker.courses.locking import lock_session
from tracker.courses.models import SessionAudience, SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people import services as people
from tracker.people.models import Person


class BookingError(TrackerError):
    """A booking rule said no."""


class AlreadyBookedError(ConflictError):
    code = "already_booked"


class PlaceOnCourseHeldError(AlreadyBookedError):
    """One active place per course: the person already holds (or waits for) a place on another session of it."""

    code = "place_on_course_held"


class BookingClosedError(BookingError):
    code = "booking_closed"


class SessionNotBookableError(BookingError):
    code = "not_bookable"


class NotInAudienceError(BookingError):
    code = "not_in_audience"
    status = 403


class CapacityError(BookingError):
    code = "capacity"


# --- Reads -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _BookingState:
    """What booking someone onto a locked session needs to know, read in one statement."""

    seats_taken: int
    #: Held places whose time to confirm has passed (lapsed before anything else happens).
    lapsed_holds: int
    #: The person's own active place (confirmed, held or waiting), if any.
    existing_id: int | None
    #: How many organisations have places held on the session (released or not).
    quotas: int
    #: The person's active place on another session of the same course that has not ended, if any.
    other_place_id: int | None = None


@cache
def _booking_state_statement() -> Select:
    """Parameters session_id, course_id, person_id and now. Built once (values are bind parameters): building it
    and its cache key took 0.6 ms of each booking, under the session's lock (bench/results.md, issue 15)."""
    session_id, person_id = bindparam("session_id"), bindparam("person_id")
    now = bindparam("now", type_=Booking.hold_expires_at.type)
    lapsed = and_(Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= now)
    mine = and_(Booking.person_id == person_id, Booking.status.in_(ACTIVE_STATUSES))
    quotas = select(func.count(SeatQuota.id)).where(SeatQuota.session_id == session_id).scalar_subquery()
    # The person's active place on another session of the course that has not ended (aliased, so that it never
    # correlates with the statement it sits in).
    other, other_session = aliased(Booking, name="other_place"), aliased(TrainingSession, name="other_session")
    other_place = (
        select(func.min(other.id))
        .join(other_session, other_session.id == other.session_id)
        .where(
            other.person_id == person_id,
            other.status.in_(ACTIVE_STATUSES),
            other.session_id != session_id,
            other_session.course_id == bindparam("course_id"),
            other_session.status != SessionStatus.CANCELLED,
            other_session.ends_at > now,
        )
        .scalar_subquery()
    )
    return select(
        func.count(case((Booking.status.in_(SEAT_STATUSES), 1))),
        func.count(case((lapsed, 1))),
        func.max(case((mine, Booking.id))),
        quotas,
        other_place,
    ).where(Booking.session_id == session_id)


def _booking_state(*, session_id: int, course_id: int, person_id: int, now: datetime) -> _BookingState:
    parameters = {"session_id": session_id, "course_id": course_id, "person_id": person_id, "now": now}
    taken, lapsed, existing_id, quota_count, other_id = db.session.execute(_booking_state_statement(), parameters).one()
    return _BookingState(
        seats_taken=taken or 0,
        lapsed_holds=lapsed or 0,
        existing_id=existing_id,
        quotas=quota_count or 0,
        other_place_id=other_id,
    )


def waitlist_order():
    return (Booking.waitlisted_at, Booking.id)


def waitlist_positions(booking_ids: list[int]) -> dict[int, int]:
    """1-based waiting-list position of each waitlisted booking given (one query)."""
    if not booking_ids:
        return {}
    ranked = (
        select(
            Booking.id.label("booking_id"),
            func.row_number().over(partition_by=Booking.session_id, order_by=waitlist_order()).label("position"),
        )
        .where(
            Booking.status == BookingStatus.WAITLISTED,
            Booking.session_id.in_(select(Booking.session_id).where(Booking.id.in_(booking_ids)).scalar_subquery()),
        )
        .subquery()
    )
    rows = db.session.execute(
        select(ranked.c.booking_id, ranked.c.position).where(ranked.c.booking_id.in_(booking_ids))
    )
    return dict(rows.all())


def find_active_booking(*, session_id: int, person_id: int) -> Booking | None:
    """The person's place on the session (confirmed, held or waiting), if any."""
    return db.session.scalar(
        select(Booking).where(
            Booking.session_id == session_id, Booking.person_id == person_id, Booking.status.in_(ACTIVE_STATUSES)
        )
    )


def list_bookings_for_session(session_id: int, *, include_cancelled: bool = False) -> list[Booking]:
    statement = select(Booking).where(Booking.session_id == session_id)
    if not include_cancelled:
        statement = statement.where(Booking.status != BookingStatus.CANCELLED)
    return list(db.session.scalars(statement.order_by(Booking.created_at, Booking.id)))


# --- Permissions (object level) --------------------------------------------------------------------


def can_book_for(actor: UserAccount, person: Person) -> bool:
    """Anyone books themselves; a coordinator anyone; a manager their team; a partner contact their organisation."""
    if actor.person_id == person.id or actor.has_role(Role.COORDINATOR):
        return True
    if actor.has_role(Role.MANAGER) and people.is_in_team(actor.person, person):
        return True
    return actor.has_role(Role.PARTNER) and actor.person.organisation_id == person.organisation_id


def can_cancel(actor: UserAccount, booking: Booking) -> bool:
    return can_book_for(actor, booking.person)


def source_for(actor: UserAccount, person: Person) -> BookingSource:
    """How a booking was made, from who made it for whom."""
    if actor.person_id == person.id:
        return BookingSource.SELF
    if actor.has_role(Role.COORDINATOR):
        return BookingSource.COORDINATOR
    if actor.has_role(Role.MANAGER) and people.is_in_team(actor.person, person):
        return BookingSource.MANAGER
    return BookingSource.PARTNER


def is_in_audience(training_session: TrainingSession, person: Person) -> bool:
    if not training_session.audience_restricted:
        return True
    return (
        db.session.scalar(
            select(SessionAudience.id).where(
                SessionAudience.session_id == training_session.id,
                SessionAudience.organisation_id == person.organisation_id,
            )
        )
        is not None
    )


def booking_refusal(training_session: TrainingSession, *, now: datetime | None = None) -> BookingError | None:
    """Why a session cannot take bookings now, as the error booking on it raises (BookingClosedError once
    booking has closed or before it opens, SessionNotBookableError for a draft or cancelled session), or None."""
    now = now or utc_now()
    if training_session.status == SessionStatus.CANCELLED:
        return SessionNotBookableError("This session has been cancelled", field="session")
    if training_session.status != SessionStatus.PUBLISHED:
        return SessionNotBookableError("This session is not open for booking yet", field="session")
    if not has_opened(training_session, now):
        return BookingClosedError(
            f"Booking opens on {format_datetime(training_session.booking_opens_at)}", field="session"
        )
    if is_closed(training_session, now):
        return BookingClosedError("Booking for this session has closed", field="session")
    return None


def booking_problem(training_session: TrainingSession, *, now: datetime | None = None) -> str | None:
    """Why a session cannot take bookings now, or None: shown before the button, and enforced on POST."""
    refusal = booking_refusal(training_session, now=now)
    return refusal.message if refusal else None


# --- Writes ----------------------------------------------------------------------------------------


def book_place(
    *,
    training_session: TrainingSession,
    person: Person,
    booked_by: Person | None,
    source: BookingSource,
    hold_until: datetime | None = None,
    now: datetime | None = None,
) -> Booking:
    """Book `person` onto the session: a confirmed seat if one is free, else a waiting-list place.

    With `hold_until`, a free seat is held (status held) until the person confirms their email.
    Raises SessionNotBookableError, BookingClosedError, NotInAudienceError, AlreadyBookedError (already on this
    session), PlaceOnCourseHeldError (one active place per course: already on another upcoming session of it).
    Authorisation (may the actor book for this person?) is the caller's: see `can_book_for`.
    """
    now = now or utc_now()
    locked = lock_session(training_session.id)
    state = _booking_state(session_id=locked.id, course_id=locked.course_id, person_id=person.id, now=now)
    if state.lapsed_holds:  # their seats go to the waiting list first
        lapse_expired_holds(session_id=locked.id, now=now)
        state = _booking_state(session_id=locked.id, course_id=locked.course_id, person_id=person.id, now=now)
    refusal = booking_refusal(locked, now=now)
    if refusal:
        raise refusal
    if source != BookingSource.COORDINATOR and not is_in_audience(locked, person):
        raise NotInAudienceError(
            f"This session is only for staff of {', '.join(o.name for o in locked.audience)}", field="person"
        )
    if state.existing_id is not None:
        existing = db.session.get(Booking, state.existing_id)
        raise AlreadyBookedError(_already_booked_message(existing, person, booked_by), field="person")
    if state.other_place_id is not None:
        other = db.session.get(Booking, state.other_place_id)
        raise PlaceOnCourseHeldError(_place_on_course_message(other, person, booked_by), field="person")

    quotas = seat_rule.session_quotas(locked.id) if state.quotas else []
    if release_quotas(locked, quotas, now=now):  # the waiting list is offered released places before newcomers
        state = _booking_state(session_id=locked.id, course_id=locked.course_id, person_id=person.id, now=now)
    seats = seat_rule.seats_of(locked.capacity, locked.id, quotas, now, taken=state.seats_taken)
    seat_free = seats.left_for(person.organisation_id) > 0
    if seat_free:
        status = BookingStatus.HELD if hold_until else BookingStatus.CONFIRMED
    else:
        status = BookingStatus.WAITLISTED
    booking = Booking(
        session_id=locked.id,
        person_id=person.id,
        status=status,
        source=source,
        booked_by_id=booked_by.id if booked_by else None,
        created_at=now,
        confirmed_at=now if status == BookingStatus.CONFIRMED else None,
        waitlisted_at=now if status == BookingStatus.WAITLISTED else None,
        hold_expires_at=hold_until if status == BookingStatus.HELD else None,
    )
    db.session.add(booking)
    try:
        db.session.flush()
    except IntegrityError as error:
        # Not while every booking reads the person's place under the session's lock, as all do. Should one
        # ever get past, the unique index refuses the second place and this transaction is over: the caller
        # rolls back, as on any TrackerError.
        raise AlreadyBookedError(_already_booked_message(None, person, booked_by), field="person") from error

    record_event(
        "booking.created",
        object_type="booking",
        object_id=booking.id,
        after={"session_id": locked.id, "person_id": person.id, "status": status, "source": source},
    )
    {
        BookingStatus.CONFIRMED: signals.booking_confirmed,
        BookingStatus.WAITLISTED: signals.booking_waitlisted,
        BookingStatus.HELD: signals.booking_held,
    }[status].send(booking, new=True)
    return booking


def _already_booked_message(existing: Booking | None, person: Person, booked_by: Person | None) -> str:
    who = "You are" if booked_by is not None and booked_by.id == person.id else f"{person.full_name} is"
    if existing is not None and existing.status == BookingStatus.WAITLISTED:
        return f"{who} already on the waiting list for this session"
    return f"{who} already booked on this session"


def _place_on_course_message(other: Booking, person: Person, booked_by: Person | None) -> str:
    """Names the person and the session they already hold a place on (or wait for)."""
    self_booking = booked_by is not None and booked_by.id == person.id
    held = other.training_session
    title = f"{held.display_title} on {format_datetime(held.starts_at)}"
    if other.status == BookingStatus.WAITLISTED:
        place = f"on the waiting list for {title}"
        undo = "leave that waiting list"
    else:
        place = f"booked on {title}"
        undo = "cancel that place"
    who = "You are" if self_booking else f"{person.full_name} is"
    return f"{who} already {place}. A person can hold one place per course: {undo} first to book this session"


def confirm_hold(*, booking: Booking, now: datetime | None = None) -> Booking:
    """Turn a held place into a confirmed one (the person confirmed their email)."""
    now = now or utc_now()
    lock_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status != BookingStatus.HELD:
        raise ConflictError("This place has already been confirmed or has lapsed", code="not_held")
    if booking.hold_expires_at and booking.hold_expires_at <= now:
        raise BookingClosedError("The time to confirm this place has passed", code="hold_lapsed")
    booking.status = BookingStatus.CONFIRMED
    booking.confirmed_at = now
    booking.hold_expires_at = None
    booking.sequence += 1
    record_event(
        "booking.confirmed",
        object_type="booking",
        object_id=booking.id,
        before={"status": "held"},
        after={"status": "confirmed"},
    )
    signals.booking_confirmed.send(booking)
    return booking


def cancel_booking(
    *, booking: Booking, cancelled_by: Person | None, reason: str | None = None, now: datetime | None = None
) -> list[Booking]:
    """Cancel a booking; a freed seat goes to the first waitlisted person in the same transaction.

    Returns the bookings promoted from the waiting list. Cancelling a cancelled booking changes nothing.
    """
    now = now or utc_now()
    training_session = lock_session(booking.session_id)
    db.session.refresh(booking)
    if booking.status == BookingStatus.CANCELLED:
        return []
    was = booking.status
    booking.status = BookingStatus.CANCELLED
    booking.cancelled_at = now
    booking.cancelled_by_id = cancelled_by.id if cancelled_by else None
    booking.cancel_reason = reason
    booking.sequence += 1
    db.session.flush()
    record_event(
        "booking.cancelled",
        object_type="booking",
        object_id=booking.id,
        before={"status": was},
        after={"status": "cancelled", "reason": reason},
    )
    signals.booking_cancelled.send(booking, was_status=was)
    if was in SEAT_STATUSES:
        return promote_waitlist(training_session, now=now)
    return []


def promote_waitlist(
    training_session: TrainingSession, *, now: datetime | None = None, quotas: list[SeatQuota] | None = None
) -> list[Booking]:
    """Give free seats to waitlisted people, first come first served among those a free seat may go to (places
    held for an organisation go only to its people until released). Call with the session locked.

    Nobody is promoted once booking has closed or the session has started, or on a session that is
    not published.
    """
    now = now or utc_now()
    if training_session.status != SessionStatus.PUBLISHED or is_closed(training_session, now):
        return []
    quotas = seat_rule.session_quotas(training_session.id) if quotas is None else quotas
    seats = seat_rule.seats_of(training_session.capacity, training_session.id, quotas, now)
    free = training_session.capacity - sum(seats.taken.values())
    if free <= 0:
        return []
    in_line = (
        select(Booking, Person.organisation_id)
        .join(Person, Person.id == Booking.person_id)
        .where(Booking.session_id == training_session.id, Booking.status == BookingStatus.WAITLISTED)
        .order_by(*waitlist_order())
    )
    if not seats.held:
        in_line = in_line.limit(free)
    waiting = []
    for booking, organisation_id in db.session.execute(in_line):
        if seats.left_for(organisation_id) > 0:
            waiting.append(booking)
            seats = seats.take(organisation_id)
    for booking in waiting:
        booking.status = BookingStatus.CONFIRMED
        booking.confirmed_at = now
        booking.sequence += 1
        record_event(
            "booking.promoted",
            object_type="booking",
            object_id=booking.id,
            before={"status": "waitlisted"},
            after={"status": "confirmed"},
        )
    db.session.flush()
    for booking in waiting:
        signals.booking_promoted.send(booking)
    return list(waiting)


def release_quotas(training_session: TrainingSession, quotas: list[SeatQuota], *, now: datetime) -> list[Booking]:
    """Offer the places of quotas whose release has come to the waiting list (once per quota). Call with the
    session locked; returns the people promoted."""
    due = seat_rule.due_releases(quotas, now)
    if not due:
        return []
    for quota in due:
        quota.release_done_at = now
    db.session.flush()
    return promote_waitlist(training_session, now=now, quotas=quotas)


def refuse_below_seats_taken(training_session: TrainingSession, capacity: int) -> None:
    """Raises CapacityError if `capacity` is below the seats already taken on the (locked) session."""
    taken = count_seats_taken(training_session.id)
    if capacity < taken:
        raise CapacityError(
            f"Capacity cannot be less than the {taken} places already booked: cancel bookings first",
            field="capacity",
        )


def change_capacity(*, training_session: TrainingSession, capacity: int, now: datetime | None = None) -> list[Booking]:
    """Set a session's capacity; an increase promotes as many waitlisted people as now fit.

    Raises CapacityError if the new capacity is below the seats already taken.
    """
    locked = lock_session(training_session.id)
    if capacity < 1:
        raise CapacityError("Capacity must be 1 or more", field="capacity")
    refuse_below_seats_taken(locked, capacity)
    seats = seat_rule.seats_of(capacity, locked.id, seat_rule.session_quotas(locked.id), now or utc_now())
    if not seats.consistent:
        raise CapacityError(
            f"Capacity cannot be less than the {sum(seats.held.values())} places held for organisations and the"
            " places others have booked: change the held places first",
            field="capacity",
        )
    before = locked.capacity
    locked.capacity = capacity
    db.session.flush()
    if capacity != before:
        record_event(
            "session.capacity_changed",
            object_type="training_session",
            object_id=locked.id,
            before={"capacity": before},
            after={"capacity": capacity},
        )
    return promote_waitlist(locked, now=now) if capacity > before else []


def lapse_expired_holds(*, session_id: int | None = None, now: datetime | None = None) -> int:
    """Cancel held places whose confirmation time has passed, promoting the waiting list. Returns how many."""
    now = now or utc_now()
    statement = select(Booking).where(and_(Booking.status == BookingStatus.HELD, Booking.hold_expires_at <= now))
    if session_id is not None:
        statement = statement.where(Booking.session_id == session_id)
    expired = db.session.scalars(statement.order_by(Booking.id)).all()
    for booking in expired:
        cancel_booking(booking=booking, cancelled_by=None, reason="Email not confirmed in time", now=now)
    return len(expired)


# --- Finding sessions, my training, booking for others ----------------------------------------------


def session_bookings_query(
    training_session: TrainingSession,
    *,
    visible_to: UserAccount | None = None,
    include_cancelled: bool = False,
    status: BookingStatus | None = None,
) -> Select:
    """A session's bookings in booking order, active ones unless `include_cancelled` (or only those of one
    `status`); with `visible_to`, only those that actor could make or cancel (everyone's for the coordinator
    and the session's trainers)."""
    statement = (
        select(Booking)
        .join(Booking.person)
        .options(joinedload(Booking.person).joinedload(Person.organisation))
        .where(Booking.session_id == training_session.id)
    )
    if status is not None:
        statement = statement.where(Booking.status == status)
    elif not include_cancelled:
        statement = statement.where(Booking.status != BookingStatus.CANCELLED)
    if visible_to is not None and not _sees_all_bookings(visible_to, training_session):
        allowed = [Booking.person_id == visible_to.person_id]
        if visible_to.has_role(Role.MANAGER):
            allowed.append(Booking.person_id.in_(people.team_query(visible_to.person).with_only_columns(Person.id)))
        if visible_to.has_role(Role.PARTNER):
            allowed.append(Person.organisation_id == visible_to.person.organisation_id)
        statement = statement.where(or_(*allowed))
    return statement.order_by(Booking.created_at, Booking.id)


def _sees_all_bookings(actor: UserAccount, training_session: TrainingSession) -> bool:
    if actor.has_role(Role.COORDINATOR):
        return True
    return actor.has_role(Role.TRAINER) and any(row.person_id == actor.person_id for row in training_session.trainers)


def active_bookings_by_person(session_id: int, person_ids: list[int]) -> dict[int, Booking]:
    """{person_id: active booking} on one session for the people given (one query)."""
    if not person_ids:
        return {}
    rows = db.session.scalars(
        select(Booking).where(
            Booking.session_id == session_id, Booking.person_id.in_(person_ids), Booking.status.in_(ACTIVE_STATUSES)
        )
    )
    return {booking.person_id: booking for booking in rows}


def cancel_place(*, booking: Booking, actor: UserAccount, now: datetime | None = None) -> list[Booking]:
    """Cancel a place from a page or the API: refuses a booking already cancelled, and (except for the
    coordinator) a session that has started. Returns the bookings promoted from the waiting list."""
    now = now or utc_now()
    if booking.status == BookingStatus.CANCELLED:
        raise ConflictError("This booking has already been cancelled", code="already_cancelled")
    if booking.training_session.starts_at <= now and not actor.has_role(Role.COORDINATOR):
        raise BookingClosedError("This session has already started, so the place cannot be cancelled", code="started")
    reason = None if actor.person_id == booking.person_id else f"Cancelled by {actor.person.full_name}"
    return cancel_booking(booking=booking, cancelled_by=actor.person, reason=reason, now=now)
