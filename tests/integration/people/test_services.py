"""People services: departments, search, who sees whom, moves and leavers on the database."""

from __future__ import annotations

from datetime import date

import pytest
from sqlalchemy import func, select

from tests.factories import make_department, make_manager_of, make_organisation, make_person, make_user
from tracker.accounts.models import Role
from tracker.people import organisations, services
from tracker.people.models import Placement
from tracker.people.placements import PlacementDateError


def ids(statement, db) -> set[int]:
    return {p.id for p in db.session.scalars(statement)}


def test_department_names_are_unique_under_a_parent_ignoring_case(app):
    organisation = make_organisation()
    parent = organisations.create_department(organisation=organisation, name="Children and Family Services")
    organisations.create_department(organisation=organisation, name="Fostering", parent=parent)
    with pytest.raises(organisations.DepartmentExistsError):
        organisations.create_department(organisation=organisation, name="FOSTERING", parent=parent)
    other = make_organisation()
    with pytest.raises(services.PeopleError, match="Choose a department of"):
        organisations.create_department(organisation=other, name="Team", parent=parent)


def test_renaming_onto_a_sibling_is_refused(app):
    parent = make_department(name="Adults")
    make_department(parent=parent, name="Safeguarding")
    team = make_department(parent=parent, name="Reablement")
    with pytest.raises(organisations.DepartmentExistsError, match="already has Adults/safeguarding"):
        organisations.rename_department(department=team, name="safeguarding")


def test_department_tree_nests_and_counts_people_placed_today(app, db):
    organisation = make_organisation()
    parent = make_department(organisation=organisation, name="B Services")
    team = make_department(parent=parent, name="Team")
    make_department(organisation=organisation, name="A Services")
    make_person(department=team)
    make_person(department=team, end_date=date(2020, 1, 1), placed_from=date(2015, 1, 1))  # a leaver
    tree = organisations.department_tree(organisation)
    assert [node.department.name for node in tree] == ["A Services", "B Services"]
    assert [(c.department.name, c.people) for c in tree[1].children] == [("Team", 1)]


def test_department_people_include_teams_and_exclude_leavers_and_movers(app, db):
    parent = make_department(name="Services")
    team = make_department(parent=parent, name="Team")
    elsewhere = make_department(organisation=parent.organisation, name="Elsewhere")
    stays = make_person(department=team)
    leaver = make_person(department=parent)
    services.set_leave_date(person=leaver, end_date=date(2026, 1, 1))
    mover = make_person(department=parent, placed_from=date(2020, 1, 1))
    services.move_person(person=mover, department=elsewhere, from_date=date(2026, 1, 1))
    on = date(2026, 2, 1)
    rows = db.session.execute(organisations.department_people_query(parent, day=on)).all()
    assert [(person.id, path) for person, path in rows] == [(stays.id, "Services/Team")]
    before = {
        person.id
        for person, _ in db.session.execute(organisations.department_people_query(parent, day=date(2025, 12, 31)))
    }
    assert before == {stays.id, leaver.id, mover.id}


def test_search_finds_every_word_in_names_email_or_ref(app, db):
    jo = make_person(first_name="Jo", last_name="Bloggs", email="jo.b@barnet.gov.uk", employee_ref="HR-100")
    make_person(first_name="Jo", last_name="Smith")
    assert ids(services.people_query(search="jo bloggs"), db) == {jo.id}
    assert ids(services.people_query(search="HR-100"), db) == {jo.id}
    assert ids(services.people_query(search="BARNET.gov"), db) == {jo.id}
    assert ids(services.people_query(search="100%"), db) == set()  # wildcards are literal


def test_people_can_be_filtered_by_department_subtree(app, db):
    parent = make_department(name="Services")
    team = make_department(parent=parent, name="Team")
    inside = make_person(department=team)
    make_person(department=make_department(organisation=parent.organisation))
    assert ids(services.people_query(department_id=parent.id), db) == {inside.id}


def test_who_sees_whom(app, db):
    department = make_department(name="Adults")
    organisation = department.organisation
    manager = make_manager_of(department)
    in_team = make_person(department=department)
    line_report = make_person(organisation=organisation, line_manager=manager.person)
    stranger = make_person(organisation=organisation)
    partner = make_user(Role.PARTNER, organisation=make_organisation())
    colleague = make_person(organisation=partner.person.organisation)
    coordinator = make_user(Role.COORDINATOR)
    staff = make_user(Role.STAFF, organisation=organisation)

    assert ids(services.visible_people_query(manager), db) == {manager.person_id, in_team.id, line_report.id}
    assert ids(services.visible_people_query(partner), db) == {partner.person_id, colleague.id}
    assert ids(services.visible_people_query(staff), db) == {staff.person_id}
    assert stranger.id in ids(services.visible_people_query(coordinator), db)
    assert services.can_view_person(manager, in_team) and not services.can_view_person(manager, stranger)
    assert services.can_view_person(partner, colleague) and not services.can_view_person(partner, in_team)


def test_a_move_on_the_day_the_placement_began_corrects_it(app, db):
    housing = make_department(name="Housing")
    safety = make_department(organisation=housing.organisation, name="Safety")
    person = make_person(department=housing, placed_from=date(2026, 4, 1))
    services.move_person(person=person, department=safety, from_date=date(2026, 4, 1))
    assert [(p.department_id, p.from_date, p.to_date) for p in person.placements] == [
        (safety.id, date(2026, 4, 1), None)
    ]


def test_a_move_of_a_leaver_keeps_their_leave_date(app, db):
    housing = make_department(name="Housing")
    safety = make_department(organisation=housing.organisation, name="Safety")
    person = make_person(department=housing, placed_from=date(2020, 1, 1))
    services.set_leave_date(person=person, end_date=date(2026, 9, 1))
    services.move_person(person=person, department=safety, from_date=date(2026, 4, 1))
    rows = db.session.execute(
        select(Placement.department_id, Placement.from_date, Placement.to_date)
        .where(Placement.person_id == person.id)
        .order_by(Placement.from_date)
    ).all()
    assert [tuple(r) for r in rows] == [
        (housing.id, date(2020, 1, 1), date(2026, 4, 1)),
        (safety.id, date(2026, 4, 1), date(2026, 9, 1)),
    ]
    with pytest.raises(PlacementDateError, match="before their leave date"):
        services.move_person(person=person, department=housing, from_date=date(2026, 9, 1))


def test_moving_to_another_organisations_department_is_refused(app):
    person = make_person(department=make_department())
    with pytest.raises(services.PeopleError, match="Choose a department of"):
        services.move_person(person=person, department=make_department(), from_date=date(2026, 1, 1))


def test_a_leave_date_before_the_start_date_is_refused(app):
    person = make_person(start_date=date(2020, 1, 1))
    with pytest.raises(services.PeopleError, match="on or after their start date"):
        services.set_leave_date(person=person, end_date=date(2019, 1, 1))


def test_a_leaver_cannot_be_made_a_manager(app):
    department = make_department()
    person = make_person(organisation=department.organisation, end_date=date(2020, 1, 1))
    with pytest.raises(services.PeopleError, match="has left"):
        organisations.add_department_manager(department=department, person=person)


def test_a_person_cannot_manage_themselves_or_be_managed_from_another_organisation(app):
    person = make_person()
    with pytest.raises(services.PeopleError, match="their own line manager"):
        services.update_person(
            person=person,
            first_name="A",
            last_name="B",
            email=None,
            employee_ref=None,
            job_title=None,
            line_manager=person,
            start_date=None,
        )
    with pytest.raises(services.PeopleError, match="Choose a line manager from"):
        services.create_person(
            organisation=person.organisation, first_name="A", last_name="B", line_manager=make_person()
        )


def test_counts_of_people_exclude_leavers(app, db):
    organisation = make_organisation()
    make_person(organisation=organisation)
    make_person(organisation=organisation, end_date=date(2020, 1, 1))
    assert organisations.count_people_by_organisation()[organisation.id] == 1
    assert (
        db.session.scalar(
            select(func.count()).select_from(services.people_query(organisation_id=organisation.id).subquery())
        )
        == 2
    )
