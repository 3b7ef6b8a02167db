"""The places on a session follow the session: receivers of the events courses sends while it changes a session
(tracker.courses.signals), connected when the booking package is imported."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from tracker.booking.models import ACTIVE_STATUSES, SEAT_STATUSES, Booking, BookingStatus
from tracker.booking.services import promote_waitlist, refuse_below_seats_taken
from tracker.common.time import utc_now
from tracker.courses import signals
from tracker.courses.models import TrainingSession
from tracker.extensions import db


def _active_places(training_session: TrainingSession) -> list[Booking]:
    return list(
        db.session.scalars(
            select(Booking)
            .where(Booking.session_id == training_session.id, Booking.status.in_(ACTIVE_STATUSES))
            .order_by(Booking.id)
        )
    )


def on_session_moving(training_session: TrainingSession, **_: Any) -> None:
    """SEQUENCE + 1 on every active place: its invite is about to change."""
    for booking in _active_places(training_session):
        booking.sequence += 1
    db.session.flush()


def on_session_capacity_changed(
    training_session: TrainingSession, *, before: int, now: datetime | None = None, **_: Any
) -> None:
    """Refuse a capacity below the seats taken (CapacityError); give the seats an increase frees to the waiting list."""
    refuse_below_seats_taken(training_session, training_session.capacity)
    if training_session.capacity > before:
        promote_waitlist(training_session, now=now)


def on_session_cancelling(
    training_session: TrainingSession,
    *,
    cancelled_by_id: int | None,
    reason: str,
    now: datetime | None = None,
    **_: Any,
) -> tuple[list[Booking], list[Booking]]:
    """Cancel every active place (a new SEQUENCE each; nobody is promoted, no `booking_cancelled` each: the session's
    cancellation announces them). Returns the places cancelled and those among them that held a seat."""
    now = now or utc_now()
    active = _active_places(training_session)
    seated = [booking for booking in active if booking.status in SEAT_STATUSES]
    for booking in active:
        booking.sequence += 1
        booking.status = BookingStatus.CANCELLED
        booking.cancelled_at = now
        booking.cancelled_by_id = cancelled_by_id
        booking.cancel_reason = reason
    db.session.flush()
    return active, seated


def connect_receivers() -> None:
    """Connect every receiver once, strongly (blinker keys receivers by identity: connecting again changes nothing)."""
    signals.session_moving.connect(on_session_moving, weak=False)
    signals.session_capacity_changed.connect(on_session_capacity_changed, weak=False)
    signals.session_cancelling.connect(on_session_cancelling, weak=False)


connect_receivers()
