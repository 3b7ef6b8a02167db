"""Every route has a stated permission, and the policy is what the app enforces.

The inventory test fails when a route is added without an entry in tracker/access_policy.py. The
matrix test then signs in as each role (and as nobody) and tries every rule and method: a role the
policy allows is let past the gate (whatever the page then says about the object), every other role
gets 403 (pages: a sign-in redirect for nobody; API: 401 for nobody).
"""

from __future__ import annotations

import re

import pytest

from config import TestConfig
from tests.conftest import sign_in
from tests.factories import make_user
from tracker import create_app
from tracker.access_policy import POLICY
from tracker.accounts.models import Role
from tracker.accounts.permissions import access_for
from tracker.common.permissions import Access

SKIP_METHODS = {"HEAD", "OPTIONS"}


def _rules():
    app = create_app(TestConfig)
    return [
        (rule.rule, rule.endpoint, sorted(m for m in rule.methods if m not in SKIP_METHODS))
        for rule in app.url_map.iter_rules()
    ]


RULES = _rules()


def test_every_route_has_a_policy_entry():
    missing = sorted({endpoint for _, endpoint, _ in RULES if endpoint not in POLICY})
    assert missing == [], f"routes without an access policy entry: {missing}"


def test_every_method_of_every_route_is_covered():
    uncovered = [
        (endpoint, method)
        for _, endpoint, methods in RULES
        for method in methods
        if endpoint in POLICY and access_for(endpoint, method) is None
    ]
    assert uncovered == []


def test_no_stale_policy_entries():
    endpoints = {endpoint for _, endpoint, _ in RULES}
    assert sorted(set(POLICY) - endpoints) == []


def _url(rule: str) -> str:
    return re.sub(r"<(?:[^:<>]+:)?([^<>]+)>", lambda m: "999999" if "id" in m.group(1) else "x", rule)


CASES = [
    (rule, endpoint, method)
    for rule, endpoint, methods in RULES
    for method in methods
    if endpoint not in {"static", "assets", "vendor"}
]
ACTORS = [None, *Role]


def _allowed(access: Access, role: Role | None) -> bool:
    if access.public:
        return True
    if role is None:
        return False
    return not access.roles or role in access.roles


@pytest.fixture
def clients(app):
    made = {}

    def get(role: Role | None):
        if role not in made:
            client = app.test_client()
            if role is not None:
                sign_in(client, make_user(role))
            made[role] = client
        return made[role]

    return get


@pytest.fixture
def tokens(app):
    from tracker.accounts.services import create_api_token

    made = {}

    def get(role: Role):
        if role not in made:
            made[role] = create_api_token(user=make_user(role))
        return made[role]

    return get


@pytest.mark.parametrize(("rule", "endpoint", "method"), CASES, ids=[f"{m} {r}" for r, _, m in CASES])
@pytest.mark.parametrize("backend", ["sqlite"])  # the gate is the same code on every database
def test_role_route_method_matrix(app, clients, tokens, rule, endpoint, method, backend):
    access = access_for(endpoint, method)
    url = _url(rule)
    for role in ACTORS:
        if url.startswith("/api/"):
            headers = {"Authorization": f"Bearer {tokens(role)}"} if role else {}
            response = app.test_client().open(url, method=method, headers=headers, json={})
        else:
            response = clients(role).open(url, method=method, data={})
        allowed = _allowed(access, role)
        who = role.value if role else "nobody"
        if allowed:
            assert response.status_code not in (401, 403), f"{who} refused {method} {url}"
            is_sign_in_redirect = response.status_code == 302 and "/sign-in" in response.headers.get("Location", "")
            signs_out = endpoint == "auth.sign_out"  # which ends, correctly, on the sign-in page
            assert access.public or signs_out or not is_sign_in_redirect, f"{who} sent to sign in for {method} {url}"
        elif role is None and url.startswith("/api/"):
            assert response.status_code == 401, f"nobody got {response.status_code} for {method} {url}"
        elif role is None:
            assert response.status_code == 302 and "/sign-in" in response.headers["Location"], (
                f"nobody got {response.status_code} for {method} {url}"
            )
        else:
            assert response.status_code == 403, f"{who} got {response.status_code} for {method} {url}"


class TestCsrf:
    """Every page form refuses a POST without a CSRF token (the API uses bearer tokens instead)."""

    @pytest.fixture
    def app_config(self, database_url):
        from tests.conftest import make_config

        return make_config(database_url, WTF_CSRF_ENABLED=True)

    POST_RULES = sorted(
        {(rule, endpoint) for rule, endpoint, methods in RULES if "POST" in methods and not rule.startswith("/api/")}
    )

    @pytest.mark.parametrize(("rule", "endpoint"), POST_RULES, ids=[r for r, _ in POST_RULES])
    @pytest.mark.parametrize("backend", ["sqlite"])  # the same code on every database
    def test_post_without_a_csrf_token_is_refused(self, app, rule, endpoint, backend):
        client = app.test_client()
        if not access_for(endpoint, "POST").public:
            user = make_user(*Role)
            token = client.csrf_token("/sign-in")
            client.post(
                "/sign-in",
                data={"email": user.person.email, "password": "a long test passphrase 42", "csrf_token": token},
            )
            assert client.get("/").status_code == 200
        response = client.post(_url(rule), data={"anything": "x"})
        assert response.status_code == 400, f"{rule} accepted a POST without a CSRF token"
