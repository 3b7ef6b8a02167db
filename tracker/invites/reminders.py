"""Reminders a few days before a session, sent once: `flask --app wsgi reminders send`, run from cron.

Due bookings are read with a row lock (`FOR UPDATE SKIP LOCKED` on PostgreSQL; on SQLite the
transaction already holds the write lock), queued in the outbox and marked `reminder_sent_at` in the
same transaction. A second run, even at the same moment, finds nothing left to remind.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.booking.models import Booking, BookingStatus
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus, SessionTrainer, TrainingSession
from tracker.extensions import db
from tracker.invites import emails
from tracker.invites.facts import SessionFacts, session_facts
from tracker.invites.services import queue_email
from tracker.people.models import Person


def due_reminders_query(*, now: datetime, days: int) -> Select:
    """Confirmed, not yet reminded bookings on published sessions starting within `days` days from `now`."""
    return (
        select(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.status == BookingStatus.CONFIRMED,
            Booking.reminder_sent_at.is_(None),
            TrainingSession.status == SessionStatus.PUBLISHED,
            TrainingSession.starts_at > now,
            TrainingSession.starts_at <= now + timedelta(days=days),
        )
        .order_by(TrainingSession.starts_at, Booking.id)
    )


def send_reminders(*, now: datetime | None = None, days: int | None = None) -> int:
    """Queue a reminder for every due booking and mark it reminded. Returns how many were reminded.

    The caller commits (once); a rollback takes back both the emails and the marks.
    """
    now = now or utc_now()
    days = days if days is not None else int(current_app.config.get("REMINDER_DAYS_BEFORE", 2))
    bookings = db.session.scalars(
        due_reminders_query(now=now, days=days)
        .with_for_update(of=Booking, skip_locked=True)
        .options(
            selectinload(Booking.person).selectinload(Person.account),
            selectinload(Booking.training_session).selectinload(TrainingSession.course),
            selectinload(Booking.training_session)
            .selectinload(TrainingSession.trainers)
            .selectinload(SessionTrainer.person),
        )
    ).all()
    facts_by_session: dict[int, SessionFacts] = {}
    for booking in bookings:
        facts = facts_by_session.get(booking.session_id)
        if facts is None:
            facts = facts_by_session[booking.session_id] = session_facts(booking.training_session)
        link = emails.booking_link(booking)
        queue_email(
            to_email=booking.person.email,
            to_name=booking.person.full_name,
            template="reminder",
            context={"facts": facts, "link": link},
            subject=f"Reminder: {facts.title}, {facts.starts}",
            booking=booking,
            kind="reminder",
            now=now,
        )
        booking.reminder_sent_at = now
    db.session.flush()
    return len(bookings)
