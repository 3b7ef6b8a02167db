"""/api/v1/sessions/{id}/attendance and /register/sign-off: permissions, walk-ins, errors (never a 500)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_booking, make_person, make_session, make_user
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.attendance.models import TrainingRecord
from tracker.booking.models import Booking, BookingSource
from tracker.common.time import utc_now


def api_client(app, user):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
    return client


@pytest.fixture
def trainer(app):
    return make_user(Role.TRAINER)


@pytest.fixture
def delivered(app, trainer):
    starts_at = (utc_now() - timedelta(hours=2)).replace(microsecond=0)
    training_session = make_session(starts_at=starts_at, lead=trainer.person, capacity=2)
    bookings = [make_booking(training_session, now=starts_at - timedelta(days=2)) for _ in range(2)]
    return training_session, bookings


def url(training_session_or_id, suffix="/attendance"):
    session_id = getattr(training_session_or_id, "id", training_session_or_id)
    return f"/api/v1/sessions/{session_id}{suffix}"


def test_trainer_marks_with_a_walk_in_then_signs_off(app, db, trainer, delivered):
    training_session, (first, second) = delivered
    visitor = make_person()
    client = api_client(app, trainer)
    response = client.put(
        url(training_session),
        json={
            "records": [
                {"person_id": first.person_id, "outcome": "attended"},
                {"person_id": second.person_id, "outcome": "absent"},
                {"person_id": visitor.id, "outcome": "attended"},  # not booked, session full: a walk-in
            ]
        },
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert (body["changed"], body["walk_ins"], body["signed_off"]) == (3, 1, False)
    lines = {line["person_id"]: line for line in body["records"]}
    assert lines[visitor.id]["walk_in"] is True and lines[visitor.id]["outcome"] == "attended"
    assert lines[second.person_id]["outcome"] == "absent"
    walk_in = db.session.scalar(select(Booking).where(Booking.person_id == visitor.id))
    assert walk_in.source == BookingSource.WALK_IN

    same_again = client.put(
        url(training_session), json={"records": [{"person_id": first.person_id, "outcome": "attended"}]}
    )
    assert same_again.get_json()["changed"] == 0  # idempotent

    signed = client.post(url(training_session, "/register/sign-off"))
    assert signed.status_code == 200, signed.get_json()
    assert signed.get_json()["records_made"] == 2
    assert db.session.scalar(select(func.count(TrainingRecord.id))) == 2

    assert client.get(url(training_session)).get_json()["signed_off"] is True


def test_a_signed_off_register_is_409_until_reopened(app, trainer, delivered):
    training_session, (first, second) = delivered
    client = api_client(app, trainer)
    client.put(
        url(training_session),
        json={"records": [{"person_id": b.person_id, "outcome": "attended"} for b in (first, second)]},
    )
    assert client.post(url(training_session, "/register/sign-off")).status_code == 200
    response = client.put(
        url(training_session), json={"records": [{"person_id": first.person_id, "outcome": "absent"}]}
    )
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "register_signed_off"
    again = client.post(url(training_session, "/register/sign-off"))
    assert again.status_code == 409


def test_sign_off_with_people_unmarked_is_422_naming_them(app, trainer, delivered):
    training_session, (first, second) = delivered
    client = api_client(app, trainer)
    client.put(url(training_session), json={"records": [{"person_id": first.person_id, "outcome": "attended"}]})
    response = client.post(url(training_session, "/register/sign-off"))
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unmarked_attendees" and second.person.full_name in error["message"]


def test_unknown_people_are_422_naming_the_index_and_nothing_changes(app, db, trainer, delivered):
    training_session, (first, _) = delivered
    client = api_client(app, trainer)
    response = client.put(
        url(training_session),
        json={
            "records": [
                {"person_id": first.person_id, "outcome": "attended"},
                {"person_id": 999999, "outcome": "attended"},
            ]
        },
    )
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "unknown_people" and "records.1.person_id" in error["fields"]
    body = client.get(url(training_session)).get_json()
    assert all(line["outcome"] is None for line in body["records"])


@pytest.mark.parametrize(
    "body",
    [
        {},
        {"records": "everyone"},
        {"records": [{"person_id": 1}]},
        {"records": [{"person_id": 1, "outcome": "asleep"}]},
        {"records": [{"person_id": "one", "outcome": "attended"}]},
        {"records": [{"person_id": 10**30, "outcome": "attended"}]},
        {"records": [{"person_id": -4, "outcome": "attended"}]},
        {"records": [None]},
        [1, 2, 3],
    ],
)
def test_bad_bodies_are_422_never_500(app, trainer, delivered, body):
    training_session, _ = delivered
    response = api_client(app, trainer).put(url(training_session), json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]


def test_a_person_twice_in_one_request_is_422(app, trainer, delivered):
    training_session, (first, _) = delivered
    record = {"person_id": first.person_id, "outcome": "attended"}
    response = api_client(app, trainer).put(url(training_session), json={"records": [record, record]})
    assert response.status_code == 422 and "records.1.person_id" in response.get_json()["error"]["fields"]


def test_not_json_is_a_4xx(app, trainer, delivered):
    training_session, _ = delivered
    client = api_client(app, trainer)
    response = client.put(url(training_session), data="records=all", content_type="text/plain")
    assert 400 <= response.status_code < 500
    broken = client.put(url(training_session), data="{not json", content_type="application/json")
    assert 400 <= broken.status_code < 500


def test_no_token_is_401(app, client, delivered):
    training_session, _ = delivered
    assert client.put(url(training_session), json={"records": []}).status_code == 401
    assert client.post(url(training_session, "/register/sign-off")).status_code == 401


def test_staff_and_other_trainers_are_403(app, db, delivered):
    training_session, (first, _) = delivered
    body = {"records": [{"person_id": first.person_id, "outcome": "attended"}]}
    staff = api_client(app, make_user(Role.STAFF))
    assert staff.put(url(training_session), json=body).status_code == 403
    other_trainer = api_client(app, make_user(Role.TRAINER))
    response = other_trainer.put(url(training_session), json=body)
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"
    assert other_trainer.post(url(training_session, "/register/sign-off")).status_code == 403
    assert other_trainer.get(url(training_session)).status_code == 403


def test_coordinator_marks_any_register(app, delivered):
    training_session, (first, _) = delivered
    client = api_client(app, make_user(Role.COORDINATOR))
    response = client.put(
        url(training_session), json={"records": [{"person_id": first.person_id, "outcome": "excused"}]}
    )
    assert response.status_code == 200


def test_unknown_session_is_404(app, trainer):
    client = api_client(app, trainer)
    body = {"records": []}
    assert client.put(url(999999), json=body).status_code == 404
    assert client.put(url(10**20), json=body).status_code == 404
    assert client.post(url(999999, "/register/sign-off")).status_code == 404
    assert client.get(url(999999)).get_json()["error"]["code"] == "not_found"


def test_a_future_session_cannot_be_marked_yet(app, trainer):
    training_session = make_session(lead=trainer.person, starts_at=utc_now() + timedelta(days=2))
    booking = make_booking(training_session)
    response = api_client(app, trainer).put(
        url(training_session), json={"records": [{"person_id": booking.person_id, "outcome": "attended"}]}
    )
    assert response.status_code == 422 and response.get_json()["error"]["code"] == "register_not_open"


def test_the_openapi_document_lists_the_register_endpoints(app, client):
    paths = client.get("/api/v1/openapi.json").get_json()["paths"]
    assert "put" in paths["/api/v1/sessions/{session_id}/attendance"]
    assert "post" in paths["/api/v1/sessions/{session_id}/register/sign-off"]
