"""The commands a council starts with: the first coordinator without an organisation, organisations,
the standard courses; and what an organisation-less coordinator can do before any roster exists."""

from __future__ import annotations

from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.factories import make_organisation
from tests.integration.people.roster_files import roster_csv, roster_row
from tests.support.html_safety import crawl
from tracker.accounts.models import Role
from tracker.accounts.services import find_user_by_email
from tracker.common.audit import AuditEvent
from tracker.courses.models import Course, CourseEquivalence
from tracker.people import roster
from tracker.people.models import Organisation, OrganisationKind, Person

PASSWORD = "a long secret passphrase"


def create_coordinator(runner, *extra: str):
    return runner.invoke(
        args=[
            "users",
            "create",
            "Sam.R@Council.example",
            "--name",
            "Sam R",
            "--role",
            "coordinator",
            *extra,
            "--password-stdin",
        ],
        input=PASSWORD + "\n",
    )


def test_the_first_coordinator_needs_no_organisation(app, db, runner):
    result = create_coordinator(runner)
    assert result.exit_code == 0, result.output
    user = find_user_by_email("sam.r@council.example")
    assert user.roles == {Role.COORDINATOR} and user.person.organisation_id is None
    assert db.session.scalar(select(func.count(Organisation.id))) == 0


def test_anyone_else_new_still_needs_an_organisation(app, db, runner):
    result = runner.invoke(args=["users", "create", "tom@council.example", "--name", "Tom W", "--role", "staff"])
    assert result.exit_code != 0
    assert "Choose an organisation for a new person" in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_organisation_is_made_when_its_kind_is_given(app, db, runner):
    refused = create_coordinator(runner, "--organisation", "London Borough of Barnet")
    assert refused.exit_code != 0
    assert 'No organisation called "London Borough of Barnet": add --organisation-kind' in refused.output
    assert db.session.scalar(select(func.count(Person.id))) == 0

    made = create_coordinator(
        runner, "--organisation", "London Borough of Barnet", "--organisation-kind", "local_authority"
    )
    assert made.exit_code == 0, made.output
    user = find_user_by_email("sam.r@council.example")
    assert user.person.organisation.name == "London Borough of Barnet"
    assert user.person.organisation.kind == OrganisationKind.LOCAL_AUTHORITY


def test_an_existing_organisation_is_named_ignoring_case(app, db, runner):
    barnet = make_organisation(name="London Borough of Barnet")
    db.session.commit()
    result = create_coordinator(runner, "--organisation", "london borough of  barnet")
    assert result.exit_code == 0, result.output
    assert find_user_by_email("sam.r@council.example").person.organisation_id == barnet.id


def test_organisations_create_and_refuse_a_name_in_use(app, db, runner):
    result = runner.invoke(args=["organisations", "create", "Barnet Homes", "--kind", "housing"])
    assert result.exit_code == 0, result.output
    assert "Created organisation" in result.output and "Barnet Homes (Housing)" in result.output
    again = runner.invoke(args=["organisations", "create", "barnet homes", "--kind", "housing"])
    assert again.exit_code != 0 and "There is already an organisation called" in again.output
    wrong_kind = runner.invoke(args=["organisations", "create", "A school", "--kind", "school"])
    assert wrong_kind.exit_code != 0 and "'school' is not one of" in wrong_kind.output
    assert db.session.scalars(select(Organisation.name)).all() == ["Barnet Homes"]
    assert db.session.scalar(select(AuditEvent).where(AuditEvent.action == "organisation.created")).actor_label == "cli"
    listed = runner.invoke(args=["organisations", "list"])
    assert "housing\tBarnet Homes" in listed.output


def test_courses_add_defaults_adds_the_standard_courses_once(app, db, runner):
    result = runner.invoke(args=["courses", "add-defaults"])
    assert result.exit_code == 0, result.output
    courses = {c.code: c for c in db.session.scalars(select(Course))}
    assert set(courses) == {"WRAP", "PREVENT-BASIC", "HO-ELEARN", "CTLP-BRIEFING"}
    assert courses["WRAP"].validity_months == 36 and courses["WRAP"].target_percent == 85
    assert courses["CTLP-BRIEFING"].validity_months is None and not courses["CTLP-BRIEFING"].counts_for_compliance
    assert {e.code for e in courses["PREVENT-BASIC"].equivalents} == {"HO-ELEARN", "WRAP"}
    assert {e.code for e in courses["WRAP"].equivalents} == {"HO-ELEARN"}

    courses["WRAP"].target_percent = 90  # the coordinator's own change survives a second run
    db.session.commit()
    again = runner.invoke(args=["courses", "add-defaults"])
    assert again.exit_code == 0 and "nothing added" in again.output
    assert db.session.scalar(select(func.count(Course.id))) == 4
    assert db.session.scalar(select(func.count(CourseEquivalence.id))) == 3
    assert db.session.scalar(select(Course.target_percent).where(Course.code == "WRAP")) == 90


def test_the_courses_page_adds_the_missing_standard_courses(app, db, runner, client):
    assert create_coordinator(runner).exit_code == 0
    sign_in(client, "sam.r@council.example", PASSWORD)
    page = client.get("/courses").get_data(as_text=True)
    assert "There are no courses yet" in page and "Add the standard courses" in page
    response = client.post("/courses/standard")
    assert response.status_code == 302
    page = client.get("/courses").get_data(as_text=True)
    assert "Added WRAP, PREVENT-BASIC, HO-ELEARN, CTLP-BRIEFING" in page
    assert "Add the standard courses" not in page
    assert client.get("/courses/standard").status_code == 405  # nothing changes on GET


def test_a_roster_line_with_the_coordinators_email_places_them(app, db, runner):
    assert create_coordinator(runner).exit_code == 0
    barnet = make_organisation(name="London Borough of Barnet")
    db.session.commit()
    csv_bytes = roster_csv(
        [
            roster_row(
                barnet.name,
                "B1",
                first_name="Sam",
                last_name="Rosengard",
                email="SAM.R@council.example",
                department="Public Health",
                start_date="2015-09-01",
            ),
            roster_row(
                barnet.name,
                "B2",
                first_name="Tom",
                last_name="Walker",
                email="tom@council.example",
                department="Public Health",
            ),
        ]
    )
    result = roster.import_roster_file(csv_bytes)
    db.session.commit()
    assert result.created == 1 and result.updated == 1 and result.moved == 0
    sam = find_user_by_email("sam.r@council.example").person
    assert sam.organisation_id == barnet.id and sam.employee_ref == "B1" and sam.last_name == "Rosengard"
    assert [(p.department.path, str(p.from_date)) for p in sam.placements] == [("Public Health", "2015-09-01")]
    assert db.session.scalar(select(func.count(Person.id))) == 2


def test_an_organisation_less_coordinator_can_use_every_page_they_reach(app, db, runner, client):
    assert create_coordinator(runner).exit_code == 0
    assert runner.invoke(args=["courses", "add-defaults"]).exit_code == 0
    sign_in(client, "sam.r@council.example", PASSWORD)
    visits = crawl(client, depth=2, limit=120)
    assert len(visits) > 20
    failures = [(v.url, v.status) for v in visits if v.status >= 500 or v.status == 403]
    assert not failures
