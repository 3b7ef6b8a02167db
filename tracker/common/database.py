"""Engine set-up and the write lock: SQLite made to behave like PostgreSQL's READ COMMITTED for writers.

PostgreSQL needs little here: each unit of work is one transaction, and the services that must serialise
(a session's seats) take a row lock with `SELECT … FOR UPDATE`. Its connections start with JIT compilation off:
on the regional data set the planner's estimate for the coverage statements passes the JIT thresholds and
compiling took longer than running them (3.0 s of JIT for a 2.8 s statement; 3.8 s → 1.6 s without, see
bench/results.md); no statement of this app runs long enough to repay it. SQLite has no row locks and lets one
transaction write at a time. Its transactions begin deferred, so any number of units of work read at once;
the first write of a unit of work (any INSERT, UPDATE, DELETE or DDL, or a savepoint) first takes the
database's write lock with `BEGIN IMMEDIATE`, waiting for it up to the busy timeout; so does a
`SELECT … FOR UPDATE` (SQLite drops the clause), which a service issues where what it reads must not change
before it writes (the seats of a session). A unit of work that has only read holds nothing the writer needs, so
its reading transaction is ended and the locked one begins in its place: later reads see what is committed by
then, as under PostgreSQL's READ COMMITTED.
"""

from __future__ import annotations

import sqlite3
import time

from sqlalchemy import event
from sqlalchemy.engine import Connection, Engine

#: How long a writer waits for SQLite's write lock before the unit of work fails ("database is locked").
SQLITE_BUSY_TIMEOUT_MS = 30_000
#: How often a writer waiting for the write lock tries again.
SQLITE_WRITE_LOCK_RETRY_SECONDS = 0.0005

#: Connection.info keys: this connection's transaction holds SQLite's write lock; the driver's count of changed
#: rows when the transaction began (a transaction that has changed rows already holds the lock).
_WRITING = "tracker.sqlite_writing"
_CHANGES_AT_BEGIN = "tracker.sqlite_changes_at_begin"


def configure_engine(engine: Engine) -> None:
    """On SQLite: WAL, the busy timeout, foreign keys, deferred transactions that take the write lock at their
    first write, and a lower() that lower-cases every letter as PostgreSQL's does (SQLite's own folds only A-Z,
    so "is this name taken, ignoring case" missed "Ñandú" against "ñandú")."""
    if not is_sqlite(engine):
        if engine.dialect.name == "postgresql":

            @event.listens_for(engine, "do_connect")
            def _without_jit(_dialect, _record, _cargs, cparams) -> None:
                cparams["options"] = f"{cparams.get('options', '')} -c jit=off".strip()

        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # the transactions are begun below, not by the driver
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor = dbapi_connection.cursor()
        cursor.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _begin(connection: Connection) -> None:
        connection.info.pop(_WRITING, None)
        connection.info[_CHANGES_AT_BEGIN] = connection.connection.dbapi_connection.total_changes
        connection.exec_driver_sql("BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _lock_before_writing(connection: Connection, _cursor, _statement, _parameters, context, _many) -> None:
        if context is not None and (
            context.isinsert or context.isupdate or context.isdelete or context.isddl or _locks_rows(context)
        ):
            _write_lock(connection)

    @event.listens_for(engine, "savepoint")
    def _lock_before_savepoint(connection: Connection, _name) -> None:
        _write_lock(connection)


def _locks_rows(context) -> bool:
    """A SELECT … FOR UPDATE (or FOR SHARE): the statement's own lock request, not its SQL text."""
    compiled = context.compiled
    return compiled is not None and getattr(compiled.statement, "_for_update_arg", None) is not None


def _write_lock(connection: Connection) -> None:
    if connection.info.get(_WRITING):
        return
    dbapi_connection = connection.connection.dbapi_connection
    if dbapi_connection.in_transaction:
        if dbapi_connection.total_changes != connection.info.get(_CHANGES_AT_BEGIN):
            connection.info[_WRITING] = True  # it has written, so it holds the lock already
            return
        dbapi_connection.execute("COMMIT")  # a transaction that has only read: nothing to keep
    _begin_immediate(dbapi_connection)
    connection.info[_WRITING] = True


def _begin_immediate(dbapi_connection) -> None:
    """`BEGIN IMMEDIATE`, trying again every half millisecond while another writer holds the lock, for up to the
    busy timeout. SQLite's own busy handler sleeps 1, 2, 5, 10 ms... between tries: two web workers booking at
    once spent a third of their time asleep waiting for transactions of a millisecond or two (bench/results.md)."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_MS / 1000
    dbapi_connection.execute("PRAGMA busy_timeout = 0")
    try:
        while True:
            try:
                dbapi_connection.execute("BEGIN IMMEDIATE")
                return
            except sqlite3.OperationalError as error:
                if error.sqlite_errorcode != sqlite3.SQLITE_BUSY or time.monotonic() > deadline:
                    raise
            time.sleep(SQLITE_WRITE_LOCK_RETRY_SECONDS)
    finally:
        dbapi_connection.execute(f"PRAGMA busy_timeout = {SQLITE_BUSY_TIMEOUT_MS}")


def _lower(value):
    """SQL lower() for SQLite: Unicode-aware; NULL stays NULL, other values lower-case as text (as before)."""
    if value is None:
        return None
    return (value if isinstance(value, str) else str(value)).lower()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
