"""Believable times for what the demo makes: bookings, their emails and training requests happened on different
days, in working hours, before the demo was loaded — not all in the second `flask demo load` ran.

Bookings are made through the booking service at their own time (`now=`), in time order, so the waiting list
holds the people who came last. The emails the booking events queue take the booking's time; a request's
history is moved back in the same way. Times are drawn from the generator the caller gives, so they are the
same on every load of the same day.
"""

from __future__ import annotations

import random
from datetime import date, datetime, time, timedelta

from sqlalchemy import update

from tracker.booking.models import Booking
from tracker.common.time import london_to_utc, utc_now
from tracker.extensions import db
from tracker.invites.models import OutboxMessage
from tracker.requests.models import TrainingRequest

#: Working hours in London: people book and coordinators answer between these.
DAY_STARTS, DAY_ENDS = time(8, 30), time(17, 30)


def working_moment(day: date, rng: random.Random) -> datetime:
    """A time in London working hours on `day` (to the second), in UTC."""
    start = DAY_STARTS.hour * 3600 + DAY_STARTS.minute * 60
    end = DAY_ENDS.hour * 3600 + DAY_ENDS.minute * 60
    seconds = rng.randrange(start, end)
    return london_to_utc(day, time(seconds // 3600, seconds // 60 % 60, seconds % 60))


def spread_moments(rng: random.Random, *, count: int, first_day: date, last_day: date) -> list[datetime]:
    """`count` working-hours moments between two days (weekdays only when there are any), earliest first,
    never later than now."""
    days = [first_day + timedelta(days=n) for n in range((last_day - first_day).days + 1)]
    weekdays = [day for day in days if day.weekday() < 5] or days
    now = utc_now()
    moments = []
    for _ in range(count):
        moment = working_moment(rng.choice(weekdays), rng)
        moments.append(min(moment, now - timedelta(minutes=rng.randint(5, 90))))
    return sorted(moments)


def date_booking_emails(booking: Booking, at: datetime) -> None:
    """The emails queued for `booking` (confirmation, waiting-list notice) were queued when it was made."""
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.booking_id == booking.id)
        .values(created_at=at, next_attempt_at=at)
        .execution_options(synchronize_session=False)
    )


def date_request(training_request: TrainingRequest, *, received: datetime, steps: list[datetime]) -> None:
    """A request received at `received`, its status changes (oldest first) at `steps`."""
    training_request.created_at = received
    for event, at in zip(training_request.events, steps, strict=False):
        event.at = at
    training_request.updated_at = steps[-1] if steps else received
