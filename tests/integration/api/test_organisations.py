"""/api/v1/organisations: the list envelope, validation errors, permissions."""

from __future__ import annotations

import pytest

from tests.factories import make_organisation, make_user
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token


@pytest.fixture
def api(app):
    def as_role(role: Role):
        token = create_api_token(user=make_user(role))
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {token}"
        return client

    return as_role


def test_list_is_paged_with_total(app, api):
    for name in ("Barnet Homes", "Barnet MENCAP", "Royal Free London"):
        make_organisation(name=name)
    client = api(Role.STAFF)
    body = client.get("/api/v1/organisations?per_page=2").get_json()
    assert body["total"] >= 3 and len(body["items"]) == 2
    assert set(body["items"][0]) == {"id", "name", "kind"}


def test_coordinator_adds_an_organisation(app, api):
    response = api(Role.COORDINATOR).post("/api/v1/organisations", json={"name": "Barnet MIND", "kind": "third_sector"})
    assert response.status_code == 201
    assert response.get_json()["kind"] == "third_sector"


def test_duplicate_name_is_a_409_with_a_json_error(app, api):
    make_organisation(name="Barnet MIND")
    response = api(Role.COORDINATOR).post("/api/v1/organisations", json={"name": "barnet mind", "kind": "third_sector"})
    assert response.status_code == 409
    assert response.get_json()["error"]["code"] == "organisation_exists"


def test_bad_body_is_a_422_naming_the_fields(app, api):
    response = api(Role.COORDINATOR).post("/api/v1/organisations", json={"kind": "pub"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert set(error["fields"]) == {"name", "kind"}


def test_staff_cannot_add_organisations(app, api):
    response = api(Role.STAFF).post("/api/v1/organisations", json={"name": "X", "kind": "other"})
    assert response.status_code == 403
    assert response.get_json()["error"]["code"] == "forbidden"


def test_no_token_is_401(app, client):
    response = client.get("/api/v1/organisations")
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


def test_a_session_cookie_is_not_an_api_credential(app, client):
    from tests.conftest import sign_in

    sign_in(client, make_user(Role.COORDINATOR))
    assert client.get("/api/v1/organisations").status_code == 401
