"""Engine set-up that makes SQLite behave for concurrent writers, and helpers for dialect differences."""

from __future__ import annotations

from flask import has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine

#: Requests that never change data; their SQLite transactions start deferred (readers run in parallel).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def configure_engine(engine: Engine) -> None:
    """On SQLite: WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE for every writing transaction, and a
    lower() that lower-cases every letter, as PostgreSQL's does (SQLite's own folds only A-Z, so a check
    "is this name taken, ignoring case" missed "Ñandú" against "ñandú" and the unique index refused the insert).

    SQLite ignores SELECT ... FOR UPDATE, so two writers could both read a session's old seat count.
    Starting every write transaction with BEGIN IMMEDIATE takes the write lock before the first read,
    which serialises bookings the way the row lock does on PostgreSQL. GET requests (which never
    change anything) begin deferred so reads stay concurrent.
    """
    if engine.dialect.name != "sqlite":
        return

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection, _record) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves
        cursor = dbapi_connection.cursor()
        dbapi_connection.create_function("lower", 1, _lower, deterministic=True)
        cursor.execute("PRAGMA busy_timeout = 30000")
        cursor.execute("PRAGMA foreign_keys = ON")
        if engine.url.database not in (None, "", ":memory:"):
            cursor.execute("PRAGMA journal_mode = WAL")
            cursor.execute("PRAGMA synchronous = NORMAL")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        read_only = has_request_context() and request.method in READ_ONLY_METHODS
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _lower(value):
    """SQL lower() for SQLite: Unicode-aware; NULL stays NULL, other values lower-case as text (as before)."""
    if value is None:
        return None
    return (value if isinstance(value, str) else str(value)).lower()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
