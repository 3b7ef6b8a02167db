"""Monthly series: the nth weekday of each month, e.g. the first Tuesday, made in one go as sessions sharing a series key."""

from __future__ import annotations

import calendar
import uuid
from collections.abc import Sequence
from datetime import date, datetime, time

from tracker.accounts.models import Role, UserAccount
from tracker.common.time import format_date, london_clock_problem, london_to_utc, utc_now
from tracker.courses.models import (
    Course,
    TrainingSession,
)
from tracker.courses.sessions import SessionError, SessionInPastError, create_session
from tracker.people.models import Organisation, Person

MAX_SERIES_MONTHS = 24


ORDINALS = {1: "first", 2: "second", 3: "third", 4: "fourth", -1: "last"}


def nth_weekday(year: int, month: int, weekday: int, ordinal: int) -> date:
    """The `ordinal`-th (1–4, or -1 for the last) `weekday` (Monday 0) of the month."""
    if ordinal == -1:
        last = date(year, month, calendar.monthrange(year, month)[1])
        return date(year, month, last.day - (last.weekday() - weekday) % 7)
    if ordinal not in (1, 2, 3, 4):
        raise ValueError("ordinal must be 1 to 4, or -1 for the last")
    first = date(year, month, 1)
    return date(year, month, 1 + (weekday - first.weekday()) % 7 + 7 * (ordinal - 1))


def series_dates(*, first_month: date, months: int, weekday: int, ordinal: int) -> list[date]:
    """The session days of a monthly series, one a month from `first_month`."""
    days = []
    for index in range(months):
        month_index = first_month.month - 1 + index
        year, month = first_month.year + month_index // 12, month_index % 12 + 1
        days.append(nth_weekday(year, month, weekday, ordinal))
    return days


def create_series(
    *,
    actor: UserAccount,
    course: Course,
    first_month: date,
    months: int,
    weekday: int,
    ordinal: int,
    start_time: time,
    end_time: time,
    capacity: int,
    title: str | None = None,
    venue: str | None = None,
    online_url: str | None = None,
    audience: Sequence[Organisation] | None = None,
    lead: Person | None = None,
    co_trainers: Sequence[Person] = (),
    observers: Sequence[Person] = (),
    publish: bool = False,
    now: datetime | None = None,
) -> list[TrainingSession]:
    """A monthly series in one go, e.g. the first Tuesday of each month, 10:00–11:00, for 6 months.

    The sessions share a `series_key`; each obeys `create_session`'s rules. Raises SessionError.
    """
    now = now or utc_now()
    if not 1 <= months <= MAX_SERIES_MONTHS:
        raise SessionError(f"Number of months must be between 1 and {MAX_SERIES_MONTHS}", field="months")
    if ordinal not in ORDINALS:
        raise SessionError("Choose which week of the month", field="ordinal")
    if not 0 <= weekday <= 6:
        raise SessionError("Choose a day of the week", field="weekday")
    if end_time <= start_time:
        raise SessionError("The end time must be after the start time", code="ends_before_start", field="ends_at")
    days = series_dates(first_month=first_month, months=months, weekday=weekday, ordinal=ordinal)
    for day in days:
        for clock, field in ((start_time, "start_time"), (end_time, "end_time")):
            problem = london_clock_problem(day, clock)
            if problem:
                raise SessionError(problem, code="not_one_moment", field=field)
    if london_to_utc(days[0], start_time) <= now and not actor.has_role(Role.COORDINATOR):
        raise SessionInPastError(
            f"The first session, on {format_date(days[0])}, would be in the past: start in a later month",
            field="first_month",
        )
    series_key = str(uuid.uuid4())
    created = [
        create_session(
            actor=actor,
            course=course,
            starts_at=london_to_utc(day, start_time),
            ends_at=london_to_utc(day, end_time),
            capacity=capacity,
            title=title,
            venue=venue,
            online_url=online_url,
            audience=audience,
            lead=lead,
            co_trainers=co_trainers,
            observers=observers,
            publish=publish,
            series_key=series_key,
            now=now,
        )
        for day in days
    ]
    return created
