"""Outbox send rate beside a bare smtplib loop: the same messages, the same local SMTP server, the same run.

`measure_outbox(n)` books n people onto a session on a fresh SQLite database (each booking queues an
invite through the real signal receivers), then:

1. sends the n invites, prebuilt as MIME messages, with a bare `smtplib` loop over one connection;
2. runs the outbox worker (`outbox work --once`): claim, render (templates, .ics), build MIME, send over one
   connection, record each.

Both go to one aiosmtpd server (its Sink handler), run in a process of its own so that it does not share
this process's GIL with the sender being measured. The ratio (worker / bare loop) is what to compare
across machines; the absolute rates depend on the machine. Run: `python -m bench.outbox [--n 1000]`.
"""

from __future__ import annotations

import argparse
import contextlib
import smtplib
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from config import EXAMPLE_COUNCIL, Config

SENDER = "prevent.training@barnet.gov.uk"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@contextlib.contextmanager
def smtp_server() -> Iterator[int]:
    """A local aiosmtpd server that accepts and discards everything, in its own process; yields its port."""
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "aiosmtpd", "-n", "-c", "aiosmtpd.handlers.Sink", "-l", f"127.0.0.1:{port}"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 15
        while True:
            try:
                with smtplib.SMTP("127.0.0.1", port, timeout=2) as probe:
                    probe.noop()
                break
            except OSError:
                if time.monotonic() > deadline or process.poll() is not None:
                    raise RuntimeError("the aiosmtpd server did not start") from None
                time.sleep(0.1)
        yield port
    finally:
        process.terminate()
        process.wait(timeout=10)


def _config(database_url: str, port: int) -> Config:
    config = Config()
    config.ENV_NAME = "bench"
    config.SECRET_KEY = "bench-only-not-secret"  # noqa: S105
    config.SQLALCHEMY_DATABASE_URI = database_url
    config.MAIL_SERVER = "127.0.0.1"
    config.MAIL_PORT = port
    config.MAIL_USE_TLS = False
    config.MAIL_USE_SSL = False
    config.MAIL_USERNAME = None
    config.MAIL_DEFAULT_SENDER = SENDER
    config.CALENDAR_ORGANIZER_EMAIL = SENDER
    config.RATELIMIT_ENABLED = False
    config.TRACKER_BASE_URL = "http://127.0.0.1:5000"
    for name, value in EXAMPLE_COUNCIL.items():  # the council named in headers and emails
        setattr(config, name, value)
    return config


def _queue_invites(n: int) -> None:
    """n people booked onto one session: n invites in the outbox, written by the real receivers."""
    from tracker.booking.models import BookingSource
    from tracker.booking.services import book_place
    from tracker.common.time import utc_now
    from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
    from tracker.extensions import db
    from tracker.people.models import Organisation, OrganisationKind, Person

    organisation = Organisation(name="London Borough of Barnet", kind=OrganisationKind.LOCAL_AUTHORITY)
    course = Course(code="WRAP", name="Workshop to Raise Awareness of Prevent (WRAP)", duration_minutes=90)
    lead = Person(organisation=organisation, first_name="Sam", last_name="Rosengard", email="lead@example.org")
    starts = (utc_now() + timedelta(days=30)).replace(minute=0, second=0, microsecond=0)
    training_session = TrainingSession(
        course=course,
        starts_at=starts,
        ends_at=starts + timedelta(minutes=90),
        venue="Barnet House, 2 Bristol Avenue, Colindale, NW9 4EW",
        capacity=n,
        status=SessionStatus.PUBLISHED,
    )
    training_session.trainers.append(SessionTrainer(person=lead, part=TrainerPart.LEAD))
    db.session.add_all([organisation, course, lead, training_session])
    db.session.flush()
    people = [
        Person(
            organisation=organisation, first_name=f"Attendee{i}", last_name="Bench", email=f"attendee{i}@example.org"
        )
        for i in range(n)
    ]
    db.session.add_all(people)
    db.session.flush()
    for person in people:
        book_place(training_session=training_session, person=person, booked_by=person, source=BookingSource.SELF)
    db.session.commit()


def _prebuilt_messages():
    """The queued rows as the MIME messages the worker will send (rendered and built before timing the bare loop)."""
    from tracker.extensions import db
    from tracker.invites.emails import build_message, render_outgoing
    from tracker.invites.models import OutboxMessage

    rows = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    messages = [(build_message(render_outgoing(row), sender=SENDER), row.recipient_email) for row in rows]
    db.session.commit()
    return messages


def measure_outbox(n: int = 1000) -> dict:
    """Queue n invites on SQLite; time a bare smtplib loop and the outbox worker sending them to one local
    aiosmtpd server. Returns {"n", "outbox_per_second", "smtplib_per_second", "ratio", seconds...}."""
    from flask_migrate import upgrade

    from tracker import create_app
    from tracker.extensions import db
    from tracker.invites import outbox

    with smtp_server() as port, tempfile.TemporaryDirectory(prefix="bench-outbox-") as directory:
        app = create_app(_config(f"sqlite:///{Path(directory) / 'bench.db'}", port))
        with app.app_context():
            upgrade()
            _queue_invites(n)
            messages = _prebuilt_messages()
            assert len(messages) == n, f"expected {n} queued invites, found {len(messages)}"

            started = time.perf_counter()
            with smtplib.SMTP("127.0.0.1", port, timeout=30) as connection:
                for message, recipient in messages:
                    refused = connection.send_message(message, from_addr=SENDER, to_addrs=[recipient])
                    assert not refused, refused
            bare_seconds = time.perf_counter() - started

            started = time.perf_counter()
            totals = outbox.work(once=True)
            worker_seconds = time.perf_counter() - started
            assert (totals.sent, totals.retrying, totals.failed) == (n, 0, 0), totals
            db.session.remove()
            db.engine.dispose()
    outbox_rate = n / worker_seconds
    bare_rate = n / bare_seconds
    return {
        "n": n,
        "outbox_seconds": round(worker_seconds, 3),
        "smtplib_seconds": round(bare_seconds, 3),
        "outbox_per_second": round(outbox_rate, 1),
        "smtplib_per_second": round(bare_rate, 1),
        "ratio": round(outbox_rate / bare_rate, 3),
    }


def format_table(result: dict) -> str:
    return "\n".join(
        [
            f"Outbox send rate: {result['n']:,} invites, SQLite, local aiosmtpd (own process), one SMTP connection each",
            "",
            "| sender | seconds | messages/s |",
            "|---|---:|---:|",
            f"| outbox worker (claim, render, build MIME, send, record) | {result['outbox_seconds']} | {result['outbox_per_second']:,} |",
            f"| bare smtplib loop (prebuilt messages) | {result['smtplib_seconds']} | {result['smtplib_per_second']:,} |",
            f"| ratio (worker / bare) | | {result['ratio']} |",
        ]
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="invites to send (default 1000)")
    args = parser.parse_args()
    print(format_table(measure_outbox(args.n)))


if __name__ == "__main__":
    main()
