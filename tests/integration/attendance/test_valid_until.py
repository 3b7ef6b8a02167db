"""One "valid until" date for a record, whichever page shows it, and the day coverage last counts it.

A record is valid on day D when completed_on <= D < expires_on (docs/decisions.md), so the date every page
shows is the day before expires_on. Signed off at 23:30 UTC: on a summer day that is 00:30 the next London
day (BST), on a winter day the same day (GMT).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest

from tests.factories import make_department, make_organisation, make_person, make_requirement, make_session, make_user
from tracker.accounts.models import Role
from tracker.attendance import sign_off, walk_ins
from tracker.attendance.models import last_valid_day
from tracker.attendance.training_records import list_person_records
from tracker.common.time import format_date, today_london
from tracker.courses.models import Course
from tracker.courses.standard import add_standard_courses
from tracker.coverage.my_requirements import training_status_for_person
from tracker.coverage.queries import coverage_report
from tracker.extensions import db


def _sessions_in_the_past_year() -> list[tuple[str, datetime, date]]:
    """(label, start, London date) for 23:30 UTC on a summer and a winter day of last year."""
    year = today_london().year - 1
    return [
        ("BST", datetime(year, 7, 14, 23, 30, tzinfo=UTC), date(year, 7, 15)),
        ("GMT", datetime(year, 12, 3, 23, 30, tzinfo=UTC), date(year, 12, 3)),
    ]


@pytest.fixture
def signed_off(app, request):
    """A Barnet social worker whose WRAP register, for a session at 23:30 UTC, the coordinator signed off."""
    label, starts_at, london_day = request.param
    add_standard_courses()
    wrap = db.session.query(Course).filter_by(code="WRAP").one()
    barnet = make_organisation(name="London Borough of Barnet")
    fostering = make_department(organisation=barnet, name="Fostering")
    make_requirement(course=wrap, organisation=barnet)
    person = make_person(department=fostering, job_title="Social Worker")
    coordinator = make_user(Role.COORDINATOR, organisation=barnet)
    training_session = make_session(course=wrap, starts_at=starts_at, lead=coordinator.person)
    walk_ins.add_walk_in(training_session=training_session, person=person, actor=coordinator)
    return {
        "label": label,
        "wrap": wrap,
        "person": person,
        "coordinator": coordinator,
        "session": training_session,
        "completed_on": london_day,
        "records": sign_off.sign_off_register(training_session=training_session, actor=coordinator),
    }


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


@pytest.mark.parametrize("signed_off", _sessions_in_the_past_year(), indirect=True, ids=["BST", "GMT"])
def test_the_record_requirement_and_coverage_agree_on_the_last_valid_day(signed_off):
    (record,) = signed_off["records"]
    completed_on = signed_off["completed_on"]
    until = completed_on.replace(year=completed_on.year + 3) - timedelta(days=1)
    assert record.completed_on == completed_on  # the London date, the next day at 23:30 UTC in summer
    assert record.expires_on == until + timedelta(days=1)
    assert record.valid_until == last_valid_day(record.expires_on) == until
    (listed,) = list_person_records(signed_off["person"])
    assert listed.valid_until == until
    (requirement,) = training_status_for_person(signed_off["person"])
    assert requirement.met and requirement.valid_until == until
    assert not training_status_for_person(signed_off["person"], as_of=until + timedelta(days=1))[0].met
    wrap = signed_off["wrap"]
    for day, trained in [(completed_on - timedelta(days=1), 0), (completed_on, 1), (until, 1)]:
        (organisation,) = coverage_report(course=wrap, as_of=day).organisations
        assert (organisation.total.required, organisation.total.trained) == (1, trained), day
    (organisation,) = coverage_report(course=wrap, as_of=until + timedelta(days=1)).organisations
    assert organisation.total.trained == 0  # the first day it no longer counts: not "valid until" it


@pytest.mark.parametrize("signed_off", _sessions_in_the_past_year(), indirect=True, ids=["BST", "GMT"])
def test_every_page_shows_the_one_date(signed_off, signed_in):
    (record,) = signed_off["records"]
    shown, never = format_date(record.valid_until), format_date(record.expires_on)

    mine = signed_in(make_user(Role.STAFF, person=signed_off["person"]))
    page = mine.get("/my-training").get_data(as_text=True)
    requirements = _text(page.split('id="my-requirements"')[1].split('id="my-record"')[0])
    my_record = _text(page.split('id="my-record"')[1].split('id="past"')[0])
    assert shown in requirements and shown in my_record
    assert never not in _text(page)
    assert f"{format_date(signed_off['completed_on'])}" in my_record

    upcoming = make_session(course=signed_off["wrap"])
    session_page = _text(mine.get(f"/sessions/{upcoming.id}").get_data(as_text=True))
    assert f"it is valid until {shown}" in session_page and never not in session_page

    coordinator = signed_in(signed_off["coordinator"])
    person_id = signed_off["person"].id
    records_page = _text(coordinator.get(f"/people/{person_id}/training-records").get_data(as_text=True))
    assert shown in records_page and never not in records_page
    assert "Valid until" in records_page


def test_the_sign_off_page_promises_the_same_date(app, signed_in):
    add_standard_courses()
    wrap = db.session.query(Course).filter_by(code="WRAP").one()
    coordinator = make_user(Role.COORDINATOR)
    starts_at = datetime(today_london().year - 1, 7, 14, 23, 30, tzinfo=UTC)
    training_session = make_session(course=wrap, starts_at=starts_at, lead=coordinator.person)
    walk_ins.add_walk_in(training_session=training_session, person=make_person(), actor=coordinator)
    page = _text(
        signed_in(coordinator).get(f"/sessions/{training_session.id}/register/sign-off").get_data(as_text=True)
    )
    year = starts_at.year
    assert f"completed on 15 July {year} and valid until 14 July {year + 3}." in page
