"""/api/v1/organisations/{id}/departments."""

from __future__ import annotations

import pytest

from tests.factories import make_department, make_organisation, make_user
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token


@pytest.fixture
def api(app):
    def as_role(role: Role):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=make_user(role))}"
        return client

    return as_role


def test_list_departments_by_path_with_parents(app, api):
    organisation = make_organisation()
    parent = make_department(organisation=organisation, name="Children and Family Services")
    team = make_department(parent=parent, name="Fostering")
    make_department(name="Another organisation's")
    body = api(Role.STAFF).get(f"/api/v1/organisations/{organisation.id}/departments").get_json()
    assert body == {
        "items": [
            {
                "id": parent.id,
                "organisation_id": organisation.id,
                "name": "Children and Family Services",
                "parent_id": None,
            },
            {"id": team.id, "organisation_id": organisation.id, "name": "Fostering", "parent_id": parent.id},
        ],
        "total": 2,
    }


def test_coordinator_adds_a_team_inside_a_department(app, api):
    parent = make_department(name="Adults")
    response = api(Role.COORDINATOR).post(
        f"/api/v1/organisations/{parent.organisation_id}/departments",
        json={"name": "Reablement", "parent_id": parent.id},
    )
    assert response.status_code == 201
    assert response.get_json()["parent_id"] == parent.id


def test_errors(app, api, client):
    parent = make_department(name="Adults")
    org = parent.organisation_id
    coordinator = api(Role.COORDINATOR)
    assert client.get(f"/api/v1/organisations/{org}/departments").status_code == 401
    assert api(Role.STAFF).post(f"/api/v1/organisations/{org}/departments", json={"name": "X"}).status_code == 403
    assert coordinator.get("/api/v1/organisations/999999/departments").status_code == 404
    assert coordinator.post("/api/v1/organisations/999999/departments", json={"name": "X"}).status_code == 404
    duplicate = coordinator.post(f"/api/v1/organisations/{org}/departments", json={"name": "adults"})
    assert duplicate.status_code == 409 and duplicate.get_json()["error"]["code"] == "department_exists"
    slash = coordinator.post(f"/api/v1/organisations/{org}/departments", json={"name": "A/B"})
    assert slash.status_code == 422 and "name" in slash.get_json()["error"]["fields"]
    foreign = make_department()
    other = coordinator.post(f"/api/v1/organisations/{org}/departments", json={"name": "T", "parent_id": foreign.id})
    assert other.status_code == 422 and "parent_id" in other.get_json()["error"]["fields"]
    missing = coordinator.post(f"/api/v1/organisations/{org}/departments", json={})
    assert missing.status_code == 422 and "name" in missing.get_json()["error"]["fields"]
