"""What every connection of the app is set up with, on each database (`tracker.common.database`)."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import time

import pytest
from sqlalchemy import text

from tracker.common import database
from tracker.extensions import db


def test_postgresql_connections_run_without_jit_and_sqlite_ones_with_their_pragmas(app, backend):
    if backend == "postgresql":
        # JIT compilation cost more than the regional coverage statements it compiled (bench: reports).
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
    else:
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000


def _holds_the_write_lock_for(path, seconds: float, started: threading.Event) -> None:
    other = sqlite3.connect(path, isolation_level=None)
    try:
        other.execute("BEGIN IMMEDIATE")
        started.set()
        time.sleep(seconds)
        other.execute("COMMIT")
    finally:
        other.close()


@contextlib.contextmanager
def _while_another_writer_holds_the_lock(tmp_path, seconds: float):
    """A connection to a new SQLite file (autocommit, as the app's are) while another holds its write lock for
    `seconds`; the other has let go when the block ends."""
    path = tmp_path / "writers.db"
    sqlite3.connect(path).close()
    connection = sqlite3.connect(path, isolation_level=None)
    connection.execute(f"PRAGMA busy_timeout = {database.SQLITE_BUSY_TIMEOUT_MS}")
    started = threading.Event()
    holder = threading.Thread(target=_holds_the_write_lock_for, args=(path, seconds, started))
    holder.start()
    started.wait(5)
    try:
        yield connection
    finally:
        holder.join()
        connection.close()


def test_a_sqlite_writer_waits_for_the_write_lock_then_takes_it_and_keeps_its_busy_timeout(tmp_path):
    with _while_another_writer_holds_the_lock(tmp_path, 0.2) as connection:
        waited_from = time.monotonic()
        database._begin_immediate(connection)
        waited = time.monotonic() - waited_from

        assert connection.in_transaction
        assert 0.1 < waited < 5
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == database.SQLITE_BUSY_TIMEOUT_MS
        connection.execute("COMMIT")


def test_a_sqlite_writer_gives_up_after_the_busy_timeout(tmp_path, monkeypatch):
    monkeypatch.setattr(database, "SQLITE_BUSY_TIMEOUT_MS", 50)
    with _while_another_writer_holds_the_lock(tmp_path, 0.5) as connection:
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            database._begin_immediate(connection)

        assert not connection.in_transaction
        assert connection.execute("PRAGMA busy_timeout").fetchone()[0] == 50
