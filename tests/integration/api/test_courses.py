"""/api/v1/courses and /api/v1/requirements."""

from __future__ import annotations

import pytest

from tests.factories import make_course, make_department, make_organisation, make_requirement, make_user, wrap_course
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token


@pytest.fixture
def api(app):
    def as_role(role: Role):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=make_user(role))}"
        return client

    return as_role


def test_courses_list_has_exactly_the_design_fields(app, api):
    wrap_course()
    make_course(code="CTLP-BRIEFING", validity_months=None, counts_for_compliance=False)
    body = api(Role.STAFF).get("/api/v1/courses").get_json()
    assert body["total"] == 2
    assert body["items"][0] == {
        "id": body["items"][0]["id"],
        "code": "CTLP-BRIEFING",
        "name": "Workshop to Raise Awareness of Prevent",
        "validity_months": None,
        "target_percent": 85,
        "counts_for_compliance": False,
    }


def test_coordinator_adds_a_course(app, api):
    response = api(Role.COORDINATOR).post(
        "/api/v1/courses", json={"code": "prevent-basic", "name": "Basic Awareness of Prevent", "validity_months": 36}
    )
    assert response.status_code == 201
    assert response.get_json()["code"] == "PREVENT-BASIC" and response.get_json()["counts_for_compliance"] is True


def test_course_errors(app, api, client):
    wrap_course()
    coordinator = api(Role.COORDINATOR)
    assert client.get("/api/v1/courses").status_code == 401
    assert api(Role.TRAINER).post("/api/v1/courses", json={"code": "X", "name": "X"}).status_code == 403
    duplicate = coordinator.post("/api/v1/courses", json={"code": "wrap", "name": "Again"})
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "course_exists"
    bad = coordinator.post("/api/v1/courses", json={"code": "", "target_percent": 120})
    assert bad.status_code == 422 and {"code", "name", "target_percent"} <= set(bad.get_json()["error"]["fields"])
    odd_code = coordinator.post("/api/v1/courses", json={"code": "A B", "name": "X"})
    assert odd_code.status_code == 422 and "code" in odd_code.get_json()["error"]["fields"]


def test_requirements_list_and_filters(app, api):
    wrap = wrap_course()
    other = make_course(code="PREVENT-BASIC")
    organisation = make_organisation()
    department = make_department(organisation=organisation)
    requirement = make_requirement(course=wrap, organisation=organisation, department=department, job_titles=["Nurse"])
    make_requirement(course=other, organisation=make_organisation())
    client = api(Role.MANAGER)
    body = client.get("/api/v1/requirements?course_code=wrap").get_json()
    assert body == {
        "items": [
            {
                "id": requirement.id,
                "course_code": "WRAP",
                "organisation_id": organisation.id,
                "department_id": department.id,
                "job_titles": ["Nurse"],
                "from_date": "2015-01-01",
            }
        ],
        "total": 1,
    }
    assert client.get(f"/api/v1/requirements?organisation_id={organisation.id}").get_json()["total"] == 1
    assert client.get("/api/v1/requirements?course_code=NOPE").get_json()["total"] == 0


def test_coordinator_adds_a_requirement(app, api):
    wrap_course()
    department = make_department()
    response = api(Role.COORDINATOR).post(
        "/api/v1/requirements",
        json={
            "course_code": "WRAP",
            "organisation_id": department.organisation_id,
            "department_id": department.id,
            "job_titles": ["Social worker"],
            "from_date": "2018-04-01",
        },
    )
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["course_code"] == "WRAP" and response.get_json()["from_date"] == "2018-04-01"


def test_requirement_errors(app, api):
    wrap_course()
    organisation = make_organisation()
    coordinator = api(Role.COORDINATOR)
    base = {"course_code": "WRAP", "organisation_id": organisation.id, "from_date": "2018-04-01"}
    assert api(Role.PARTNER).post("/api/v1/requirements", json=base).status_code == 403
    assert coordinator.post("/api/v1/requirements", json=base).status_code == 201
    again = coordinator.post("/api/v1/requirements", json=base)
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "requirement_exists"
    for changes, field in [
        ({"course_code": "NOPE"}, "course_code"),
        ({"organisation_id": 999999}, "organisation_id"),
        ({"department_id": 999999}, "department_id"),
        ({"department_id": make_department().id}, "department_id"),
        ({"from_date": "soon"}, "from_date"),
        ({"job_titles": "Nurse"}, "job_titles"),
    ]:
        response = coordinator.post("/api/v1/requirements", json={**base, **changes})
        assert response.status_code == 422, (changes, response.get_json())
        assert field in response.get_json()["error"]["fields"], (changes, response.get_json())
