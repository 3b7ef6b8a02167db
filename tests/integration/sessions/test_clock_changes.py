"""Times that do not exist, or happen twice, in London (issue 16, item 6): a session at 01:15 on the
morning the clocks go forward was stored as 02:15 without a word. Now the form refuses it next to the
time, and for the hour that happens twice asks which one is meant (BST or GMT)."""

from __future__ import annotations

from datetime import date, time

import pytest

from tests.factories import wrap_course
from tests.integration.sessions.helpers import make_trainer
from tests.integration.sessions.test_routes import error_next_to, form_data, only_session
from tracker.common.time import LONDON, london_clock_problem, london_to_utc
from tracker.extensions import db

SPRING = "2027-03-28"  # the clocks go forward at 01:00 GMT
AUTUMN = "2027-10-31"  # the clocks go back at 02:00 BST


@pytest.fixture
def wrap(app):
    return wrap_course()


def test_the_rules_for_each_kind_of_time():
    assert london_clock_problem(date(2027, 3, 28), time(0, 59)) is None
    assert "There is no 01:15 on 28 March 2027" in london_clock_problem(date(2027, 3, 28), time(1, 15))
    assert london_clock_problem(date(2027, 3, 28), time(2, 0)) is None
    assert "01:30 on 31 October 2027 happens twice" in london_clock_problem(date(2027, 10, 31), time(1, 30))
    assert "Enter 01:30 BST for the first or 01:30 GMT for the second" in london_clock_problem(
        date(2027, 10, 31), time(1, 30)
    )
    for fold, utc_hour in ((0, 0), (1, 1)):
        said = time(1, 30, tzinfo=LONDON, fold=fold)
        assert london_clock_problem(date(2027, 10, 31), said) is None
        assert london_to_utc(date(2027, 10, 31), said).hour == utc_hour
    assert london_clock_problem(date(2027, 7, 1), time(1, 30)) is None


def test_a_session_at_a_time_that_does_not_exist_is_refused_next_to_the_time(app, wrap, signed_in):
    client = signed_in(make_trainer(wrap))
    data = form_data(wrap, session_date=SPRING, start_time="01:15", end_time="01:45")
    response = client.post("/sessions/new", data=data)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert error_next_to(html, "start_time", "There is no 01:15 on 28 March 2027 in the UK")
    assert error_next_to(html, "end_time", "There is no 01:45 on 28 March 2027 in the UK")
    assert 'value="01:15"' in html  # what was typed is kept


def test_the_hour_that_happens_twice_asks_which_is_meant(app, wrap, signed_in):
    client = signed_in(make_trainer(wrap))
    data = form_data(wrap, session_date=AUTUMN, start_time="01:10", end_time="01:50")
    html = client.post("/sessions/new", data=data).get_data(as_text=True)
    assert error_next_to(html, "start_time", "Enter 01:10 BST for the first or 01:10 GMT for the second")

    data = form_data(wrap, session_date=AUTUMN, start_time="01:10 gmt", end_time="01:50 GMT")
    assert client.post("/sessions/new", data=data).status_code == 302
    session = only_session()
    assert session.starts_at.isoformat() == "2027-10-31T01:10:00+00:00"  # 01:10 GMT
    edit = client.get(f"/sessions/{session.id}/edit").get_data(as_text=True)
    assert 'value="01:10 GMT"' in edit  # the form says which, so saving it again keeps the instant
    edit_data = form_data(
        wrap, session_date=AUTUMN, start_time="01:10 GMT", end_time="01:50 GMT", publish=None, save="Save"
    )
    assert client.post(f"/sessions/{session.id}/edit", data=edit_data).status_code == 302
    db.session.expire_all()
    assert only_session().starts_at.isoformat() == "2027-10-31T01:10:00+00:00"


def test_a_series_with_a_session_at_a_time_that_does_not_exist_is_refused(app, wrap, signed_in):
    client = signed_in(make_trainer(wrap))
    data = {
        "course": str(wrap.id),
        "ordinal": "-1",
        "weekday": "6",  # the last Sunday: the day the clocks change
        "first_month": "2027-02",
        "months": "3",
        "start_time": "01:30",
        "end_time": "03:00",
        "venue": "Barnet House",
        "capacity": "20",
        "audience": "open",
        "save_draft": "Create as drafts",
    }
    html = client.post("/sessions/series/new", data=data).get_data(as_text=True)
    assert error_next_to(html, "start_time", "There is no 01:30 on 28 March 2027 in the UK")
    from sqlalchemy import func, select

    from tracker.courses.models import TrainingSession

    assert db.session.scalar(select(func.count(TrainingSession.id))) == 0
