"""The capacity rule, in one place: confirmed and held places (`SEAT_STATUSES`) take a session's seats; the
places left are its capacity less those, never below nought; a session is bookable now when it is published,
booking has opened and has not closed (booking closes at `booking_closes_at`, or at the start if earlier).

In Python for a session in hand, and as SQL expressions for the statements that list sessions (the pages, the
API, My team's planning and demand planning), so that every page counts places the same way. Who may take a
free seat when places are held for organisations (seat quotas) is `tracker.booking.seat_rule`'s question: the
booking service asks it; the pages here count the session's seats as a whole.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, func, or_, select

from tracker.booking.models import SEAT_STATUSES, Booking, BookingStatus
from tracker.common.filters import pluralise
from tracker.courses.models import SessionStatus, TrainingSession
from tracker.extensions import db

# --- In SQL ------------------------------------------------------------------------------------------


def seats_taken_sql(session=TrainingSession) -> ColumnElement[int]:
    """The seats taken on the session of each row: a subquery correlated to `session` (the model, or an alias)."""
    return (
        select(func.count(Booking.id))
        .where(Booking.session_id == session.id, Booking.status.in_(SEAT_STATUSES))
        .correlate(session)
        .scalar_subquery()
    )


def places_left_sql(session=TrainingSession, taken: ColumnElement[int] | None = None) -> ColumnElement[int]:
    """Capacity less the seats taken (`taken`, the correlated count unless given), never below nought."""
    taken = seats_taken_sql(session) if taken is None else taken
    return case((session.capacity > taken, session.capacity - taken), else_=0)


def not_closed_sql(now: datetime, session=TrainingSession) -> ColumnElement[bool]:
    """Published, and booking has not closed at `now` (it may not have opened yet)."""
    return and_(
        session.status == SessionStatus.PUBLISHED,
        session.starts_at > now,
        or_(session.booking_closes_at.is_(None), session.booking_closes_at > now),
    )


def bookable_now_sql(now: datetime, session=TrainingSession) -> ColumnElement[bool]:
    """Published, booking open at `now`: `bookable_now` in SQL."""
    return and_(not_closed_sql(now, session), or_(session.booking_opens_at.is_(None), session.booking_opens_at <= now))


# --- In Python ---------------------------------------------------------------------------------------


def is_closed(training_session: TrainingSession, now: datetime) -> bool:
    """Booking (and promotion from the waiting list) has stopped: at booking close, or at the start if earlier."""
    return now >= training_session.effective_booking_close


def has_opened(training_session: TrainingSession, now: datetime) -> bool:
    return training_session.booking_opens_at is None or now >= training_session.booking_opens_at


def bookable_now(training_session: TrainingSession, now: datetime) -> bool:
    return (
        training_session.status == SessionStatus.PUBLISHED
        and has_opened(training_session, now)
        and not is_closed(training_session, now)
    )


def count_seats_taken(session_id: int) -> int:
    return db.session.scalar(
        select(func.count(Booking.id)).where(Booking.session_id == session_id, Booking.status.in_(SEAT_STATUSES))
    )


def places_left(training_session: TrainingSession, *, taken: int | None = None) -> int:
    """Seats still free: capacity less confirmed and held places (`taken`, counted here unless given)."""
    if taken is None:
        taken = count_seats_taken(training_session.id)
    return max(training_session.capacity - taken, 0)


def seats_taken_by_session(session_ids: list[int]) -> dict[int, int]:
    """{session_id: seats taken} for many sessions in one query (sessions with none are left out)."""
    if not session_ids:
        return {}
    rows = db.session.execute(
        select(Booking.session_id, func.count(Booking.id))
        .where(Booking.session_id.in_(session_ids), Booking.status.in_(SEAT_STATUSES))
        .group_by(Booking.session_id)
    )
    return dict(rows.all())


@dataclass(frozen=True)
class SeatCounts:
    taken: int
    waiting: int


def seat_counts(session_ids: list[int]) -> dict[int, SeatCounts]:
    """Seats taken and waiting-list length for each of many sessions, in one query."""
    counts: dict[int, SeatCounts] = {session_id: SeatCounts(0, 0) for session_id in session_ids}
    if not session_ids:
        return counts
    seat = Booking.status.in_(SEAT_STATUSES)
    waiting = Booking.status == BookingStatus.WAITLISTED
    rows = db.session.execute(
        select(Booking.session_id, func.count(Booking.id).filter(seat), func.count(Booking.id).filter(waiting))
        .where(Booking.session_id.in_(session_ids), or_(seat, waiting))
        .group_by(Booking.session_id)
    )
    for session_id, taken, waitlisted in rows:
        counts[session_id] = SeatCounts(taken, waitlisted)
    return counts


#: What every list and session picker says of a session with no place left: booking it joins the waiting list.
FULL_TEXT = "Full – join the waiting list"


def places_text(training_session, taken: int) -> str:
    """The Jinja filter `places` (`{{ s | places(taken) }}`): "12 places left", "1 place left", or "Full – join
    the waiting list"; `training_session` is a session or a row with its capacity."""
    left = places_left(training_session, taken=taken)
    return f"{pluralise(left, 'place')} left" if left > 0 else FULL_TEXT
