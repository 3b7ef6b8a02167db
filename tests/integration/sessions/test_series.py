"""Monthly series: the nth (or last) weekday of each month, created together as drafts or published."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.factories import make_user, wrap_course
from tests.integration.sessions.helpers import make_trainer, recording_signals
from tracker.accounts.models import Role
from tracker.common.time import to_london, today_london
from tracker.courses import series, sessions
from tracker.courses.models import SessionStatus


@pytest.mark.parametrize(
    ("year", "month", "weekday", "ordinal", "expected"),
    [
        (2027, 1, 1, 1, date(2027, 1, 5)),  # first Tuesday
        (2027, 2, 1, 1, date(2027, 2, 2)),
        (2027, 6, 1, 1, date(2027, 6, 1)),  # the 1st is itself a Tuesday
        (2027, 1, 2, 3, date(2027, 1, 20)),  # third Wednesday
        (2027, 3, 6, -1, date(2027, 3, 28)),  # last Sunday of March: the clocks go forward
        (2027, 10, 6, -1, date(2027, 10, 31)),  # last Sunday of October, the 31st itself
        (2027, 2, 6, -1, date(2027, 2, 28)),
        (2028, 2, 1, -1, date(2028, 2, 29)),  # leap year
        (2027, 12, 4, 4, date(2027, 12, 24)),  # fourth Friday
    ],
)
def test_nth_weekday(year, month, weekday, ordinal, expected):
    assert series.nth_weekday(year, month, weekday, ordinal) == expected


def test_series_dates_cross_the_year():
    days = series.series_dates(first_month=date(2027, 11, 1), months=4, weekday=1, ordinal=1)
    assert days == [date(2027, 11, 2), date(2027, 12, 7), date(2028, 1, 4), date(2028, 2, 1)]


def next_month() -> date:
    today = today_london()
    return date(today.year + (today.month == 12), today.month % 12 + 1, 1)


def test_first_tuesday_of_each_month_for_six_months(app):
    wrap = wrap_course()
    trainer = make_trainer(wrap)
    with recording_signals() as log:
        created = series.create_series(
            actor=trainer,
            course=wrap,
            first_month=next_month(),
            months=6,
            weekday=1,
            ordinal=1,
            start_time=time(10),
            end_time=time(11),
            capacity=20,
            venue="Barnet House",
            publish=True,
        )
    assert len(created) == 6
    assert len({s.series_key for s in created}) == 1 and created[0].series_key
    for training_session in created:
        local = to_london(training_session.starts_at)
        assert local.weekday() == 1 and local.day <= 7 and (local.hour, local.minute) == (10, 0)
        assert to_london(training_session.ends_at).hour == 11
        assert training_session.status == SessionStatus.PUBLISHED
        assert [r.person_id for r in training_session.trainers] == [trainer.person_id]
    assert log.names() == ["session_published"] * 6


def test_a_series_of_drafts_on_the_last_sunday_keeps_10am_across_clock_changes(app):
    wrap = wrap_course()
    coordinator = make_user(Role.COORDINATOR)
    created = series.create_series(
        actor=coordinator,
        course=wrap,
        first_month=date(2027, 3, 1),
        months=8,
        weekday=6,
        ordinal=-1,
        start_time=time(10),
        end_time=time(11, 30),
        capacity=15,
        online_url="https://teams.example.org/wrap",
    )
    assert [s.status for s in created] == [SessionStatus.DRAFT] * 8
    assert {to_london(s.starts_at).strftime("%H:%M") for s in created} == {"10:00"}
    assert created[0].starts_at.isoformat() == "2027-03-28T09:00:00+00:00"
    assert created[-1].starts_at.isoformat() == "2027-10-31T10:00:00+00:00"


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"months": 0}, "months", "between 1 and 24"),
        ({"months": 25}, "months", "between 1 and 24"),
        ({"end_time": time(9)}, "ends_at", "after the start time"),
        ({"first_month": date(2020, 1, 1)}, "first_month", "would be in the past"),
        ({"ordinal": 5}, "ordinal", "Choose which week"),
    ],
)
def test_series_rules(app, changes, field, message):
    wrap = wrap_course()
    trainer = make_trainer(wrap)
    args = {
        "actor": trainer,
        "course": wrap,
        "first_month": next_month(),
        "months": 3,
        "weekday": 1,
        "ordinal": 1,
        "start_time": time(10),
        "end_time": time(11),
        "capacity": 20,
        "venue": "Barnet House",
        **changes,
    }
    with pytest.raises(sessions.SessionError, match=message) as caught:
        series.create_series(**args)
    assert caught.value.field == field
