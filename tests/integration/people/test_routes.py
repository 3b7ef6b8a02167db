"""The coordinator's pages for organisations, departments and people: wiring, errors, permissions, query counts."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_department, make_organisation, make_person, make_user
from tests.integration.people.roster_files import roster_csv, roster_row
from tests.support.date_fields import shows_date
from tracker.accounts.models import Role
from tracker.common.audit import AuditEvent
from tracker.common.time import today_london
from tracker.people.models import Department, DepartmentManager, Organisation, OrganisationKind, Person, Placement


def page(response) -> str:
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def audited(db, action: str) -> int:
    return db.session.scalar(select(func.count(AuditEvent.id)).where(AuditEvent.action == action))


def test_every_page_renders(app, as_coordinator, coordinator):
    organisation = make_organisation(name="Barnet Homes", kind=OrganisationKind.HOUSING, needs_review=True)
    parent = make_department(organisation=organisation, name="Housing Management")
    team = make_department(parent=parent, name="Estates")
    manager = make_person(organisation=organisation, department=parent, first_name="Mo", last_name="Manager")
    person = make_person(organisation=organisation, department=team, line_manager=manager, job_title="Caretaker")
    from tracker.people.models import DepartmentManager as DM

    app.extensions["sqlalchemy"].session.add(DM(department=parent, person=manager))
    urls = {
        "/organisations": ["Barnet Homes", "Housing", "Needs checking"],
        "/organisations/new": ["Add an organisation", "Third sector (charity or community group)"],
        f"/organisations/{organisation.id}": ["Housing Management", "Estates", "Mark as checked"],
        f"/organisations/{organisation.id}/edit": ["Edit Barnet Homes"],
        f"/organisations/{organisation.id}/departments/new": ["Add a department", "Housing Management/Estates"],
        f"/departments/{parent.id}": ["Mo Manager", person.full_name, "Housing Management/Estates"],
        f"/departments/{team.id}/rename": ["Rename Estates"],
        "/people": [person.full_name, "Housing Management/Estates", "Caretaker"],
        f"/people?q={person.last_name}&organisation_id={organisation.id}": [person.full_name],
        "/people/new": ["Which organisation do they work for?"],
        f"/people/new?organisation_id={organisation.id}": ["Add a person", "Housing Management/Estates"],
        f"/people/{person.id}": ["Caretaker", "Mo Manager", "Housing Management/Estates", "has no account"],
        f"/people/{person.id}/edit": [f"Edit {person.full_name}", manager.employee_ref],
        f"/people/{person.id}/move": ["Now in: Housing Management/Estates"],
        f"/people/{person.id}/leaver": ["Mark as a leaver"],
        "/imports/roster": ["Import a roster", "organisation,employee_ref,first_name"],
    }
    for url, expected in urls.items():
        html = page(as_coordinator.get(url))
        for text in expected:
            assert text in html, f"{text!r} not on {url}"
        assert html.count("<h1") == 1, url


@pytest.mark.parametrize("role", [Role.STAFF, Role.MANAGER, Role.TRAINER, Role.PARTNER])
def test_only_the_coordinator_may_use_these_pages(app, signed_in, role):
    client = signed_in(make_user(role))
    for url in ("/organisations", "/people", "/imports/roster"):
        assert client.get(url).status_code == 403


def test_adding_an_organisation(app, db, as_coordinator):
    response = as_coordinator.post("/organisations/new", data={"name": "  Barnet   MIND ", "kind": "third_sector"})
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == "Barnet MIND"))
    assert response.status_code == 302 and response.headers["Location"].endswith(f"/organisations/{organisation.id}")
    assert organisation.name == "Barnet MIND" and organisation.kind == OrganisationKind.THIRD_SECTOR
    assert audited(db, "organisation.created") == 1


def test_organisation_form_errors_are_shown_next_to_the_fields_and_keep_what_was_typed(app, as_coordinator):
    make_organisation(name="Barnet MIND")
    html = page(as_coordinator.post("/organisations/new", data={"name": "", "kind": ""}))
    assert "<title>Error:" in html and "govuk-error-summary" in html
    assert "Enter the organisation&#39;s name" in html and "Select the kind of organisation" in html
    html = page(as_coordinator.post("/organisations/new", data={"name": "barnet mind", "kind": "third_sector"}))
    assert "There is already an organisation called barnet mind" in html
    assert 'value="barnet mind"' in html and 'value="third_sector" checked' in html


def test_editing_and_checking_an_organisation(app, db, as_coordinator):
    organisation = make_organisation(name="Barnet Mencap", needs_review=True)
    response = as_coordinator.post(
        f"/organisations/{organisation.id}/edit", data={"name": "Barnet MENCAP", "kind": "third_sector"}
    )
    assert response.status_code == 302
    assert as_coordinator.post(f"/organisations/{organisation.id}/reviewed").status_code == 302
    db.session.refresh(organisation)
    assert (organisation.name, organisation.kind, organisation.needs_review) == (
        "Barnet MENCAP",
        OrganisationKind.THIRD_SECTOR,
        False,
    )
    assert audited(db, "organisation.updated") == 1 and audited(db, "organisation.reviewed") == 1


def test_adding_departments_and_teams(app, db, as_coordinator):
    organisation = make_organisation()
    url = f"/organisations/{organisation.id}/departments/new"
    assert as_coordinator.post(url, data={"name": "Children and Family Services", "parent": ""}).status_code == 302
    parent = db.session.scalar(select(Department))
    assert as_coordinator.post(url, data={"name": "Fostering", "parent": str(parent.id)}).status_code == 302
    paths = db.session.scalars(select(Department.path).order_by(Department.path)).all()
    assert paths == ["Children and Family Services", "Children and Family Services/Fostering"]
    html = page(as_coordinator.post(url, data={"name": "Fostering", "parent": str(parent.id)}))
    assert "already has Children and Family Services/Fostering" in html
    html = page(as_coordinator.post(url, data={"name": "A/B", "parent": ""}))
    assert "Department name must not contain a slash (/)" in html and 'value="A/B"' in html


def test_renaming_a_department_keeps_its_teams_paths_in_step(app, db, as_coordinator):
    parent = make_department(name="Family Services")
    team = make_department(parent=parent, name="Fostering")
    deeper = make_department(parent=team, name="Recruitment")
    response = as_coordinator.post(f"/departments/{parent.id}/rename", data={"name": "Children and Family Services"})
    assert response.status_code == 302
    db.session.expire_all()
    assert team.path == "Children and Family Services/Fostering"
    assert deeper.path == "Children and Family Services/Fostering/Recruitment"
    assert audited(db, "department.renamed") == 1


def test_adding_and_removing_a_department_manager(app, db, as_coordinator):
    department = make_department(name="Adults and Communities")
    manager = make_person(organisation=department.organisation, employee_ref="M1", first_name="Mo")
    report = make_person(organisation=department.organisation, department=department)
    response = as_coordinator.post(f"/departments/{department.id}/managers", data={"person": "M1"})
    assert response.status_code == 302
    from tracker.people.services import is_in_team

    assert is_in_team(manager, report)
    html = page(as_coordinator.post(f"/departments/{department.id}/managers", data={"person": "M1"}))
    assert "already manages Adults and Communities" in html
    html = page(as_coordinator.post(f"/departments/{department.id}/managers", data={"person": "nobody@example.org"}))
    assert "There is nobody with that email address or HR reference" in html and 'value="nobody@example.org"' in html
    assert as_coordinator.post(f"/departments/{department.id}/managers/{manager.id}/remove").status_code == 302
    assert db.session.scalar(select(func.count(DepartmentManager.id))) == 0
    assert audited(db, "department.manager_added") == 1 and audited(db, "department.manager_removed") == 1


def test_adding_a_person_places_them_and_stores_the_email_lower_cased(app, db, as_coordinator):
    department = make_department(name="Community Safety")
    organisation = department.organisation
    boss = make_person(organisation=organisation, employee_ref="B1")
    response = as_coordinator.post(
        f"/people/new?organisation_id={organisation.id}",
        data={
            "first_name": "Jo",
            "last_name": "Bloggs",
            "email": "Jo.Bloggs@Barnet.gov.uk",
            "employee_ref": "E42",
            "job_title": "Officer",
            "line_manager": "B1",
            "start_date": "2024-09-02",
            "department": str(department.id),
        },
    )
    assert response.status_code == 302
    jo = db.session.scalar(select(Person).where(Person.employee_ref == "E42"))
    assert jo.email == "jo.bloggs@barnet.gov.uk" and jo.line_manager_id == boss.id
    assert [(p.department_id, p.from_date, p.to_date) for p in jo.placements] == [
        (department.id, date(2024, 9, 2), None)
    ]
    assert audited(db, "person.created") == 1


def test_person_form_errors(app, as_coordinator):
    organisation = make_organisation(name="Barnet Homes")
    make_person(organisation=organisation, email="taken@example.org", employee_ref="E1", first_name="Tay")
    url = f"/people/new?organisation_id={organisation.id}"
    html = page(
        as_coordinator.post(url, data={"first_name": "", "last_name": "", "email": "nope", "start_date": "2024-13-01"})
    )
    assert "Enter a first name" in html and "Enter a last name" in html
    assert "Enter an email address in the correct format" in html
    assert "Start date must be a real date" in html and 'value="13"' in html
    html = page(as_coordinator.post(url, data={"first_name": "A", "last_name": "B", "email": "TAKEN@example.org"}))
    assert "taken@example.org is already the email address of Tay" in html
    html = page(as_coordinator.post(url, data={"first_name": "A", "last_name": "B", "employee_ref": "E1"}))
    assert "HR reference E1 is already" in html


def test_editing_a_person(app, db, as_coordinator):
    person = make_person(first_name="Jo", job_title="Officer")
    response = as_coordinator.post(
        f"/people/{person.id}/edit",
        data={
            "first_name": "Joanne",
            "last_name": person.last_name,
            "email": person.email,
            "employee_ref": person.employee_ref,
            "job_title": "Manager",
        },
    )
    assert response.status_code == 302
    db.session.refresh(person)
    assert (person.first_name, person.job_title) == ("Joanne", "Manager")
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "person.updated"))
    assert event.before == {"first_name": "Jo", "job_title": "Officer"}


def test_moving_a_person_from_a_date(app, db, as_coordinator):
    housing = make_department(name="Housing")
    safety = make_department(organisation=housing.organisation, name="Safety")
    person = make_person(department=housing, placed_from=date(2020, 1, 1))
    response = as_coordinator.post(
        f"/people/{person.id}/move", data={"department": str(safety.id), "from_date": "2026-04-01"}
    )
    assert response.status_code == 302
    rows = db.session.execute(
        select(Placement.department_id, Placement.from_date, Placement.to_date)
        .where(Placement.person_id == person.id)
        .order_by(Placement.from_date)
    ).all()
    assert [tuple(r) for r in rows] == [
        (housing.id, date(2020, 1, 1), date(2026, 4, 1)),
        (safety.id, date(2026, 4, 1), None),
    ]
    html = page(
        as_coordinator.post(
            f"/people/{person.id}/move", data={"department": str(housing.id), "from_date": "2026-03-01"}
        )
    )
    assert "The move date must be on or after 1 April 2026, when they joined Safety" in html
    html = page(as_coordinator.post(f"/people/{person.id}/move", data={"department": "", "from_date": ""}))
    assert "Choose a department" in html and "Enter the first day in the new department" in html


def test_marking_a_leaver_and_cancelling_it(app, db, as_coordinator):
    housing = make_department(name="Housing")
    person = make_person(department=housing, placed_from=date(2020, 1, 1))
    assert as_coordinator.post(f"/people/{person.id}/leaver", data={"end_date": "2026-03-15"}).status_code == 302
    db.session.refresh(person)
    assert person.end_date == date(2026, 3, 15)
    assert [(p.from_date, p.to_date) for p in person.placements] == [(date(2020, 1, 1), date(2026, 3, 15))]
    assert "Change the leave date" in page(as_coordinator.get(f"/people/{person.id}/leaver"))
    assert as_coordinator.post(f"/people/{person.id}/leaver/cancel").status_code == 302
    db.session.expire_all()
    assert person.end_date is None and person.placements[0].to_date is None
    html = page(as_coordinator.post(f"/people/{person.id}/leaver", data={"end_date": "2019-12-31"}))
    assert "The leave date must be after 1 January 2020, when they joined Housing" in html
    assert audited(db, "person.leave_date_set") == 1 and audited(db, "person.leave_cancelled") == 1


def test_roster_import_page_imports_and_shows_the_summary(app, db, as_coordinator):
    make_organisation(name="London Borough of Barnet")
    data = roster_csv([roster_row("London Borough of Barnet", "E1", department="Housing/Estates")], bom=True)
    response = as_coordinator.post(
        "/imports/roster",
        data={"file": (io.BytesIO(data), "roster.csv"), "effective": "2026-04-01"},
        content_type="multipart/form-data",
    )
    assert response.status_code == 302 and "result=" in response.headers["Location"]
    html = page(as_coordinator.get(response.headers["Location"]))
    assert "Imported: department changes from 1 April 2026" in html
    assert db.session.scalar(select(func.count(Person.id))) == 2  # the coordinator and E1


def test_roster_import_page_names_each_bad_line_and_imports_nothing(app, db, as_coordinator):
    make_organisation(name="London Borough of Barnet")
    data = roster_csv(
        [
            roster_row("London Borough of Barnet", "E1"),
            roster_row("Nowhere", "E2"),
            roster_row("London Borough of Barnet", "E3", end_date="soon"),
        ]
    )
    before = db.session.scalar(select(func.count(Person.id)))
    html = page(
        as_coordinator.post(
            "/imports/roster",
            data={"file": (io.BytesIO(data), "roster.csv"), "effective": "2026-04-01", "dry_run": "y"},
            content_type="multipart/form-data",
        )
    )
    assert "<title>Error:" in html and "2 lines have a problem" in html
    assert "there is no organisation called &#34;Nowhere&#34;" in html
    assert "end_date &#34;soon&#34; is not a date" in html
    assert shows_date(html, "effective", "2026-04-01") and 'name="dry_run" type="checkbox" value="y" checked' in html
    assert db.session.scalar(select(func.count(Person.id))) == before


def test_roster_check_only_shows_what_would_happen(app, db, as_coordinator):
    make_organisation(name="London Borough of Barnet")
    data = roster_csv([roster_row("London Borough of Barnet", "E1")])
    html = page(
        as_coordinator.post(
            "/imports/roster",
            data={"file": (io.BytesIO(data), "roster.csv"), "dry_run": "y"},
            content_type="multipart/form-data",
        )
    )
    assert "What the import would do" in html and "Nothing has been imported yet" in html
    assert db.session.scalar(select(func.count(Person.id))) == 1


def test_roster_import_without_a_file(app, as_coordinator):
    html = page(as_coordinator.post("/imports/roster", data={}, content_type="multipart/form-data"))
    assert "Choose a CSV file to import" in html


def _seed_people(n: int, organisation, department):
    for _ in range(n):
        make_person(organisation=organisation, department=department)


@pytest.mark.parametrize(
    "url",
    ["/people", "/people?q=pat", "/people?organisation_id={org}&department_id={dep}", "/departments/{dep}"],
)
def test_people_lists_issue_the_same_queries_for_10_and_200_people(app, db, signed_in, queries, url):
    # Sorted first, the coordinator is on page 1 either way, so the page header finds them already
    # loaded in both runs (an identity-map hit, not a query per row).
    as_coordinator = signed_in(make_user(Role.COORDINATOR, last_name="Abbott"))
    organisation = make_organisation()
    department = make_department(organisation=organisation, name="Big team")
    url = url.format(org=organisation.id, dep=department.id)
    counts = []
    for n in (10, 190):
        _seed_people(n, organisation, department)
        db.session.commit()
        with queries() as counter:
            page(as_coordinator.get(url))
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_organisation_list_and_page_issue_the_same_queries_for_10_and_200(app, db, as_coordinator, queries):
    home = make_organisation(name="Home")
    counts = []
    for n in (10, 190):
        for _ in range(n):
            organisation = make_organisation()
            make_person(organisation=organisation)
            make_department(organisation=home)
        db.session.commit()
        with queries() as counter:
            page(as_coordinator.get("/organisations"))
            page(as_coordinator.get(f"/organisations/{home.id}"))
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_person_page_shows_history_and_account(app, as_coordinator):
    housing = make_department(name="Housing")
    person = make_person(department=housing, placed_from=today_london() - timedelta(days=30))
    make_user(Role.MANAGER, person=person)
    html = page(as_coordinator.get(f"/people/{person.id}"))
    assert "Manager" in html and "Manage the account" in html and "Housing" in html
