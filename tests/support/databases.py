"""Test databases: a migrated SQLite file and, with TRACKER_TEST_POSTGRES_URL, a migrated PostgreSQL database.

Each test run makes its own PostgreSQL database (named after the process), so two runs on one machine
never clean each other's tables. The schema comes from the Alembic migrations, as in production.
"""

from __future__ import annotations

import os
import uuid
from pathlib import Path

import psycopg
from sqlalchemy.engine import make_url

POSTGRES_URL = os.environ.get("TRACKER_TEST_POSTGRES_URL") or None
BACKENDS = ["sqlite"] + (["postgresql"] if POSTGRES_URL else [])


def _admin_conninfo(url: str) -> tuple[str, str]:
    parsed = make_url(url)
    conninfo = parsed.set(drivername="postgresql", database="postgres").render_as_string(hide_password=False)
    return conninfo, parsed.database or "test"


def create_postgres_database(prefix: str = "tracker_test") -> str:
    """A new empty database beside the one TRACKER_TEST_POSTGRES_URL names; returns its URL."""
    assert POSTGRES_URL
    conninfo, _ = _admin_conninfo(POSTGRES_URL)
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    return make_url(POSTGRES_URL).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(url: str) -> None:
    conninfo, _ = _admin_conninfo(POSTGRES_URL or url)
    name = make_url(url).database
    with psycopg.connect(conninfo, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def sqlite_url(directory: Path, name: str = "tracker.db") -> str:
    return f"sqlite:///{directory / name}"


def migrate(app) -> None:
    """Build the schema with `flask db upgrade` (the Alembic migrations), not create_all."""
    from flask_migrate import upgrade

    from tracker.extensions import db

    with app.app_context():
        upgrade()
        db.session.remove()
        db.engine.dispose()


def clean_tables(app) -> None:
    """Empty every table (keeping the schema) so each test starts from nothing."""
    from tracker.extensions import db

    with app.app_context():
        engine = db.engine
        tables = [t.name for t in reversed(db.metadata.sorted_tables)]
        with engine.begin() as connection:
            # DELETE, child tables first: on tables of a few rows it is far cheaper than TRUNCATE.
            for table in tables:
                connection.exec_driver_sql(f'DELETE FROM "{table}"')
        engine.dispose()
