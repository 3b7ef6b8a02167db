"""Fixtures: the app on each database backend, a client, signed-in clients, a real SMTP server."""

from __future__ import annotations

import pytest

from config import TestConfig
from tests.support.client import IsolatedClient
from tests.support.databases import (
    BACKENDS,
    POSTGRES_URL,
    clean_tables,
    create_postgres_database,
    drop_postgres_database,
    migrate,
    sqlite_url,
)
from tests.support.queries import count_queries
from tests.support.smtp import SmtpServer
from tracker import create_app

PASSWORD = "a long test passphrase 42"


def make_config(database_url: str, **overrides) -> TestConfig:
    config = TestConfig()
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.PASSWORD_HASH_PROFILE = "fast"
    for key, value in overrides.items():
        setattr(config, key, value)
    return config


@pytest.fixture(scope="session")
def database_urls(tmp_path_factory):
    """One migrated database per backend for the whole run (made on first use)."""
    urls: dict[str, str] = {}
    made: list[str] = []

    def get(backend: str) -> str:
        if backend not in urls:
            if backend == "sqlite":
                url = sqlite_url(tmp_path_factory.mktemp("sqlite"))
            else:
                url = create_postgres_database()
                made.append(url)
            migrate(create_app(make_config(url)))
            urls[backend] = url
        return urls[backend]

    yield get
    for url in made:
        drop_postgres_database(url)


@pytest.fixture(params=BACKENDS)
def backend(request) -> str:
    return request.param


@pytest.fixture
def database_url(database_urls, backend) -> str:
    return database_urls(backend)


@pytest.fixture
def app_config(database_url):
    """Override in a test module to change settings: return make_config(database_url, ...)."""
    return make_config(database_url)


@pytest.fixture
def app(app_config):
    application = create_app(app_config)
    application.test_client_class = IsolatedClient
    clean_tables(application)
    with application.app_context():
        yield application
        from tracker.extensions import db

        db.session.rollback()
        db.session.remove()
        db.engine.dispose()


@pytest.fixture
def db(app):
    from tracker.extensions import db as database

    return database


@pytest.fixture
def client(app) -> IsolatedClient:
    return app.test_client()


@pytest.fixture
def runner(app):
    return app.test_cli_runner()


@pytest.fixture
def queries(app):
    """`with queries() as counter: ...; counter.count` counts SQL statements in the block."""
    from tracker.extensions import db

    return lambda: count_queries(db.engine)


def sign_in(client, user_or_email, password: str = PASSWORD):
    email = user_or_email if isinstance(user_or_email, str) else user_or_email.person.email
    response = client.post("/sign-in", data={"email": email, "password": password})
    assert response.status_code == 302, f"sign-in failed for {email}: {response.status_code}"
    return client


@pytest.fixture
def signed_in(app):
    """`signed_in(user)` gives a new client signed in as that user."""

    def make(user):
        return sign_in(app.test_client(), user)

    return make


@pytest.fixture(scope="session")
def smtp_server():
    server = SmtpServer()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def smtp(smtp_server, app):
    """A real SMTP server the app is configured to send through; `smtp.messages` are parsed emails."""
    if smtp_server.controller is None:
        smtp_server.start()
    smtp_server.clear()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=smtp_server.port, MAIL_USE_TLS=False)
    yield smtp_server
    if smtp_server.controller is None:
        smtp_server.start()


__all__ = ["POSTGRES_URL", "sign_in"]
