"""Sign-in with an OpenID Connect provider, past the token: the roster match, accounts made once, refusals audited,
the app refusing a misconfigured provider, and password sign-in switched off per email domain.

The browser journeys through a real provider are in tests/e2e/test_oidc_sign_in_journey.py; here the service
gets the claims Authlib verified.
"""

from __future__ import annotations

import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from tests.conftest import make_config
from tests.factories import PASSWORD, make_organisation, make_person, make_user
from tracker import create_app
from tracker.accounts import oidc_services
from tracker.accounts.models import ExternalIdentity, Role, UserAccount
from tracker.accounts.oidc_rules import OidcConfigurationError, OidcProvider, OidcRefusal
from tracker.common.audit import AuditEvent
from tracker.common.time import today_london, utc_now
from tracker.extensions import db

COUNCIL = "London Borough of Barnet"
ISSUER = "https://login.microsoftonline.com/11111111-1111-1111-1111-111111111111/v2.0"
TENANT = "11111111-1111-1111-1111-111111111111"

MICROSOFT = OidcProvider(
    name="microsoft",
    display_name="Microsoft",
    metadata_url="https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
    client_id="app-id",
    client_secret="app-secret",
    tenants=frozenset({TENANT}),
    domains={"barnet.gov.uk": COUNCIL, "nhs.net": None},
)


def claims(email: str, sub: str | None = None, **extra) -> dict:
    return {"iss": ISSUER, "sub": sub or f"sub-{email}", "tid": TENANT, "email": email, **extra}


@pytest.fixture
def council(app):
    return make_organisation(name=COUNCIL)


@pytest.fixture
def tom(council):
    person = make_person(organisation=council, first_name="Tom", last_name="Walker", email="tom.walker@barnet.gov.uk")
    db.session.commit()
    return person


def _count(model, *where) -> int:
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def test_first_sign_in_makes_a_staff_account_then_matches_by_issuer_and_subject(app, tom):
    user = oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=claims("Tom.Walker@Barnet.gov.uk", sub="abc"))
    db.session.commit()
    assert user.person_id == tom.id and user.roles == {Role.STAFF} and user.password_hash is None
    identity = db.session.scalar(select(ExternalIdentity))
    assert (identity.provider, identity.issuer, identity.subject, identity.email) == (
        "microsoft",
        ISSUER,
        "abc",
        "tom.walker@barnet.gov.uk",
    )
    created = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "user.created"))
    assert created.after == {"email": tom.email, "roles": ["staff"], "provider": "microsoft"}

    # Later: the same subject, whatever email the provider now gives within the allowed domains.
    again = oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=claims("t.walker@barnet.gov.uk", sub="abc"))
    db.session.commit()
    assert again.id == user.id
    assert (_count(UserAccount), _count(ExternalIdentity)) == (1, 1)
    assert db.session.scalar(select(ExternalIdentity)).email == "t.walker@barnet.gov.uk"


def test_an_existing_account_keeps_its_roles_and_gains_the_identity(app, council):
    coordinator = make_user(Role.COORDINATOR, Role.TRAINER, organisation=council, email="sam@barnet.gov.uk")
    db.session.commit()
    user = oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=claims("sam@barnet.gov.uk"))
    assert user.id == coordinator.id and user.roles == {Role.COORDINATOR, Role.TRAINER}
    assert _count(ExternalIdentity, ExternalIdentity.user_id == user.id) == 1


def _refusal(email_claims: dict) -> str:
    with pytest.raises(OidcRefusal) as raised:
        oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=email_claims)
    db.session.rollback()
    return raised.value.reason


def test_refusals_by_the_roster(app, council, tom):
    other = make_organisation(name="Another Council")
    make_person(organisation=other, email="wrong.org@barnet.gov.uk")
    make_person(organisation=council, email="gone@barnet.gov.uk", end_date=today_london())
    make_person(organisation=council, email="erased@barnet.gov.uk", erased_at=utc_now())
    disabled = make_user(Role.STAFF, organisation=council, email="disabled@barnet.gov.uk")
    disabled.is_active = False
    make_person(organisation=council, email="leaving@barnet.gov.uk", end_date=today_london() + timedelta(days=1))
    db.session.commit()

    assert _refusal(claims("nobody@barnet.gov.uk")) == "not_on_roster"
    assert _refusal(claims("wrong.org@barnet.gov.uk")) == "wrong_organisation"
    assert _refusal(claims("gone@barnet.gov.uk")) == "left"
    assert _refusal(claims("erased@barnet.gov.uk")) == "erased"
    assert _refusal(claims("disabled@barnet.gov.uk")) == "account_disabled"
    assert _refusal(claims("tom.walker@barnet.gov.uk") | {"tid": "another-tenant"}) == "wrong_tenant"
    assert _refusal(claims("tom.walker@gmail.com")) == "domain_not_allowed"
    assert _count(ExternalIdentity) == 0
    # Still with us until their leave date.
    assert oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=claims("leaving@barnet.gov.uk")) is not None


def test_a_later_sign_in_is_refused_once_the_account_is_disabled_or_the_person_left(app, tom):
    user = oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=claims(tom.email, sub="s1"))
    db.session.commit()
    user.is_active = False
    db.session.commit()
    assert _refusal(claims(tom.email, sub="s1")) == "account_disabled"
    user.is_active = True
    tom.end_date = today_london()
    db.session.commit()
    assert _refusal(claims(tom.email, sub="s1")) == "left"


def test_a_refusal_is_audited_with_its_reason(app):
    oidc_services.record_refusal(provider=MICROSOFT, reason="not_on_roster", claims=claims("x@barnet.gov.uk"))
    db.session.commit()
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.oidc_refused"))
    assert event.actor_label == "x@barnet.gov.uk"
    assert event.after == {
        "provider": "microsoft",
        "reason": "not_on_roster",
        "issuer": ISSUER,
        "subject": "sub-x@barnet.gov.uk",
        "tenant": TENANT,
    }


# --- Two first sign-ins at once make one account ---------------------------------------------------------------


def _sign_in_job(app, email: str, sub: str, *, started=None, hold=None):
    def job():
        with app.app_context():
            try:
                user = oidc_services.sign_in_with_claims(provider=MICROSOFT, claims=claims(email, sub=sub))
                if started is not None:
                    started.set()
                if hold is not None:
                    hold.wait(10)
                db.session.commit()
                return user.id
            except BaseException:
                db.session.rollback()
                raise
            finally:
                db.session.remove()

    return job


def test_two_first_sign_ins_at_once_make_one_account(app, tom):
    """The first has made the account and identity but not committed when the second looks: on PostgreSQL the
    second's insert waits on the unique index, fails when the first commits, and reads the first's rows back; on
    SQLite it waits for the write lock and finds them."""
    email = tom.email
    db.session.commit()  # and no more reads here: on SQLite this thread's next read would take the write lock
    first_flushed, let_first_commit = threading.Event(), threading.Event()
    with ThreadPoolExecutor(max_workers=2) as pool:
        first = pool.submit(_sign_in_job(app, email, "same", started=first_flushed, hold=let_first_commit))
        assert first_flushed.wait(10)
        second = pool.submit(_sign_in_job(app, email, "same"))
        threading.Timer(0.5, let_first_commit.set).start()  # the second is waiting on the first by then
        ids = {first.result(timeout=30), second.result(timeout=30)}
    db.session.expire_all()
    assert len(ids) == 1
    assert (_count(UserAccount), _count(ExternalIdentity)) == (1, 1)
    assert _count(AuditEvent, AuditEvent.action == "user.created") == 1


def test_many_first_sign_ins_at_once_make_one_account(app, tom):
    email = tom.email
    db.session.commit()
    barrier = threading.Barrier(4)

    def at_once():
        barrier.wait()
        return _sign_in_job(app, email, "same")()

    with ThreadPoolExecutor(max_workers=4) as pool:
        ids = set(pool.map(lambda _: at_once(), range(4)))
    db.session.expire_all()
    assert len(ids) == 1
    assert (_count(UserAccount), _count(ExternalIdentity)) == (1, 1)


# --- The app and its pages ------------------------------------------------------------------------------------------


def test_the_app_refuses_to_start_with_a_misconfigured_provider(database_url):
    settings = {"OIDC_PROVIDERS": "microsoft", "OIDC_MICROSOFT_METADATA_URL": "https://login.example/.well-known"}
    with pytest.raises(OidcConfigurationError, match="set OIDC_MICROSOFT_CLIENT_ID, OIDC_MICROSOFT_CLIENT_SECRET"):
        create_app(make_config(database_url, OIDC_SETTINGS=settings))


@pytest.fixture
def app_config(database_url):
    settings = {
        "OIDC_PROVIDERS": "microsoft",
        "OIDC_MICROSOFT_METADATA_URL": "http://127.0.0.1:9/.well-known/openid-configuration",  # nothing listens
        "OIDC_MICROSOFT_CLIENT_ID": "app-id",
        "OIDC_MICROSOFT_CLIENT_SECRET": "app-secret",
        "OIDC_MICROSOFT_NAME": "Microsoft",
        "OIDC_MICROSOFT_DOMAINS": f"barnet.gov.uk={COUNCIL}",
    }
    return make_config(database_url, OIDC_SETTINGS=settings, PASSWORD_SIGN_IN_DISABLED_DOMAINS="barnet.gov.uk")


def test_the_sign_in_page_offers_each_provider(client):
    page = client.get("/sign-in?next=/my-training").get_data(as_text=True)
    assert "Sign in with Microsoft" in page
    assert 'href="/sign-in/oidc/microsoft?next=/my-training" role="button"' in page


def test_an_unknown_provider_is_not_found(client):
    assert client.get("/sign-in/oidc/google").status_code == 404
    assert client.get("/sign-in/oidc/google/callback?code=x&state=y").status_code == 404


def test_a_provider_that_cannot_be_reached_gives_a_clear_page(client):
    response = client.get("/sign-in/oidc/microsoft")
    assert response.status_code == 400
    assert "Sign-in did not work" in response.get_data(as_text=True)


def test_a_callback_without_a_sign_in_started_here_is_refused_and_audited(client):
    response = client.get("/sign-in/oidc/microsoft/callback?code=stolen&state=forged")
    assert response.status_code == 400
    assert "Sign-in did not work" in response.get_data(as_text=True)
    event = db.session.scalar(select(AuditEvent).where(AuditEvent.action == "auth.oidc_refused"))
    assert event.after["reason"] == "state_mismatch"
    assert client.get("/").status_code == 302  # not signed in


def test_password_sign_in_is_switched_off_for_a_domain(client, council):
    make_user(Role.STAFF, organisation=council, email="tom@barnet.gov.uk")
    db.session.commit()
    response = client.post("/sign-in", data={"email": "Tom@Barnet.gov.uk", "password": PASSWORD})
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "use ‘Sign in with Microsoft’" in page
    assert 'id="email-error"' in page  # next to the field (and in the error summary)
    assert _count(AuditEvent, AuditEvent.action.in_(["auth.signed_in", "auth.sign_in_failed"])) == 0
    assert client.get("/").status_code == 302


def test_password_sign_in_stays_for_partners(client):
    partner = make_organisation(name="A Partner")
    make_user(Role.PARTNER, organisation=partner, email="rachel@partner.org.uk")
    db.session.commit()
    response = client.post("/sign-in", data={"email": "rachel@partner.org.uk", "password": PASSWORD})
    assert response.status_code == 302
