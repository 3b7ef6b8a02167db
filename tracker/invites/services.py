"""Queueing email in the transactional outbox, and the receivers that turn booking and session events into it.

Booking and session services send blinker signals (tracker.booking.signals) *inside* their transaction.
The receivers here work out what the email is about (its template, the session's facts as they are now,
the calendar event with its SEQUENCE) and add an `OutboxMessage` holding them to the same database
session, so a rollback sends nothing and a commit always sends: the worker (tracker.invites.outbox)
renders and delivers committed rows later, outside any lock. Nothing here commits.

Calendar messages for one booking (or one trainer's part) share a `supersede_key`: queueing a newer one
marks older *unsent* ones superseded (an update after an update, a cancellation after an unsent invite).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from flask import Flask
from sqlalchemy import Select, func, select, update
from sqlalchemy.orm import defer, selectinload

from tracker.booking import signals
from tracker.booking.models import SEAT_STATUSES, Booking, BookingStatus
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError
from tracker.common.time import utc_now
from tracker.courses import signals as session_signals
from tracker.courses.models import SessionTrainer, TrainerPart, TrainingSession
from tracker.extensions import db
from tracker.invites import emails, ical
from tracker.invites.facts import (
    SessionFacts,
    calendar_event,
    cancel_text,
    describe_changes,
    event_to_json,
    session_facts,
)
from tracker.invites.models import OutboxMessage, OutboxStatus
from tracker.people.models import Person

# --- Queueing ----------------------------------------------------------------------------------------


def queue_email(
    *,
    to_email: str | None,
    to_name: str | None,
    template: str,
    context: dict[str, Any],
    subject: str,
    booking: Booking | None = None,
    session_trainer: SessionTrainer | None = None,
    event: ical.CalendarEvent | None = None,
    ics_method: str | None = None,
    supersede_key: str | None = None,
    supersede_older: bool = True,
    kind: str = "email",
    now: datetime | None = None,
) -> OutboxMessage | None:
    """Add a message to the outbox in the current transaction; the worker renders `emails/<template>.txt|.html`
    with `context` when it sends it, and the .ics from `event` (with its SEQUENCE) when there is one.

    `context` is stored as JSON: plain values only, and a `SessionFacts` under "facts". Other parts of the
    product (training-request acknowledgements, sign-in links) call this too.
    With `supersede_key`, older unsent messages with the same key are marked superseded (unless
    `supersede_older` is False: the caller knows there are none, as for a booking made in this transaction).
    Returns the row, or None when there is no address to send to (a person may have no email).
    """
    if not to_email:
        return None
    now = now or utc_now()
    facts = dict(context)
    if isinstance(facts.get("facts"), SessionFacts):
        facts["facts"] = facts["facts"].to_json()
    if supersede_key and supersede_older:
        db.session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.supersede_key == supersede_key, OutboxMessage.status == OutboxStatus.PENDING)
            .values(status=OutboxStatus.SUPERSEDED)
        )
    message = OutboxMessage(
        kind=kind,
        recipient_email=to_email,
        recipient_name=to_name,
        subject=emails.one_line(subject)[:300],
        template=template,
        facts=facts,
        ics_method=ics_method if event is not None else None,
        event=event_to_json(event) if event is not None else None,
        sequence=event.sequence if event is not None else None,
        booking_id=booking.id if booking is not None else None,
        session_trainer_id=session_trainer.id if session_trainer is not None else None,
        supersede_key=supersede_key,
        status=OutboxStatus.PENDING,
        next_attempt_at=now,
        created_at=now,
    )
    db.session.add(message)
    db.session.flush()
    return message


def booking_key(booking: Booking) -> str:
    return f"booking:{booking.id}"


def trainer_key(session_trainer: SessionTrainer) -> str:
    return f"trainer:{session_trainer.id}"


# --- Booking messages -----------------------------------------------------------------------------------


def queue_booking_invite(
    *,
    booking: Booking,
    kind: str = "booking_confirmed",
    facts: SessionFacts | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    new: bool = False,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """A REQUEST with the booking's UID and stored SEQUENCE: an invite, or an update when `changes` are given.
    `new`: the booking was made in this transaction, so no earlier message of it waits to be superseded."""
    now = now or utc_now()
    facts = facts or session_facts(booking.training_session)
    person = booking.person
    link = emails.booking_link(booking)
    event = calendar_event(
        facts, uid=booking.calendar_uid, sequence=booking.sequence, link=link, how_to_cancel=cancel_text(link)
    )
    if changes is not None:
        template, subject = "session_updated", f"Updated: {facts.title}, {facts.starts}"
    elif kind == "booking_promoted":
        template, subject = "booking_invite", f"You have a place: {facts.title}, {facts.starts}"
    else:
        template, subject = "booking_invite", f"Booking confirmed: {facts.title}, {facts.starts}"
    return queue_email(
        to_email=person.email,
        to_name=person.full_name,
        template=template,
        context={
            "facts": facts,
            "link": link,
            "promoted": kind == "booking_promoted",
            "changes": describe_changes(changes),
            "is_trainer": False,
        },
        subject=subject,
        booking=booking,
        event=event,
        ics_method=ical.Method.REQUEST.value,
        supersede_key=booking_key(booking),
        supersede_older=not new,
        kind=kind,
        now=now,
    )


def queue_booking_cancellation(
    *,
    booking: Booking,
    reason: str | None = None,
    session_cancelled: bool = False,
    facts: SessionFacts | None = None,
    kind: str = "booking_cancelled",
    now: datetime | None = None,
) -> OutboxMessage | None:
    """A CANCEL (STATUS:CANCELLED) with the booking's UID and its stored, already bumped, SEQUENCE."""
    now = now or utc_now()
    facts = facts or session_facts(booking.training_session)
    person = booking.person
    link = emails.booking_link(booking)
    event = calendar_event(facts, uid=booking.calendar_uid, sequence=booking.sequence, link=link, how_to_cancel=None)
    return queue_email(
        to_email=person.email,
        to_name=person.full_name,
        template="booking_cancelled",
        context={"facts": facts, "link": link, "reason": reason, "session_cancelled": session_cancelled},
        subject=f"Cancelled: {facts.title}, {facts.starts}",
        booking=booking,
        event=event,
        ics_method=ical.Method.CANCEL.value,
        supersede_key=booking_key(booking),
        kind=kind,
        now=now,
    )


def queue_waitlist_notice(*, booking: Booking, now: datetime | None = None) -> OutboxMessage | None:
    """'You are on the waiting list, number N' (no invite: there is no place yet)."""
    from tracker.booking.services import waitlist_positions

    facts = session_facts(booking.training_session)
    position = waitlist_positions([booking.id]).get(booking.id)
    link = emails.booking_link(booking)
    return queue_email(
        to_email=booking.person.email,
        to_name=booking.person.full_name,
        template="booking_waitlisted",
        context={"facts": facts, "link": link, "position": position},
        subject=f"You are on the waiting list: {facts.title}, {facts.starts}",
        booking=booking,
        kind="booking_waitlisted",
        now=now,
    )


def queue_waitlist_removed(
    *,
    booking: Booking,
    reason: str | None = None,
    session_cancelled: bool = False,
    facts: SessionFacts | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """'You are no longer on the waiting list' (a plain email: they never had the event)."""
    facts = facts or session_facts(booking.training_session)
    return queue_email(
        to_email=booking.person.email,
        to_name=booking.person.full_name,
        template="waitlist_removed",
        context={
            "facts": facts,
            "link": emails.booking_link(booking),
            "reason": reason,
            "session_cancelled": session_cancelled,
        },
        subject=f"Removed from the waiting list: {facts.title}, {facts.starts}",
        booking=booking,
        kind="waitlist_removed",
        now=now,
    )


# --- Trainer messages ---------------------------------------------------------------------------------


def _trainer_event(session_trainer: SessionTrainer, facts: SessionFacts, link: str) -> ical.CalendarEvent:
    return calendar_event(
        facts,
        uid=session_trainer.calendar_uid,
        sequence=session_trainer.sequence,
        link=link,
        how_to_cancel=None,
        part=TrainerPart(session_trainer.part).label,
    )


def queue_trainer_invite(
    *,
    session_trainer: SessionTrainer,
    facts: SessionFacts | None = None,
    changes: dict[str, tuple[Any, Any]] | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """A REQUEST to a trainer for their part (lead, co-trainer or observer), with the part's own UID."""
    now = now or utc_now()
    facts = facts or session_facts(session_trainer.training_session)
    person = session_trainer.person
    link = emails.link_for("session", facts.id)
    event = _trainer_event(session_trainer, facts, link)
    part = TrainerPart(session_trainer.part)
    if changes is not None:
        template, subject, kind = "session_updated", f"Updated: {facts.title}, {facts.starts}", "trainer_updated"
    else:
        verb = "observing" if part == TrainerPart.OBSERVER else "delivering"
        template, subject, kind = "trainer_invite", f"You are {verb}: {facts.title}, {facts.starts}", "trainer_invite"
    return queue_email(
        to_email=person.email,
        to_name=person.full_name,
        template=template,
        context={
            "facts": facts,
            "link": link,
            "part": part.label,
            "changes": describe_changes(changes),
            "is_trainer": True,
        },
        subject=subject,
        session_trainer=session_trainer,
        event=event,
        ics_method=ical.Method.REQUEST.value,
        supersede_key=trainer_key(session_trainer),
        kind=kind,
        now=now,
    )


def queue_trainer_cancellation(
    *,
    session_trainer: SessionTrainer,
    reason: str | None = None,
    session_cancelled: bool = False,
    facts: SessionFacts | None = None,
    now: datetime | None = None,
) -> OutboxMessage | None:
    """A CANCEL of a trainer's event: taken off the session, or the session cancelled."""
    now = now or utc_now()
    facts = facts or session_facts(session_trainer.training_session)
    person = session_trainer.person
    link = emails.link_for("session", facts.id)
    event = _trainer_event(session_trainer, facts, link)
    return queue_email(
        to_email=person.email,
        to_name=person.full_name,
        template="trainer_cancelled",
        context={
            "facts": facts,
            "link": link,
            "part": TrainerPart(session_trainer.part).label,
            "reason": reason,
            "session_cancelled": session_cancelled,
        },
        subject=f"Cancelled: {facts.title}, {facts.starts}",
        session_trainer=session_trainer,
        event=event,
        ics_method=ical.Method.CANCEL.value,
        supersede_key=trainer_key(session_trainer),
        kind="trainer_cancelled",
        now=now,
    )


def trainer_parts_invited(session_trainer_ids: Iterable[int]) -> set[int]:
    """Which trainer parts were ever sent (or queued) an invite: only they need a cancellation."""
    ids = list(session_trainer_ids)
    if not ids:
        return set()
    rows = db.session.scalars(
        select(OutboxMessage.session_trainer_id)
        .where(OutboxMessage.session_trainer_id.in_(ids), OutboxMessage.ics_method == ical.Method.REQUEST.value)
        .distinct()
    )
    return set(rows)


def _confirmed_bookings(session_id: int) -> Sequence[Booking]:
    return db.session.scalars(
        select(Booking)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED)
        .options(selectinload(Booking.person).selectinload(Person.account))
        .order_by(Booking.id)
    ).all()


def _had_a_seat(booking: Booking) -> bool:
    """Whether a (now cancelled) booking ever held a seat, so it had an invite to cancel."""
    return booking.confirmed_at is not None or booking.hold_expires_at is not None


# --- Signal receivers -----------------------------------------------------------------------------------


def on_booking_confirmed(booking: Booking, *, new: bool = False, **_: Any) -> None:
    """`new`: sent by `book_place` for a booking it has just made (a confirmed hold is not new)."""
    queue_booking_invite(booking=booking, kind="booking_confirmed", new=new)


def on_booking_promoted(booking: Booking, **_: Any) -> None:
    queue_booking_invite(booking=booking, kind="booking_promoted")


def on_booking_waitlisted(booking: Booking, **_: Any) -> None:
    queue_waitlist_notice(booking=booking)


def on_booking_cancelled(booking: Booking, *, was_status: BookingStatus | str | None = None, **_: Any) -> None:
    if was_status in SEAT_STATUSES:
        queue_booking_cancellation(booking=booking, reason=booking.cancel_reason)
    elif was_status == BookingStatus.WAITLISTED:
        queue_waitlist_removed(booking=booking, reason=booking.cancel_reason)


def on_session_moved(training_session: TrainingSession, *, changes: dict | None = None, **_: Any) -> None:
    """An update (REQUEST, same UID, the new SEQUENCE) to every confirmed attendee and every trainer."""
    facts = session_facts(training_session)
    now = utc_now()
    for booking in _confirmed_bookings(training_session.id):
        queue_booking_invite(booking=booking, facts=facts, changes=changes or {}, kind="session_updated", now=now)
    if training_session.is_published:
        for session_trainer in training_session.trainers:
            queue_trainer_invite(session_trainer=session_trainer, facts=facts, changes=changes or {}, now=now)


def on_session_published(training_session: TrainingSession, **_: Any) -> None:
    facts = session_facts(training_session)
    now = utc_now()
    for session_trainer in training_session.trainers:
        queue_trainer_invite(session_trainer=session_trainer, facts=facts, now=now)


def on_session_cancelled(
    training_session: TrainingSession, *, reason: str | None = None, bookings: Iterable[Booking] = (), **_: Any
) -> None:
    """A CANCEL to each cancelled booking that had a seat (a plain notice to the waiting list) and each trainer."""
    facts = session_facts(training_session)
    now = utc_now()
    for booking in bookings:
        if _had_a_seat(booking):
            queue_booking_cancellation(
                booking=booking, reason=reason, session_cancelled=True, facts=facts, kind="session_cancelled", now=now
            )
        else:
            queue_waitlist_removed(booking=booking, reason=reason, session_cancelled=True, facts=facts, now=now)
    trainers = list(training_session.trainers)
    invited = trainer_parts_invited(t.id for t in trainers)
    for session_trainer in trainers:
        if session_trainer.id in invited:
            queue_trainer_cancellation(
                session_trainer=session_trainer, reason=reason, session_cancelled=True, facts=facts, now=now
            )


def on_trainer_added(session_trainer: SessionTrainer, **_: Any) -> None:
    if session_trainer.training_session.is_published:
        queue_trainer_invite(session_trainer=session_trainer)


def on_trainer_removed(session_trainer: SessionTrainer, **_: Any) -> None:
    """Queued now, with its facts: the part's row is deleted after this receiver runs."""
    if session_trainer.id in trainer_parts_invited([session_trainer.id]):
        queue_trainer_cancellation(session_trainer=session_trainer)


RECEIVERS = (
    (signals.booking_confirmed, on_booking_confirmed),
    (signals.booking_promoted, on_booking_promoted),
    (signals.booking_waitlisted, on_booking_waitlisted),
    (signals.booking_cancelled, on_booking_cancelled),
    (session_signals.session_moved, on_session_moved),
    (session_signals.session_published, on_session_published),
    (session_signals.session_cancelled, on_session_cancelled),
    (session_signals.trainer_added, on_trainer_added),
    (session_signals.trainer_removed, on_trainer_removed),
)


def connect_receivers() -> None:
    """Connect every receiver once, strongly. Idempotent: blinker keys receivers by identity, so the
    many apps a test run creates still give one email per event."""
    for signal, receiver in RECEIVERS:
        signal.connect(receiver, weak=False)


def init_app(app: Flask) -> None:
    """Called by create_app: every app gets the receivers."""
    connect_receivers()


# --- The outbox, as the coordinator sees it -------------------------------------------------------------


def outbox_query(*, status: OutboxStatus | None = None) -> Select:
    """Messages newest first, without the facts their bodies are rendered from (a list never needs them)."""
    statement = select(OutboxMessage).options(defer(OutboxMessage.facts), defer(OutboxMessage.event))
    if status is not None:
        statement = statement.where(OutboxMessage.status == status)
    return statement.order_by(OutboxMessage.created_at.desc(), OutboxMessage.id.desc())


def count_outbox_by_status() -> dict[OutboxStatus, int]:
    rows = db.session.execute(select(OutboxMessage.status, func.count(OutboxMessage.id)).group_by(OutboxMessage.status))
    counts = dict.fromkeys(OutboxStatus, 0)
    counts.update({OutboxStatus(status): count for status, count in rows.all()})
    return counts


class NotRetryableError(ConflictError):
    code = "not_retryable"


def retry_message(*, message: OutboxMessage, actor=None, now: datetime | None = None) -> OutboxMessage:
    """Put a failed message back in the queue, due now, with a fresh count of attempts.

    Raises NotRetryableError for a message that has not failed (pending, sending, sent or superseded).
    """
    now = now or utc_now()
    refreshed = db.session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.id == message.id, OutboxMessage.status == OutboxStatus.FAILED)
        .values(status=OutboxStatus.PENDING, attempts=0, next_attempt_at=now, claimed_at=None, claimed_by=None)
        .execution_options(synchronize_session=False)
    )
    if refreshed.rowcount != 1:
        raise NotRetryableError("Only a message that failed can be sent again", field="message")
    db.session.refresh(message)
    record_event(
        "outbox.retried",
        actor=actor,
        object_type="outbox_message",
        object_id=message.id,
        before={"status": "failed"},
        after={"status": "pending"},
    )
    return message
