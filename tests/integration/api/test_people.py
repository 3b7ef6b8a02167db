"""/api/v1/people: who sees whom, creating, changing, moving and marking leavers; every error status."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_department, make_manager_of, make_organisation, make_person, make_user
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.common.audit import AuditEvent
from tracker.common.time import today_london
from tracker.people.models import Placement

FIELDS = {
    "id",
    "organisation_id",
    "department_id",
    "employee_ref",
    "first_name",
    "last_name",
    "email",
    "job_title",
    "line_manager_id",
    "start_date",
    "end_date",
}


@pytest.fixture
def api(app):
    def as_user(user):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
        return client

    return as_user


@pytest.fixture
def coordinator(api):
    return api(make_user(Role.COORDINATOR))


def test_a_person_has_exactly_the_design_fields_and_their_department_today(app, coordinator):
    department = make_department()
    person = make_person(department=department, job_title="Officer", start_date=date(2019, 4, 1))
    body = coordinator.get(f"/api/v1/people/{person.id}").get_json()
    assert set(body) == FIELDS
    assert body["department_id"] == department.id and body["start_date"] == "2019-04-01"


def test_the_list_is_narrowed_to_what_the_caller_may_see(app, api):
    department = make_department()
    organisation = department.organisation
    manager = make_manager_of(department)
    in_team = make_person(department=department)
    make_person(organisation=organisation)  # not in the team
    partner = make_user(Role.PARTNER, organisation=make_organisation())
    colleague = make_person(organisation=partner.person.organisation)

    def listed(user, query=""):
        return {item["id"] for item in api(user).get(f"/api/v1/people{query}").get_json()["items"]}

    assert listed(manager) == {manager.person_id, in_team.id}
    assert listed(partner) == {partner.person_id, colleague.id}
    coordinator = make_user(Role.COORDINATOR)
    assert len(listed(coordinator)) == 6
    assert listed(coordinator, f"?department_id={department.id}") == {in_team.id}
    assert listed(coordinator, f"?q={colleague.last_name}") == {colleague.id}


def test_get_one_person_you_may_not_see_is_403(app, api):
    manager = make_manager_of(make_department())
    stranger = make_person()
    response = api(manager).get(f"/api/v1/people/{stranger.id}")
    assert response.status_code == 403 and response.get_json()["error"]["code"] == "forbidden"


@pytest.mark.parametrize("role", [Role.STAFF, Role.TRAINER])
def test_staff_and_trainers_cannot_read_people(app, api, role):
    client = api(make_user(role))
    assert client.get("/api/v1/people").status_code == 403
    assert client.get("/api/v1/people/1").status_code == 403


def test_unauthenticated_is_401(app, client):
    assert client.get("/api/v1/people").status_code == 401
    assert client.patch("/api/v1/people/1", json={}).status_code == 401


def test_list_queries_do_not_grow_with_rows(app, db, coordinator, queries):
    department = make_department()
    counts = []
    for n in (10, 190):
        for _ in range(n):
            make_person(department=department)
        db.session.commit()
        with queries() as counter:
            assert len(coordinator.get("/api/v1/people?per_page=500").get_json()["items"]) > n
        counts.append(counter.count)
    assert counts[0] == counts[1]


def test_coordinator_adds_a_person_placed_from_their_start_date(app, db, coordinator):
    department = make_department()
    boss = make_person(organisation=department.organisation)
    response = coordinator.post(
        "/api/v1/people",
        json={
            "organisation_id": department.organisation_id,
            "first_name": "Jo",
            "last_name": "Bloggs",
            "email": "Jo.Bloggs@Example.org",
            "employee_ref": "E9",
            "job_title": "Officer",
            "line_manager_id": boss.id,
            "start_date": "2024-09-02",
            "department_id": department.id,
        },
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["email"] == "jo.bloggs@example.org" and body["department_id"] == department.id
    placement = db.session.scalar(select(Placement).where(Placement.person_id == body["id"]))
    assert placement.from_date == date(2024, 9, 2)


def test_post_errors(app, api, coordinator):
    organisation = make_organisation()
    taken = make_person(organisation=organisation, email="taken@example.org", employee_ref="E1")
    base = {"organisation_id": organisation.id, "first_name": "A", "last_name": "B"}
    staff = api(make_user(Role.STAFF))
    assert staff.post("/api/v1/people", json=base).status_code == 403
    assert api(make_manager_of(make_department())).post("/api/v1/people", json=base).status_code == 403
    missing = coordinator.post("/api/v1/people", json={"first_name": "A"})
    assert missing.status_code == 422 and {"organisation_id", "last_name"} <= set(missing.get_json()["error"]["fields"])
    bad_date = coordinator.post("/api/v1/people", json={**base, "start_date": "02/09/2024"})
    assert bad_date.status_code == 422 and "start_date" in bad_date.get_json()["error"]["fields"]
    bad_email = coordinator.post("/api/v1/people", json={**base, "email": "nope"})
    assert bad_email.status_code == 422 and "email" in bad_email.get_json()["error"]["fields"]
    unknown = coordinator.post("/api/v1/people", json={**base, "organisation_id": 999999})
    assert unknown.status_code == 422 and "organisation_id" in unknown.get_json()["error"]["fields"]
    no_manager = coordinator.post("/api/v1/people", json={**base, "line_manager_id": 999999})
    assert no_manager.status_code == 422 and "line_manager_id" in no_manager.get_json()["error"]["fields"]
    foreign = coordinator.post("/api/v1/people", json={**base, "department_id": make_department().id})
    assert foreign.status_code == 422 and "department_id" in foreign.get_json()["error"]["fields"]
    email_taken = coordinator.post("/api/v1/people", json={**base, "email": taken.email.upper()})
    assert email_taken.status_code == 409 and email_taken.get_json()["error"]["fields"] == {
        "email": [f"taken@example.org is already the email address of {taken.full_name}"]
    }
    ref_taken = coordinator.post("/api/v1/people", json={**base, "employee_ref": "E1"})
    assert ref_taken.status_code == 409 and ref_taken.get_json()["error"]["code"] == "person_exists"
    unknown_field = coordinator.post("/api/v1/people", json={**base, "shoe_size": 9})
    assert unknown_field.status_code == 422 and "shoe_size" in unknown_field.get_json()["error"]["fields"]
    not_json = coordinator.post("/api/v1/people", data="{", content_type="application/json")
    assert not_json.status_code in (400, 422)


def test_patch_changes_only_the_fields_sent(app, db, coordinator):
    person = make_person(job_title="Officer", first_name="Jo")
    response = coordinator.patch(f"/api/v1/people/{person.id}", json={"job_title": "Manager"})
    assert response.status_code == 200
    assert response.get_json()["job_title"] == "Manager" and response.get_json()["first_name"] == "Jo"
    assert db.session.scalar(select(AuditEvent.after).where(AuditEvent.action == "person.updated")) == {
        "job_title": "Manager"
    }


def test_patch_with_a_department_moves_them_from_today(app, db, coordinator):
    housing = make_department(name="Housing")
    safety = make_department(organisation=housing.organisation, name="Safety")
    person = make_person(department=housing, placed_from=date(2020, 1, 1))
    response = coordinator.patch(f"/api/v1/people/{person.id}", json={"department_id": safety.id})
    assert response.status_code == 200 and response.get_json()["department_id"] == safety.id
    today = today_london()
    rows = db.session.execute(
        select(Placement.department_id, Placement.from_date, Placement.to_date)
        .where(Placement.person_id == person.id)
        .order_by(Placement.from_date)
    ).all()
    assert [tuple(r) for r in rows] == [(housing.id, date(2020, 1, 1), today), (safety.id, today, None)]
    # Sending the department they are in already changes nothing.
    assert coordinator.patch(f"/api/v1/people/{person.id}", json={"department_id": safety.id}).status_code == 200
    assert len(db.session.execute(select(Placement.id).where(Placement.person_id == person.id)).all()) == 2


def test_patch_end_date_marks_a_leaver_and_null_clears_it(app, db, coordinator):
    housing = make_department(name="Housing")
    person = make_person(department=housing, placed_from=date(2020, 1, 1))
    leave = today_london() + timedelta(days=10)
    body = coordinator.patch(f"/api/v1/people/{person.id}", json={"end_date": leave.isoformat()}).get_json()
    assert body["end_date"] == leave.isoformat() and body["department_id"] == housing.id  # still there today
    db.session.refresh(person)
    assert person.placements[0].to_date == leave
    body = coordinator.patch(f"/api/v1/people/{person.id}", json={"end_date": None}).get_json()
    assert body["end_date"] is None
    db.session.expire_all()
    assert person.placements[0].to_date is None


def test_patch_errors(app, api, coordinator):
    person = make_person(department=make_department(), placed_from=date(2020, 1, 1))
    other = make_person(email="other@example.org")
    assert coordinator.patch("/api/v1/people/999999", json={"job_title": "X"}).status_code == 404
    assert api(make_user(Role.PARTNER)).patch(f"/api/v1/people/{person.id}", json={}).status_code == 403
    clash = coordinator.patch(f"/api/v1/people/{person.id}", json={"email": "OTHER@example.org"})
    assert clash.status_code == 409
    organisation = coordinator.patch(f"/api/v1/people/{person.id}", json={"organisation_id": other.organisation_id})
    assert organisation.status_code == 422 and "organisation_id" in organisation.get_json()["error"]["fields"]
    before_start = coordinator.patch(f"/api/v1/people/{person.id}", json={"end_date": "2019-01-01"})
    assert before_start.status_code == 422 and "end_date" in before_start.get_json()["error"]["fields"]
    no_department = coordinator.patch(f"/api/v1/people/{person.id}", json={"department_id": None})
    assert no_department.status_code == 422 and "department_id" in no_department.get_json()["error"]["fields"]
    blank_name = coordinator.patch(f"/api/v1/people/{person.id}", json={"first_name": ""})
    assert blank_name.status_code == 422 and "first_name" in blank_name.get_json()["error"]["fields"]


def test_openapi_describes_the_people_endpoints(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert {"get", "post"} <= set(spec["paths"]["/api/v1/people"])
    assert {"get", "patch"} <= set(spec["paths"]["/api/v1/people/{person_id}"])
    assert "partner contacts" in spec["paths"]["/api/v1/people"]["get"]["description"].lower()
