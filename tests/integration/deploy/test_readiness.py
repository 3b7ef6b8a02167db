"""/readyz and `outbox status`: the database, migrations at head, the outbox worker's heartbeat and the backlog."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import delete, text, update

from tests.factories import make_booking, make_session
from tracker.common.time import utc_now
from tracker.invites import heartbeat
from tracker.invites.heartbeat import WorkerHeartbeat
from tracker.invites.models import OutboxMessage
from tracker.main.readiness import migration_heads


@pytest.fixture
def mail(app):
    app.config["MAIL_SERVER"] = "127.0.0.1"
    yield
    app.config["MAIL_SERVER"] = None


def test_ready_without_mail_needs_no_worker(client):
    response = client.get("/readyz")
    assert response.status_code == 200
    body = response.get_json()
    assert body["status"] == "ready"
    assert body["checks"]["migrations"] == {
        "ok": True,
        "current": list(migration_heads()),
        "head": list(migration_heads()),
    }
    assert body["checks"]["outbox_backlog"] == {"ok": True, "due": 0, "oldest_due_seconds": None}


def test_with_mail_a_silent_worker_is_not_ready_and_a_beating_one_is(app, client, db, mail, runner):
    response = client.get("/readyz")
    assert response.status_code == 503
    assert response.get_json()["checks"]["outbox_worker"] == {
        "ok": False,
        "workers_alive": 0,
        "last_beat_seconds_ago": None,
    }
    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 1 and "none alive" in result.output

    heartbeat.beat("host:1:abc", now=utc_now() - timedelta(seconds=300))  # beat long ago: stale
    db.session.commit()
    assert client.get("/readyz").status_code == 503
    assert runner.invoke(args=["outbox", "status"]).exit_code == 1

    heartbeat.beat("host:1:abc")
    db.session.commit()
    response = client.get("/readyz")
    assert response.status_code == 200
    assert response.get_json()["checks"]["outbox_worker"]["workers_alive"] == 1
    result = runner.invoke(args=["outbox", "status"])
    assert result.exit_code == 0 and "1 alive" in result.output

    heartbeat.stopped("host:1:abc")
    db.session.commit()
    assert client.get("/readyz").status_code == 503
    db.session.execute(delete(WorkerHeartbeat))
    db.session.commit()


def test_the_backlog_counts_mail_due_and_its_age(client, db):
    make_booking(make_session())  # the invitation waits in the outbox
    db.session.commit()
    waiting = db.session.query(OutboxMessage).count()
    assert waiting >= 1
    db.session.execute(update(OutboxMessage).values(next_attempt_at=utc_now() - timedelta(minutes=10)))
    db.session.commit()
    backlog = client.get("/readyz").get_json()["checks"]["outbox_backlog"]
    assert backlog["due"] == waiting and backlog["oldest_due_seconds"] >= 600


def test_a_schema_behind_the_code_is_not_ready(client, db):
    db.session.execute(text("UPDATE alembic_version SET version_num = '5e1f0a7c2b31'"))
    db.session.commit()
    try:
        response = client.get("/readyz")
        assert response.status_code == 503
        assert response.get_json()["checks"]["migrations"]["current"] == ["5e1f0a7c2b31"]
    finally:
        db.session.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": migration_heads()[0]})
        db.session.commit()
