"""The drill-down's counts and its list agree: the people listed are the department row's untrained plus those
expiring within 90 days, whoever left, moved, is placed twice or is trained by an equivalent course."""

from __future__ import annotations

import re
from datetime import date

import pytest
from sqlalchemy import select

from tests.factories import (
    make_course,
    make_department,
    make_manager_of,
    make_organisation,
    make_requirement,
    make_user,
)
from tests.support.coverage_builders import add_people, add_records, make_equivalent, move
from tracker.accounts.models import Role
from tracker.coverage import loading, people_to_train, queries
from tracker.coverage.people_to_train import PersonTrainingStatus
from tracker.people.models import Placement

AS_OF = date(2019, 1, 1)


@pytest.fixture
def departments(app, db):
    barnet = make_organisation(name="London Borough of Barnet")
    children = make_department(organisation=barnet, name="Children and Family Services")
    fostering = make_department(parent=children, name="Fostering")
    adults = make_department(organisation=barnet, name="Adults and Communities")
    wrap = make_course(code="WRAP", name="Workshop to Raise Awareness of Prevent")
    elearning = make_course(code="HO-ELEARN", name="Home Office Prevent e-learning", validity_months=12)
    make_equivalent(wrap, elearning)
    make_requirement(course=wrap, organisation=barnet, from_date=date(2017, 1, 1))

    add_people(children, 5)  # never trained
    trained = add_people(children, 3)
    add_records(trained, wrap, date(2018, 6, 1))
    by_equivalent = add_people(children, 2)
    add_records(by_equivalent[:1], elearning, date(2018, 6, 1))  # valid until 31 May 2019: not within 90 days
    add_records(by_equivalent[1:], elearning, date(2018, 2, 1))  # valid until 31 January 2019: expiring soon
    expired = add_people(fostering, 1)
    add_records(expired, wrap, date(2015, 6, 1))  # expired 1 June 2018
    expiring = add_people(fostering, 2)
    add_records(expiring, wrap, date(2016, 3, 1))  # valid until 29 February 2019
    add_people(children, 2, end_date=date(2018, 12, 31))  # left before the day: nobody's
    add_people(children, 1, end_date=date(2019, 1, 2))  # leaves after it: still required
    add_people(children, 1, placed_to=AS_OF)  # placed there until the day: gone on it
    arrived = add_people(adults, 1)
    move(arrived[0], old=adults, new=fostering, on=date(2018, 6, 1))  # a mover, counted in Fostering only
    leaving = add_people(children, 1)
    move(leaving[0], old=children, new=adults, on=date(2019, 6, 1))  # moves after the day: still in Children
    twice = add_people(children, 1)
    db.session.add(Placement(person_id=twice[0], department_id=fostering.id, from_date=date(2015, 1, 1)))
    add_people(adults, 4)
    db.session.flush()
    return {"barnet": barnet, "children": children, "fostering": fostering, "adults": adults, "wrap": wrap, "db": db}


def _all_listed(context, department_id: int, per_page: int) -> list:
    first = people_to_train.list_people_to_train(
        context=context, department_id=department_id, as_of=AS_OF, per_page=per_page
    )
    items = list(first.items)
    for page in range(2, first.pages + 1):
        items += people_to_train.list_people_to_train(
            context=context, department_id=department_id, as_of=AS_OF, page=page, per_page=per_page
        ).items
    return first, items


@pytest.mark.parametrize("per_page", [2, 50])
def test_each_department_lists_its_untrained_and_expiring_and_says_how_many(departments, per_page):
    context = loading.load_context(course=departments["wrap"])
    report = queries.coverage_report(course=departments["wrap"], as_of=AS_OF, period_start=date(2018, 1, 1))
    rows = {row.department: row for row in report.rows if not row.is_total}
    expected = {  # department: (required, trained, untrained listed, expiring listed)
        "Children and Family Services": (17, 7, 10, 3),
        "Fostering": (5, 2, 3, 2),
        "Adults and Communities": (4, 0, 4, 0),
    }
    for name, (required, trained, untrained, expiring) in expected.items():
        row = rows[name]
        assert (row.required, row.trained) == (required, trained), name
        first, listed = _all_listed(context, row.department_id, per_page)
        assert first.total == len(listed) == len({p.person_id for p in listed}) == untrained + expiring, name
        assert (first.untrained, first.expiring) == (untrained, expiring) == (row.untrained, expiring), name
        not_trained = [
            p for p in listed if p.status in (PersonTrainingStatus.NEVER_TRAINED, PersonTrainingStatus.EXPIRED)
        ]
        assert len(not_trained) == row.untrained, name
        # The same people the report counts as required and untrained.
        subtree = context.tree.subtree([row.department_id])
        placed = {
            person_id
            for person_id, department_id, start, end in departments["db"].session.execute(
                select(Placement.person_id, Placement.department_id, Placement.from_date, Placement.to_date)
            )
            if department_id in subtree and start <= AS_OF and (end is None or end > AS_OF)
        }
        required = queries.required_people(context, AS_OF, sorted(placed))
        assert {p.person_id for p in not_trained} == {i for i, ok in required.items() if not ok}, name


def _text(html: str) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_page_says_what_its_table_and_list_show(departments, signed_in):
    client = signed_in(make_user(Role.COORDINATOR))
    args = "course=WRAP&as_of=2019-01-01&period_start=2018-01-01"
    html = client.get(f"/coverage/departments/{departments['children'].id}?{args}").get_data(as_text=True)
    summary = _text(re.search(r'id="people-summary">(.*?)</p>', html, re.S).group(1)).strip()
    assert summary == (
        "Of the 17 people required in Children and Family Services (and the teams beneath it) on 1 January 2019,"
        " 10 are not trained and 3 have training that expires within 90 days. These 13 people are listed below."
    )
    people_table = html.split('id="people"')[1]
    assert people_table.count('<th scope="row"') == 13

    manager = signed_in(make_manager_of(departments["fostering"]))
    html = manager.get(f"/coverage/departments/{departments['fostering'].id}?{args}").get_data(as_text=True)
    assert "Of the 5 people required in Fostering" in _text(html)
    assert "3 are not trained and 2 have training that expires within 90 days" in _text(html)
    assert html.split('id="people"')[1].count('<th scope="row"') == 5


def test_a_department_nobody_is_required_in_says_so(departments, signed_in):
    empty = make_department(organisation=make_organisation(), name="Street Scene")
    client = signed_in(make_user(Role.COORDINATOR))
    html = _text(client.get(f"/coverage/departments/{empty.id}?course=WRAP&as_of=2019-01-01").get_data(as_text=True))
    assert (
        "Nobody in Street Scene is required to complete Workshop to Raise Awareness of Prevent on 1 January 2019."
        in html
    )
    assert "Everyone required here" not in html
