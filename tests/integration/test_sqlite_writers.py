"""SQLite writers take turns through a lock file: the next one goes when one commits or rolls back, readers
never wait for a turn, and a writer that waited too long falls back to SQLite's own busy timeout."""

from __future__ import annotations

import fcntl
import os
import threading
import time

import pytest
from sqlalchemy import text

from tests.factories import make_organisation
from tracker.common import database
from tracker.common.sqlite_writers import TakingTurnsConnection
from tracker.extensions import db


@pytest.fixture
def engine(app, backend):
    if backend != "sqlite":
        pytest.skip("writer turns are SQLite's (PostgreSQL locks rows)")
    db.session.commit()
    return db.engine


def _turn_file(engine) -> str:
    return f"{engine.url.database}-writers"


def test_the_apps_sqlite_connections_take_turns(engine):
    with engine.connect() as connection:
        assert isinstance(connection.connection.dbapi_connection, TakingTurnsConnection)


def test_a_writer_waits_for_the_turn_and_goes_when_the_other_commits(engine):
    events: list[str] = []
    first_holds, first_may_commit = threading.Event(), threading.Event()

    def first():
        with engine.connect() as connection:
            connection.begin()  # BEGIN IMMEDIATE, after taking the turn
            connection.execute(text("UPDATE organisation SET name = name"))
            first_holds.set()
            first_may_commit.wait(10)
            events.append("first commits")
            connection.commit()

    def second():
        first_holds.wait(10)
        with engine.connect() as connection:
            connection.begin()
            events.append("second begins")
            connection.commit()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    first_holds.wait(10)
    handle = os.open(_turn_file(engine), os.O_RDWR)
    try:
        with pytest.raises(BlockingIOError):  # the first writer holds the turn
            fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)
    finally:
        os.close(handle)
    time.sleep(0.3)  # the second writer is waiting for its turn meanwhile
    assert events == []
    first_may_commit.set()
    for thread in threads:
        thread.join(10)
    assert events == ["first commits", "second begins"]


@pytest.mark.parametrize("end", ["rollback", "close"])
def test_the_turn_is_given_back_on_rollback_and_on_close(engine, end):
    connection = engine.connect()
    connection.begin()
    dbapi_connection = connection.connection.dbapi_connection
    assert dbapi_connection.holds_writer_turn
    if end == "rollback":
        connection.rollback()
        assert not dbapi_connection.holds_writer_turn
        connection.close()
    else:
        connection.invalidate()  # closes the DBAPI connection itself
    handle = os.open(_turn_file(engine), os.O_RDWR)
    try:
        fcntl.flock(handle, fcntl.LOCK_EX | fcntl.LOCK_NB)  # free again: raises BlockingIOError otherwise
    finally:
        os.close(handle)


def test_after_waiting_too_long_a_writer_goes_on_to_sqlites_own_wait(engine, monkeypatch):
    monkeypatch.setattr(database, "WRITER_TURN_SECONDS", 0.2)
    handle = os.open(_turn_file(engine), os.O_RDWR | os.O_CREAT)
    fcntl.flock(handle, fcntl.LOCK_EX)  # a turn nobody gives back (SQLite's own lock is free)
    try:
        started = time.monotonic()
        make_organisation(name="Written after the wait")
        db.session.commit()
        assert time.monotonic() - started >= 0.2
    finally:
        os.close(handle)
    assert db.session.scalar(text("SELECT count(*) FROM organisation WHERE name = 'Written after the wait'")) == 1


def test_readers_never_wait_for_a_turn(app, engine, client, monkeypatch):
    monkeypatch.setattr(database, "WRITER_TURN_SECONDS", 30)
    handle = os.open(_turn_file(engine), os.O_RDWR | os.O_CREAT)
    fcntl.flock(handle, fcntl.LOCK_EX)
    try:
        started = time.monotonic()
        assert client.get("/sign-in").status_code == 200
        assert client.get("/healthz").status_code == 200
        assert time.monotonic() - started < 5  # a writer would have waited the 30 seconds
    finally:
        os.close(handle)
