"""People whose domain must use their organisation's sign-in (`PASSWORD_SIGN_IN_DISABLED_DOMAINS`, e.g.
@barnet.gov.uk must use Microsoft) get no password and no emailed link that would be a way round it."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from tests.conftest import PASSWORD, make_config, sign_in
from tests.factories import make_organisation, make_person, make_user
from tracker.accounts import links
from tracker.accounts.models import AccountLink, LinkPurpose, Role
from tracker.extensions import db
from tracker.invites.models import OutboxMessage


@pytest.fixture
def app_config(database_url):
    settings = {
        "OIDC_PROVIDERS": "microsoft",
        "OIDC_MICROSOFT_METADATA_URL": "http://127.0.0.1:9/.well-known/openid-configuration",
        "OIDC_MICROSOFT_CLIENT_ID": "app-id",
        "OIDC_MICROSOFT_CLIENT_SECRET": "app-secret",
        "OIDC_MICROSOFT_NAME": "Microsoft",
        "OIDC_MICROSOFT_DOMAINS": "barnet.gov.uk=London Borough of Barnet",
    }
    return make_config(database_url, OIDC_SETTINGS=settings, PASSWORD_SIGN_IN_DISABLED_DOMAINS="barnet.gov.uk")


@pytest.fixture
def council(app):
    return make_organisation(name="London Borough of Barnet")


def emails() -> int:
    return db.session.scalar(select(func.count(OutboxMessage.id)))


@pytest.mark.parametrize("path", ["/forgotten-password", "/sign-in-link"])
def test_asking_for_a_link_says_to_use_the_organisations_sign_in(client, council, path):
    make_user(Role.STAFF, organisation=council, email="tom@barnet.gov.uk")
    make_person(organisation=council, email="nadia@barnet.gov.uk")  # no account: booked by her manager
    db.session.commit()
    for email in ("Tom@Barnet.gov.uk", "nadia@barnet.gov.uk", "nobody@barnet.gov.uk"):
        response = client.post(path, data={"email": email})
        page = response.get_data(as_text=True)
        assert response.status_code == 200 and "use ‘Sign in with Microsoft’" in page and 'id="email-error"' in page
    assert emails() == 0
    assert client.post(path, data={"email": "someone@partner.org.uk"}).status_code == 302  # others as before


def test_links_sent_before_the_rule_no_longer_work(client, council):
    person = make_person(organisation=council, email="nadia@barnet.gov.uk")
    db.session.commit()
    token = links.issue_link(person=person, purpose=LinkPurpose.SIGN_IN)
    db.session.commit()
    assert client.get(f"/sign-in-link/{token}").status_code == 410
    assert client.post(f"/sign-in-link/{token}").status_code == 410
    assert client.get("/").status_code == 302  # not signed in


def test_the_coordinator_makes_their_account_without_a_password_link(app, council):
    coordinator = sign_in(app.test_client(), make_user(Role.COORDINATOR, email="sam@partner-run.example"), PASSWORD)
    response = coordinator.post(
        "/users/new",
        data={
            "email": "helen@barnet.gov.uk",
            "first_name": "Helen",
            "last_name": "Okafor",
            "organisation": str(council.id),
            "roles": ["manager"],
        },
        follow_redirects=True,
    )
    page = response.get_data(as_text=True)
    assert "Account created for Helen Okafor" in page
    assert "They sign in with their organisation" in page and "no password link was sent" in page
    assert "signs in with their organisation" in page  # the user page says why there is no link button
    assert emails() == 0 and db.session.scalar(select(func.count(AccountLink.id))) == 0


def test_users_create_says_no_link_is_sent(app, runner, council):
    db.session.commit()
    result = runner.invoke(
        args=[
            "users",
            "create",
            "amira@barnet.gov.uk",
            "--name",
            "Amira Haddad",
            "--role",
            "trainer",
            "--organisation",
            "London Borough of Barnet",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "Emailed" not in result.output and emails() == 0
