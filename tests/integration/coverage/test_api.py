"""GET /api/v1/coverage: the JSON report, its errors, and a manager's token seeing only their part."""

from __future__ import annotations

import pytest

from tests.factories import make_manager_of, make_user
from tests.integration.coverage.conftest import AS_OF, PERIOD_START
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token


@pytest.fixture
def api(app):
    def as_user(user):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
        return client

    return as_user


def test_the_report_as_json(council, api):
    response = api(make_user(Role.COORDINATOR)).get(
        f"/api/v1/coverage?course=WRAP&as_of={AS_OF}&period_start={PERIOD_START}"
    )
    assert response.status_code == 200
    body = response.get_json()
    assert {k: body[k] for k in ("course", "as_of", "period_start", "target_percent")} == {
        "course": "WRAP",
        "as_of": "2019-01-01",
        "period_start": "2017-11-01",
        "target_percent": 85,
    }
    rows = {(row["organisation"], row["department"]): row for row in body["rows"]}
    assert rows[("London Borough of Barnet", None)] == {
        "organisation_id": council["barnet"].id,
        "organisation": "London Borough of Barnet",
        "department_id": None,
        "department": None,
        "required": 14,
        "trained": 9,
        "percent": 64,
        "rag": "red",
        "sessions_delivered": 2,
        "attendees": 8,
    }
    fostering = rows[("London Borough of Barnet", "Children and Family Services/Fostering")]
    assert fostering["department_id"] == council["fostering"].id
    assert (fostering["required"], fostering["trained"], fostering["percent"]) == (2, 1, 50)
    assert rows[("London Borough of Barnet", "Adults and Communities")]["rag"] == "amber"


def test_period_start_defaults_to_a_year_before(council, api):
    body = api(make_user(Role.COORDINATOR)).get(f"/api/v1/coverage?course=wrap&as_of={AS_OF}").get_json()
    assert body["period_start"] == "2018-01-01"


def test_one_organisation(council, api):
    body = (
        api(make_user(Role.COORDINATOR))
        .get(f"/api/v1/coverage?course=WRAP&as_of={AS_OF}&organisation_id={council['homes'].id}")
        .get_json()
    )
    assert [(r["organisation"], r["department"]) for r in body["rows"]] == [
        ("Barnet Homes", None),
        ("Barnet Homes", "Housing Management"),
    ]


@pytest.mark.parametrize(
    ("query", "status", "field"),
    [
        ("course=NOPE&as_of=2019-01-01", 404, "course"),
        ("course=WRAP&as_of=2019-02-30", 422, "as_of"),
        ("course=WRAP&as_of=01/01/2019", 422, "as_of"),
        ("course=WRAP&as_of=2019-01-01&period_start=2019-02-01", 422, "period_start"),
        ("course=WRAP&as_of=2019-01-01&organisation_id=999999", 404, "organisation_id"),
        ("course=WRAP&as_of=2019-01-01&organisation_id=x", 422, "organisation_id"),
        ("as_of=2019-01-01", 422, "course"),
    ],
)
def test_bad_input_is_a_4xx_naming_the_field(council, api, query, status, field):
    response = api(make_user(Role.COORDINATOR)).get(f"/api/v1/coverage?{query}")
    assert response.status_code == status
    error = response.get_json()["error"]
    assert field in error["fields"], error


def test_a_managers_token_sees_only_their_departments(council, api):
    body = api(make_manager_of(council["children"])).get(f"/api/v1/coverage?course=WRAP&as_of={AS_OF}").get_json()
    assert [(r["department"], r["required"]) for r in body["rows"]] == [
        ("Children and Family Services", 10),
        ("Children and Family Services/Fostering", 2),
    ]


def test_staff_and_partners_are_refused(council, api):
    for role in (Role.STAFF, Role.PARTNER, Role.TRAINER):
        assert api(make_user(role)).get(f"/api/v1/coverage?course=WRAP&as_of={AS_OF}").status_code == 403


def test_the_api_issues_a_fixed_number_of_queries(council, grow, api, queries):
    client = api(make_user(Role.COORDINATOR))
    url = f"/api/v1/coverage?course=WRAP&as_of={AS_OF}&period_start={PERIOD_START}"
    grow(1)
    with queries() as small:
        client.get(url)
    grow(40)
    with queries() as large:
        assert len(client.get(url).get_json()["rows"]) > 40
    assert small.count == large.count


def test_documented_in_openapi(app, client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert "/api/v1/coverage" in spec["paths"]
