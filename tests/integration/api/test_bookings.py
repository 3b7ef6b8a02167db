"""/api/v1/sessions/{id}/bookings and /api/v1/bookings/{id}/cancel: statuses, positions, permissions, 409s."""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor

import pytest

from tests.factories import (
    make_booking,
    make_department,
    make_manager_of,
    make_organisation,
    make_person,
    make_session,
    make_user,
)
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.booking import services
from tracker.booking.models import BookingStatus
from tracker.courses.models import SessionStatus
from tracker.extensions import db

BOOKING_FIELDS = {"id", "session_id", "person_id", "status", "waitlist_position", "source"}


@pytest.fixture
def api(app):
    def as_user(user):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
        return client

    return as_user


def book(client, training_session, person):
    return client.post(f"/api/v1/sessions/{training_session.id}/bookings", json={"person_id": person.id})


def test_book_yourself_then_the_waiting_list(app, api):
    training_session = make_session(capacity=1)
    first, second = make_user(Role.STAFF), make_user(Role.STAFF)
    response = book(api(first), training_session, first.person)
    assert response.status_code == 201
    data = response.get_json()
    assert set(data) == BOOKING_FIELDS
    assert data == {
        "id": data["id"],
        "session_id": training_session.id,
        "person_id": first.person_id,
        "status": "confirmed",
        "waitlist_position": None,
        "source": "self",
    }
    waiting = book(api(second), training_session, second.person).get_json()
    assert waiting["status"] == "waitlisted" and waiting["waitlist_position"] == 1


def test_a_double_post_is_a_409_never_a_500(app, api):
    training_session = make_session()
    staff = make_user(Role.STAFF)
    client = api(staff)
    assert book(client, training_session, staff.person).status_code == 201
    again = book(client, training_session, staff.person)
    assert again.status_code == 409
    assert again.get_json()["error"]["code"] == "already_booked"
    assert "person_id" in again.get_json()["error"]["fields"]


@pytest.mark.concurrency
def test_concurrent_posts_of_the_same_booking_give_one_201_and_409s(app, api):
    training_session = make_session(capacity=5)
    staff = make_user(Role.STAFF)
    token = create_api_token(user=staff)
    session_id, person_id = training_session.id, staff.person_id
    db.session.commit()  # on SQLite the test's own transaction would hold the write lock
    barrier = threading.Barrier(4)

    def post():
        client = app.test_client()
        barrier.wait()
        return client.post(
            f"/api/v1/sessions/{session_id}/bookings",
            json={"person_id": person_id},
            headers={"Authorization": f"Bearer {token}"},
        ).status_code

    with ThreadPoolExecutor(max_workers=4) as pool:
        statuses = sorted(pool.map(lambda _: post(), range(4)))
    assert statuses == [201, 409, 409, 409]
    assert len(services.list_bookings_for_session(session_id)) == 1


@pytest.mark.concurrency
def test_capacity_holds_when_many_bookings_arrive_at_once_over_http(app):
    capacity, attempts = 4, 13
    training_session = make_session(capacity=capacity)
    token = create_api_token(user=make_user(Role.COORDINATOR))
    session_id = training_session.id
    person_ids = [make_person().id for _ in range(attempts)]
    db.session.commit()
    barrier = threading.Barrier(attempts)

    def post(person_id):
        client = app.test_client()
        barrier.wait()
        response = client.post(
            f"/api/v1/sessions/{session_id}/bookings",
            json={"person_id": person_id},
            headers={"Authorization": f"Bearer {token}"},
        )
        return response.status_code, response.get_json()["status"]

    with ThreadPoolExecutor(max_workers=attempts) as pool:
        results = list(pool.map(post, person_ids))
    assert {status for status, _ in results} == {201}
    assert sorted(outcome for _, outcome in results) == ["confirmed"] * capacity + ["waitlisted"] * (
        attempts - capacity
    )
    assert services.count_seats_taken(session_id) == capacity


def test_errors(app, api):
    staff = make_user(Role.STAFF)
    client = api(staff)
    assert book(client, make_session(status=SessionStatus.DRAFT), staff.person).status_code == 404
    missing = client.post("/api/v1/sessions/999999/bookings", json={"person_id": staff.person_id})
    assert missing.status_code == 404
    closed = book(client, make_session(status=SessionStatus.CANCELLED), staff.person)
    assert closed.status_code == 422 and closed.get_json()["error"]["code"] == "not_bookable"
    nobody = client.post(f"/api/v1/sessions/{make_session().id}/bookings", json={"person_id": 999999})
    assert nobody.status_code == 422 and "person_id" in nobody.get_json()["error"]["fields"]
    bad = client.post(f"/api/v1/sessions/{make_session().id}/bookings", json={"person_id": "me"})
    assert bad.status_code == 422 and "person_id" in bad.get_json()["error"]["fields"]
    not_json = client.post(f"/api/v1/sessions/{make_session().id}/bookings", data="person_id=1")
    assert 400 <= not_json.status_code < 500
    outside = book(client, make_session(audience=[make_organisation()]), staff.person)
    assert outside.status_code == 403 and outside.get_json()["error"]["code"] == "not_in_audience"
    assert client.post(f"/api/v1/sessions/{make_session().id}/bookings").status_code in (400, 415, 422)


def test_staff_cannot_book_someone_else(app, api):
    response = book(api(make_user(Role.STAFF)), make_session(), make_person())
    assert response.status_code == 403


def test_a_manager_books_their_team_but_nobody_else(app, api):
    department = make_department()
    manager = make_manager_of(department)
    member = make_person(department=department)
    training_session = make_session()
    client = api(manager)
    response = book(client, training_session, member)
    assert response.status_code == 201 and response.get_json()["source"] == "manager"
    assert book(client, training_session, make_person()).status_code == 403


def test_a_partner_books_their_organisation_but_not_another(app, api):
    partner = make_user(Role.PARTNER)
    colleague = make_person(organisation=partner.person.organisation)
    training_session = make_session()
    client = api(partner)
    assert book(client, training_session, colleague).get_json()["source"] == "partner"
    assert book(client, training_session, make_person()).status_code == 403


def test_the_coordinator_books_anyone(app, api):
    response = book(api(make_user(Role.COORDINATOR)), make_session(), make_person())
    assert response.status_code == 201 and response.get_json()["source"] == "coordinator"


def test_list_shows_what_the_caller_may_see(app, api):
    training_session = make_session(capacity=1)
    staff = make_user(Role.STAFF)
    mine = make_booking(training_session, staff.person)
    other = make_booking(training_session)
    own = api(staff).get(f"/api/v1/sessions/{training_session.id}/bookings").get_json()
    assert own["total"] == 1 and own["items"][0]["id"] == mine.id
    everyone = api(make_user(Role.COORDINATOR)).get(f"/api/v1/sessions/{training_session.id}/bookings").get_json()
    assert [item["id"] for item in everyone["items"]] == [mine.id, other.id]
    assert everyone["items"][1]["waitlist_position"] == 1
    assert set(everyone["items"][0]) == BOOKING_FIELDS


def test_the_booking_list_issues_the_same_queries_with_10_and_200_bookings(app, api, queries):
    training_session = make_session(capacity=5)  # a waiting list at both sizes
    client = api(make_user(Role.COORDINATOR))
    counts = []
    for count in (10, 190):
        for _ in range(count):
            make_booking(training_session)
        client.get(f"/api/v1/sessions/{training_session.id}/bookings?per_page=500")
        with queries() as counter:
            response = client.get(f"/api/v1/sessions/{training_session.id}/bookings?per_page=500")
        assert response.get_json()["total"] == (10 if count == 10 else 200)
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_cancel_a_booking(app, api):
    training_session = make_session(capacity=1)
    staff = make_user(Role.STAFF)
    mine = make_booking(training_session, staff.person)
    waiting = make_booking(training_session)
    client = api(staff)
    response = client.post(f"/api/v1/bookings/{mine.id}/cancel")
    assert response.status_code == 200
    assert response.get_json()["status"] == "cancelled"
    db.session.expire_all()
    assert waiting.status == BookingStatus.CONFIRMED
    again = client.post(f"/api/v1/bookings/{mine.id}/cancel")
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "already_cancelled"
    assert client.post(f"/api/v1/bookings/{waiting.id}/cancel").status_code == 403
    assert client.post("/api/v1/bookings/999999/cancel").status_code == 404


def test_no_token_is_401(app, client):
    training_session = make_session()
    assert client.get(f"/api/v1/sessions/{training_session.id}/bookings").status_code == 401
    assert client.post("/api/v1/bookings/1/cancel").status_code == 401


def test_ids_beyond_the_database_range_are_4xx(app, api):
    client = api(make_user(Role.COORDINATOR))
    assert client.get("/api/v1/sessions/99999999999").status_code == 404
    response = client.post(f"/api/v1/sessions/{make_session().id}/bookings", json={"person_id": 99999999999})
    assert response.status_code == 422 and "person_id" in response.get_json()["error"]["fields"]
