"""PostgreSQL for `make bench` and `make stress`: the server named by BENCH_POSTGRES_URL (or the tests'
TRACKER_TEST_POSTGRES_URL), and scratch databases made beside the one named and dropped afterwards."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import psycopg
from sqlalchemy.engine import make_url

DEFAULT_POSTGRES_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_base_url() -> str:
    return os.environ.get("BENCH_POSTGRES_URL") or os.environ.get("TRACKER_TEST_POSTGRES_URL") or DEFAULT_POSTGRES_URL


def conninfo(url: str, *, database: str | None = None) -> str:
    """A psycopg connection string for a SQLAlchemy URL (to another database on the same server if given)."""
    address = make_url(url).set(drivername="postgresql")
    if database is not None:
        address = address.set(database=database)
    return address.render_as_string(hide_password=False)


def admin_conninfo(url: str) -> str:
    """The server's `postgres` database, where databases are made and dropped."""
    return conninfo(url, database="postgres")


@contextmanager
def scratch_database(prefix: str, *, keep: bool = False) -> Iterator[str]:
    """A new, empty database on the server of `postgres_base_url()`, as a SQLAlchemy URL; dropped
    afterwards (even with connections still open) unless `keep`."""
    base = postgres_base_url()
    name = f"{prefix}_{os.getpid()}_{uuid.uuid4().hex[:6]}"
    with psycopg.connect(admin_conninfo(base), autocommit=True) as connection:
        connection.execute(f'CREATE DATABASE "{name}"')
    try:
        yield make_url(base).set(database=name).render_as_string(hide_password=False)
    finally:
        if not keep:
            with psycopg.connect(admin_conninfo(base), autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
