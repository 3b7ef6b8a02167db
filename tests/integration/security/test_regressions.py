"""What the generated tests found, pinned by hand so each stays fixed whatever the generators draw next.

Each was a 500 (or a wrong answer) for input a person or client can send:
- a filter naming a department that does not exist matched every department (an empty OR);
- an id beyond the database's integer in a JSON body or a query (SQLite cannot bind it);
- a partner return naming an organisation that does not exist answered an undocumented 404;
- an organisation name differing from a stored one only in the case of a non-ASCII letter passed the
  "taken, ignoring case" check on SQLite (whose lower() folds only A-Z) and broke the unique index;
- dates in year 1 or 9999 overflowed when a year was subtracted or a time zone applied;
- a NUL character in any text reached PostgreSQL, which refuses the statement.
"""

from __future__ import annotations

import pytest

from tests.factories import make_department, make_organisation, make_person, make_user, wrap_course
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.extensions import db
from tracker.people.models import Organisation


@pytest.fixture
def coordinator(app):
    wrap_course()
    return make_user(Role.COORDINATOR)


@pytest.fixture
def api(app, coordinator):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=coordinator)}"
    return client


def test_a_department_that_does_not_exist_narrows_the_people_list_to_nobody(api):
    make_person(department=make_department())
    assert api.get("/api/v1/people?department_id=424242").get_json() == {"items": [], "total": 0}


@pytest.mark.parametrize(
    ("method", "url", "body"),
    [
        ("POST", "/api/v1/people", {"organisation_id": 2**70, "first_name": "A", "last_name": "B"}),
        ("GET", f"/api/v1/people?organisation_id={2**70}", None),
        ("GET", f"/api/v1/coverage?course=WRAP&organisation_id={2**70}", None),
        (
            "POST",
            "/api/v1/partner-returns",
            {
                "organisation_id": 2**40,
                "course_code": "WRAP",
                "period_end": "2025-03-31",
                "compliant": 1,
                "eligible": 2,
            },
        ),
        ("POST", "/api/v1/requirements", {"course_code": "WRAP", "organisation_id": 2**63, "from_date": "2025-01-01"}),
    ],
)
def test_ids_beyond_the_database_integer_are_refused_as_invalid(api, method, url, body):
    response = api.open(url, method=method, json=body)
    assert response.status_code == 422, response.get_json()
    assert response.get_json()["error"]["fields"]


def test_a_return_for_an_organisation_that_does_not_exist_is_a_422_naming_the_field(api):
    response = api.post(
        "/api/v1/partner-returns",
        json={
            "organisation_id": 424242,
            "course_code": "WRAP",
            "period_end": "2025-03-31",
            "compliant": 1,
            "eligible": 2,
        },
    )
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"organisation_id": ["No organisation with id 424242"]}


def test_organisation_names_are_taken_ignoring_case_in_any_alphabet(api, db):
    assert api.post("/api/v1/organisations", json={"name": "Ñandú Trust", "kind": "third_sector"}).status_code == 201
    for name in ("Ñandú Trust", "ñandú trust", "ÑANDÚ TRUST"):
        response = api.post("/api/v1/organisations", json={"name": name, "kind": "third_sector"})
        assert response.status_code == 409, name
    assert db.session.query(Organisation).filter(Organisation.name.ilike("%trust")).count() == 1


@pytest.mark.parametrize("day", ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01"])
def test_dates_outside_the_service_range_are_refused_not_overflowed(api, signed_in, coordinator, day):
    response = api.get(f"/api/v1/coverage?course=WRAP&as_of={day}")
    assert response.status_code == 422 and "as_of" in response.get_json()["error"]["fields"]
    response = api.get(f"/api/v1/sessions?from={day}")
    assert response.status_code == 422
    page = signed_in(coordinator).get(f"/coverage?course=WRAP&as_of={day}")
    assert page.status_code == 200
    assert "must be between 1 January 1900 and 31 December 2199" in page.get_data(as_text=True)
    assert signed_in(coordinator).get(f"/coverage/export.csv?course=WRAP&as_of={day}").status_code == 302
    late = {"course_code": "WRAP", "starts_at": f"{day}T10:00:00+00:00", "ends_at": f"{day}T12:00:00+00:00"}
    assert api.post("/api/v1/sessions", json={**late, "capacity": 5}).status_code == 422


def test_a_nul_character_in_any_text_is_refused_before_it_reaches_the_database(api, signed_in, coordinator):
    organisation = make_organisation()
    db.session.commit()
    response = api.post(
        "/api/v1/people", json={"organisation_id": organisation.id, "first_name": "A\x00", "last_name": "B"}
    )
    assert response.status_code == 400 and "NUL" in response.get_json()["error"]["message"]
    assert api.get("/api/v1/people?q=a%00b").status_code == 400
    page = signed_in(coordinator).post("/organisations/new", data={"name": "Nul\x00 Trust", "kind": "third_sector"})
    assert page.status_code == 400
    assert db.session.query(Organisation).filter(Organisation.name.like("Nul%")).count() == 0
