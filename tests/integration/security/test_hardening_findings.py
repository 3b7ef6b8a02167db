"""The attacker's and careless client's findings (issue 16, item 4 and 7): each a 4xx naming the field,
nothing written — where each was a 500 before."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from tests.conftest import sign_in
from tests.factories import make_booking, make_department, make_organisation, make_session, make_user, wrap_course
from tests.integration.people.roster_files import roster_csv, roster_row
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.extensions import db
from tracker.people.models import Department, Person

TOO_BIG = 2**31


@pytest.fixture
def coordinator(app):
    wrap_course()
    return make_user(Role.COORDINATOR)


@pytest.fixture
def api(app, coordinator):
    client = app.test_client()
    client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=coordinator)}"
    return client


@pytest.fixture
def browser(app, coordinator):
    return sign_in(app.test_client(), coordinator)


def department_count() -> int:
    return db.session.scalar(select(func.count(Department.id)))


def deep_department(organisation, depth: int = 5):
    """Departments nested `depth` deep, each name 199 characters: a path of 999 + 4 slashes."""
    parent = None
    for level in range(depth):
        parent = make_department(organisation=organisation, name=f"{level}" + "d" * 198, parent=parent)
    return parent


def test_a_department_path_beyond_its_column_is_refused_by_the_api(api, app):
    organisation = make_organisation()
    parent = deep_department(organisation, 5)  # 5 × 199 + 4 slashes = 999 characters: the last that fits
    before = department_count()
    response = api.post(
        f"/api/v1/organisations/{organisation.id}/departments", json={"name": "x" * 10, "parent_id": parent.id}
    )
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert "name" in error["fields"] and "1000 or fewer" in error["message"]
    assert department_count() == before


def test_renaming_a_department_so_a_team_inside_it_would_not_fit_is_refused(browser, app):
    organisation = make_organisation()
    top = make_department(organisation=organisation, name="Top")
    inner = make_department(organisation=organisation, name="i" * 199, parent=top)
    for level in range(3):
        inner = make_department(organisation=organisation, name=f"{level}" + "t" * 198, parent=inner)
    make_department(organisation=organisation, name="ab", parent=inner)  # Top/…: 806 characters
    db.session.commit()
    response = browser.post(f"/departments/{top.id}/rename", data={"name": "T" * 200})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "1000 or fewer" in page and "govuk-error-message" in page
    db.session.expire_all()
    assert db.session.get(Department, top.id).name == "Top"


def test_a_roster_whose_department_path_is_too_long_is_refused_by_the_dry_run_and_the_import(app, runner, tmp_path):
    organisation = make_organisation(name="Barnet")
    db.session.commit()
    path = "/".join(f"{level}" + "p" * 198 for level in range(6))  # 6 × 199 + 5 = 1199 characters
    roster = tmp_path / "roster.csv"
    roster.write_bytes(roster_csv([roster_row(organisation.name, "E1", department=path)]))
    for extra in (["--dry-run"], []):
        result = runner.invoke(args=["people", "import", str(roster), *extra])
        assert result.exit_code == 1, result.output
        assert "Line 2: department is 1199 characters long with its slashes: 1000 at most" in result.output
    assert db.session.scalar(select(func.count(Person.id))) == 0


def test_patching_trainers_without_their_part_is_a_422_as_on_create(api, app):
    session = make_session()
    person = make_user(Role.TRAINER).person
    response = api.patch(f"/api/v1/sessions/{session.id}", json={"trainers": [{"person_id": person.id}]})
    assert response.status_code == 422, response.get_json()
    assert "trainers" in response.get_json()["error"]["fields"]


def test_a_patch_with_nothing_to_change_is_a_422(api, app):
    session = make_session()
    for body in ({"json": {}}, {}, {"data": "", "content_type": "application/json"}):
        response = api.patch(f"/api/v1/sessions/{session.id}", **body)
        assert response.status_code == 422
        assert response.get_json()["error"]["fields"] == {"_schema": ["Send at least one field to change"]}
    person = make_user(Role.STAFF).person
    response = api.patch(f"/api/v1/people/{person.id}", json={})
    assert response.status_code == 422
    assert response.get_json()["error"]["fields"] == {"_schema": ["Send at least one field to change"]}


def test_a_very_deep_json_body_is_a_4xx_not_a_recursion_error(api, app):
    body = "[" * 400 + "]" * 400
    response = api.post("/api/v1/people", data=body, content_type="application/json")
    assert 400 <= response.status_code < 500
    assert "error" in response.get_json()
    deep = json.dumps({"first_name": "A\x00"})
    for _ in range(300):
        deep = '{"a": ' + deep + "}"
    assert api.post("/api/v1/people", data=deep, content_type="application/json").status_code == 400


def test_an_audience_of_seventy_thousand_organisations_is_a_422_naming_the_field(api, app):
    session = make_session()
    response = api.patch(f"/api/v1/sessions/{session.id}", json={"audience_organisation_ids": list(range(1, 70_001))})
    assert response.status_code == 422
    assert "audience_organisation_ids" in response.get_json()["error"]["fields"]


@pytest.mark.parametrize(
    "url",
    [
        f"/audit?object_id={TOO_BIG}",
        f"/people?organisation_id={TOO_BIG}",
        f"/people?department_id={TOO_BIG}",
        f"/partner-returns?organisation_id={TOO_BIG}",
        f"/imports/roster?result={TOO_BIG}",
        f"/requirements/new?organisation_id={TOO_BIG}",
        f"/users/new?person_id={TOO_BIG}",
        f"/sessions/new?request_id={TOO_BIG}",
    ],
)
def test_page_query_ids_beyond_a_32_bit_integer_are_no_match_not_a_500(browser, url):
    response = browser.get(url)
    assert response.status_code == 200, url
    if url.startswith("/audit"):
        assert "Enter an object id from 1 to 2147483647" in response.get_data(as_text=True)


def test_the_api_lists_cancelled_bookings_and_filters_by_status(api, app, coordinator):
    from tracker.booking import services as booking_services
    from tracker.booking.models import BookingStatus

    session = make_session(capacity=1)
    people = [make_user(Role.STAFF).person for _ in range(3)]
    bookings = [make_booking(session, person) for person in people]
    db.session.commit()
    booking_services.cancel_place(booking=bookings[0], actor=coordinator)
    db.session.commit()
    url = f"/api/v1/sessions/{session.id}/bookings"
    everything = api.get(url).get_json()
    assert [b["status"] for b in everything["items"]] == ["cancelled", "confirmed", "waitlisted"]
    assert everything["total"] == 3
    cancelled = api.get(url + "?status=cancelled").get_json()
    assert [b["person_id"] for b in cancelled["items"]] == [people[0].id]
    assert api.get(url + "?status=gone").status_code == 422
    assert BookingStatus.CANCELLED == "cancelled"


def test_counts_for_compliance_takes_only_true_or_false(api, app):
    body = {"code": "NEW-COURSE", "name": "A new course", "counts_for_compliance": 0}
    response = api.post("/api/v1/courses", json=body)
    assert response.status_code == 422
    assert "counts_for_compliance" in response.get_json()["error"]["fields"]
    assert api.post("/api/v1/courses", json={**body, "counts_for_compliance": False}).status_code == 201


@pytest.mark.parametrize("url", ["/", "/sign-in", "/api/v1/people", "/book"])
def test_a_method_not_allowed_says_which_are(app, api, url):
    response = api.open(url, method="TRACE")
    assert response.status_code == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert "GET" in allowed and "TRACE" not in allowed


def test_refused_requests_cannot_grow_the_audit_log_without_limit(app, browser, coordinator):
    from tracker.common.audit import AuditEvent

    staff = sign_in(app.test_client(), make_user(Role.STAFF))
    for n in range(30):
        assert staff.get(f"/audit?page={n + 1}").status_code == 403
    assert staff.get("/users").status_code == 403
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "permission.denied")).all()
    assert len(events) == 1
    assert events[0].after["count"] == 31
    assert events[0].after["path"] == "/audit"
    assert {"endpoint": "accounts.list_users", "method": "GET", "path": "/users"} in events[0].after["others"]
    assert len(events[0].after["others"]) == 1
