"""Session pages for trainers and the coordinator: wiring, errors next to fields, permissions, query counts."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_booking, make_course, make_organisation, make_session, make_user, wrap_course
from tests.integration.sessions.helpers import in_days, make_trainer
from tests.support.date_fields import shows_date
from tracker.accounts.models import Role
from tracker.booking.models import BookingStatus
from tracker.common.time import today_london
from tracker.courses.models import SessionStatus, SessionTrainer, TrainerPart, TrainingSession


@pytest.fixture
def wrap(app):
    return wrap_course()


def lead_session(trainer, **kw):
    training_session = make_session(**kw)
    training_session.trainers.append(SessionTrainer(person=trainer.person, part=TrainerPart.LEAD))
    return training_session


def form_data(course, **overrides):
    data = {
        "course": str(course.id),
        "title": "",
        "session_date": (today_london() + timedelta(days=30)).isoformat(),
        "start_time": "10:00",
        "end_time": "11:30",
        "venue": "Barnet House, 2 Bristol Avenue",
        "online_url": "",
        "capacity": "20",
        "audience": "open",
        "publish": "Publish",
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def error_next_to(html: str, field: str, message: str) -> bool:
    match = re.search(rf'<p id="{field}-error" class="govuk-error-message">(.*?)</p>', html, re.S)
    return bool(match) and message in match.group(1)


def only_session():
    from tracker.extensions import db

    return db.session.scalars(select(TrainingSession)).one()


# --- Sessions I deliver --------------------------------------------------------------------------------


def test_a_trainer_sees_the_sessions_they_deliver(app, wrap, signed_in):
    trainer, other = make_trainer(wrap), make_trainer(wrap)
    lead_session(trainer, title="Mine upcoming")
    lead_session(other, title="Someone else's")
    lead_session(trainer, title="Mine last year", starts_at=in_days(-300))
    client = signed_in(trainer)
    html = client.get("/my-sessions").get_data(as_text=True)
    assert "Sessions I deliver" in html and "Mine upcoming" in html
    assert "Someone else" not in html and "Mine last year" not in html
    past = client.get("/my-sessions?when=past").get_data(as_text=True)
    assert "Mine last year" in past and "Mine upcoming" not in past


def test_an_observer_sees_the_session_but_is_not_sent_to_manage_it(app, wrap, signed_in):
    from tracker.courses.models import AccreditationStatus

    lead, observer = make_trainer(wrap), make_trainer(wrap, status=AccreditationStatus.TRAINEE)
    training_session = lead_session(lead, title="Observed session")
    training_session.trainers.append(SessionTrainer(person=observer.person, part=TrainerPart.OBSERVER))
    client = signed_in(observer)
    html = client.get("/my-sessions").get_data(as_text=True)
    assert f'href="/sessions/{training_session.id}"' in html and "Observer" in html
    assert client.get(f"/sessions/{training_session.id}/manage").status_code == 403


def test_the_coordinator_sees_every_session_and_filters(app, wrap, signed_in):
    coordinator = make_user(Role.COORDINATOR)
    other_course = make_course(code="CTLP", name="CTLP briefing")
    make_session(title="A WRAP session")
    make_session(course=other_course, title="A CTLP session")
    make_session(title="A draft", status=SessionStatus.DRAFT)
    client = signed_in(coordinator)
    html = client.get("/my-sessions").get_data(as_text=True)
    assert all(t in html for t in ("A WRAP session", "A CTLP session", "A draft"))
    filtered = client.get(f"/my-sessions?course={other_course.id}").get_data(as_text=True)
    assert "A CTLP session" in filtered and "A WRAP session" not in filtered
    drafts = client.get("/my-sessions?status=draft").get_data(as_text=True)
    assert "A draft" in drafts and "A WRAP session" not in drafts
    month = (today_london() + timedelta(days=14)).strftime("%Y-%m")
    assert "A WRAP session" in client.get(f"/my-sessions?month={month}").get_data(as_text=True)
    assert "No upcoming sessions" in client.get("/my-sessions?month=2019-01").get_data(as_text=True)


def test_my_sessions_issues_the_same_queries_with_10_and_200_sessions(app, wrap, signed_in, queries):
    trainer, co = make_trainer(wrap), make_trainer(wrap)

    def add_sessions(count):
        for n in range(count):
            training_session = lead_session(trainer, starts_at=in_days(2 + n % 50, 9 + n % 8), capacity=3)
            training_session.trainers.append(SessionTrainer(person=co.person, part=TrainerPart.CO_TRAINER))
            make_booking(training_session)

    client = signed_in(trainer)
    counts = []
    for count in (10, 190):
        add_sessions(count)
        client.get("/my-sessions")
        with queries() as counter:
            assert client.get("/my-sessions").status_code == 200
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- Create --------------------------------------------------------------------------------------------


def test_the_create_form_renders_with_the_lead_chosen_only_by_the_coordinator(app, wrap, signed_in):
    trainer, coordinator = make_trainer(wrap), make_user(Role.COORDINATOR)
    trainer_page = signed_in(trainer).get("/sessions/new").get_data(as_text=True)
    assert "Create a session" in trainer_page and 'name="lead"' not in trainer_page
    assert "You will lead this session" in trainer_page
    coordinator_page = signed_in(coordinator).get("/sessions/new").get_data(as_text=True)
    assert 'name="lead"' in coordinator_page


def test_a_trainer_creates_and_publishes_a_session(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    org = make_organisation(name="Barnet Homes")
    response = signed_in(trainer).post(
        "/sessions/new",
        data=form_data(
            wrap,
            title="WRAP for housing officers",
            audience="restricted",
            organisations=str(org.id),
            booking_closes_on=(today_london() + timedelta(days=28)).isoformat(),
        ),
    )
    assert response.status_code == 302
    training_session = only_session()
    assert response.headers["Location"].endswith(f"/sessions/{training_session.id}/manage")
    assert training_session.status == SessionStatus.PUBLISHED
    assert training_session.title == "WRAP for housing officers"
    assert [o.name for o in training_session.audience] == ["Barnet Homes"]
    assert [r.person_id for r in training_session.trainers] == [trainer.person_id]
    assert training_session.booking_closes_at < training_session.starts_at


def test_save_as_draft(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    data = form_data(wrap, publish=None, save_draft="Save as draft")
    response = signed_in(trainer).post("/sessions/new", data=data, follow_redirects=True)
    assert "saved as a draft" in response.get_data(as_text=True)
    assert only_session().status == SessionStatus.DRAFT


def test_missing_fields_are_shown_next_to_each_field_and_nothing_typed_is_lost(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    response = signed_in(trainer).post(
        "/sessions/new",
        data=form_data(wrap, title="Keep this title", session_date="", start_time="25:00", capacity="", venue=""),
    )
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "<title>Error: " in html and "There is a problem" in html
    assert error_next_to(html, "session_date", "Enter the date")
    assert error_next_to(html, "start_time", "24-hour format")
    assert error_next_to(html, "capacity", "Enter a capacity")
    assert 'value="Keep this title"' in html and 'value="25:00"' in html and 'value="11:30"' in html


@pytest.mark.parametrize(
    ("overrides", "field", "message"),
    [
        ({"venue": "", "online_url": ""}, "venue", "Enter a venue or an online link"),
        ({"online_url": "teams link"}, "online_url", "starts with https://"),
        ({"end_time": "09:00"}, "end_time", "The end time must be after the start time"),
        ({"capacity": "0"}, "capacity", "Capacity must be 1 or more"),
        ({"audience": "restricted"}, "organisations", "Choose at least one organisation"),
        ({"session_date": "2020-01-07"}, "session_date", "must start in the future"),
    ],
)
def test_rule_failures_are_shown_next_to_the_field(app, wrap, signed_in, overrides, field, message):
    trainer = make_trainer(wrap)
    response = signed_in(trainer).post("/sessions/new", data=form_data(wrap, title="Kept", **overrides))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert error_next_to(html, field, message), html
    assert 'value="Kept"' in html
    assert only_session_count() == 0


def only_session_count() -> int:
    from tracker.extensions import db

    return len(db.session.scalars(select(TrainingSession.id)).all())


def test_a_trainer_not_accredited_for_the_course_is_told_so(app, wrap, signed_in):
    trainer = make_trainer(make_course(code="OTHER"))
    html = signed_in(trainer).post("/sessions/new", data=form_data(wrap)).get_data(as_text=True)
    assert error_next_to(html, "course", "You are not accredited to lead WRAP sessions")


def test_the_coordinator_records_a_past_session(app, wrap, signed_in):
    coordinator = make_user(Role.COORDINATOR)
    data = form_data(wrap, session_date="2017-06-06", lead=str(coordinator.person_id), publish=None, save_draft="x")
    response = signed_in(coordinator).post("/sessions/new", data=data, follow_redirects=True)
    assert "Past session recorded" in response.get_data(as_text=True)
    training_session = only_session()
    assert training_session.status == SessionStatus.PUBLISHED
    assert training_session.starts_at.isoformat() == "2017-06-06T09:00:00+00:00"


@pytest.mark.parametrize(
    ("day", "utc"),
    [("2027-03-28", "2027-03-28T09:00:00+00:00"), ("2027-10-31", "2027-10-31T10:00:00+00:00")],
)
def test_the_clock_change_round_trip_through_the_form(app, wrap, signed_in, day, utc):
    trainer = make_trainer(wrap)
    client = signed_in(trainer)
    data = form_data(wrap, session_date=day, start_time="10:00", end_time="11:00")
    assert client.post("/sessions/new", data=data).status_code == 302
    training_session = only_session()
    assert training_session.starts_at.isoformat() == utc
    shown = client.get(f"/sessions/{training_session.id}").get_data(as_text=True)
    weekday = date.fromisoformat(day).strftime("%A")
    assert f"{weekday} {int(day[-2:])} {date.fromisoformat(day):%B} 2027, 10am to 11am" in shown
    edit = client.get(f"/sessions/{training_session.id}/edit").get_data(as_text=True)
    assert shows_date(edit, "session_date", day) and 'value="10:00"' in edit and 'value="11:00"' in edit
    # Saving the edit form unchanged keeps the same instant.
    edit_data = form_data(wrap, session_date=day, start_time="10:00", end_time="11:00", publish=None, save="Save")
    assert client.post(f"/sessions/{training_session.id}/edit", data=edit_data).status_code == 302
    from tracker.extensions import db

    db.session.expire_all()
    assert only_session().starts_at.isoformat() == utc


def test_the_series_form_creates_a_monthly_series(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    today = today_london()
    first = date(today.year + (today.month == 12), today.month % 12 + 1, 1)
    data = {
        "course": str(wrap.id),
        "ordinal": "1",
        "weekday": "1",
        "first_month": first.strftime("%Y-%m"),
        "months": "6",
        "start_time": "10:00",
        "end_time": "11:00",
        "venue": "Barnet House",
        "capacity": "20",
        "audience": "open",
        "save_draft": "Create as drafts",
    }
    client = signed_in(trainer)
    response = client.post("/sessions/series/new", data=data, follow_redirects=True)
    assert "6 sessions saved as drafts" in response.get_data(as_text=True)
    from tracker.extensions import db

    created = db.session.scalars(select(TrainingSession)).all()
    assert len(created) == 6 and len({s.series_key for s in created}) == 1
    bad = client.post("/sessions/series/new", data={**data, "first_month": "June", "months": "30"})
    html = bad.get_data(as_text=True)
    assert error_next_to(html, "first_month", "like January 2027 or 2027-01")
    assert client.post("/sessions/series/new", data={**data, "months": "30"}).status_code == 200
    assert error_next_to(
        client.post("/sessions/series/new", data={**data, "months": "30"}).get_data(as_text=True),
        "months",
        "between 1 and 24",
    )


# --- Manage, edit, publish, cancel -----------------------------------------------------------------------


def test_the_manage_page_lists_who_is_booked(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    training_session = lead_session(trainer, capacity=1)
    first = make_booking(training_session)
    second = make_booking(training_session)
    html = signed_in(trainer).get(f"/sessions/{training_session.id}/manage").get_data(as_text=True)
    assert first.person.full_name in html and second.person.full_name in html
    assert "Waiting list, number 1" in html


def test_a_trainer_cannot_see_or_change_another_trainers_session(app, wrap, signed_in):
    mine, theirs = make_trainer(wrap), make_trainer(wrap)
    training_session = lead_session(theirs)
    client = signed_in(mine)
    for path in ("manage", "edit", "cancel"):
        assert client.get(f"/sessions/{training_session.id}/{path}").status_code == 403
    data = form_data(wrap, venue="Hijacked", publish=None, save="Save")
    assert client.post(f"/sessions/{training_session.id}/edit", data=data).status_code == 403
    assert client.post(f"/sessions/{training_session.id}/publish").status_code == 403
    assert client.post(f"/sessions/{training_session.id}/cancel", data={"reason": "x"}).status_code == 403
    from tracker.extensions import db

    db.session.expire_all()
    assert training_session.venue != "Hijacked" and training_session.status == SessionStatus.PUBLISHED
    assert client.get("/sessions/999999/edit").status_code == 404


def test_the_coordinator_may_change_any_session(app, wrap, signed_in):
    training_session = lead_session(make_trainer(wrap))
    client = signed_in(make_user(Role.COORDINATOR))
    assert client.get(f"/sessions/{training_session.id}/edit").status_code == 200


def test_edit_reschedules_and_moves(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    training_session = lead_session(trainer)
    client = signed_in(trainer)
    new_day = (today_london() + timedelta(days=40)).isoformat()
    data = form_data(
        wrap, session_date=new_day, start_time="14:00", end_time="15:30", venue="Hendon Town Hall", publish=None
    )
    response = client.post(f"/sessions/{training_session.id}/edit", data=data, follow_redirects=True)
    assert "Session updated" in response.get_data(as_text=True)
    from tracker.extensions import db

    db.session.expire_all()
    assert training_session.venue == "Hendon Town Hall"
    assert training_session.starts_at.date().isoformat() == new_day


def test_edit_refuses_capacity_below_the_seats_taken_next_to_the_field(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    training_session = lead_session(trainer, capacity=3)
    for _ in range(2):
        make_booking(training_session)
    data = form_data(wrap, capacity="1", venue="A new venue that is kept", publish=None)
    html = signed_in(trainer).post(f"/sessions/{training_session.id}/edit", data=data).get_data(as_text=True)
    assert error_next_to(html, "capacity", "cannot be less than the 2 places already booked")
    assert 'value="A new venue that is kept"' in html
    from tracker.extensions import db

    db.session.expire_all()
    assert training_session.capacity == 3 and training_session.venue != "A new venue that is kept"


def test_publish_from_the_manage_page(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    draft = lead_session(trainer, status=SessionStatus.DRAFT)
    client = signed_in(trainer)
    page = client.get(f"/sessions/{draft.id}/manage").get_data(as_text=True)
    assert f'action="/sessions/{draft.id}/publish"' in page
    response = client.post(f"/sessions/{draft.id}/publish", follow_redirects=True)
    assert "Session published" in response.get_data(as_text=True)
    again = client.post(f"/sessions/{draft.id}/publish", follow_redirects=True)
    assert "already published" in again.get_data(as_text=True)


def test_cancel_asks_for_a_reason_then_cancels(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    training_session = lead_session(trainer)
    booking = make_booking(training_session)
    client = signed_in(trainer)
    confirm = client.get(f"/sessions/{training_session.id}/cancel").get_data(as_text=True)
    assert "Are you sure you want to cancel this session?" in confirm and "1 person is booked" in confirm
    html = client.post(f"/sessions/{training_session.id}/cancel", data={"reason": ""}).get_data(as_text=True)
    assert error_next_to(html, "reason", "Enter a reason for cancelling the session")
    response = client.post(
        f"/sessions/{training_session.id}/cancel", data={"reason": "Trainer unwell"}, follow_redirects=True
    )
    assert "Session cancelled. 1 person booked is told by email." in response.get_data(as_text=True)
    from tracker.extensions import db

    db.session.expire_all()
    assert training_session.status == SessionStatus.CANCELLED
    assert booking.status == BookingStatus.CANCELLED and booking.cancel_reason == "Trainer unwell"


def test_the_error_summary_follows_the_order_of_the_page(app, wrap, signed_in):
    trainer = make_trainer(wrap)
    html = signed_in(trainer).post("/sessions/new", data={"publish": "Publish"}).get_data(as_text=True)
    summary = html.split("govuk-error-summary__list")[1].split("</ul>")[0]
    links = re.findall(r'href="#([a-z_-]+)"', summary)
    assert links == ["course", "session_date-day", "start_time", "end_time", "capacity"]


def test_a_co_trainer_edits_the_session_and_stays_on_it(app, wrap, signed_in):
    lead, co = make_trainer(wrap), make_trainer(wrap)
    training_session = lead_session(lead)
    training_session.trainers.append(SessionTrainer(person=co.person, part=TrainerPart.CO_TRAINER))
    client = signed_in(co)
    page = client.get(f"/sessions/{training_session.id}/edit").get_data(as_text=True)
    assert re.search(rf'name="co_trainers" type="checkbox" value="{co.person_id}" checked', page), page
    data = form_data(
        wrap,
        session_date=training_session.starts_at.date().isoformat(),
        venue="Moved by the co-trainer",
        co_trainers=str(co.person_id),
        publish=None,
    )
    assert client.post(f"/sessions/{training_session.id}/edit", data=data).status_code == 302
    from tracker.extensions import db

    db.session.expire_all()
    assert training_session.venue == "Moved by the co-trainer"
    assert {r.person_id: r.part for r in training_session.trainers} == {
        lead.person_id: TrainerPart.LEAD,
        co.person_id: TrainerPart.CO_TRAINER,
    }


def test_an_id_beyond_the_database_range_is_not_found(app, wrap, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    for url in ("/sessions/99999999999999999999", "/sessions/2147483648/manage", "/bookings/9999999999/cancel"):
        assert client.get(url).status_code == 404, url
    data = form_data(wrap, co_trainers="99999999999", organisations="99999999999", audience="restricted")
    html = client.post("/sessions/new", data=data).get_data(as_text=True)
    assert 'id="co_trainers-error"' in html and 'id="organisations-error"' in html
