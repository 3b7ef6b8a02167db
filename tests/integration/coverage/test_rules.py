"""As-of correctness: movers, leavers, expiry, equivalents, narrowed requirements, sessions by London date."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from tests.factories import make_course, make_department, make_organisation, make_requirement, wrap_course
from tests.support.coverage_builders import (
    add_people,
    add_records,
    add_register,
    add_session,
    make_equivalent,
    move,
)
from tracker.attendance.models import AttendanceOutcome, RecordSource
from tracker.coverage import loading, queries, trend
from tracker.coverage.loading import CoverageError


@pytest.fixture
def org(app):
    organisation = make_organisation(name="London Borough of Barnet")
    children = make_department(organisation=organisation, name="Children and Family Services")
    adults = make_department(organisation=organisation, name="Adults and Communities")
    return {"organisation": organisation, "children": children, "adults": adults, "wrap": wrap_course()}


def counts(course, as_of, *, period_start=None, **kw):
    """{department name or None for the total: (required, trained, sessions, attendees)}"""
    report = queries.coverage_report(course=course, as_of=as_of, period_start=period_start, **kw)
    return {row.department: (row.required, row.trained, row.sessions_delivered, row.attendees) for row in report.rows}


def test_a_mover_counts_in_the_old_department_before_the_move_and_the_new_one_from_it(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    (mover,) = add_people(org["children"], 1)
    move(mover, old=org["children"], new=org["adults"], on=date(2018, 6, 1))
    add_records([mover], org["wrap"], date(2018, 1, 10))

    before = counts(org["wrap"], date(2018, 5, 31))
    after = counts(org["wrap"], date(2018, 6, 1))
    assert before["Children and Family Services"][:2] == (1, 1) and before["Adults and Communities"][:2] == (0, 0)
    assert after["Children and Family Services"][:2] == (0, 0) and after["Adults and Communities"][:2] == (1, 1)
    assert before[None][:2] == after[None][:2] == (1, 1)


def test_a_leaver_drops_out_from_their_leave_date(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    add_people(org["children"], 3)
    add_people(org["children"], 1, end_date=date(2018, 6, 1))
    assert counts(org["wrap"], date(2018, 5, 31))[None][0] == 4
    assert counts(org["wrap"], date(2018, 6, 1))[None][0] == 3


def test_placements_bound_who_is_counted(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    add_people(org["children"], 2, placed_from=date(2018, 3, 1))
    add_people(org["children"], 1, placed_from=date(2016, 1, 1), placed_to=date(2018, 3, 1))
    assert counts(org["wrap"], date(2018, 2, 28))[None][0] == 1
    assert counts(org["wrap"], date(2018, 3, 1))[None][0] == 2


def test_a_record_expires_after_the_course_validity(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    people = add_people(org["children"], 2)
    add_records(people[:1], org["wrap"], date(2015, 6, 1))  # 36 months: expires on 1 June 2018
    add_records(people[1:], org["wrap"], date(2018, 7, 1))  # not yet completed on 1 June 2018
    assert counts(org["wrap"], date(2018, 5, 31))[None][:2] == (2, 1)
    assert counts(org["wrap"], date(2018, 6, 1))[None][:2] == (2, 0)
    assert counts(org["wrap"], date(2018, 7, 1))[None][:2] == (2, 1)


def test_a_record_without_expiry_stays_valid(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    people = add_people(org["children"], 1)
    add_records(people, org["wrap"], date(2010, 1, 1), expires_on=None)
    assert counts(org["wrap"], date(2030, 1, 1))[None][:2] == (1, 1)


def test_an_equivalent_course_counts_only_when_declared_equivalent(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    elearning = make_course(code="HO-ELEARN", name="Home Office Prevent e-learning", validity_months=12)
    people = add_people(org["children"], 2)
    add_records(people[:1], elearning, date(2018, 3, 1), source=RecordSource.EQUIVALENT_EVIDENCE)
    assert counts(org["wrap"], date(2018, 6, 1))[None][:2] == (2, 0)
    make_equivalent(org["wrap"], elearning)
    assert counts(org["wrap"], date(2018, 6, 1))[None][:2] == (2, 1)
    assert counts(org["wrap"], date(2019, 3, 1))[None][:2] == (2, 0)  # the e-learning's own validity


def test_a_requirement_narrowed_to_a_department_subtree(org):
    fostering = make_department(parent=org["children"], name="Fostering")
    make_requirement(course=org["wrap"], organisation=org["organisation"], department=org["children"])
    add_people(org["children"], 2)
    add_people(fostering, 3)
    add_people(org["adults"], 4)
    found = counts(org["wrap"], date(2018, 6, 1))
    assert found["Children and Family Services"][0] == 5
    assert found["Fostering"][0] == 3
    assert found["Adults and Communities"][0] == 0
    assert found[None][0] == 5


def test_a_requirement_narrowed_to_job_titles_ignores_case(org):
    make_requirement(
        course=org["wrap"], organisation=org["organisation"], job_titles=["social worker", "Team Manager "]
    )
    add_people(org["children"], 2, job_title="Social Worker")
    add_people(org["children"], 1, job_title="TEAM MANAGER")
    add_people(org["children"], 4, job_title="Administrator")
    add_people(org["children"], 1, job_title=None)
    assert counts(org["wrap"], date(2018, 6, 1))[None][0] == 3


def test_requirements_apply_from_their_date_and_to_their_organisation(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"], from_date=date(2018, 1, 1))
    other = make_organisation(name="Barnet Homes")
    add_people(make_department(organisation=other, name="Housing"), 5)
    add_people(org["children"], 2)
    assert counts(org["wrap"], date(2017, 12, 31)).get(None, (0,))[0] == 0
    found = counts(org["wrap"], date(2018, 1, 1))
    assert found[None][0] == 2 and "Housing" not in found  # Barnet Homes takes no part in WRAP


def test_two_requirements_covering_one_person_count_them_once(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    make_requirement(course=org["wrap"], organisation=org["organisation"], department=org["children"])
    add_people(org["children"], 2)
    assert counts(org["wrap"], date(2018, 6, 1))["Children and Family Services"][0] == 2


def test_two_requirements_covering_one_person_apply_from_the_earlier(org):
    """Whichever requirement was made first, someone covered by two is required from the earlier start."""
    make_requirement(course=org["wrap"], organisation=org["organisation"], from_date=date(2019, 1, 1))
    make_requirement(
        course=org["wrap"], organisation=org["organisation"], department=org["children"], from_date=date(2018, 1, 1)
    )
    add_people(org["children"], 2)
    add_people(org["adults"], 3)
    assert counts(org["wrap"], date(2017, 12, 31)).get(None, (0,))[0] == 0
    found = counts(org["wrap"], date(2018, 6, 1))
    assert (found["Children and Family Services"][0], found["Adults and Communities"][0], found[None][0]) == (2, 0, 2)
    assert counts(org["wrap"], date(2019, 1, 1))[None][0] == 5
    (series,) = trend.quarterly_coverage(course=org["wrap"], as_of=date(2019, 3, 31)).series
    assert [p.required for p in series.points] == [0, 0, 0, 2, 2, 2, 2, 5]


def test_someone_placed_in_two_teams_counts_once_per_row(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    fostering = make_department(parent=org["children"], name="Fostering")
    adoption = make_department(parent=org["children"], name="Adoption")
    (person,) = add_people(fostering, 1)
    from sqlalchemy import insert

    from tracker.extensions import db
    from tracker.people.models import Placement

    db.session.execute(
        insert(Placement), [{"person_id": person, "department_id": adoption.id, "from_date": date(2016, 1, 1)}]
    )
    found = counts(org["wrap"], date(2018, 6, 1))
    assert found["Fostering"][0] == found["Adoption"][0] == 1
    assert found["Children and Family Services"][0] == 1
    assert found[None][0] == 1


def test_sessions_count_where_the_attendee_was_placed_on_the_london_day(org):
    """A session at 00:30 on 1 July in London (23:30 UTC on 30 June) counts for the department the
    attendee joined on 1 July, and inside a period starting 1 July."""
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    (mover,) = add_people(org["children"], 1)
    move(mover, old=org["children"], new=org["adults"], on=date(2018, 7, 1))
    midnight = add_session(org["wrap"], date(2018, 7, 1), at=time(0, 30))
    assert midnight.starts_at == datetime(2018, 6, 30, 23, 30, tzinfo=UTC)
    add_register(midnight, [mover])
    found = counts(org["wrap"], date(2018, 7, 31), period_start=date(2018, 7, 1))
    assert found["Adults and Communities"][2:] == (1, 1)
    assert found["Children and Family Services"][2:] == (0, 0)


def test_session_period_is_inclusive_of_both_london_days(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    people = add_people(org["children"], 4)
    first = add_session(org["wrap"], date(2018, 4, 1), at=time(0, 15))  # 23:15 UTC on 31 March
    last = add_session(org["wrap"], date(2018, 6, 30), at=time(23, 30))  # 22:30 UTC on 30 June
    outside = add_session(org["wrap"], date(2018, 7, 1), at=time(0, 15))
    add_register(first, people[:1])
    add_register(last, people[1:2])
    add_register(outside, people[2:3])
    found = counts(org["wrap"], date(2018, 6, 30), period_start=date(2018, 4, 1))
    assert found["Children and Family Services"][2:] == (2, 2)


def test_partial_attendance_is_an_attendee_absence_is_not(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    people = add_people(org["children"], 5)
    training_session = add_session(org["wrap"], date(2018, 5, 1))
    add_register(training_session, people[:1], AttendanceOutcome.PARTIAL)
    add_register(training_session, people[1:2], AttendanceOutcome.ABSENT)
    add_register(training_session, people[2:3], AttendanceOutcome.EXCUSED)
    found = counts(org["wrap"], date(2018, 6, 1))
    assert found["Children and Family Services"] == (5, 0, 1, 1)


def test_period_start_after_as_of_is_refused(org):
    with pytest.raises(CoverageError, match="period start must be on or before"):
        queries.coverage_report(course=org["wrap"], as_of=date(2018, 1, 1), period_start=date(2018, 1, 2))


def test_default_period_is_the_year_before(org):
    report = queries.coverage_report(course=org["wrap"], as_of=date(2019, 1, 1))
    assert report.period_start == date(2018, 1, 1)


def test_filter_to_one_organisation(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    other = make_organisation(name="Barnet Homes")
    make_requirement(course=org["wrap"], organisation=other)
    add_people(make_department(organisation=other, name="Housing"), 5)
    add_people(org["children"], 2)
    report = queries.coverage_report(course=org["wrap"], as_of=date(2018, 6, 1), organisation_id=other.id)
    assert [(row.organisation, row.department, row.required) for row in report.rows] == [
        ("Barnet Homes", None, 5),
        ("Barnet Homes", "Housing", 5),
    ]
    with pytest.raises(loading.UnknownOrganisationError):
        queries.coverage_report(course=org["wrap"], as_of=date(2018, 6, 1), organisation_id=999999)


def test_quarterly_series_uses_each_quarter_end(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    people = add_people(org["children"], 4)
    add_records(people[:1], org["wrap"], date(2017, 5, 1))
    add_records(people[1:3], org["wrap"], date(2018, 5, 1))
    quarterly = trend.quarterly_coverage(course=org["wrap"], as_of=date(2019, 1, 1))
    assert quarterly.quarter_ends == [
        date(2017, 3, 31),
        date(2017, 6, 30),
        date(2017, 9, 30),
        date(2017, 12, 31),
        date(2018, 3, 31),
        date(2018, 6, 30),
        date(2018, 9, 30),
        date(2018, 12, 31),
    ]
    (series,) = quarterly.series
    assert series.label == "London Borough of Barnet"
    assert [p.percent for p in series.points] == [0, 25, 25, 25, 25, 75, 75, 75]


def test_sessions_of_another_course_do_not_count(org):
    make_requirement(course=org["wrap"], organisation=org["organisation"])
    people = add_people(org["children"], 2)
    briefing = make_course(code="CTLP-BRIEFING", validity_months=None)
    add_register(add_session(briefing, date(2018, 5, 1)), people)
    assert counts(org["wrap"], date(2018, 6, 1))["Children and Family Services"] == (2, 0, 0, 0)
