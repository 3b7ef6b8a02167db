"""The outbox worker: claims due messages, renders and sends them over one SMTP connection, records what happened.

Claiming takes rows that are pending and due, or left `sending` by a worker that died more than a lease
ago. On PostgreSQL the claim is `SELECT ... FOR UPDATE SKIP LOCKED`, so several workers never take the
same row; on SQLite the FOR UPDATE takes the database's write lock (tracker.common.database), which
serialises claims. Each step (the claim, each outcome, a release, the heartbeat) is a unit of work of its own. Claimed rows are marked `sending` with
`claimed_by`/`claimed_at` and committed before anything is rendered or sent: rendering (templates,
.ics, MIME) happens outside any transaction, from the facts stored on each row, in the worker's render
process (`tracker.invites.render_process`) while this one sends.

Each message is then sent; sent messages are recorded in groups of `RECORD_SENT_EVERY` (so a crash
resends at most that many, recognisably the same messages), failures straight away. Every outcome update is conditional on the row still being ours, and a batch stops
and hands its unsent rows back well before the lease runs out, so a slow worker and a reclaiming one
never both send a row. Temporary failures (connection refused, 4xx) are retried with doubling backoff,
permanent ones (5xx) fail at once and show on the coordinator's Outbox page.
"""

from __future__ import annotations

import contextlib
import os
import smtplib
import socket
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Row, and_, bindparam, or_, select, update
from sqlalchemy.exc import SQLAlchemyError

from tracker.common.time import utc_now
from tracker.common.unit_of_work import unit_of_work
from tracker.extensions import db
from tracker.invites import heartbeat
from tracker.invites.emails import sender_address
from tracker.invites.models import OutboxMessage, OutboxStatus
from tracker.invites.render_process import Rendered, RenderProcess

DEFAULT_LEASE_SECONDS = 300
DEFAULT_BATCH_SIZE = 100
SMTP_TIMEOUT_SECONDS = 30
#: Sent messages are recorded in groups of this many, one commit each: a commit per message was a third of
#: the worker's time on SQLite (bench/results.md, issue 15). A crash resends at most this many, with their
#: Message-IDs and calendar SEQUENCE unchanged, so mail clients show each once.
RECORD_SENT_EVERY = 20
#: A looping worker records that it is alive at most this often (`tracker.invites.heartbeat`).
HEARTBEAT_EVERY_SECONDS = 5.0


@dataclass
class BatchResult:
    claimed: int = 0
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    released: int = 0
    #: The SMTP server could not be reached, or the connection dropped: no point trying more now.
    connection_failed: bool = False

    def add(self, other: BatchResult) -> None:
        self.claimed += other.claimed
        self.sent += other.sent
        self.retrying += other.retrying
        self.failed += other.failed
        self.released += other.released
        self.connection_failed = other.connection_failed


def mail_configured() -> bool:
    """No MAIL_SERVER (the `make run` default): mail stays in the outbox for the coordinator to read."""
    return bool(current_app.config.get("MAIL_SERVER"))


def new_worker_id() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


# --- SMTP ------------------------------------------------------------------------------------------------


class SmtpSender:
    """One SMTP connection from the configured MAIL_* settings, opened on first use and reused."""

    def __init__(self, config) -> None:
        self.host = config["MAIL_SERVER"]
        self.port = int(config.get("MAIL_PORT") or 25)
        self.use_tls = bool(config.get("MAIL_USE_TLS"))
        self.use_ssl = bool(config.get("MAIL_USE_SSL"))
        self.username = config.get("MAIL_USERNAME")
        self.password = config.get("MAIL_PASSWORD")
        self.timeout = config.get("OUTBOX_SMTP_TIMEOUT", SMTP_TIMEOUT_SECONDS)
        self.connection: smtplib.SMTP | None = None

    def open(self) -> None:
        if self.connection is not None:
            return
        if self.use_ssl:
            connection: smtplib.SMTP = smtplib.SMTP_SSL(self.host, self.port, timeout=self.timeout)
        else:
            connection = smtplib.SMTP(self.host, self.port, timeout=self.timeout)
        try:
            if self.use_tls:
                connection.starttls()
            if self.username:
                connection.login(self.username, self.password or "")
        except BaseException:
            _quietly_close(connection)
            raise
        self.connection = connection

    def send(self, rendered: Rendered, *, from_addr: str) -> None:
        """Send a rendered message (its bytes, as `send_message` would send them) to its recipient."""
        self.open()
        assert self.connection is not None
        self.connection.sendmail(from_addr, [rendered.recipient_email], rendered.data)

    def close(self) -> None:
        if self.connection is not None:
            connection, self.connection = self.connection, None
            try:
                connection.quit()
            except (smtplib.SMTPException, OSError):
                _quietly_close(connection)


def _quietly_close(connection: smtplib.SMTP) -> None:
    with contextlib.suppress(OSError):
        connection.close()


def classify(error: BaseException) -> tuple[bool, bool, str]:
    """(permanent, connection_lost, description) for a failed send.

    5xx refusals of a recipient or of the message are permanent; 4xx replies, a refused or dropped
    connection and timeouts are temporary. A refused sender is a configuration problem: temporary, so
    the messages go out once it is fixed.
    """
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        code, reply = next(iter(error.recipients.values()), (450, b"recipient refused"))
        return code >= 500, False, f"{code} {_text(reply)}"
    if isinstance(error, smtplib.SMTPSenderRefused):
        return False, False, f"{error.smtp_code} {_text(error.smtp_error)} (sender {error.sender})"
    if isinstance(error, smtplib.SMTPResponseException):
        lost = error.smtp_code in (421,)
        return error.smtp_code >= 500, lost, f"{error.smtp_code} {_text(error.smtp_error)}"
    if isinstance(error, smtplib.SMTPServerDisconnected | OSError):
        return False, True, f"Could not reach the mail server: {error or type(error).__name__}"
    return False, True, f"{type(error).__name__}: {error}"


def _text(reply: bytes | str) -> str:
    return reply.decode("utf-8", "replace") if isinstance(reply, bytes) else str(reply)


# --- Claiming and recording -----------------------------------------------------------------------------


def claim_due(*, worker_id: str, limit: int, now: datetime, lease_seconds: int) -> list[Row]:
    """Claim up to `limit` due messages for this worker, oldest first, and commit the claim. Returns the
    columns `emails.render_outgoing` needs."""
    stale = now - timedelta(seconds=lease_seconds)
    due = or_(
        and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == OutboxStatus.SENDING, OutboxMessage.claimed_at < stale),
    )
    with unit_of_work():
        rows = _claim(due, worker_id=worker_id, limit=limit, now=now)
    return rows


def _claim(due, *, worker_id: str, limit: int, now: datetime) -> list[Row]:
    rows = db.session.execute(
        select(
            OutboxMessage.id,
            OutboxMessage.recipient_email,
            OutboxMessage.recipient_name,
            OutboxMessage.subject,
            OutboxMessage.template,
            OutboxMessage.facts,
            OutboxMessage.ics_method,
            OutboxMessage.event,
            OutboxMessage.sequence,
            OutboxMessage.stored_text,
            OutboxMessage.stored_html,
            OutboxMessage.stored_ics,
            OutboxMessage.created_at,
            OutboxMessage.attempts,
        )
        .where(due)
        .order_by(OutboxMessage.id)
        .limit(limit)
        .with_for_update(skip_locked=True)
    ).all()
    if rows:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id.in_([row.id for row in rows]))
            .values(status=OutboxStatus.SENDING, claimed_by=worker_id, claimed_at=now)
            .execution_options(synchronize_session=False)
        )
    return list(rows)


def _ours(row_id: int, worker_id: str):
    return and_(
        OutboxMessage.id == row_id,
        OutboxMessage.claimed_by == worker_id,
        OutboxMessage.status == OutboxStatus.SENDING,
    )


def _record(row_id: int, worker_id: str, /, **values) -> None:
    with unit_of_work():
        db.session.execute(
            update(OutboxMessage)
            .where(_ours(row_id, worker_id))
            .values(**values)
            .execution_options(synchronize_session=False)
        )


def _record_sent(sent: list[tuple[Row, str]], worker_id: str, *, now: datetime) -> None:
    """Record messages as sent, each with its Message-ID: one UPDATE run for each row (an executemany), each
    still conditional on the row being ours."""
    if not sent:
        return
    table = OutboxMessage.__table__
    statement = (
        update(table)
        .where(
            table.c.id == bindparam("row_id"),
            table.c.claimed_by == worker_id,
            table.c.status == OutboxStatus.SENDING,
        )
        .values(
            status=OutboxStatus.SENT,
            sent_at=now,
            message_id=bindparam("sent_message_id"),
            attempts=bindparam("attempts_now"),
            last_error=None,
        )
    )
    with unit_of_work():
        db.session.execute(
            statement,
            [
                {"row_id": email.id, "sent_message_id": message_id, "attempts_now": email.attempts + 1}
                for email, message_id in sent
            ],
        )


def _record_failure(email: Row, worker_id: str, *, now: datetime, permanent: bool, error: str) -> bool:
    """Back to pending with doubling backoff, or failed. Returns True if the message has now failed."""
    attempts = email.attempts + 1
    config = current_app.config
    failed = permanent or attempts >= int(config.get("OUTBOX_MAX_ATTEMPTS", 8))
    values: dict = {"attempts": attempts, "last_error": error[:2000], "claimed_by": None, "claimed_at": None}
    if failed:
        values["status"] = OutboxStatus.FAILED
    else:
        delay = int(config.get("OUTBOX_RETRY_SECONDS", 60)) * 2 ** (attempts - 1)
        values.update(status=OutboxStatus.PENDING, next_attempt_at=now + timedelta(seconds=delay))
    _record(email.id, worker_id, **values)
    return failed


def _release(emails: list[Row], worker_id: str) -> None:
    """Hand unsent claimed rows back, due at once, without counting an attempt."""
    if not emails:
        return
    with unit_of_work():
        db.session.execute(
            update(OutboxMessage)
            .where(
                OutboxMessage.id.in_([e.id for e in emails]),
                OutboxMessage.claimed_by == worker_id,
                OutboxMessage.status == OutboxStatus.SENDING,
            )
            .values(status=OutboxStatus.PENDING, claimed_by=None, claimed_at=None)
            .execution_options(synchronize_session=False)
        )


# --- The worker ---------------------------------------------------------------------------------------------


class _Outcomes:
    """Records a batch's outcomes: sent messages in groups of RECORD_SENT_EVERY, failures at once."""

    def __init__(self, worker_id: str, now: datetime | None, result: BatchResult) -> None:
        self.worker_id = worker_id
        self.now = now
        self.result = result
        self.sent: list[tuple[Row, str]] = []

    def sent_one(self, row: Row, message_id: str) -> None:
        self.sent.append((row, message_id))
        if len(self.sent) >= RECORD_SENT_EVERY:
            self.record_sent()

    def record_sent(self) -> None:
        _record_sent(self.sent, self.worker_id, now=self.now or utc_now())
        self.result.sent += len(self.sent)
        self.sent.clear()

    def failure(self, row: Row, *, permanent: bool, error: str) -> None:
        if _record_failure(row, self.worker_id, now=self.now or utc_now(), permanent=permanent, error=error):
            self.result.failed += 1
        else:
            self.result.retrying += 1


def run_batch(
    *,
    sender: SmtpSender,
    renderer: RenderProcess,
    worker_id: str,
    batch_size: int | None = None,
    now: datetime | None = None,
    stop: threading.Event | None = None,
) -> BatchResult:
    """Claim one batch of due messages, have `renderer` render them and send each over `sender`'s connection
    as it comes."""
    config = current_app.config
    lease = int(config.get("OUTBOX_LEASE_SECONDS", DEFAULT_LEASE_SECONDS))
    batch_size = batch_size or int(config.get("OUTBOX_BATCH_SIZE", DEFAULT_BATCH_SIZE))
    claimed = claim_due(worker_id=worker_id, limit=batch_size, now=now or utc_now(), lease_seconds=lease)
    result = BatchResult(claimed=len(claimed))
    if not claimed:
        return result
    # Stop well inside the lease: after it, another worker may reclaim these rows.
    deadline = time.monotonic() + lease / 2
    from_address = sender_address(config["MAIL_DEFAULT_SENDER"]).addr_spec
    outcomes = _Outcomes(worker_id, now, result)
    unsent: list[Row] = []
    connection_lost: str | None = None
    with contextlib.closing(renderer.render(claimed)) as rendered_rows:
        for index, row in enumerate(claimed):
            if time.monotonic() > deadline or (stop is not None and stop.is_set()):
                unsent = claimed[index:]
                break
            rendered = next(rendered_rows)
            if rendered.error is not None:
                outcomes.failure(row, permanent=True, error=rendered.error)
                continue
            try:
                sender.send(rendered, from_addr=from_address)
            except (smtplib.SMTPException, OSError) as error:
                permanent, lost, description = classify(error)
                outcomes.record_sent()
                outcomes.failure(row, permanent=permanent, error=description)
                if lost:
                    connection_lost, unsent = description, claimed[index + 1 :]
                    break
                continue
            outcomes.sent_one(row, rendered.message_id)
    outcomes.record_sent()
    if connection_lost:
        sender.close()
        result.connection_failed = True
        # The rest of the batch cannot go now either: each counts a temporary failure.
        for other in unsent:
            outcomes.failure(other, permanent=False, error=connection_lost)
    elif unsent:
        _release(unsent, worker_id)
        result.released += len(unsent)
    return result


def work(
    *,
    once: bool = False,
    worker_id: str | None = None,
    batch_size: int | None = None,
    idle_seconds: float = 1.0,
    now: datetime | None = None,
    stop: threading.Event | None = None,
    report: Callable[[BatchResult], None] | None = None,
) -> BatchResult:
    """Send due mail. With `once`, send everything due now and return; otherwise loop until `stop` is set,
    keeping the SMTP connection open while there is mail and sleeping `idle_seconds` when there is none.
    `report` is told about every batch that claimed something.

    Does nothing without MAIL_SERVER. In the loop, a database error is logged and retried after a pause
    (the rows it was working on stay claimed until their lease lapses, then go out once).
    """
    totals = BatchResult()
    if not mail_configured():
        return totals
    worker_id = worker_id or new_worker_id()
    stop = stop or threading.Event()
    sender = SmtpSender(current_app.config)
    renderer = RenderProcess(current_app._get_current_object())
    last_beat = None
    try:
        while not stop.is_set():
            try:
                if not once and (last_beat is None or time.monotonic() - last_beat >= HEARTBEAT_EVERY_SECONDS):
                    with unit_of_work():
                        heartbeat.beat(worker_id)
                    last_beat = time.monotonic()
                result = run_batch(
                    sender=sender, renderer=renderer, worker_id=worker_id, batch_size=batch_size, now=now, stop=stop
                )
            except SQLAlchemyError:
                if once:
                    raise
                db.session.rollback()
                sender.close()
                current_app.logger.exception("Outbox worker %s: database error; trying again shortly", worker_id)
                stop.wait(max(idle_seconds, 1.0) * 5)
                continue
            totals.add(result)
            if result.claimed and report is not None:
                report(result)
            idle = result.claimed == 0 or result.connection_failed
            if once and idle:
                break
            if idle:
                sender.close()
                stop.wait(idle_seconds)
    finally:
        sender.close()
        renderer.close()
        if last_beat is not None:
            _say_stopped(worker_id)
    return totals


def _say_stopped(worker_id: str) -> None:
    try:
        db.session.rollback()
        with unit_of_work():
            heartbeat.stopped(worker_id)
    except SQLAlchemyError:  # the database went away: the row goes stale and /readyz says so
        db.session.rollback()
        current_app.logger.warning("Outbox worker %s: could not record its stop", worker_id)
