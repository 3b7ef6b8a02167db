"""The outbox worker against a real SMTP server: nothing lost, nothing sent twice.

SMTP down, 4xx and 5xx replies, retries with backoff, a killed worker's claimed rows, several workers
at once (threads, each with its own connection and transaction), and the command line.
"""

from __future__ import annotations

import threading
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import pytest
from sqlalchemy import func, select, update

from tests.conftest import make_config
from tests.factories import make_booking, make_person, make_session
from tests.integration.invites.conftest import deliver, outbox_rows
from tracker.booking.models import BookingStatus
from tracker.common.time import utc_now
from tracker.extensions import db
from tracker.invites import outbox
from tracker.invites.models import OutboxMessage, OutboxStatus


def book_people(count: int, capacity: int | None = None):
    training_session = make_session(capacity=capacity or max(count, 1))
    return [make_booking(training_session) for _ in range(count)]


def recipients(smtp) -> Counter:
    return Counter(m["To"].addresses[0].addr_spec for m in smtp.messages)


def test_smtp_down_bookings_succeed_and_mail_goes_out_once_when_it_is_back(app, smtp):
    smtp.stop()
    bookings = book_people(3)
    db.session.commit()
    assert all(b.status == BookingStatus.CONFIRMED for b in bookings)

    result = deliver()
    assert (result.sent, result.retrying, result.connection_failed) == (0, 3, True)
    rows = outbox_rows()
    assert [r.status for r in rows] == [OutboxStatus.PENDING] * 3
    assert all(r.attempts == 1 and "Could not reach the mail server" in r.last_error for r in rows)
    assert all(r.next_attempt_at > utc_now() + timedelta(seconds=50) for r in rows)

    smtp.start()
    assert deliver().sent == 0  # not due yet: the backoff holds
    assert deliver(now=utc_now() + timedelta(seconds=61)).sent == 3
    assert deliver(now=utc_now() + timedelta(days=1)).sent == 0
    assert recipients(smtp) == Counter(b.person.email for b in bookings)
    assert all(r.status == OutboxStatus.SENT and r.attempts == 2 and r.last_error is None for r in outbox_rows())


def test_a_temporary_refusal_is_retried_with_doubling_backoff(app, smtp):
    book_people(1)
    smtp.handler.refuse_with = "451 4.3.0 Try again later"
    start = utc_now()
    assert deliver(now=start).retrying == 1
    [row] = outbox_rows()
    assert (row.status, row.attempts, row.last_error) == (OutboxStatus.PENDING, 1, "451 4.3.0 Try again later")
    assert row.next_attempt_at == start + timedelta(seconds=60)
    second = start + timedelta(seconds=60)
    assert deliver(now=second).retrying == 1
    [row] = outbox_rows()
    assert row.attempts == 2 and row.next_attempt_at == second + timedelta(seconds=120)

    smtp.handler.refuse_with = None
    assert deliver(now=second + timedelta(seconds=120)).sent == 1
    assert len(smtp.messages) == 1


def test_a_permanent_refusal_fails_at_once_and_shows_why(app, smtp):
    book_people(2)
    smtp.handler.refuse_with = "550 5.1.1 No such user here"
    result = deliver()
    assert (result.failed, result.sent) == (2, 0)
    assert all(
        (r.status, r.attempts, r.last_error) == (OutboxStatus.FAILED, 1, "550 5.1.1 No such user here")
        for r in outbox_rows()
    )
    smtp.handler.refuse_with = None
    assert deliver(now=utc_now() + timedelta(days=30)).sent == 0  # a failed message stays failed


class TestMaxAttempts:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, OUTBOX_MAX_ATTEMPTS=3, OUTBOX_RETRY_SECONDS=10)

    def test_after_the_last_temporary_failure_a_message_fails(self, app, smtp):
        book_people(1)
        smtp.handler.refuse_with = "421 4.7.0 Busy"
        moment = utc_now()
        for attempt in (1, 2, 3):
            deliver(now=moment)
            [row] = outbox_rows()
            assert row.attempts == attempt
            moment = row.next_attempt_at
        assert row.status == OutboxStatus.FAILED
        assert smtp.messages == []


def test_a_killed_workers_claimed_rows_go_out_later_once(app, smtp):
    book_people(4)
    db.session.commit()
    ids = [r.id for r in outbox_rows()]
    now = utc_now()
    # Two rows claimed by a worker that died 10 minutes ago, two by one still working (1 minute ago).
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids[:2]))
        .values(status=OutboxStatus.SENDING, claimed_by="dead-worker", claimed_at=now - timedelta(minutes=10))
    )
    db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id.in_(ids[2:]))
        .values(status=OutboxStatus.SENDING, claimed_by="live-worker", claimed_at=now - timedelta(minutes=1))
    )
    assert deliver(now=now).sent == 2
    assert deliver(now=now).sent == 0
    rows = {r.id: r for r in outbox_rows()}
    assert [rows[i].status for i in ids] == [OutboxStatus.SENT] * 2 + [OutboxStatus.SENDING] * 2
    assert len(smtp.messages) == 2
    # The live worker's rows are never touched while its lease holds, and go out once after it lapses.
    assert deliver(now=now + timedelta(minutes=5)).sent == 2
    assert deliver(now=now + timedelta(minutes=10)).sent == 0
    assert len(smtp.messages) == 4
    assert set(recipients(smtp).values()) == {1}


def test_a_stale_worker_cannot_record_over_a_reclaimed_row(app, smtp):
    book_people(1)
    db.session.commit()
    claimed = outbox.claim_due(worker_id="slow", limit=10, now=utc_now(), lease_seconds=300)
    assert len(claimed) == 1
    assert deliver(now=utc_now() + timedelta(minutes=10)).sent == 1  # another worker reclaims the lapsed row
    outbox._record_sent([(claimed[0], "<late@x>")], "slow", now=utc_now())
    [row] = outbox_rows()
    assert row.message_id != "<late@x>" and row.claimed_by != "slow"


def _work_in_thread(app, barrier: threading.Barrier, batch_size: int):
    with app.app_context():
        barrier.wait()
        try:
            return outbox.work(once=True, batch_size=batch_size)
        finally:
            db.session.remove()


@pytest.mark.concurrency
def test_two_workers_over_200_messages_deliver_each_exactly_once(app, smtp):
    book_people(200)
    assert db.session.scalar(select(func.count(OutboxMessage.id))) == 200
    db.session.commit()  # on SQLite even a read holds the write lock until the transaction ends
    barrier = threading.Barrier(2)
    with ThreadPoolExecutor(max_workers=2) as pool:
        results = list(pool.map(lambda _: _work_in_thread(app, barrier, 10), range(2)))
    db.session.expire_all()
    assert sum(r.sent for r in results) == 200
    assert sum(r.retrying + r.failed for r in results) == 0
    assert len(smtp.messages) == 200
    assert set(recipients(smtp).values()) == {1}
    assert len({m["Message-ID"] for m in smtp.messages}) == 200
    rows = outbox_rows()
    assert {r.status for r in rows} == {OutboxStatus.SENT}
    assert all(r.attempts == 1 for r in rows)


def test_without_a_mail_server_the_worker_does_nothing(app):
    book_people(2)
    assert app.config["MAIL_SERVER"] is None
    result = deliver()
    assert result.claimed == 0
    assert {r.status for r in outbox_rows()} == {OutboxStatus.PENDING}


def test_the_command_sends_what_is_due(app, smtp, runner):
    book_people(2)
    db.session.commit()
    result = runner.invoke(args=["outbox", "work", "--once"])
    assert result.exit_code == 0, result.output
    assert "Sent 2" in result.output
    assert len(smtp.messages) == 2
    status = runner.invoke(args=["outbox", "status"])
    assert "sent        2" in status.output


def test_the_command_without_a_mail_server_says_mail_stays_in_the_outbox(app, runner):
    result = runner.invoke(args=["outbox", "work"])
    assert result.exit_code == 0
    assert "No MAIL_SERVER configured" in result.output


def test_the_loop_stops_when_told_and_keeps_sending_until_then(app, smtp):
    book_people(3)
    db.session.commit()
    stop = threading.Event()

    def run():
        with app.app_context():
            try:
                return outbox.work(stop=stop, idle_seconds=0.05)
            finally:
                db.session.remove()

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(run)
        smtp.wait_for(3)
        make_booking(make_session(), make_person())
        db.session.commit()
        smtp.wait_for(4)
        stop.set()
        totals = future.result(timeout=10)
    assert totals.sent == 4


def test_a_row_written_with_its_bodies_by_the_release_before_is_sent_as_it_was_stored(app, smtp):
    """During a rolling upgrade an instance still on the old code writes rows with rendered bodies and no
    template; rows queued before the upgrade are the same. The worker sends them as stored: no mail is lost."""
    ics = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//old release//EN\r\nMETHOD:REQUEST\r\nEND:VCALENDAR\r\n"
    columns = OutboxMessage.__table__.c
    db.session.execute(
        OutboxMessage.__table__.insert().values(  # only the columns the old release knew
            {
                columns.kind: "booking_confirmed",
                columns.recipient_email: "jo@example.org",
                columns.recipient_name: "Jo Bloggs",
                columns.subject: "Booked: WRAP",
                columns.body_text: "Your place is booked (written by the old release).",
                columns.body_html: "<p>Your place is booked (written by the old release).</p>",
                columns.ics_method: "REQUEST",
                columns.ics: ics,
                columns.status: OutboxStatus.PENDING,
                columns.attempts: 0,
                columns.next_attempt_at: utc_now(),
                columns.created_at: utc_now(),
            }
        )
    )
    db.session.commit()
    assert deliver().sent == 1
    (message,) = smtp.messages
    text = message.get_body(preferencelist=("plain",)).get_content()
    html = message.get_body(preferencelist=("html",)).get_content()
    assert "written by the old release" in text and "<p>Your place is booked" in html
    calendar = next(part for part in message.walk() if part.get_content_type() == "text/calendar")
    assert "PRODID:-//old release//EN" in calendar.get_content()


def test_a_row_that_cannot_be_rendered_fails_and_the_rest_of_the_batch_goes_out(app, smtp):
    bookings = book_people(3)
    db.session.commit()
    broken = outbox_rows()[1]
    broken.template = "no_such_template"
    db.session.commit()

    result = deliver()

    assert (result.sent, result.failed, result.retrying) == (2, 1, 0)
    rows = {row.id: row for row in outbox_rows()}
    assert rows[broken.id].status == OutboxStatus.FAILED
    assert rows[broken.id].last_error.startswith("Not rendered: TemplateNotFound")
    assert recipients(smtp) == Counter(b.person.email for b in bookings if b.person.email != broken.recipient_email)
