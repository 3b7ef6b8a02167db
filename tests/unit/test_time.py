"""London wall-clock times round-trip through UTC, across both clock changes."""

from datetime import UTC, date, datetime, time

import pytest

from tracker.common.time import (
    add_months,
    format_date,
    format_datetime,
    format_time,
    london_to_utc,
    parse_iso_date,
    to_london,
)


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        (date(2026, 3, 29), datetime(2026, 3, 29, 9, 0, tzinfo=UTC)),  # last Sunday of March: BST begins at 01:00
        (date(2026, 10, 25), datetime(2026, 10, 25, 10, 0, tzinfo=UTC)),  # last Sunday of October: back to GMT
        (date(2026, 3, 28), datetime(2026, 3, 28, 10, 0, tzinfo=UTC)),
        (date(2026, 10, 24), datetime(2026, 10, 24, 9, 0, tzinfo=UTC)),
    ],
)
def test_ten_in_the_morning_on_clock_change_days(day, expected_utc):
    stored = london_to_utc(day, time(10, 0))
    assert stored == expected_utc
    assert to_london(stored).time() == time(10, 0)
    assert format_time(stored) == "10am"


def test_a_time_that_does_not_exist_moves_forward_and_a_repeated_one_takes_the_first():
    assert london_to_utc(date(2026, 3, 29), time(1, 30)) == datetime(2026, 3, 29, 1, 30, tzinfo=UTC)
    assert to_london(london_to_utc(date(2026, 3, 29), time(1, 30))).time() == time(2, 30)
    assert london_to_utc(date(2026, 10, 25), time(1, 30)) == datetime(2026, 10, 25, 0, 30, tzinfo=UTC)


def test_gov_uk_formats():
    moment = datetime(2026, 1, 6, 10, 30, tzinfo=UTC)
    assert format_date(moment) == "6 January 2026"
    assert format_time(moment) == "10:30am"
    assert format_time(datetime(2026, 6, 6, 11, 0, tzinfo=UTC)) == "midday"
    assert format_datetime(moment) == "Tuesday 6 January 2026, 10:30am"


def test_add_months_clamps_to_the_end_of_the_month():
    assert add_months(date(2019, 1, 31), 1) == date(2019, 2, 28)
    assert add_months(date(2016, 2, 29), 36) == date(2019, 2, 28)
    assert add_months(date(2018, 6, 15), 36) == date(2021, 6, 15)


@pytest.mark.parametrize("bad", ["2026-13-01", "01/02/2026", "2026-1-1", "", "yesterday"])
def test_parse_iso_date_refuses_anything_but_yyyy_mm_dd(bad):
    with pytest.raises(ValueError):
        parse_iso_date(bad)
