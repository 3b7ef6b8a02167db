"""The seed report's Table 5 reproduced from raw registers: WRAP delivery to two Barnet departments
between 1 November 2017 and 1 January 2019.

| Responsible department        | requiring training | trained | WRAP sessions delivered |
| Children and Family Services  | 462                | 228     | 27                      |
| Adults and Communities        | 290                | 251     | 28                      |
"""

from __future__ import annotations

from datetime import date, timedelta

import pytest

from tests.factories import make_course, make_department, make_organisation, make_requirement, wrap_course
from tests.integration.coverage.builders import add_people, add_records, add_register, add_session
from tracker.attendance.models import AttendanceOutcome
from tracker.courses.models import SessionStatus
from tracker.coverage import queries
from tracker.people.models import OrganisationKind

AS_OF = date(2019, 1, 1)
PERIOD_START = date(2017, 11, 1)


def spread(items: list[int], buckets: int) -> list[list[int]]:
    return [items[i::buckets] for i in range(buckets)]


@pytest.fixture
def barnet(app):
    """Barnet's two departments with their registers, plus things that must not count."""
    barnet = make_organisation(name="London Borough of Barnet", kind=OrganisationKind.LOCAL_AUTHORITY)
    mencap = make_organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR)
    children = make_department(organisation=barnet, name="Children and Family Services")
    fostering = make_department(parent=children, name="Fostering")
    adults = make_department(organisation=barnet, name="Adults and Communities")
    mencap_staff = make_department(organisation=mencap, name="Staff")
    wrap = wrap_course()
    other_course = make_course(code="PREVENT-BASIC", name="Basic Prevent awareness", validity_months=None)
    make_requirement(course=wrap, organisation=barnet, from_date=date(2017, 1, 1))

    children_ids = add_people(children, 400) + add_people(fostering, 62)
    adults_ids = add_people(adults, 290)
    leaver = add_people(adults, 1, end_date=date(2018, 9, 30))
    outsider = add_people(mencap_staff, 1)

    # 45 sessions, one every nine days from 2 November 2017: 17 for children's staff only, 10 shared,
    # 18 for adults' staff only.
    days = [date(2017, 11, 2) + timedelta(days=9 * i) for i in range(45)]
    sessions = [add_session(wrap, day) for day in days]
    children_sessions, shared, adults_sessions = sessions[:17], sessions[17:27], sessions[27:]
    trained_children = children_ids[:200] + children_ids[400:428]  # 200 in the department, 28 fostering
    trained_adults = adults_ids[:251]
    for training_session, people in zip(children_sessions + shared, spread(trained_children, 27), strict=True):
        add_register(training_session, people)
    for training_session, people in zip(shared + adults_sessions, spread(trained_adults, 28), strict=True):
        add_register(training_session, people)

    # None of these changes the numbers asked for:
    add_register(children_sessions[0], children_ids[300:302], AttendanceOutcome.ABSENT)
    add_register(children_sessions[1], outsider)
    add_register(shared[0], leaver)  # attended (an attendee) but left before the as-of date
    absent_only = add_session(wrap, date(2018, 6, 15))
    add_register(absent_only, adults_ids[280:282], AttendanceOutcome.ABSENT)
    cancelled = add_session(wrap, date(2018, 3, 1), status=SessionStatus.CANCELLED)
    add_register(cancelled, children_ids[310:312], records=False)
    long_ago = add_session(wrap, date(2015, 6, 10))  # before the period; records expired June 2018
    add_register(long_ago, children_ids[320:350])
    briefing = add_session(other_course, date(2018, 4, 4))
    add_register(briefing, children_ids[350:360])
    add_records(children_ids[360:365], wrap, date(2019, 1, 2))  # completed after the as-of date
    return {"barnet": barnet, "children": children, "fostering": fostering, "adults": adults, "wrap": wrap}


def rows_by_name(report):
    return {(row.organisation, row.department): row for row in report.rows}


def test_table_5_from_raw_registers(barnet):
    report = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    rows = rows_by_name(report)
    children = rows[("London Borough of Barnet", "Children and Family Services")]
    adults = rows[("London Borough of Barnet", "Adults and Communities")]

    assert (children.required, children.trained, children.sessions_delivered) == (462, 228, 27)
    assert (adults.required, adults.trained, adults.sessions_delivered) == (290, 251, 28)
    assert (children.percent, children.rag) == (49, "red")
    assert (adults.percent, adults.rag) == (87, "green")
    assert (children.attendees, adults.attendees) == (228, 252)  # the leaver attended while placed
    assert children.gap == 163  # 390 of 462 is 84.4% (84), 391 is 84.6% (85)


def test_rolls_up_teams_and_totals_the_organisation(barnet):
    report = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    rows = rows_by_name(report)
    fostering = rows[("London Borough of Barnet", "Fostering")]
    total = rows[("London Borough of Barnet", None)]
    assert (fostering.required, fostering.trained, fostering.depth) == (62, 28, 2)
    assert (total.required, total.trained, total.sessions_delivered, total.attendees) == (752, 479, 45, 480)
    assert total.percent == 64 and total.rag == "red"
    assert [row.department for row in report.organisations[1].rows] == [
        None,
        "Adults and Communities",
        "Children and Family Services",
        "Fostering",
    ]


def test_an_organisation_without_a_requirement_still_shows_sessions_delivered(barnet):
    report = queries.coverage_report(course=barnet["wrap"], as_of=AS_OF, period_start=PERIOD_START)
    mencap = rows_by_name(report)[("Barnet MENCAP", None)]
    assert (mencap.required, mencap.percent, mencap.rag, mencap.sessions_delivered, mencap.attendees) == (
        0,
        None,
        None,
        1,
        1,
    )
