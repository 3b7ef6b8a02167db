"""Reminders before a session: due confirmed bookings only, each reminded once, however often (or
however many at once) `reminders send` runs."""

from __future__ import annotations

import re
import threading
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest

from tests.conftest import make_config
from tests.factories import make_booking, make_session
from tests.integration.invites.conftest import deliver, outbox_rows, text_of
from tracker.booking import services as booking_services
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus
from tracker.extensions import db
from tracker.invites import reminders
from tracker.invites.models import OutboxStatus


def due_and_not_due():
    now = utc_now()
    soon = make_session(starts_at=now + timedelta(days=1), capacity=2)
    later = make_session(starts_at=now + timedelta(days=5))
    confirmed = make_booking(soon)
    other = make_booking(soon)
    waitlisted = make_booking(soon)
    booking_services.cancel_booking(booking=other, cancelled_by=None)  # its seat goes to `waitlisted`
    cancelled_too = make_booking(soon)
    booking_services.cancel_booking(booking=cancelled_too, cancelled_by=None)
    not_yet = make_booking(later)
    draft = make_session(starts_at=now + timedelta(hours=12))
    draft_booking = make_booking(draft)
    draft.status = SessionStatus.DRAFT
    db.session.flush()
    return {"confirmed": [confirmed, waitlisted], "not_due": [other, cancelled_too, not_yet, draft_booking]}


def test_each_due_confirmed_booking_is_reminded_once(app, smtp):
    bookings = due_and_not_due()
    now = utc_now()
    assert reminders.send_reminders(now=now) == 2
    db.session.commit()
    assert all(b.reminder_sent_at == now for b in bookings["confirmed"])
    assert all(b.reminder_sent_at is None for b in bookings["not_due"])
    assert reminders.send_reminders() == 0
    db.session.commit()
    deliver()
    reminded = sorted(m["To"].addresses[0].addr_spec for m in smtp.messages if m["Subject"].startswith("Reminder"))
    assert reminded == sorted(b.person.email for b in bookings["confirmed"])
    message = next(m for m in smtp.messages if m["Subject"].startswith("Reminder"))
    assert "This is a reminder that you have a place" in text_of(message)
    # They have no account: a signed link to their booking's page with its cancel button.
    assert re.search(r"http://tracker\.test/book/places/[^/\s]+/cancel", text_of(message))
    assert message.get_content_type() == "multipart/alternative"  # no new SEQUENCE: a plain email


def test_a_rollback_takes_back_the_marks_and_the_emails(app):
    bookings = due_and_not_due()
    db.session.commit()
    before = len(outbox_rows(kind="reminder"))
    assert reminders.send_reminders() == 2
    db.session.rollback()
    assert len(outbox_rows(kind="reminder")) == before == 0
    assert all(b.reminder_sent_at is None for b in bookings["confirmed"])


@pytest.mark.concurrency
def test_two_runs_at_once_remind_each_booking_once(app):
    training_session = make_session(starts_at=utc_now() + timedelta(days=1), capacity=30)
    for _ in range(30):
        make_booking(training_session)
    db.session.commit()
    barrier = threading.Barrier(3)

    def run(_):
        with app.app_context():
            barrier.wait()
            try:
                count = reminders.send_reminders()
                db.session.commit()
                return count
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=3) as pool:
        counts = list(pool.map(run, range(3)))
    assert sum(counts) == 30
    rows = outbox_rows(kind="reminder")
    assert len(rows) == 30
    assert len({r.booking_id for r in rows}) == 30


class TestDaysBefore:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, REMINDER_DAYS_BEFORE=7)

    def test_the_window_is_configurable(self, app):
        make_booking(make_session(starts_at=utc_now() + timedelta(days=5)))
        make_booking(make_session(starts_at=utc_now() + timedelta(days=8)))
        assert reminders.send_reminders() == 1


def test_the_command_queues_reminders_and_a_dry_run_queues_nothing(app, runner):
    due_and_not_due()
    db.session.commit()
    dry = runner.invoke(args=["reminders", "send", "--dry-run"])
    assert dry.exit_code == 0 and "2 reminders due" in dry.output
    assert outbox_rows(kind="reminder") == []
    first = runner.invoke(args=["reminders", "send"])
    assert "Queued 2 reminders" in first.output
    second = runner.invoke(args=["reminders", "send"])
    assert "Queued 0 reminders" in second.output
    assert [r.status for r in outbox_rows(kind="reminder")] == [OutboxStatus.PENDING] * 2
