"""training_status_for_person and the "My training" partial: which requirements apply, met or not."""

from __future__ import annotations

import re
from datetime import date, timedelta

from flask import render_template_string
from sqlalchemy import select

from tests.factories import (
    make_course,
    make_department,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    make_user,
    wrap_course,
)
from tests.support.coverage_builders import add_records, make_equivalent, move
from tracker.accounts.models import Role
from tracker.common.time import format_date, today_london
from tracker.courses.models import Course
from tracker.courses.standard import add_standard_courses
from tracker.coverage.my_requirements import training_status_for_person
from tracker.extensions import db

AS_OF = date(2019, 1, 1)


def setup_person(job_title="Social Worker"):
    barnet = make_organisation(name="London Borough of Barnet")
    children = make_department(organisation=barnet, name="Children and Family Services")
    fostering = make_department(parent=children, name="Fostering")
    adults = make_department(organisation=barnet, name="Adults and Communities")
    person = make_person(department=fostering, job_title=job_title)
    return barnet, children, fostering, adults, person


def test_requirements_that_apply_and_whether_they_are_met(app):
    barnet, children, _, adults, person = setup_person()
    wrap = wrap_course()
    basic = make_course(code="PREVENT-BASIC", name="Basic Prevent awareness", validity_months=None)
    ctlp = make_course(code="CTLP-BRIEFING", name="CTLP briefing", validity_months=None)
    elearning = make_course(code="HO-ELEARN", name="Home Office e-learning", validity_months=12)
    make_requirement(course=wrap, organisation=barnet, department=children, from_date=date(2017, 1, 1))
    make_requirement(course=basic, organisation=barnet, job_titles=["SOCIAL WORKER"])
    make_requirement(course=ctlp, organisation=barnet, department=adults)  # not their department
    make_requirement(course=elearning, organisation=make_organisation(), from_date=date(2015, 1, 1))  # not theirs
    make_requirement(course=make_course(code="LATER"), organisation=barnet, from_date=date(2019, 6, 1))
    add_records([person.id], wrap, date(2016, 2, 20))  # expires 20 February 2019: within 90 days
    statuses = {s.course_code: s for s in training_status_for_person(person, as_of=AS_OF)}
    assert list(statuses) == ["PREVENT-BASIC", "WRAP"]
    assert statuses["WRAP"].met and statuses["WRAP"].expiring_soon
    assert statuses["WRAP"].valid_until == date(2019, 2, 19)
    assert not statuses["PREVENT-BASIC"].met and statuses["PREVENT-BASIC"].expired_on is None


def test_an_equivalent_record_meets_the_requirement_and_expiry_is_reported(app):
    barnet, *_, person = setup_person()
    wrap = wrap_course()
    elearning = make_course(code="HO-ELEARN", name="Home Office e-learning", validity_months=12)
    make_equivalent(wrap, elearning)
    make_requirement(course=wrap, organisation=barnet)
    add_records([person.id], elearning, date(2018, 6, 1))
    (status,) = training_status_for_person(person, as_of=AS_OF)
    assert status.met and not status.expiring_soon and status.valid_until == date(2019, 5, 31)
    (later,) = training_status_for_person(person, as_of=date(2019, 6, 1))
    assert not later.met and later.expired_on == date(2019, 6, 1)


def test_a_mover_gets_the_requirements_of_the_department_they_are_in_that_day(app):
    barnet, children, fostering, adults, person = setup_person()
    move(person.id, old=fostering, new=adults, on=date(2018, 6, 1))
    make_requirement(course=wrap_course(), organisation=barnet, department=children)
    assert [s.course_code for s in training_status_for_person(person, as_of=date(2018, 5, 31))] == ["WRAP"]
    assert training_status_for_person(person, as_of=date(2018, 6, 1)) == []


def test_a_department_named_like_the_start_of_another_or_with_wildcards_is_not_its_parent(app):
    barnet = make_organisation(name="London Borough of Barnet")
    adults = make_department(organisation=barnet, name="Adults")
    communities = make_department(organisation=barnet, name="Adults and Communities")
    wildcard = make_department(organisation=barnet, name="Team_%")
    person = make_person(department=make_department(parent=communities, name="Day care"))
    other = make_person(department=make_department(parent=make_department(organisation=barnet, name="TeamX1")))
    make_requirement(course=wrap_course(), organisation=barnet, department=adults, from_date=date(2017, 1, 1))
    basic = make_course(code="PREVENT-BASIC", name="Basic Prevent awareness")
    make_requirement(course=basic, organisation=barnet, department=wildcard, from_date=date(2017, 1, 1))
    assert training_status_for_person(person, as_of=AS_OF) == []  # "Adults and Communities/..." is not "Adults/"
    assert training_status_for_person(other, as_of=AS_OF) == []  # "TeamX1/..." would match LIKE 'Team_%/%'
    inside = make_person(department=make_department(parent=wildcard, name="Safeguarding"))
    assert [s.course_code for s in training_status_for_person(inside, as_of=AS_OF)] == ["PREVENT-BASIC"]


def test_a_leaver_has_no_requirements(app):
    barnet, *_, person = setup_person()
    make_requirement(course=wrap_course(), organisation=barnet)
    person.end_date = date(2018, 12, 31)
    assert training_status_for_person(person, as_of=AS_OF) == []


def test_the_partial_template_renders_the_statuses(app):
    barnet, *_, person = setup_person()
    wrap = wrap_course()
    make_requirement(course=wrap, organisation=barnet)
    make_requirement(course=make_course(code="PREVENT-BASIC", name="Basic Prevent awareness"), organisation=barnet)
    add_records([person.id], wrap, date(2018, 3, 1))
    statuses = training_status_for_person(person, as_of=AS_OF)
    with app.test_request_context():
        html = render_template_string('{% include "coverage/_my_requirements.html" %}', requirement_statuses=statuses)
    assert "Workshop to Raise Awareness of Prevent (WRAP) (WRAP)" in html
    assert ">Met</strong>" in html and "28 February 2021" in html
    assert ">Not met</strong>" in html
    with app.test_request_context():
        empty = render_template_string('{% include "coverage/_my_requirements.html" %}', requirement_statuses=[])
    assert "No training is required of you at the moment." in empty


def test_a_fixed_number_of_queries(app, queries):
    barnet, *_, person = setup_person()
    for n in range(5):
        make_requirement(course=make_course(code=f"C-{n}"), organisation=barnet)
    with queries() as counter:
        assert len(training_status_for_person(person, as_of=AS_OF)) == 5
    assert counter.count <= 4


# --- Met by an equivalent, and where "Find a session" leads ------------------------------------------------------


def standard_barnet():
    """The standard courses (WRAP and Home Office e-learning also meet Basic Awareness), both required in Barnet."""
    add_standard_courses()
    courses = {c.code: c for c in db.session.scalars(select(Course))}
    barnet = make_organisation(name="London Borough of Barnet")
    fostering = make_department(organisation=barnet, name="Fostering")
    make_requirement(course=courses["WRAP"], organisation=barnet)
    make_requirement(course=courses["PREVENT-BASIC"], organisation=barnet)
    return courses, barnet, fostering


def test_a_requirement_met_by_an_equivalent_names_it_and_its_date(app):
    courses, _, fostering = standard_barnet()
    person = make_person(department=fostering)
    add_records([person.id], courses["WRAP"], date(2026, 12, 3))
    basic, wrap = training_status_for_person(person, as_of=date(2026, 12, 5))
    assert (basic.course_code, wrap.course_code) == ("PREVENT-BASIC", "WRAP")
    assert basic.met and basic.met_by_equivalent and basic.met_by.code == "WRAP"
    assert basic.met_by_completed_on == date(2026, 12, 3) and basic.valid_until == date(2029, 12, 2)
    assert [c.code for c in basic.satisfied_by] == ["PREVENT-BASIC", "HO-ELEARN", "WRAP"]
    assert wrap.met and not wrap.met_by_equivalent and [c.code for c in wrap.satisfied_by] == ["WRAP", "HO-ELEARN"]
    # Its own record, as long-lived as the equivalent's, is the one named.
    add_records([person.id], courses["PREVENT-BASIC"], date(2026, 12, 3))
    basic, _ = training_status_for_person(person, as_of=date(2026, 12, 5))
    assert not basic.met_by_equivalent and basic.met_by.code == "PREVENT-BASIC"


def _row(html: str, code: str) -> str:
    """The requirements table's row of the course `code`, as text with its links' addresses."""
    section = html.split('id="my-requirements"')[1].split('id="my-record"')[0]
    row = next(r for r in section.split('<tr class="govuk-table__row">') if f"({code})</th>" in r)
    return re.sub(r"\s+", " ", row)


def test_my_training_says_met_by_wrap_and_offers_wrap_sessions_when_basic_has_none(app, signed_in):
    courses, _, fostering = standard_barnet()
    trained = make_user(Role.STAFF, person=make_person(department=fostering))
    completed = today_london() - timedelta(days=2)
    add_records([trained.person_id], courses["WRAP"], completed)
    page = signed_in(trained).get("/my-training").get_data(as_text=True)
    assert f"Met by WRAP on {format_date(completed)}" in _row(page, "PREVENT-BASIC")
    assert "Met by" not in _row(page, "WRAP")

    untrained = signed_in(make_user(Role.STAFF, person=make_person(department=fostering)))
    page = untrained.get("/my-training").get_data(as_text=True)
    for code in ("PREVENT-BASIC", "WRAP"):  # no sessions at all: no link to an empty list
        assert "Find a" not in _row(page, code) and "No sessions" in _row(page, code)

    elsewhere = make_session(course=courses["WRAP"], audience=[make_organisation()])  # not open to Barnet
    page = untrained.get("/my-training").get_data(as_text=True)
    assert "Find a" not in _row(page, "PREVENT-BASIC")

    wrap_session = make_session(course=courses["WRAP"])
    page = untrained.get("/my-training").get_data(as_text=True)
    basic_row = _row(page, "PREVENT-BASIC")
    assert f'href="/sessions?course={courses["WRAP"].id}"' in basic_row and "(WRAP also meets this)" in basic_row
    assert f"/sessions?course={courses['PREVENT-BASIC'].id}" not in basic_row
    listed = untrained.get(f"/sessions?course={courses['WRAP'].id}").get_data(as_text=True)
    assert f'href="/sessions/{wrap_session.id}"' in listed and "There are no upcoming sessions" not in listed
    assert f'href="/sessions/{elsewhere.id}"' not in listed

    make_session(course=courses["PREVENT-BASIC"])
    basic_row = _row(untrained.get("/my-training").get_data(as_text=True), "PREVENT-BASIC")
    own_link = basic_row.index(f'href="/sessions?course={courses["PREVENT-BASIC"].id}"')
    assert own_link < basic_row.index(f'href="/sessions?course={courses["WRAP"].id}"')  # its own course first


def test_my_training_with_requirements_issues_a_fixed_number_of_queries(app, signed_in, queries):
    courses, _, fostering = standard_barnet()
    client = signed_in(make_user(Role.STAFF, person=make_person(department=fostering)))
    counts = []
    for sessions in (1, 30):
        for _ in range(sessions):
            make_session(course=courses["WRAP"])
            make_session(course=courses["PREVENT-BASIC"])
        client.get("/my-training")
        with queries() as counter:
            assert client.get("/my-training").status_code == 200
        counts.append(counter.count)
    # The six of a page with nothing wanted (tests/integration/booking/test_pages.py), and one more: the sessions
    # of each course meeting a requirement not met.
    assert counts == [7, 7], counts
