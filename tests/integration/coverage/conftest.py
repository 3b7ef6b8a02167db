"""A small council for the coverage page, API and CLI tests: two departments (one with a team), people,
a WRAP requirement, records and delivered sessions; `grow` adds departments and people for query pins."""

from __future__ import annotations

import itertools
from datetime import date

import pytest

from tests.factories import make_department, make_organisation, make_requirement, wrap_course
from tests.support.coverage_builders import add_people, add_records, add_register, add_session
from tracker.people.models import OrganisationKind

AS_OF = date(2019, 1, 1)
PERIOD_START = date(2017, 11, 1)


@pytest.fixture
def council(app):
    barnet = make_organisation(name="London Borough of Barnet", kind=OrganisationKind.LOCAL_AUTHORITY)
    homes = make_organisation(name="Barnet Homes", kind=OrganisationKind.HOUSING)
    children = make_department(organisation=barnet, name="Children and Family Services")
    fostering = make_department(parent=children, name="Fostering")
    adults = make_department(organisation=barnet, name="Adults and Communities")
    housing = make_department(organisation=homes, name="Housing Management")
    wrap = wrap_course()
    make_requirement(course=wrap, organisation=barnet, from_date=date(2017, 1, 1))
    make_requirement(course=wrap, organisation=homes, from_date=date(2017, 1, 1))
    children_ids = add_people(children, 8) + add_people(fostering, 2)
    adults_ids = add_people(adults, 4)
    housing_ids = add_people(housing, 5)
    first = add_session(wrap, date(2018, 3, 14))
    second = add_session(wrap, date(2018, 9, 12))
    add_register(first, children_ids[:4] + adults_ids[:3])
    add_register(second, children_ids[8:9] + housing_ids[:1])
    # Expiring within 90 days of 1 January 2019: completed 20 February 2016, expires 20 February 2019.
    add_records(children_ids[5:6], wrap, date(2016, 2, 20))
    return {
        "barnet": barnet,
        "homes": homes,
        "children": children,
        "fostering": fostering,
        "adults": adults,
        "housing": housing,
        "wrap": wrap,
        "children_ids": children_ids,
        "adults_ids": adults_ids,
        "housing_ids": housing_ids,
    }


@pytest.fixture
def grow(council):
    """Add `departments` more departments of `people` each (some trained) to Barnet, and sessions."""

    numbers = itertools.count()

    def more(departments: int, people: int = 3) -> None:
        for _ in range(departments):
            n = next(numbers)
            department = make_department(organisation=council["barnet"], name=f"Extra {n:03d}")
            ids = add_people(department, people)
            add_register(add_session(council["wrap"], date(2018, 5, 1 + n % 28)), ids[:1])

    return more
