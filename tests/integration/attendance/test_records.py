"""Equivalent evidence, a person's training records page, and removing a wrongly entered record."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_course, make_person, make_user
from tests.integration.attendance.conftest import book, past_session
from tracker.accounts.models import Role
from tracker.attendance import services, sign_off, training_records
from tracker.attendance.models import RecordSource, TrainingRecord
from tracker.attendance.records import find_valid_record
from tracker.common.audit import AuditEvent
from tracker.common.time import format_date, today_london
from tracker.courses.models import CourseEquivalence


@pytest.fixture
def elearning(app):
    wrap = make_course(code="WRAP", name="WRAP", validity_months=36)
    elearning = make_course(code="HO-PREVENT", name="Home Office Prevent e-learning", validity_months=36)
    from tracker.extensions import db

    db.session.add(CourseEquivalence(course_id=wrap.id, equivalent_course_id=elearning.id))
    return wrap, elearning


def test_equivalent_evidence_makes_a_record_that_counts_for_the_course_it_is_equivalent_to(app, coordinator, elearning):
    wrap, course = elearning
    person = make_person()
    record = training_records.add_equivalent_evidence(
        person=person,
        course=course,
        completed_on=date(2018, 9, 3),
        evidence="Certificate seen by Sam Rosengard",
        actor=coordinator,
    )
    assert (record.source, record.expires_on, record.evidence) == (
        RecordSource.EQUIVALENT_EVIDENCE,
        date(2021, 9, 3),
        "Certificate seen by Sam Rosengard",
    )
    assert find_valid_record(person_id=person.id, course_id=wrap.id, on=date(2019, 1, 1)) == record
    with pytest.raises(services.DuplicateRecordError):
        training_records.add_equivalent_evidence(
            person=person, course=course, completed_on=date(2018, 9, 3), evidence="Again", actor=coordinator
        )


@pytest.mark.parametrize(
    ("completed_on", "evidence", "message"),
    [
        (None, "Seen", "Enter the date"),
        (today_london() + timedelta(days=1), "Seen", "today or in the past"),
        (date(2018, 1, 1), "   ", "Describe the evidence"),
        (date(2018, 1, 1), "x" * 501, "500 characters or fewer"),
    ],
)
def test_evidence_needs_a_past_date_and_a_description(app, coordinator, elearning, completed_on, evidence, message):
    with pytest.raises(services.RegisterError, match=message):
        training_records.add_equivalent_evidence(
            person=make_person(), course=elearning[1], completed_on=completed_on, evidence=evidence, actor=coordinator
        )


def test_evidence_page(app, db, signed_in, coordinator, elearning):
    person = make_person()
    client = signed_in(coordinator)
    form = client.get(f"/people/{person.id}/evidence/new").get_data(as_text=True)
    assert "Home Office Prevent e-learning" in form and 'name="completed_on-day"' in form
    empty = client.post(f"/people/{person.id}/evidence/new", data={"course": "0", "completed_on": "", "evidence": ""})
    text = empty.get_data(as_text=True)
    assert "Select the course completed" in text and "Enter the date the course was completed" in text
    future = (today_london() + timedelta(days=3)).isoformat()
    late = client.post(
        f"/people/{person.id}/evidence/new",
        data={"course": str(elearning[1].id), "completed_on": future, "evidence": "Seen"},
    )
    assert "today or in the past" in late.get_data(as_text=True)
    response = client.post(
        f"/people/{person.id}/evidence/new",
        data={
            "course": str(elearning[1].id),
            "completed_on": "2018-09-03",
            "evidence": "Certificate seen by Sam Rosengard",
        },
    )
    assert response.status_code == 302 and response.headers["Location"].endswith(
        f"/people/{person.id}/training-records"
    )
    page = client.get(f"/people/{person.id}/training-records").get_data(as_text=True)
    # Valid 36 months: it expires on 3 September 2021, so the last day it counts (the page's "Valid until") is the 2nd.
    assert "Certificate seen by Sam Rosengard" in page and "2 September 2021" in page and "Equivalent evidence" in page
    assert "3 September 2021" not in page


def test_records_page_lists_every_source(app, signed_in, trainer, coordinator, elearning):
    wrap, _ = elearning
    training_session = past_session(course=wrap, lead=trainer.person)
    booking = book(training_session)
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    sign_off.sign_off_register(training_session=training_session, actor=trainer)
    from tracker.attendance.imports import import_training_records

    person = booking.person
    import_training_records(
        content=f"organisation,employee_ref,course_code,completed_on,source\n{person.organisation.name},{person.employee_ref},WRAP,2017-11-20,\n".encode(),
        actor=coordinator,
    )
    page = signed_in(coordinator).get(f"/people/{person.id}/training-records").get_data(as_text=True)
    assert "2 records" in page and "Attended" in page and "Imported" in page and "20 November 2017" in page
    assert page.count("WRAP (WRAP)") == 2  # each record names its course, name and code
    register = f'href="/sessions/{training_session.id}/register">register of {format_date(training_session.starts_at)}'
    assert register in page
    record_id = next(r.id for r in training_records.list_person_records(person) if r.source == RecordSource.IMPORT)
    assert f"/training-records/{record_id}/remove" in page  # only the imported one can be removed here
    assert page.count("/remove") == 1
    assert signed_in(trainer).get(f"/people/{person.id}/training-records").status_code == 403


def test_removing_a_wrong_record_needs_a_reason_and_is_audited(app, db, signed_in, coordinator, elearning):
    person = make_person()
    record = training_records.add_equivalent_evidence(
        person=person, course=elearning[1], completed_on=date(2018, 1, 5), evidence="Typo", actor=coordinator
    )
    record_id = record.id
    client = signed_in(coordinator)
    assert client.get(f"/training-records/{record_id}/remove").status_code == 200
    no_reason = client.post(f"/training-records/{record_id}/remove", data={"reason": ""})
    assert "Enter the reason" in no_reason.get_data(as_text=True)
    response = client.post(f"/training-records/{record_id}/remove", data={"reason": "Entered against the wrong person"})
    assert response.status_code == 302
    assert db.session.scalars(select(TrainingRecord)).all() == []
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "training_record.removed"))
    assert event.before["evidence"] == "Typo" and event.after["reason"] == "Entered against the wrong person"
    assert event.actor_user_id == coordinator.id
    assert (
        signed_in(make_user(Role.TRAINER))
        .post(f"/training-records/{record_id}/remove", data={"reason": "x"})
        .status_code
        == 403
    )


def test_a_record_from_a_signed_off_register_is_changed_only_by_reopening(app, db, trainer, coordinator):
    training_session = past_session(lead=trainer.person)
    book(training_session)
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    (record,) = sign_off.sign_off_register(training_session=training_session, actor=trainer)
    with pytest.raises(services.RecordFromRegisterError):
        training_records.remove_training_record(record=record, actor=coordinator, reason="Wrong")
