"""Someone who becomes trained leaves the waiting lists of that course and is told; nobody else is moved."""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_booking, make_course, make_organisation, make_person, make_session
from tests.integration.attendance.conftest import book, past_session
from tests.integration.invites.conftest import deliver, outbox_rows, text_of, to
from tracker.attendance import imports, services, sign_off, training_records
from tracker.attendance.models import AttendanceOutcome
from tracker.booking.models import BookingStatus
from tracker.common.time import today_london, utc_now
from tracker.extensions import db


@pytest.fixture
def waiting(app, trainer):
    """A WRAP session that has happened, with Wendy and Abel on it, and an upcoming full WRAP session where both
    wait; Wendy also waits for a full session of another course."""
    barnet = make_organisation(name="London Borough of Barnet")
    delivered = past_session(lead=trainer.person)
    wendy = make_person(organisation=barnet, first_name="Wendy", last_name="Walker", employee_ref="W1")
    abel = make_person(organisation=barnet, first_name="Abel", last_name="Absent", employee_ref="A1")
    wendy_there, abel_there = book(delivered, wendy), book(delivered, abel)
    full = make_session(course=delivered.course, capacity=1, starts_at=utc_now() + timedelta(days=30))
    make_booking(full)
    other_course = make_course(code="CTLP", name="CTLP briefing")
    other = make_session(course=other_course, capacity=1)
    make_booking(other)
    return {
        "delivered": delivered,
        "wendy": wendy,
        "abel": abel,
        "marks": {wendy_there: AttendanceOutcome.ATTENDED, abel_there: AttendanceOutcome.ABSENT},
        "wendy_waits": make_booking(full, wendy),
        "abel_waits": make_booking(full, abel),
        "wendy_waits_other": make_booking(other, wendy),
    }


def test_a_signed_off_register_takes_attendees_off_that_courses_waiting_lists_and_tells_them(
    app, smtp, trainer, waiting
):
    assert waiting["wendy_waits"].status == BookingStatus.WAITLISTED
    for booking, outcome in waiting["marks"].items():
        services.mark_attendance(training_session=waiting["delivered"], booking=booking, outcome=outcome, actor=trainer)
    sign_off.sign_off_register(training_session=waiting["delivered"], actor=trainer)

    assert waiting["wendy_waits"].status == BookingStatus.CANCELLED
    assert "you have completed" in waiting["wendy_waits"].cancel_reason
    assert waiting["abel_waits"].status == BookingStatus.WAITLISTED  # absent: still untrained
    assert waiting["wendy_waits_other"].status == BookingStatus.WAITLISTED  # another course
    deliver()
    [message] = to([m for m in smtp.messages if "Removed" in m["Subject"]], waiting["wendy"].email)
    assert message["Subject"].startswith("Removed from the waiting list")
    text = " ".join(text_of(message).split())
    assert "You are no longer on the waiting list" in text
    assert f"you have completed {waiting['delivered'].course.name}" in text
    assert not to([m for m in smtp.messages if "Removed" in m["Subject"]], waiting["abel"].email)


def test_an_imported_record_takes_them_off_only_if_it_is_still_valid_on_the_sessions_day(app, waiting):
    course = waiting["delivered"].course
    long_ago = date(2015, 3, 1)  # expired in 2018: Abel still needs the session he waits for
    recent = today_london() - timedelta(days=10)
    content = (
        "organisation,employee_ref,course_code,completed_on,source\n"
        f"London Borough of Barnet,W1,{course.code},{recent.isoformat()},import\n"
        f"London Borough of Barnet,A1,{course.code},{long_ago.isoformat()},import\n"
    ).encode()
    imports.import_training_records(content=content, actor=None, actor_label="test")

    db.session.expire_all()
    assert waiting["wendy_waits"].status == BookingStatus.CANCELLED
    assert waiting["abel_waits"].status == BookingStatus.WAITLISTED
    assert [row.recipient_email for row in outbox_rows(kind="waitlist_removed")] == [waiting["wendy"].email]


def test_evidence_seen_takes_them_off_and_a_confirmed_place_stays(app, coordinator, waiting):
    course = waiting["delivered"].course
    abel = waiting["abel"]
    carl = make_person(first_name="Carl", last_name="Confirmed")
    seat = make_booking(make_session(course=course, capacity=5), carl)
    for person in (abel, carl):
        training_records.add_equivalent_evidence(
            person=person,
            course=course,
            completed_on=today_london() - timedelta(days=3),
            evidence="Certificate seen by Sam Rosengard",
            actor=coordinator,
        )
    assert waiting["abel_waits"].status == BookingStatus.CANCELLED
    assert seat.status == BookingStatus.CONFIRMED  # a place someone chose is theirs to cancel
    assert waiting["wendy_waits"].status == BookingStatus.WAITLISTED
