"""A pooled connection unused for a while is pinged before use, and replaced if it died; one back in use at once
is not pinged (`tracker.common.database.ping_idle_connections`, in place of a ping at every checkout)."""

from __future__ import annotations

import time

import psycopg
import pytest
from sqlalchemy import text
from sqlalchemy.engine import make_url

from tests.conftest import make_config

IDLE = 0.3


@pytest.fixture
def app_config(database_url, backend):
    if backend != "postgresql":
        pytest.skip("SQLite connections are files: nothing to ping")
    return make_config(database_url, DATABASE_PING_AFTER_IDLE_SECONDS=IDLE)


def _backend_pid(db) -> int:
    try:
        return db.session.execute(text("SELECT pg_backend_pid()")).scalar_one()
    finally:
        db.session.remove()  # back into the pool


def _terminate(database_url: str, pid: int) -> None:
    admin = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
    with psycopg.connect(admin, autocommit=True) as connection:
        connection.execute("SELECT pg_terminate_backend(%s)", (pid,))


def _counting_pings(db, monkeypatch) -> list[int]:
    pings: list[int] = []
    ping = db.engine.dialect.do_ping

    def counted(dbapi_connection):
        pings.append(1)
        return ping(dbapi_connection)

    monkeypatch.setattr(db.engine.dialect, "do_ping", counted)
    return pings


def test_a_connection_that_died_while_idle_is_replaced_before_a_page_uses_it(app, db, client, database_url):
    first = _backend_pid(db)
    _terminate(database_url, first)
    time.sleep(IDLE + 0.1)
    assert client.get("/sign-in").status_code == 200
    assert _backend_pid(db) != first


def test_only_a_connection_idle_for_a_while_is_pinged(app, db, monkeypatch):
    pings = _counting_pings(db, monkeypatch)
    first = _backend_pid(db)
    assert _backend_pid(db) == first and _backend_pid(db) == first  # straight back into use
    assert pings == []
    time.sleep(IDLE + 0.1)
    assert _backend_pid(db) == first  # alive: pinged and kept
    assert pings == [1]
