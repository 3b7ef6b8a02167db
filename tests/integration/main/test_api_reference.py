"""The API page: the OpenAPI document as a GOV.UK page, generated from it, with each operation's permission from the
access policy. The JSON stays where machines find it."""

from __future__ import annotations

import html
import re

from tests.factories import make_user
from tracker.access_policy import POLICY
from tracker.accounts.models import Role
from tracker.main.api_reference import build_reference, describe

METHODS = ("get", "post", "put", "patch", "delete")
#: Reading the signed-in session with its account, as every page does; none per operation or schema.
SIGNED_IN_STATEMENTS = 1


def operations_on_page(page: str) -> list[tuple[str, str]]:
    """(METHOD, path) of each operation heading, in page order."""
    headings = re.findall(r'<h3 class="govuk-heading-m" id="[^"]+">(.*?)</h3>', page, re.S)
    found = []
    for heading in headings:
        match = re.search(r">\s*(GET|POST|PUT|PATCH|DELETE)\s*<.*?<code[^>]*>([^<]+)</code>", heading, re.S)
        if match:
            found.append((match.group(1), html.unescape(match.group(2))))
    return found


def test_the_page_lists_every_operation_of_the_openapi_document(client):
    document = client.get("/api/v1/openapi.json").get_json()
    expected = sorted(
        (method.upper(), path) for path, item in document["paths"].items() for method in METHODS if method in item
    )
    response = client.get("/api-reference")
    assert response.status_code == 200
    listed = operations_on_page(response.get_data(as_text=True))
    assert sorted(listed) == expected
    assert len(expected) > 30
    assert f"{len(expected)} operations" in response.get_data(as_text=True)


def test_each_operation_shows_its_permission_parameters_and_responses(client):
    page = client.get("/api-reference").get_data(as_text=True)
    section = page.split('id="post-api-v1-organisations"')[1].split("</section>")[0]
    assert "Permission" in section and "A token of a coordinator" in section
    assert 'href="#schema-Organisation"' in section  # the request body's schema, linked
    for status in ("201", "400", "401", "403", "422"):
        assert f'<th scope="row" class="govuk-table__header">{status}</th>' in section
    listing = page.split('id="get-api-v1-sessions"')[1].split("</section>")[0]
    assert "Any valid token" in listing
    assert "<code>per_page</code>" in listing and "integer, 1 to 500 (default 50)" in listing
    assert 'id="schema-Session"' in page and "<code>starts_at</code>" in page


def test_the_permissions_come_from_the_access_policy(app):
    """A change to the policy shows on the page: nothing about permissions is written down twice."""
    document = {
        "paths": {"/api/v1/things/{thing_id}": {"get": {"responses": {}}, "patch": {"responses": {}}}},
        "info": {"title": "T", "version": "v1"},
    }
    reference = build_reference(document, {"/api/v1/things/{thing_id}": "api_people.PersonById"})
    permissions = {operation.method: operation.permission for operation in reference.operations}
    assert POLICY["api_people.PersonById"]["PATCH"].roles == {"coordinator"}
    assert permissions == {"GET": "A token of a coordinator or manager or partner", "PATCH": "A token of a coordinator"}
    unknown = build_reference(document, {})
    assert {operation.permission for operation in unknown.operations} == {"Nobody (not in the access policy)"}


def test_types_in_words():
    assert describe({"type": "integer", "minimum": 1, "maximum": 500}) == "integer, 1 to 500"
    assert describe({"type": "array", "items": {"$ref": "#/components/schemas/Booking"}}) == "list of Booking"
    assert describe({"enum": ["draft", "published"], "readOnly": True}) == "one of draft, published (read-only)"
    assert describe({"type": "string", "format": "date", "nullable": True}) == "date (YYYY-MM-DD), or null"


def test_the_json_stays_for_machines(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200 and response.is_json
    assert 'href="/api/v1/openapi.json"' in client.get("/api-reference").get_data(as_text=True)


def test_the_page_reads_nothing_from_the_database(client, signed_in, queries):
    with queries() as counter:
        assert client.get("/api-reference").status_code == 200
    assert counter.count == 0
    staff = signed_in(make_user(Role.STAFF))
    with queries() as counter:
        assert staff.get("/api-reference").status_code == 200
    assert counter.count == SIGNED_IN_STATEMENTS, counter.statements
