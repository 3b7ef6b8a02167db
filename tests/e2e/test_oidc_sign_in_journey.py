"""Sign in with Microsoft (any OpenID Connect provider): Chromium through a real provider, npm `oidc-provider`.

The app is served on its own (its settings name the provider, whose port is known only once it runs); the
provider's dev login page takes any login name. No token is made or read by the test: the app gets them.
"""

from __future__ import annotations

import re
import threading
import time
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

import pytest
from sqlalchemy import select
from werkzeug.serving import make_server

from tests.conftest import make_config
from tests.e2e.conftest import DESKTOP, PHONE, CheckedPage, closed_before_sending
from tests.support.databases import clean_tables, migrate, sqlite_url
from tests.support.oidc import node_available, provider_settings, run_provider
from tracker import create_app

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(not node_available(), reason="node and node_modules/oidc-provider are needed"),
]

COUNCIL = "London Borough of Barnet"
CONTACT = "prevent.coordinator@barnet.example"
#: The provider's login form posts here; its answer starts the redirects that end at our callback.
PROVIDER_LOGIN = re.compile(r"/interaction/[^/?]+$")


class _Later:
    """The served WSGI app, set once the provider's address (which the app's settings need) is known."""

    app = None

    def __call__(self, environ, start_response):
        return self.app(environ, start_response)


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    later = _Later()
    server = make_server("127.0.0.1", 0, closed_before_sending(later), threaded=True)
    base_url = f"http://127.0.0.1:{server.server_port}"
    accounts = {"stranger@barnet.example": {"tid": "tenant-elsewhere"}}
    with run_provider(
        redirect_uris=[f"{base_url}/sign-in/oidc/microsoft/callback"],
        accounts=accounts,
        default_tenant="tenant-council",
        slow_code_prefix="slow.",
    ) as issuer:
        settings = provider_settings(
            "microsoft",
            issuer,
            NAME="Microsoft",
            TENANTS="tenant-council",
            DOMAINS=f"barnet.example={COUNCIL},nhs.example",
        )
        app = create_app(
            make_config(
                sqlite_url(tmp_path_factory.mktemp("oidc-e2e")),
                WTF_CSRF_ENABLED=True,
                TRACKER_BASE_URL=base_url,
                OIDC_SETTINGS=settings,
                SIGN_IN_CONTACT_EMAIL=CONTACT,
            )
        )
        migrate(app)
        later.app = app
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield app, base_url, issuer
        finally:
            server.shutdown()
            thread.join()


@pytest.fixture
def app(world):
    """A roster: a council with people on it, none with an account yet."""
    app = world[0]
    clean_tables(app)
    from tests.factories import make_organisation, make_person
    from tracker.extensions import db
    from tracker.people.models import OrganisationKind

    with app.app_context():
        council = make_organisation(name=COUNCIL, kind=OrganisationKind.LOCAL_AUTHORITY)
        make_organisation(name="Another Council")
        for first, last in [("Tom", "Walker"), ("Slow", "Sam"), ("Stranger", "Danger")]:
            make_person(
                organisation=council, first_name=first, last_name=last, email=f"{first}.{last}@barnet.example".lower()
            )
        make_person(organisation=council, first_name="Nia", last_name="Okoro", email="nia.okoro@nhs.example")
        db.session.commit()
        db.session.remove()
    return app


@pytest.fixture
def viewport():
    return DESKTOP


@pytest.fixture
def page(browser, world, request, viewport):
    from tests.e2e.conftest import _artifact_dir

    context = browser.new_context(viewport=viewport, base_url=world[1], locale="en-GB", timezone_id="Europe/London")
    checked = CheckedPage(context.new_page(), world[1], _artifact_dir(request))
    yield checked
    if getattr(request.node, "failed", False):
        checked.screenshot("failure")
    context.close()


def _sign_in_at_provider(page: CheckedPage, login: str) -> None:
    """Press "Sign in with Microsoft" on our page, then sign in on the provider's page (any password)."""
    page.goto("/sign-in")
    page.check("sign-in page with the provider's button")
    page.click_and_wait(page.locator("main").get_by_role("button", name="Sign in with Microsoft"))
    assert page.url.startswith(page.world_issuer), page.url
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "any password")
    page.problems.clear()  # the provider's own dev pages are not ours to judge
    page.click_and_wait(page.get_by_role("button", name="Sign-in"))


def _rows(app, model, **where):
    from tracker.extensions import db

    with app.app_context():
        statement = select(model).filter_by(**where)
        rows = list(db.session.scalars(statement))
        db.session.remove()
        return rows


def _events(app, action):
    from tracker.common.audit import AuditEvent

    return _rows(app, AuditEvent, action=action)


@pytest.fixture(autouse=True)
def _issuer(page, world):
    page.world_issuer = world[2]


def test_first_sign_in_makes_a_staff_account_and_later_ones_find_it(app, page, world):
    from tracker.accounts.models import ExternalIdentity, UserAccount
    from tracker.people.models import Person

    page.goto("/my-training")  # signed out: to the sign-in page, which takes them back after
    assert urlsplit(page.url).path == "/sign-in"
    page.click_and_wait(page.locator("main").get_by_role("button", name="Sign in with Microsoft"))
    page.fill("input[name=login]", "Tom.Walker@barnet.example")  # the roster's email, in another case
    page.fill("input[name=password]", "any password")
    page.problems.clear()
    page.click_and_wait(page.get_by_role("button", name="Sign-in"))
    assert urlsplit(page.url).path == "/my-training", page.url
    page.goto("/")
    assert "Tom Walker" in page.content()
    page.check("home after signing in with Microsoft")

    tom = _rows(app, Person, email="tom.walker@barnet.example")[0]
    (account,) = _rows(app, UserAccount, person_id=tom.id)
    with app.app_context():
        from tracker.extensions import db

        assert db.session.get(UserAccount, account.id).roles == {"staff"}
        assert db.session.get(UserAccount, account.id).password_hash is None
        db.session.remove()
    (identity,) = _rows(app, ExternalIdentity, user_id=account.id)
    assert (identity.provider, identity.issuer, identity.subject) == (
        "microsoft",
        world[2],
        "Tom.Walker@barnet.example",
    )
    signed_in = _events(app, "auth.signed_in")
    assert [(e.actor_user_id, e.after) for e in signed_in] == [(account.id, {"provider": "microsoft"})]
    assert [e.after["provider"] for e in _events(app, "user.created")] == ["microsoft"]

    page.sign_out()  # ours: the provider still knows the browser, and sends it straight back
    page.goto("/sign-in")
    page.click_and_wait(page.locator("main").get_by_role("button", name="Sign in with Microsoft"))
    assert urlsplit(page.url).path == "/", page.url
    assert len(_rows(app, UserAccount, person_id=tom.id)) == 1
    assert len(_rows(app, ExternalIdentity, user_id=account.id)) == 1
    assert len(_events(app, "auth.signed_in")) == 2


@pytest.mark.parametrize("viewport", [PHONE])
def test_on_a_phone(app, page):
    """The sign-in page with its button and a refusal page, at 320 CSS pixels (reflow and axe in `check`)."""
    _sign_in_at_provider(page, "nobody@barnet.example")
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot sign in to Prevent training"
    page.check("refused, on a phone")


@pytest.mark.parametrize(
    ("login", "reason"),
    [
        ("stranger@barnet.example", "wrong_tenant"),  # on the roster, but their token comes from another tenant
        ("someone@elsewhere.example", "domain_not_allowed"),
        ("nobody@barnet.example", "not_on_roster"),
    ],
)
def test_refused_with_whom_to_ask(app, page, login, reason):
    from tracker.accounts.models import UserAccount

    _sign_in_at_provider(page, login)
    assert page.get_by_role("heading", level=1).inner_text() == "You cannot sign in to Prevent training"
    main = page.locator("main").inner_text()
    assert "Ask the Prevent coordinator" in main and CONTACT in main
    page.check(f"refused: {reason}")
    assert _rows(app, UserAccount) == []
    assert [e.after["reason"] for e in _events(app, "auth.oidc_refused")] == [reason]
    assert _events(app, "auth.signed_in") == []
    page.goto("/")
    assert urlsplit(page.url).path == "/sign-in"  # not signed in


def _tampered(url: str) -> str:
    parts = urlsplit(url)
    query = dict(parse_qsl(parts.query))
    query["state"] = query["state"][:-4] + "AAAA"
    return urlunsplit(parts._replace(query=urlencode(query)))


def _on_the_way_back(page: CheckedPage, change) -> None:
    """Hold the browser just before it goes back to our callback with the provider's code and state, and let
    `change(callback_url)` say where it goes instead (or wait first). Playwright routes only the first request of
    a redirect chain, so the provider's redirects after its login form are followed here with the browser's
    cookies (the context's request client), up to the one that leads to our callback."""

    def handle(route):
        response = route.fetch(max_redirects=0)
        while response.status in (302, 303) and "/sign-in/oidc/" not in response.headers["location"]:
            response = page.context.request.get(response.headers["location"], max_redirects=0)
        location = response.headers.get("location", "")
        assert "/sign-in/oidc/microsoft/callback?" in location, (response.status, location)
        route.fulfill(status=303, headers={"Location": change(location)})

    page.route(PROVIDER_LOGIN, handle)


def test_tampered_state_is_refused_cleanly(app, page):
    from tracker.accounts.models import UserAccount

    _on_the_way_back(page, _tampered)
    _sign_in_at_provider(page, "tom.walker@barnet.example")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in did not work"
    page.check("refused: tampered state")
    assert _rows(app, UserAccount) == []
    assert [e.after["reason"] for e in _events(app, "auth.oidc_refused")] == ["state_mismatch"]
    page.goto("/")
    assert urlsplit(page.url).path == "/sign-in"


def test_a_redirect_held_back_but_untouched_still_signs_in(app, page):
    """The control for the two tests below: holding the redirect back does not itself break the sign-in."""
    _on_the_way_back(page, lambda location: location)
    _sign_in_at_provider(page, "slow.sam@barnet.example")  # a one-second code, brought back at once
    assert urlsplit(page.url).path == "/", page.url
    assert len(_events(app, "auth.signed_in")) == 1


def test_expired_code_is_refused_cleanly(app, page, caplog):
    """The provider gives codes of `slow.` logins one second; the browser is held back before it brings it."""
    from tracker.accounts.models import UserAccount

    def late(location: str) -> str:
        time.sleep(2.5)
        return location

    _on_the_way_back(page, late)
    _sign_in_at_provider(page, "slow.sam@barnet.example")
    assert page.get_by_role("heading", level=1).inner_text() == "Sign-in did not work"
    page.check("refused: expired code")
    assert _rows(app, UserAccount) == []
    assert [e.after["reason"] for e in _events(app, "auth.oidc_refused")] == ["provider_error"]
    assert "invalid_grant" in caplog.text  # the provider's answer to a code past its lifetime
    page.goto("/")
    assert urlsplit(page.url).path == "/sign-in"
