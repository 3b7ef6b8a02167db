"""Someone who becomes trained leaves the waiting lists of that course, and is told: called wherever records are
made (a signed-off register, an imported file, evidence seen), in the same transaction.

Only waiting-list places on sessions still to come are taken, and only where the new record is still valid on the
session's day: an imported record that lapses first leaves the person waiting for the refresher they need. A
confirmed place is left alone: the person or their manager chose it, and may want it for a reason the record
does not show.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, NamedTuple

from sqlalchemy import select
from sqlalchemy.orm import contains_eager

from tracker.attendance.models import still_valid_on
from tracker.booking.models import Booking, BookingStatus
from tracker.booking.services import cancel_booking
from tracker.common.time import to_london, utc_now
from tracker.courses.models import TrainingSession
from tracker.extensions import db


class NewRecord(NamedTuple):
    """A record inserted in bulk (an import), where there is no TrainingRecord object to pass."""

    person_id: int
    course_id: int
    expires_on: date | None


def leave_waiting_lists(records: Sequence[Any], *, now: datetime | None = None) -> list[Booking]:
    """Take the people in `records` (TrainingRecords, or anything with person_id, course_id and expires_on) off
    the waiting lists of sessions of the same course that their new record covers. Each is told by the
    waiting-list email (queued on `booking_cancelled`). Returns the places taken."""
    now = now or utc_now()
    expiries: dict[tuple[int, int], list[date | None]] = defaultdict(list)
    for record in records:
        expiries[(record.person_id, record.course_id)].append(record.expires_on)
    if not expiries:
        return []
    # Waiting lists are short, so one query for every upcoming waiting-list place of these courses, matched here,
    # serves an import of 200,000 rows as well as a register of twelve.
    waiting = db.session.scalars(
        select(Booking)
        .join(Booking.training_session)
        .options(contains_eager(Booking.training_session))
        .where(
            Booking.status == BookingStatus.WAITLISTED,
            TrainingSession.course_id.in_(sorted({course_id for _, course_id in expiries})),
            TrainingSession.starts_at > now,
        )
        .order_by(Booking.id)
    ).all()
    taken = []
    for booking in waiting:
        session_day = to_london(booking.training_session.starts_at).date()
        new_expiries = expiries.get((booking.person_id, booking.training_session.course_id), [])
        if not any(still_valid_on(expires_on, session_day) for expires_on in new_expiries):
            continue
        course = booking.training_session.course
        reason = f"Your training record shows you have completed {course.name}, so you do not need this place."
        cancel_booking(booking=booking, cancelled_by=None, reason=reason, now=now)
        taken.append(booking)
    return taken
