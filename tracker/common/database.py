"""Engine set-up: SQLite made to behave for concurrent writers; on PostgreSQL, reading requests in autocommit and
pooled connections pinged only after sitting idle; how a request that only read ends its transaction (COMMIT,
which keeps psycopg's prepared statements); and helpers for dialect differences."""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from contextlib import contextmanager

from flask import Flask, g, has_app_context, has_request_context, request
from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DisconnectionError, SQLAlchemyError

from tracker.common.sqlite_writers import TakingTurnsConnection

#: Requests that never change data; their SQLite transactions start deferred (readers run in parallel).
READ_ONLY_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection with a ping when it comes out of the pool after `idle_seconds` unused; a dead
    one (the database restarted, or a network device dropped it) is replaced before the request uses it.

    In place of SQLAlchemy's `pool_pre_ping`, which pings at every checkout: one more round trip, and on
    psycopg two switches of autocommit, on every request. Under load a connection goes back into use within
    milliseconds, when a ping tells nothing new; a connection that waited is pinged. A connection that dies
    while in use, or within `idle_seconds` of its last use, fails that one request, and SQLAlchemy then
    replaces every connection of the pool (it does on any disconnection error)."""

    @event.listens_for(engine, "checkin")
    def _returned(_dbapi_connection, record) -> None:
        record.info["returned_at"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection, record, _proxy) -> None:
        returned = record.info.pop("returned_at", None)
        if returned is None or time.monotonic() - returned < idle_seconds:
            return
        try:
            engine.dialect.do_ping(dbapi_connection)
        except engine.dialect.loaded_dbapi.Error as error:
            raise DisconnectionError("the pooled connection did not answer a ping") from error


def configure_engine(engine: Engine) -> None:
    """On SQLite: WAL, a busy timeout, foreign keys, BEGIN IMMEDIATE for every writing transaction, and a
    lower() that lower-cases every letter, as PostgreSQL's does (SQLite's own folds only A-Z, so a check
    "is this name taken, ignoring case" missed "Ñandú" against "ñandú" and the unique index refused the insert).

    SQLite ignores SELECT ... FOR UPDATE, so two writers could both read a session's old seat count.
    Starting every write transaction with BEGIN IMMEDIATE takes the write lock before the first read,
    which serialises bookings the way the row lock does on PostgreSQL. GET requests (which never
    change anything) begin deferred so reads stay concurrent. Writers take turns on a lock file first, so
    the next one goes as soon as one commits (`tracker.common.sqlite_writers`).

    On every database: a request that sends anything but SELECT is noted (`commit_read_only_requests`).
    """
    event.listen(engine, "before_cursor_execute", _note_writes)
    if engine.dialect.name != "sqlite":
        _read_in_autocommit(engine)
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

    database = engine.url.database
    takes_turns = database not in (None, "", ":memory:") and not database.startswith("file:")

    @event.listens_for(engine, "begin")
    def _on_begin(connection) -> None:
        read_only = has_request_context() and (_reads_only() or g.get("reading_first"))
        if not read_only and takes_turns:
            dbapi_connection = connection.connection.dbapi_connection
            if isinstance(dbapi_connection, TakingTurnsConnection):
                dbapi_connection.take_writer_turn(database, timeout=WRITER_TURN_SECONDS)
        connection.exec_driver_sql("BEGIN" if read_only else "BEGIN IMMEDIATE")


def _reads_only() -> bool:
    """A GET (or HEAD) request, unless its view said it writes (`get_request_writes`)."""
    return request.method in READ_ONLY_METHODS and not g.get("get_writes")


def get_request_writes() -> None:
    """Mark this GET request as one that writes: a sign-in provider sends the browser back to the OpenID Connect
    callback with a GET, which makes the account and the sign-in session. Its transaction then begins as a POST's
    does (BEGIN IMMEDIATE on SQLite, a transaction on PostgreSQL). Any reading transaction already begun is ended."""
    from tracker.extensions import db

    g.get_writes = True
    if db.session().in_transaction():
        db.session.commit()


#: How long a writer waits for its turn before going on to BEGIN IMMEDIATE (and SQLite's busy timeout).
WRITER_TURN_SECONDS = 10.0


def sqlite_connections_take_turns(app: Flask) -> None:
    """Before the engine is made: SQLite connections of the class that takes writer turns
    (`tracker.common.sqlite_writers`). The configured engine options are copied, not changed in place."""
    if not str(app.config.get("SQLALCHEMY_DATABASE_URI", "")).startswith("sqlite"):
        return
    options = dict(app.config.get("SQLALCHEMY_ENGINE_OPTIONS") or {})
    options["connect_args"] = {**options.get("connect_args", {}), "factory": TakingTurnsConnection}
    app.config["SQLALCHEMY_ENGINE_OPTIONS"] = options


@contextmanager
def reading_first() -> Iterator[None]:
    """Run the block (which only reads) in a transaction of its own, ended after it, keeping what it loaded.

    For the sign-in check of a request that writes, on SQLite: otherwise its BEGIN IMMEDIATE took the
    database's write lock before the user was even read, and every other writer waited through it. The
    request's own work then begins a new transaction, with the lock, at its first statement. Elsewhere (on
    PostgreSQL, for reading requests, or inside a transaction already begun) the block just runs.
    """
    from tracker.extensions import db

    session = db.session()
    if (
        not has_request_context()
        or request.method in READ_ONLY_METHODS
        or session.in_transaction()
        or not is_sqlite(session.get_bind())
    ):
        yield
        return
    g.reading_first = True
    try:
        yield
    finally:
        g.reading_first = False
    if session.in_transaction() and not (session.new or session.dirty or session.deleted):
        expire_on_commit, session.expire_on_commit = session.expire_on_commit, False  # keep the user loaded
        try:
            session.commit()
        finally:
            session.expire_on_commit = expire_on_commit


#: Statements that only read (SQLite's explicit BEGIN included); anything else counts as a write.
_READING = ("SELECT", "BEGIN")

#: Set in a connection's info while a reading request's statements run in autocommit.
_AUTOCOMMIT_READS = "reads_in_autocommit"

#: A SELECT that takes row locks: in autocommit its locks would end with it.
_LOCKING_READ = re.compile(r"\bFOR (?:NO KEY )?UPDATE\b|\bFOR (?:KEY )?SHARE\b")


def _note_writes(conn, cursor, statement: str, parameters, context, executemany) -> None:
    writes = not statement.lstrip()[:6].upper().startswith(_READING)
    if writes and has_app_context():
        g.database_written = True
    if conn.info.get(_AUTOCOMMIT_READS) and (writes or (" FOR " in statement and _LOCKING_READ.search(statement))):
        # From here on a transaction again (psycopg sends BEGIN before this statement), so that a write (or a
        # savepoint) is undone with the rest, and a lock is held until the end; ended as any reading request's
        # that wrote: rolled back, unless the view commits.
        del conn.info[_AUTOCOMMIT_READS]
        conn.connection.dbapi_connection.autocommit = False


def _read_in_autocommit(engine: Engine) -> None:
    """On PostgreSQL: the statements of a GET (or HEAD) run in autocommit, without BEGIN and COMMIT.

    They are two round trips of the three to five a page makes, and a sixth of the CPU of the signed-in
    check every page begins with. The reads of such a page are each consistent, not with one another (a
    booking made between two of them can show in one and not the other, as between two page views). The
    first statement that is not a plain SELECT (a write, a savepoint, or a SELECT ... FOR UPDATE) opens a
    transaction as before (`_note_writes`), so a GET that writes is still rolled back unless its view commits,
    and a lock is held until the end. The connection goes back to the pool in transactions."""

    @event.listens_for(engine, "begin")
    def _autocommit_reads(connection) -> None:
        if has_request_context() and _reads_only():
            connection.connection.dbapi_connection.autocommit = True
            connection.info[_AUTOCOMMIT_READS] = True

    @event.listens_for(engine, "checkin")
    def _back_to_transactions(dbapi_connection, record) -> None:
        if record.info.pop(_AUTOCOMMIT_READS, False) and dbapi_connection is not None:
            dbapi_connection.autocommit = False


def commit_read_only_requests(app: Flask) -> None:
    """End the transaction of a GET (or HEAD) that only read with COMMIT rather than ROLLBACK.

    For a transaction that wrote nothing the two are the same to the database, but not to psycopg: a
    ROLLBACK empties its cache of prepared statements, so with every page ending in one no statement was ever
    prepared and PostgreSQL planned every statement of every page again (planning cost more server time than
    executing). A request that failed, sent anything but SELECT (`_note_writes`), or left changes in the
    session is rolled back as before: a GET never changes anything, and this does not let one start.
    """

    @app.teardown_request
    def _commit_if_read_only(error: BaseException | None) -> None:
        from tracker.extensions import db

        if error is not None or request.method not in READ_ONLY_METHODS or g.get("database_written"):
            return
        session = db.session()  # the request's Session (the scoped proxy has no in_transaction)
        if not session.in_transaction() or session.new or session.dirty or session.deleted:
            return
        session.expire_on_commit = False  # nothing changed, and the session ends with the request
        try:
            session.commit()
        except SQLAlchemyError:
            session.rollback()


def read_rows(statement, parameters: dict | None = None) -> list:
    """The rows of a SELECT of columns (no ORM entities), run on the session's connection and transaction past
    the ORM layer: for these statements `Session.execute` cost half as much again, on pages every visit runs.

    It does not flush the session first (as `Session.execute` would): use it for reads of what is committed or
    already flushed, such as a page's reads, not for reading back changes made earlier in the same unit of work.
    """
    from tracker.extensions import db

    return db.session.connection().execute(statement, parameters or {}).all()


def _lower(value):
    """SQL lower() for SQLite: Unicode-aware; NULL stays NULL, other values lower-case as text (as before)."""
    if value is None:
        return None
    return (value if isinstance(value, str) else str(value)).lower()


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"
