"""Faults: an unreachable database gives a clear page and changes nothing; a failure half-way through
a request leaves the database as it was."""

from __future__ import annotations

import re

import psycopg
import pytest
from sqlalchemy import event, func, select
from sqlalchemy.engine import make_url

from tests.conftest import make_config
from tests.factories import make_organisation, make_session
from tracker import create_app
from tracker.booking import signals
from tracker.booking.models import Booking
from tracker.extensions import db
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage
from tracker.people.models import OrganisationKind, Person


@pytest.fixture
def unreachable_url(backend, database_url, tmp_path):
    if backend == "sqlite":
        return f"sqlite:///{tmp_path}/missing-directory/tracker.db"
    return make_url(database_url).set(port=1).render_as_string(hide_password=False)


def test_an_unreachable_database_gives_a_clear_page_not_a_stack_trace(unreachable_url):
    app = create_app(make_config(unreachable_url, SQLALCHEMY_ENGINE_OPTIONS={"pool_pre_ping": False}))
    client = app.test_client()
    assert client.get("/healthz").status_code == 200  # liveness: the process answers
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.get_json()["checks"]["database"]["ok"] is False
    response = client.get("/book")
    assert response.status_code == 503
    page = response.get_data(as_text=True)
    assert "Sorry, the service is unavailable" in page and "nothing was changed" in page
    assert "Traceback" not in page
    response = client.post("/sign-in", data={"email": "someone@example.org", "password": "whatever it is"})
    assert response.status_code == 503
    api = client.get("/api/v1/organisations", headers={"Authorization": "Bearer x"})
    assert api.status_code == 503 and api.get_json()["error"]["code"] == "unavailable"
    with app.app_context():
        db.engine.dispose()


def _count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_connection_lost_half_way_through_a_booking_writes_nothing(app, client, backend, database_url):
    """Following a public booking's emailed link makes a person, a booking and an email; the connection dies
    in between."""
    mencap = make_organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR)
    training_session = make_session(capacity=3)
    db.session.commit()
    asked = client.post(
        f"/book/sessions/{training_session.id}",
        data={"first_name": "Dee", "last_name": "V", "email": "dee@example.org", "organisation_id": mencap.id},
    )
    assert asked.status_code == 302
    request_email = db.session.scalars(
        select(OutboxMessage).where(OutboxMessage.kind == "public_booking_request")
    ).one()
    link = re.search(r"(/book/requests/\S+)", render_outgoing(request_email).body_text).group(1)
    before = (_count(Person), _count(Booking), _count(OutboxMessage))

    def lose_the_connection(booking, **_):
        if backend == "postgresql":
            pid = db.session.connection().exec_driver_sql("SELECT pg_backend_pid()").scalar()
            admin = make_url(database_url).set(drivername="postgresql").render_as_string(hide_password=False)
            with psycopg.connect(admin, autocommit=True) as connection:
                connection.execute("SELECT pg_terminate_backend(%s)", (pid,))
        else:  # SQLite has no server to lose: fail the commit the way a lost file would
            engine = db.session.get_bind()

            def fail(*_args, **_kwargs):
                import sqlite3

                from sqlalchemy.exc import OperationalError

                raise OperationalError("COMMIT", {}, sqlite3.OperationalError("disk I/O error"))

            event.listen(engine, "commit", fail, once=True)

    signals.booking_confirmed.connect(lose_the_connection)
    try:
        response = client.post(link)
    finally:
        signals.booking_confirmed.disconnect(lose_the_connection)
    assert response.status_code == 503
    assert "nothing was changed" in response.get_data(as_text=True)
    db.session.rollback()
    assert (_count(Person), _count(Booking), _count(OutboxMessage)) == before
    # And the service carries on once the database is back: the same link books the place.
    response = client.post(link)
    assert response.status_code == 200 and "Your place is booked" in response.get_data(as_text=True)
