"""Security headers on every response; HTTPS and trusted hosts when configured."""

from __future__ import annotations

import pytest

from tests.conftest import make_config, sign_in
from tests.factories import make_user
from tracker.accounts.models import Role


def test_every_page_has_a_strict_csp_and_the_usual_headers(app, client):
    response = client.get("/sign-in")
    csp = response.headers["Content-Security-Policy"]
    for directive in ("object-src 'none'", "base-uri 'none'", "frame-ancestors 'none'", "script-src 'self'"):
        assert directive in csp
    assert "unsafe-inline" not in csp
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "same-origin"
    assert response.headers["Cache-Control"] == "no-store"


def test_pages_with_personal_data_are_not_stored_but_static_files_are_cacheable(app, client):
    sign_in(client, make_user(Role.STAFF))
    assert client.get("/").headers["Cache-Control"] == "no-store"
    static = client.get("/static/css/app.css")
    assert "no-store" not in static.headers.get("Cache-Control", "")
    static.close()


def test_no_inline_script_in_the_layout(app, client):
    html = client.get("/sign-in").get_data(as_text=True)
    import re

    for tag in re.findall(r"<script\b[^>]*>", html):
        assert "src=" in tag or 'type="application/json"' in tag, f"inline script: {tag}"
    assert "style=" not in html


def test_session_cookie_is_httponly_and_lax(app, client):
    user = make_user(Role.STAFF)
    response = client.post("/sign-in", data={"email": user.person.email, "password": "a long test passphrase 42"})
    cookie = response.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


class TestProductionSettings:
    @pytest.fixture
    def app_config(self, database_url):
        config = make_config(database_url, ENV_NAME="production", SESSION_COOKIE_SECURE=True)
        config.TRUSTED_HOSTS = ["tracker.barnet.gov.uk", "localhost"]
        return config

    def test_hsts_and_secure_cookies_outside_development(self, app, client):
        response = client.get("/sign-in", base_url="https://tracker.barnet.gov.uk")
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
        user = make_user(Role.STAFF)
        signed = client.post(
            "/sign-in",
            data={"email": user.person.email, "password": "a long test passphrase 42"},
            base_url="https://tracker.barnet.gov.uk",
        )
        assert "Secure" in signed.headers["Set-Cookie"]

    def test_an_untrusted_host_is_refused(self, app, client):
        assert client.get("/sign-in", base_url="https://evil.example").status_code == 400


class TestForceHttps:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, TRACKER_FORCE_HTTPS=True)

    def test_plain_http_is_redirected(self, app, client):
        response = client.get("/sign-in?x=1")
        assert response.status_code == 308
        assert response.headers["Location"] == "https://localhost/sign-in?x=1"
