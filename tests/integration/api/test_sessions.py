"""/api/v1/sessions: fields as DESIGN.md, filters, permissions, errors, the clock change, query counts."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import (
    make_booking,
    make_course,
    make_organisation,
    make_person,
    make_session,
    make_user,
    wrap_course,
)
from tests.integration.sessions.helpers import in_days, make_trainer
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.booking.models import BookingStatus
from tracker.common.time import to_london
from tracker.courses.models import SessionStatus, SessionTrainer, TrainerPart
from tracker.extensions import db

SESSION_FIELDS = {
    "id",
    "course_code",
    "title",
    "starts_at",
    "ends_at",
    "venue",
    "online_url",
    "capacity",
    "places_left",
    "status",
    "booking_closes_at",
    "audience_organisation_ids",
    "trainers",
}


@pytest.fixture
def api(app):
    def as_user(user):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
        return client

    return as_user


@pytest.fixture
def wrap(app):
    return wrap_course()


def iso(moment) -> str:
    return to_london(moment).isoformat()


def body(wrap, **kw):
    starts = in_days(20, 10)
    data = {
        "course_code": wrap.code,
        "starts_at": iso(starts),
        "ends_at": iso(starts + timedelta(hours=1)),
        "venue": "Barnet House",
        "capacity": 12,
    }
    data.update(kw)
    return data


def led_by(trainer, **kw):
    training_session = make_session(**kw)
    training_session.trainers.append(SessionTrainer(person=trainer.person, part=TrainerPart.LEAD))
    db.session.flush()
    return training_session


# --- Reading -----------------------------------------------------------------------------------------


def test_list_gives_the_fields_of_the_design(app, api, wrap):
    trainer = make_trainer(wrap)
    org = make_organisation()
    training_session = led_by(trainer, capacity=5, audience=[org], online_url="https://teams.example.org/a")
    make_booking(training_session, make_person(organisation=org))
    response = api(make_user(Role.STAFF)).get("/api/v1/sessions")
    assert response.status_code == 200
    data = response.get_json()
    assert data["total"] == 1
    [item] = data["items"]
    assert set(item) == SESSION_FIELDS
    assert item["course_code"] == "WRAP" and item["status"] == "published"
    assert item["capacity"] == 5 and item["places_left"] == 4
    assert item["audience_organisation_ids"] == [org.id]
    assert item["trainers"] == [{"person_id": trainer.person_id, "part": "lead"}]
    assert item["starts_at"] == iso(training_session.starts_at) and item["starts_at"][-6] in "+-"
    assert item["booking_closes_at"] is None


def test_list_filters_by_course_dates_and_status(app, api, wrap):
    ctlp = make_course(code="CTLP")
    soon = make_session(starts_at=in_days(3))
    later = make_session(starts_at=in_days(40))
    other = make_session(course=ctlp, starts_at=in_days(3))
    gone = make_session(starts_at=in_days(5), status=SessionStatus.CANCELLED)
    client = api(make_user(Role.STAFF))

    def ids(query):
        response = client.get(f"/api/v1/sessions{query}")
        assert response.status_code == 200, response.get_json()
        return [item["id"] for item in response.get_json()["items"]]

    assert ids("?course=wrap") == [soon.id, gone.id, later.id]
    assert ids("?course=CTLP") == [other.id]
    day = to_london(later.starts_at).date()
    assert ids(f"?from={day.isoformat()}") == [later.id]
    assert ids(f"?to={(day - timedelta(days=1)).isoformat()}") == [soon.id, other.id, gone.id]
    assert ids("?status=cancelled") == [gone.id]
    bad = client.get("/api/v1/sessions?from=tomorrow")
    assert bad.status_code == 422 and "from" in bad.get_json()["error"]["fields"]


def test_drafts_are_seen_only_by_their_team_and_the_coordinator(app, api, wrap):
    trainer = make_trainer(wrap)
    draft = led_by(trainer, status=SessionStatus.DRAFT)
    assert api(make_user(Role.STAFF)).get("/api/v1/sessions").get_json()["total"] == 0
    assert api(make_user(Role.STAFF)).get(f"/api/v1/sessions/{draft.id}").status_code == 404
    assert api(make_trainer(wrap)).get("/api/v1/sessions").get_json()["total"] == 0
    assert api(trainer).get("/api/v1/sessions").get_json()["items"][0]["status"] == "draft"
    assert api(make_user(Role.COORDINATOR)).get(f"/api/v1/sessions/{draft.id}").status_code == 200


def test_get_one_and_not_found(app, api):
    training_session = make_session()
    client = api(make_user(Role.STAFF))
    assert client.get(f"/api/v1/sessions/{training_session.id}").get_json()["id"] == training_session.id
    missing = client.get("/api/v1/sessions/999999")
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"


def test_no_token_is_401(app, client):
    assert client.get("/api/v1/sessions").status_code == 401
    assert client.post("/api/v1/sessions", json={}).status_code == 401


def test_the_list_issues_the_same_queries_with_10_and_200_sessions(app, api, wrap, queries):
    trainer = make_trainer(wrap)
    orgs = [make_organisation() for _ in range(3)]
    client = api(make_user(Role.STAFF))
    counts = []
    for count in (10, 190):
        for n in range(count):
            training_session = led_by(trainer, starts_at=in_days(1 + n % 60), audience=orgs[: n % 3])
            make_booking(training_session, make_person(organisation=orgs[0]))
        client.get("/api/v1/sessions?per_page=500")
        with queries() as counter:
            response = client.get("/api/v1/sessions?per_page=500")
        assert len(response.get_json()["items"]) == (10 if count == 10 else 200)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


# --- Creating ----------------------------------------------------------------------------------------


def test_a_trainer_creates_a_session_they_lead_when_no_trainers_are_given(app, api, wrap):
    trainer = make_trainer(wrap)
    response = api(trainer).post("/api/v1/sessions", json=body(wrap, status="published", title="WRAP for housing"))
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert set(data) == SESSION_FIELDS
    assert data["trainers"] == [{"person_id": trainer.person_id, "part": "lead"}]
    assert data["status"] == "published" and data["places_left"] == 12 and data["title"] == "WRAP for housing"


def test_a_coordinator_creates_with_trainers_and_an_audience(app, api, wrap):
    coordinator = make_user(Role.COORDINATOR)
    lead, observer = make_trainer(wrap), make_trainer(wrap)
    org = make_organisation()
    trainers = [{"person_id": lead.person_id, "part": "lead"}, {"person_id": observer.person_id, "part": "observer"}]
    response = api(coordinator).post(
        "/api/v1/sessions", json=body(wrap, trainers=trainers, audience_organisation_ids=[org.id])
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["status"] == "draft" and data["audience_organisation_ids"] == [org.id]
    assert sorted(data["trainers"], key=lambda t: t["part"]) == trainers


@pytest.mark.parametrize(
    ("day", "offset", "utc_hour"),
    [("2027-03-28", "+01:00", 9), ("2027-10-31", "+00:00", 10)],
)
def test_the_clock_change_round_trip_through_the_api(app, api, wrap, day, offset, utc_hour):
    client = api(make_trainer(wrap))
    response = client.post(
        "/api/v1/sessions", json=body(wrap, starts_at=f"{day}T10:00:00{offset}", ends_at=f"{day}T11:00:00{offset}")
    )
    assert response.status_code == 201, response.get_json()
    data = response.get_json()
    assert data["starts_at"] == f"{day}T10:00:00{offset}" and data["ends_at"] == f"{day}T11:00:00{offset}"
    from tracker.courses.models import TrainingSession

    stored = db.session.get(TrainingSession, data["id"])
    assert (stored.starts_at.hour, stored.starts_at.tzinfo is not None) == (utc_hour, True)
    again = client.get(f"/api/v1/sessions/{data['id']}").get_json()
    assert again["starts_at"] == f"{day}T10:00:00{offset}"
    # The same instant written in UTC is accepted and shown in London time.
    utc = client.post(
        "/api/v1/sessions",
        json=body(wrap, starts_at=f"{day}T{utc_hour:02d}:00:00Z", ends_at=f"{day}T{utc_hour + 1:02d}:00:00Z"),
    )
    assert utc.get_json()["starts_at"] == f"{day}T10:00:00{offset}"


@pytest.mark.parametrize(
    ("changes", "status", "field"),
    [
        ({"starts_at": "2027-03-28T10:00:00"}, 422, "starts_at"),  # no offset
        ({"course_code": "NOPE"}, 422, "course_code"),
        ({"online_url": "javascript:alert(1)"}, 422, "online_url"),
        ({"capacity": 0}, 422, "capacity"),
        ({"capacity": "twelve"}, 422, "capacity"),
        ({"venue": None}, 422, "venue"),
        ({"status": "cancelled"}, 422, "status"),
        ({"audience_organisation_ids": [999999]}, 422, "audience_organisation_ids"),
        ({"trainers": [{"person_id": 999999, "part": "lead"}]}, 422, "trainers"),
        ({"unknown_field": 1}, 422, "unknown_field"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(app, api, wrap, changes, status, field):
    response = api(make_trainer(wrap)).post("/api/v1/sessions", json=body(wrap, **changes))
    assert response.status_code == status, response.get_json()
    assert field in response.get_json()["error"]["fields"]


def test_a_trainer_not_accredited_is_refused_naming_trainers(app, api, wrap):
    trainer = make_trainer(make_course(code="OTHER"))
    response = api(trainer).post("/api/v1/sessions", json=body(wrap))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "not_accredited" and error["fields"] == {"trainers": [error["message"]]}


def test_a_trainer_cannot_make_another_the_lead(app, api, wrap):
    other = make_trainer(wrap)
    response = api(make_trainer(wrap)).post(
        "/api/v1/sessions", json=body(wrap, trainers=[{"person_id": other.person_id, "part": "lead"}])
    )
    assert response.status_code == 403


def test_staff_and_managers_cannot_create_sessions(app, api, wrap):
    for role in (Role.STAFF, Role.MANAGER, Role.PARTNER):
        response = api(make_user(role)).post("/api/v1/sessions", json=body(wrap))
        assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


# --- Changing and cancelling -------------------------------------------------------------------------


def test_a_trainer_changes_their_session(app, api, wrap):
    trainer = make_trainer(wrap)
    training_session = led_by(trainer, status=SessionStatus.DRAFT)
    new_start = in_days(30, 14)
    response = api(trainer).patch(
        f"/api/v1/sessions/{training_session.id}",
        json={
            "starts_at": iso(new_start),
            "ends_at": iso(new_start + timedelta(hours=2)),
            "venue": "Hendon",
            "status": "published",
        },
    )
    assert response.status_code == 200, response.get_json()
    data = response.get_json()
    assert data["venue"] == "Hendon" and data["starts_at"] == iso(new_start) and data["status"] == "published"


def test_a_trainer_cannot_change_another_trainers_session(app, api, wrap):
    training_session = led_by(make_trainer(wrap))
    client = api(make_trainer(wrap))
    assert client.patch(f"/api/v1/sessions/{training_session.id}", json={"venue": "Mine now"}).status_code == 403
    assert client.post(f"/api/v1/sessions/{training_session.id}/cancel", json={"reason": "x"}).status_code == 403
    assert client.patch("/api/v1/sessions/999999", json={"venue": "x"}).status_code == 404


def test_capacity_below_the_seats_taken_is_refused_with_a_message(app, api, wrap):
    trainer = make_trainer(wrap)
    training_session = led_by(trainer, capacity=3)
    make_booking(training_session)
    make_booking(training_session)
    response = api(trainer).patch(f"/api/v1/sessions/{training_session.id}", json={"capacity": 1})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "capacity" and "2 places already booked" in error["message"]
    assert error["fields"] == {"capacity": [error["message"]]}


def test_patch_refuses_what_it_cannot_do(app, api, wrap):
    trainer = make_trainer(wrap)
    training_session = led_by(trainer)
    client = api(trainer)
    for change, field in (
        ({"course_code": "CTLP"}, "course_code"),
        ({"status": "draft"}, "status"),
        ({"status": "cancelled"}, "status"),
        ({"capacity": None}, "capacity"),
    ):
        response = client.patch(f"/api/v1/sessions/{training_session.id}", json=change)
        assert response.status_code == 422 and field in response.get_json()["error"]["fields"], change


def test_cancel_a_session_through_the_api(app, api, wrap):
    trainer = make_trainer(wrap)
    training_session = led_by(trainer)
    booking = make_booking(training_session)
    client = api(trainer)
    assert client.post(f"/api/v1/sessions/{training_session.id}/cancel", json={}).status_code == 422
    response = client.post(f"/api/v1/sessions/{training_session.id}/cancel", json={"reason": "Trainer unwell"})
    assert response.status_code == 200 and response.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert booking.status == BookingStatus.CANCELLED
    again = client.post(f"/api/v1/sessions/{training_session.id}/cancel", json={"reason": "Again"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_cancelled"
    changed = client.patch(f"/api/v1/sessions/{training_session.id}", json={"venue": "x"})
    assert changed.status_code == 409
