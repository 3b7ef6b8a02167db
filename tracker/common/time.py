"""Times are stored in UTC and shown in Europe/London; dates travel as YYYY-MM-DD."""

from __future__ import annotations

import calendar
from datetime import UTC, date, datetime, time, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

LONDON = ZoneInfo("Europe/London")

#: The dates the service takes in, from pages, CSV files, the CLI and the API. Wide enough for anyone's
#: start date or training record, and far enough from the calendar's ends (years 1 and 9999) that adding
#: a validity period, a year back or a day forward, or a time zone can never leave it.
EARLIEST_DATE = date(1900, 1, 1)
LATEST_DATE = date(2199, 12, 31)


class DateOutOfRangeError(ValueError):
    """A real date, but outside EARLIEST_DATE..LATEST_DATE."""

    def __init__(self) -> None:
        super().__init__(f"Enter a date between {EARLIEST_DATE.isoformat()} and {LATEST_DATE.isoformat()}")


def check_date_range(day: date) -> date:
    """`day` itself, if the service takes it. Raises DateOutOfRangeError otherwise."""
    if not EARLIEST_DATE <= day <= LATEST_DATE:
        raise DateOutOfRangeError()
    return day


def utc_now() -> datetime:
    return datetime.now(UTC)


def today_london() -> date:
    return utc_now().astimezone(LONDON).date()


def to_london(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: times must carry a timezone")
    return moment.astimezone(LONDON)


def london_to_utc(day: date, clock: time) -> datetime:
    """The UTC instant of a wall-clock time in London.

    On the autumn change 01:00–02:00 happens twice: `clock.fold` picks one (0, the default: the first, BST;
    1: the second, GMT). In spring 01:00–02:00 does not exist: it is moved forward an hour, as a clock on
    the wall would be. Forms refuse both cases first (`london_clock_problem`), so a person never gets a time
    they did not mean.
    """
    # PEP 495: fold=0 is the earlier of a repeated time, and for a missing time the offset in force before
    # the change, which lands an hour later on the new clock.
    return datetime.combine(day, clock.replace(tzinfo=None)).replace(tzinfo=LONDON).astimezone(UTC)


def london_clock_problem(day: date, clock: time) -> str | None:
    """Why a wall-clock time on a London day is not one moment, or None when it is.

    A time that does not exist (the clocks go forward) is refused; a time that happens twice (the clocks go
    back) is refused unless it says which it is: a `clock` with a tzinfo was entered as "01:30 BST" (fold 0)
    or "01:30 GMT" (fold 1)."""
    wall = datetime.combine(day, clock.replace(tzinfo=None, fold=0))
    first, second = wall.replace(tzinfo=LONDON), wall.replace(tzinfo=LONDON, fold=1)
    if first.utcoffset() == second.utcoffset():
        return None
    shown = f"{clock.strftime('%H:%M')} on {format_date(day)}"
    if first.astimezone(UTC).astimezone(LONDON).replace(tzinfo=None) != wall:
        return (
            f"There is no {shown} in the UK: the clocks go forward an hour at 01:00. "
            "Enter a time before 01:00 or from 02:00"
        )
    if clock.tzinfo is None:
        return (
            f"{shown} happens twice in the UK: the clocks go back an hour at 02:00. Enter "
            f"{clock.strftime('%H:%M')} BST for the first or {clock.strftime('%H:%M')} GMT for the second"
        )
    return None


def parse_iso_date(value: str) -> date:
    """A strict YYYY-MM-DD date between EARLIEST_DATE and LATEST_DATE. Raises ValueError otherwise
    (DateOutOfRangeError for a real date outside them)."""
    value = value.strip()
    if len(value) != 10 or value[4] != "-" or value[7] != "-":
        raise ValueError("Enter a date as YYYY-MM-DD")
    return check_date_range(date.fromisoformat(value))


def add_months(day: date, months: int) -> date:
    """Same day-of-month `months` later, clamped to the month's last day (31 Jan + 1 month = 28/29 Feb)."""
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


@lru_cache(maxsize=4096)
def format_date(value: date | datetime | None) -> str:
    """GOV.UK style: 7 January 2025."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        value = to_london(value).date()
    return f"{value.day} {value:%B %Y}"


@lru_cache(maxsize=4096)
def format_time(value: datetime | None) -> str:
    """GOV.UK style: 10am, 10:30am, midday."""
    if value is None:
        return ""
    return _clock(to_london(value))


def _clock(local: datetime) -> str:
    if local.hour == 12 and local.minute == 0:
        return "midday"
    hour = local.hour % 12 or 12
    suffix = "am" if local.hour < 12 else "pm"
    return f"{hour}{suffix}" if local.minute == 0 else f"{hour}:{local.minute:02d}{suffix}"


@lru_cache(maxsize=4096)
def format_datetime(value: datetime | None) -> str:
    """Tuesday 7 January 2025, 10am."""
    if value is None:
        return ""
    local = to_london(value)
    return f"{local:%A} {local.day} {local:%B %Y}, {_clock(local)}"


def start_of_london_day(day: date) -> datetime:
    return london_to_utc(day, time(0, 0))


def end_of_london_day(day: date) -> datetime:
    return start_of_london_day(day + timedelta(days=1))


def london_clock(moment: datetime) -> time:
    """The London wall-clock time of an instant, to the minute, as a form shows it: marked BST or GMT (see
    `london_clock_problem`) only when that time happens twice on its day."""
    local = to_london(moment)
    clock = local.time().replace(second=0, microsecond=0)
    if london_clock_problem(local.date(), clock) is None:
        return clock
    return clock.replace(tzinfo=LONDON, fold=local.fold)
