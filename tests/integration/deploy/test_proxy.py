"""Behind a reverse proxy (TRACKER_PROXY_HOPS): the client's address is the one the proxy saw, never one the client
wrote itself; HTTPS redirects and HSTS follow X-Forwarded-Proto; the health checks are never redirected."""

from __future__ import annotations

import logging

import pytest

from tests.conftest import PASSWORD, make_config
from tests.factories import make_user
from tracker.accounts.models import LoginSession, Role
from tracker.common.audit import AuditEvent
from tracker.extensions import db

PROXY = "127.0.0.1"


@pytest.fixture
def app_config(database_url):
    return make_config(database_url, TRACKER_PROXY_HOPS=1, TRACKER_FORCE_HTTPS=True, ENV_NAME="production")


def client_address(client, caplog, **headers) -> str:
    with caplog.at_level(logging.INFO, logger="tracker.request"):
        caplog.clear()
        client.get("/healthz", headers=headers, environ_base={"REMOTE_ADDR": PROXY})
    (record,) = [r for r in caplog.records if r.name == "tracker.request"]
    return record.client


def test_the_client_is_the_address_the_proxy_appended(client, caplog):
    assert client_address(client, caplog, **{"X-Forwarded-For": "203.0.113.7"}) == "203.0.113.7"
    # A client that writes its own X-Forwarded-For: nginx appends the real address; only that one is believed.
    forged = {"X-Forwarded-For": "198.51.100.1, 198.51.100.2, 203.0.113.7"}
    assert client_address(client, caplog, **forged) == "203.0.113.7"
    assert client_address(client, caplog) == PROXY  # no header: the peer itself


def test_without_a_proxy_the_header_is_ignored(app, caplog):
    app.wsgi_app = app.wsgi_app.app  # what create_app builds with TRACKER_PROXY_HOPS=0: no ProxyFix
    assert client_address(app.test_client(), caplog, **{"X-Forwarded-For": "203.0.113.7"}) == PROXY


def test_failed_sign_ins_are_audited_with_the_real_address(app, client):
    user = make_user(Role.STAFF)
    db.session.commit()
    client.post(
        "/sign-in",
        data={"email": user.person.email, "password": "wrong password entirely"},
        headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.8", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    event = db.session.query(AuditEvent).filter_by(action="auth.sign_in_failed").one()
    assert event.ip_address == "203.0.113.8"


def test_https_redirect_and_hsts_follow_forwarded_proto(client):
    plain = client.get("/sign-in", environ_base={"REMOTE_ADDR": PROXY})
    assert plain.status_code == 308 and plain.headers["Location"].startswith("https://")
    secure = client.get("/sign-in", headers={"X-Forwarded-Proto": "https"}, environ_base={"REMOTE_ADDR": PROXY})
    assert secure.status_code == 200
    assert secure.headers["Strict-Transport-Security"].startswith("max-age=")


@pytest.mark.parametrize("path", ["/healthz", "/readyz"])
def test_health_checks_are_never_redirected(client, path):
    response = client.get(path, environ_base={"REMOTE_ADDR": PROXY})
    assert response.status_code in (200, 503)
    assert "Location" not in response.headers


def test_a_sign_in_session_records_the_real_address(client):
    user = make_user(Role.STAFF)
    db.session.commit()
    response = client.post(
        "/sign-in",
        data={"email": user.person.email, "password": PASSWORD},
        headers={"X-Forwarded-For": "198.51.100.9, 203.0.113.5", "X-Forwarded-Proto": "https"},
        environ_base={"REMOTE_ADDR": PROXY},
    )
    assert response.status_code == 302
    assert db.session.query(LoginSession).filter_by(user_id=user.id).one().ip_address == "203.0.113.5"
