"""Signing in and out: argon2id hashes, server-side sessions a copied cookie cannot outlive, timeouts."""

from __future__ import annotations

from datetime import timedelta

import pytest
import time_machine

from tests.conftest import PASSWORD, make_config, sign_in
from tests.factories import make_user
from tracker.accounts import services
from tracker.accounts.models import Role
from tracker.common.audit import AuditEvent
from tracker.common.time import utc_now


def test_password_is_stored_as_argon2id(app):
    user = make_user(Role.STAFF)
    assert user.password_hash.startswith("$argon2id$")
    assert PASSWORD not in user.password_hash


def test_sign_in_shows_the_home_page_for_the_roles(app, client):
    user = make_user(Role.STAFF, Role.MANAGER)
    sign_in(client, user)
    page = client.get("/").get_data(as_text=True)
    assert user.person.full_name in page
    assert "Manager" in page


def test_wrong_password_gives_an_error_next_to_the_field_and_is_audited(app, client, db):
    user = make_user(Role.STAFF)
    response = client.post("/sign-in", data={"email": user.person.email, "password": "not the password at all"})
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Enter a correct email address and password" in page
    assert "govuk-error-summary" in page and "<title>Error:" in page
    assert db.session.query(AuditEvent).filter_by(action="auth.sign_in_failed").count() == 1


def test_a_cookie_copied_before_sign_out_is_refused_after_it(app, client):
    user = make_user(Role.STAFF)
    sign_in(client, user)
    stolen = client.get_cookie("tracker_session").value
    client.post("/sign-out")
    thief = app.test_client()
    thief.set_cookie("tracker_session", stolen)
    response = thief.get("/")
    assert response.status_code == 302 and "/sign-in" in response.headers["Location"]


def test_disabling_an_account_ends_its_sessions(app, client, db):
    user = make_user(Role.STAFF)
    coordinator = make_user(Role.COORDINATOR)
    sign_in(client, user)
    assert client.get("/").status_code == 200
    services.set_active(user=user, active=False, actor=coordinator)
    db.session.commit()
    assert client.get("/").status_code == 302


def test_idle_timeout(app, client):
    user = make_user(Role.STAFF)
    with time_machine.travel(utc_now(), tick=True) as traveller:
        sign_in(client, user)
        assert client.get("/").status_code == 200
        traveller.shift(timedelta(minutes=app.config["SESSION_IDLE_MINUTES"] + 1))
        assert client.get("/").status_code == 302


def test_absolute_timeout_even_when_active(app, client):
    user = make_user(Role.STAFF)
    with time_machine.travel(utc_now(), tick=True) as traveller:
        sign_in(client, user)
        for _ in range(app.config["SESSION_ABSOLUTE_HOURS"] * 3):
            traveller.shift(timedelta(minutes=20))
            client.get("/")
        assert client.get("/").status_code == 302


@pytest.mark.parametrize(
    "target", ["//evil.example/", "https://evil.example/", "/\\evil.example", "javascript:alert(1)"]
)
def test_next_only_leads_to_this_site(app, client, target):
    user = make_user(Role.STAFF)
    response = client.post(f"/sign-in?next={target}", data={"email": user.person.email, "password": PASSWORD})
    assert response.headers["Location"] == "/"


def test_next_within_the_site_is_followed(app, client):
    user = make_user(Role.STAFF)
    response = client.post("/sign-in?next=/privacy", data={"email": user.person.email, "password": PASSWORD})
    assert response.headers["Location"] == "/privacy"


def test_sign_out_is_post_only(app, client):
    user = make_user(Role.STAFF)
    sign_in(client, user)
    assert client.get("/sign-out").status_code == 405
    assert client.get("/").status_code == 200


class TestWithCsrf:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, WTF_CSRF_ENABLED=True)

    def test_sign_in_without_a_csrf_token_is_refused(self, app, client):
        user = make_user(Role.STAFF)
        response = client.post("/sign-in", data={"email": user.person.email, "password": PASSWORD})
        assert response.status_code == 400
        assert client.get("/").status_code == 302

    def test_sign_in_with_the_token_works(self, app, client):
        user = make_user(Role.STAFF)
        token = client.csrf_token("/sign-in")
        response = client.post("/sign-in", data={"email": user.person.email, "password": PASSWORD, "csrf_token": token})
        assert response.status_code == 302


class TestRateLimit:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")

    def test_repeated_failures_for_one_account_lock_it_out_and_are_audited(self, app, client, db):
        from tracker.extensions import limiter

        limiter.reset()
        user = make_user(Role.STAFF)
        for _ in range(3):
            assert (
                client.post("/sign-in", data={"email": user.person.email, "password": "wrong wrong wrong"}).status_code
                == 200
            )
        response = client.post("/sign-in", data={"email": user.person.email, "password": PASSWORD})
        assert response.status_code == 429
        assert "Too many attempts" in response.get_data(as_text=True)
        assert db.session.query(AuditEvent).filter_by(action="auth.rate_limited").count() == 1
        limiter.reset()


def test_password_policy():
    from tracker.accounts.passwords import password_problem

    assert password_problem("short") == "Password must be 12 characters or more"
    assert "too easy to guess" in password_problem("Password1234")
    assert "too easy to guess" in password_problem("aaaaaaaaaaaaaaa")
    assert password_problem("violet kettle harbour") is None
