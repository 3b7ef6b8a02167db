"""Backup and restore as docs/deploy.md says (`pg_dump --format=custom`, `pg_restore`), taken while bookings are
being made through nginx: the restored database holds exactly what the dump's snapshot held."""

from __future__ import annotations

import subprocess
import threading
import time

from deploy.check.stack import COORDINATOR
from tests.support.databases import create_postgres_database

COUNTED = ["booking", "outbox_message", "person", "audit_event", "training_session", "alembic_version"]


def libpq(url: str) -> str:
    return url.replace("postgresql+psycopg://", "postgresql://")


def counts(cursor) -> dict[str, int]:
    return {table: cursor.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for table in COUNTED}


def test_a_dump_taken_while_booking_restores_to_the_same_counts(stack):
    import psycopg

    token = stack.flask("tokens", "create", COORDINATOR).stdout.strip().splitlines()[-1]
    sessions = [
        row[0]
        for row in stack.sql(
            "SELECT id FROM training_session WHERE status = 'published' AND starts_at > now() + interval '3 days'"
            " AND NOT audience_restricted ORDER BY starts_at LIMIT 3"
        )
    ]
    people = [
        row[0]
        for row in stack.sql(
            "SELECT id FROM person WHERE email IS NOT NULL AND end_date IS NULL AND erased_at IS NULL"
            " AND id NOT IN (SELECT person_id FROM booking) ORDER BY id LIMIT 150"
        )
    ]
    # Enough people that booking still runs after the dump, however long it takes (open sessions: anyone books).
    assert sessions and len(people) >= 100

    before = stack.sql("SELECT count(*) FROM booking")[0][0]
    made: list[int] = []
    stop = threading.Event()

    def book() -> None:
        client = stack.client("127.0.4.1")
        headers = {"Authorization": f"Bearer {token}"}
        for n, person_id in enumerate(people):
            if stop.is_set():
                return
            response = client.post(
                f"{stack.base_url}/api/v1/sessions/{sessions[n % len(sessions)]}/bookings",
                json={"person_id": person_id},
                headers=headers,
                timeout=30,
            )
            assert response.status_code == 201, response.text
            made.append(person_id)

    booking = threading.Thread(target=book)
    booking.start()
    try:
        _wait_for(lambda: len(made) >= 10)
        dump = stack.workdir / "tracker.dump"
        with psycopg.connect(libpq(stack.database_url)) as connection, connection.cursor() as cursor:
            # The same snapshot for our counts and for pg_dump: what was committed at this instant, exactly.
            cursor.execute("BEGIN ISOLATION LEVEL REPEATABLE READ")
            snapshot = cursor.execute("SELECT pg_export_snapshot()").fetchone()[0]
            at_dump = counts(cursor)
            subprocess.run(
                ["pg_dump", "--format=custom", f"--snapshot={snapshot}", f"--file={dump}", libpq(stack.database_url)],
                check=True,
                timeout=300,
            )
            cursor.execute("COMMIT")
        during = len(made)
        _wait_for(lambda: len(made) >= during + 10)
    finally:
        stop.set()
        booking.join(timeout=120)

    restored = create_postgres_database("tracker_restored")
    stack.databases.append(restored)
    subprocess.run(
        ["pg_restore", "--no-owner", "--exit-on-error", f"--dbname={libpq(restored)}", str(dump)],
        check=True,
        timeout=300,
    )
    with psycopg.connect(libpq(restored)) as connection, connection.cursor() as cursor:
        after_restore = counts(cursor)
    with psycopg.connect(libpq(stack.database_url)) as connection, connection.cursor() as cursor:
        now = counts(cursor)

    assert after_restore == at_dump
    assert now["booking"] > at_dump["booking"], "no booking was made after the dump: the test proved nothing"
    assert at_dump["booking"] > before, "no booking was made before the dump"
    assert after_restore["alembic_version"] == 1


def _wait_for(condition, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.05)
