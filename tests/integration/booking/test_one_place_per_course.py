"""One active place per course (issue 17): a person booked, held or waiting on one session of a course cannot take
a place on another of its sessions, whoever books (themselves, their manager, the coordinator, the API); the
refusal names the person and the session they hold."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import (
    make_booking,
    make_course,
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
from tracker.booking.models import Booking, BookingStatus
from tracker.common.time import format_datetime, utc_now
from tracker.courses import sessions
from tracker.extensions import db


def test_a_second_place_on_the_same_course_is_refused_naming_the_session_held(app):
    march = make_session(title="WRAP in March", starts_at=utc_now() + timedelta(days=30))
    april = make_session(title="WRAP in April", starts_at=utc_now() + timedelta(days=60))
    nadia = make_person(first_name="Nadia", last_name="Jones")
    coordinator = make_user(Role.COORDINATOR)
    make_booking(march, nadia)
    with pytest.raises(services.PlaceOnCourseHeldError) as refused:
        services.book_place(training_session=april, person=nadia, booked_by=coordinator.person, source="coordinator")
    message = refused.value.message
    assert message.startswith(f"Nadia Jones is already booked on WRAP in March on {format_datetime(march.starts_at)}")
    assert "cancel that place first" in message and refused.value.status == 409
    assert db.session.query(Booking).filter_by(session_id=april.id).count() == 0


def test_a_waiting_list_place_counts_and_the_message_says_so(app):
    full = make_session(title="Full WRAP", capacity=1)
    make_booking(full)
    person = make_person()
    assert make_booking(full, person).status == BookingStatus.WAITLISTED
    with pytest.raises(services.PlaceOnCourseHeldError, match="You are already on the waiting list for Full WRAP"):
        make_booking(make_session(title="Later WRAP", starts_at=utc_now() + timedelta(days=40)), person)


def test_other_courses_past_sessions_and_cancelled_places_do_not_count(app):
    person = make_person()
    make_booking(make_session(course=make_course(code="CTLP-BRIEFING")), person)  # another course
    past = make_session(starts_at=utc_now() - timedelta(days=400))
    make_booking(past, person, now=past.starts_at - timedelta(days=3))  # attended long ago
    cancelled = make_booking(make_session(starts_at=utc_now() + timedelta(days=5)), person)
    services.cancel_booking(booking=cancelled, cancelled_by=person)
    called_off = make_session(starts_at=utc_now() + timedelta(days=6))
    make_booking(called_off, person)
    sessions.cancel_session(training_session=called_off, actor=make_user(Role.COORDINATOR), reason="Unwell")
    assert make_booking(make_session(starts_at=utc_now() + timedelta(days=20)), person).status == "confirmed"


def test_staff_page_and_api_answer_the_refusal(app, signed_in):
    staff = make_user(Role.STAFF)
    held = make_session(title="WRAP soon", starts_at=utc_now() + timedelta(days=10))
    other = make_session(title="WRAP later", starts_at=utc_now() + timedelta(days=20))
    make_booking(held, staff.person)
    db.session.commit()
    html = signed_in(staff).post(f"/sessions/{other.id}/book", follow_redirects=True).get_data(as_text=True)
    assert "You are already booked on WRAP soon" in html
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=staff)}"
    response = client.post(f"/api/v1/sessions/{other.id}/bookings", json={"person_id": staff.person_id})
    assert response.status_code == 409 and response.is_json
    error = response.get_json()["error"]
    assert error["code"] == "place_on_course_held" and "WRAP soon" in error["message"]


def test_book_your_team_shows_status_and_a_detail_and_refuses_a_second_place(app, signed_in):
    department = make_department(organisation=make_organisation(), name="Fostering")
    manager = make_manager_of(department)
    twin_a = make_person(department=department, first_name="Nadia", last_name="Jones", email="nadia.jones@a.example")
    twin_b = make_person(department=department, first_name="Nadia", last_name="Jones", email="n.jones@b.example")
    held = make_session(title="WRAP soon", starts_at=utc_now() + timedelta(days=10))
    other = make_session(title="WRAP later", starts_at=utc_now() + timedelta(days=20))
    make_booking(held, twin_a)
    db.session.commit()
    client = signed_in(manager)
    page = client.get(f"/sessions/{other.id}/book-team").get_data(as_text=True)
    assert "nadia.jones@a.example" in page and "n.jones@b.example" in page and "Fostering" in page
    assert f"booked on WRAP soon, {format_datetime(held.starts_at)}" in page
    response = client.post(f"/sessions/{other.id}/book-team", data={"people": [str(twin_a.id), str(twin_b.id)]})
    done = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Nadia Jones is already booked on WRAP soon" in done
    assert services.find_active_booking(session_id=other.id, person_id=twin_b.id) is not None
    assert services.find_active_booking(session_id=other.id, person_id=twin_a.id) is None
