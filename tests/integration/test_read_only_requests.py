"""A GET that only read ends its transaction with COMMIT, so psycopg keeps its prepared statements (a ROLLBACK
empties them, and PostgreSQL planned every statement of every page again); a GET that failed, wrote, or left
changes in the session is rolled back as before, and other methods are untouched."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select, text, update

from tests.factories import make_organisation
from tracker.access_policy import POLICY
from tracker.common.permissions import PUBLIC
from tracker.extensions import db
from tracker.people.models import Organisation


@pytest.fixture
def probes(app):
    """Routes that read, change an organisation's name without committing, or fail half-way."""
    organisation = make_organisation(name="Barnet Homes")
    db.session.commit()
    organisation_id = organisation.id

    def read():
        return str(db.session.scalar(select(func.count()).select_from(Organisation)))

    def rename_in_session():
        db.session.get(Organisation, organisation_id).name = "Renamed in the session"
        return "ok"

    def rename_in_sql():
        db.session.execute(update(Organisation).values(name="Renamed in SQL"))
        return "ok"

    def rename_then_fail():
        db.session.get(Organisation, organisation_id).name = "Renamed then failed"
        db.session.flush()
        raise RuntimeError("half-way")

    def prepared():
        return str(db.session.scalar(text("SELECT count(*) FROM pg_prepared_statements")))

    def transaction_state():
        """Whether PostgreSQL holds a transaction open after a read (IDLE: the read ran in autocommit)."""
        db.session.scalar(select(func.count()).select_from(Organisation))
        dbapi_connection = db.session.connection().connection.dbapi_connection
        return dbapi_connection.info.transaction_status.name

    def lock_then_state():
        """A locking read, as a booking's lock of its session: its lock must last until the request ends."""
        db.session.scalar(select(Organisation).where(Organisation.id == organisation_id).with_for_update())
        return db.session.connection().connection.dbapi_connection.info.transaction_status.name

    def savepoint_then_state():
        with db.session.begin_nested():
            db.session.scalar(select(func.count()).select_from(Organisation))
        return db.session.connection().connection.dbapi_connection.info.transaction_status.name

    routes = {
        "lock_then_state": lock_then_state,
        "savepoint_then_state": savepoint_then_state,
        "read": read,
        "rename_in_session": rename_in_session,
        "rename_in_sql": rename_in_sql,
        "rename_then_fail": rename_then_fail,
        "prepared": prepared,
        "transaction_state": transaction_state,
    }
    for name, view in routes.items():
        endpoint = f"probe_{name}"
        app.add_url_rule(f"/probe/{name}", endpoint, view, methods=["GET", "POST"])
        POLICY[endpoint] = PUBLIC
    yield organisation_id
    for name in routes:
        POLICY.pop(f"probe_{name}")


def _name(organisation_id: int) -> str:
    db.session.expire_all()
    return db.session.get(Organisation, organisation_id).name


@pytest.mark.parametrize("path", ["/probe/rename_in_session", "/probe/rename_in_sql", "/probe/rename_then_fail"])
def test_a_get_that_changed_something_is_rolled_back(app, probes, path):
    client = app.test_client()
    client.get(path)
    assert _name(probes) == "Barnet Homes"


def test_a_post_that_does_not_commit_is_rolled_back(app, probes):
    app.config["WTF_CSRF_ENABLED"] = False
    app.test_client().post("/probe/rename_in_session")
    assert _name(probes) == "Barnet Homes"


def test_a_get_that_only_read_keeps_the_prepared_statements(app, probes, backend):
    if backend != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's (psycopg prepares a statement run five times)")
    client = app.test_client()
    for _ in range(8):
        assert client.get("/probe/read").status_code == 200
    assert int(client.get("/probe/prepared").get_data(as_text=True)) > 0


def test_a_get_reads_without_a_transaction_and_a_post_in_one_on_the_same_connection(app, probes, backend):
    if backend != "postgresql":
        pytest.skip("SQLite's reading requests begin deferred transactions (see configure_engine)")
    app.config["WTF_CSRF_ENABLED"] = False
    client = app.test_client()
    for _ in range(3):  # the pool hands the same connection back and forth
        assert client.get("/probe/transaction_state").get_data(as_text=True) == "IDLE"
        assert client.post("/probe/transaction_state").get_data(as_text=True) == "INTRANS"


def test_a_get_that_writes_and_commits_keeps_its_write(app, probes):
    """As a refused request's audit does: the write opens a transaction, and the view's commit ends it."""

    def rename_and_commit():
        db.session.execute(update(Organisation).values(name="Renamed and committed"))
        db.session.commit()
        return "ok"

    app.add_url_rule("/probe/rename_and_commit", "probe_rename_and_commit", rename_and_commit)
    POLICY["probe_rename_and_commit"] = PUBLIC
    try:
        app.test_client().get("/probe/rename_and_commit")
    finally:
        POLICY.pop("probe_rename_and_commit")
    assert _name(probes) == "Renamed and committed"


@pytest.mark.parametrize("path", ["/probe/lock_then_state", "/probe/savepoint_then_state"])
def test_a_get_that_locks_rows_or_takes_a_savepoint_does_so_in_a_transaction(app, probes, backend, path):
    if backend != "postgresql":
        pytest.skip("SQLite's reading requests begin deferred transactions (see configure_engine)")
    response = app.test_client().get(path)
    assert response.status_code == 200 and response.get_data(as_text=True) == "INTRANS"
