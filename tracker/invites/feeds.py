"""Personal calendar feeds: a secret URL a person subscribes to in Outlook or Google Calendar.

Only the SHA-256 of the secret is stored (`CalendarFeedToken`); the URL is shown once, when it is made.
A person has at most one live token: making a new one revokes the old. The feed is METHOD:PUBLISH and
carries the person's confirmed bookings and the published sessions they deliver, with the same UIDs and
SEQUENCEs as their invites, so subscribing does not duplicate events an invite already added.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from flask import current_app
from sqlalchemy import func, select, update
from sqlalchemy.orm import selectinload

from tracker.booking.models import Booking, BookingStatus
from tracker.common.audit import record_event
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus, SessionTrainer, TrainerPart, TrainingSession
from tracker.extensions import db
from tracker.invites import emails, ical
from tracker.invites.facts import SessionFacts, calendar_event, cancel_text, session_facts
from tracker.invites.models import CalendarFeedToken, OutboxMessage
from tracker.people.models import Person

TOKEN_BYTES = 32


def hash_feed_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def feed_url(token: str) -> str:
    """The subscribable address, from TRACKER_BASE_URL."""
    return emails.external_url(current_app.url_map.bind("localhost").build("invites.feed", {"token": token}))


def find_active_token(person: Person) -> CalendarFeedToken | None:
    """The person's live feed token, if any."""
    return db.session.scalar(
        select(CalendarFeedToken)
        .where(CalendarFeedToken.person_id == person.id, CalendarFeedToken.revoked_at.is_(None))
        .order_by(CalendarFeedToken.created_at.desc(), CalendarFeedToken.id.desc())
        .limit(1)
    )


def revoke_feed_tokens(*, person: Person, now: datetime | None = None) -> int:
    """Revoke every live feed token of the person (their feed URL then answers 404). Returns how many."""
    now = now or utc_now()
    result = db.session.execute(
        update(CalendarFeedToken)
        .where(CalendarFeedToken.person_id == person.id, CalendarFeedToken.revoked_at.is_(None))
        .values(revoked_at=now)
        .execution_options(synchronize_session=False)
    )
    if result.rowcount:
        record_event("calendar_feed.revoked", object_type="person", object_id=person.id)
    return result.rowcount


def create_feed_token(*, person: Person, now: datetime | None = None) -> str:
    """Make a new secret feed token for the person, revoking any older one. Returns the secret (shown once)."""
    now = now or utc_now()
    replaced = revoke_feed_tokens(person=person, now=now)
    token = secrets.token_urlsafe(TOKEN_BYTES)
    db.session.add(CalendarFeedToken(person_id=person.id, token_hash=hash_feed_token(token), created_at=now))
    db.session.flush()
    record_event(
        "calendar_feed.regenerated" if replaced else "calendar_feed.created", object_type="person", object_id=person.id
    )
    return token


def find_feed_person(token: str) -> Person | None:
    """The person a live token belongs to, or None (unknown or revoked)."""
    if not token or len(token) > 200:
        return None
    return db.session.scalar(
        select(Person)
        .join(CalendarFeedToken, CalendarFeedToken.person_id == Person.id)
        .where(CalendarFeedToken.token_hash == hash_feed_token(token), CalendarFeedToken.revoked_at.is_(None))
    )


@dataclass(frozen=True)
class Feed:
    body: bytes
    etag: str
    last_modified: datetime


def _latest(*moments: datetime | None) -> datetime:
    present = [m for m in moments if m is not None]
    return max(present) if present else datetime(2000, 1, 1, tzinfo=UTC)


def build_feed(person: Person) -> Feed:
    """The person's feed, with an ETag of its content and the time anything in it last changed.

    Last-Modified is the latest of: any change to their bookings, any change to the sessions in the
    feed, and the last message queued to them (every change that adds, moves or removes one of their
    events — a trainer taken off a session included — queues one). DTSTAMP is that time too, so the
    body, and therefore the ETag, only change when the feed does.
    """
    sessions_options = (
        selectinload(TrainingSession.course),
        selectinload(TrainingSession.trainers).selectinload(SessionTrainer.person),
    )
    bookings = db.session.scalars(
        select(Booking)
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .where(
            Booking.person_id == person.id,
            Booking.status == BookingStatus.CONFIRMED,
            TrainingSession.status != SessionStatus.CANCELLED,
        )
        .options(selectinload(Booking.training_session).options(*sessions_options))
        .order_by(TrainingSession.starts_at, Booking.id)
    ).all()
    parts = db.session.scalars(
        select(SessionTrainer)
        .join(TrainingSession, TrainingSession.id == SessionTrainer.session_id)
        .where(SessionTrainer.person_id == person.id, TrainingSession.status == SessionStatus.PUBLISHED)
        .options(selectinload(SessionTrainer.training_session).options(*sessions_options))
        .order_by(TrainingSession.starts_at, SessionTrainer.id)
    ).all()

    booking_times = db.session.execute(
        select(func.max(Booking.created_at), func.max(Booking.confirmed_at), func.max(Booking.cancelled_at)).where(
            Booking.person_id == person.id
        )
    ).one()
    last_message = (
        db.session.scalar(
            select(func.max(OutboxMessage.created_at)).where(OutboxMessage.recipient_email == person.email)
        )
        if person.email
        else None
    )
    session_times = [b.training_session.updated_at for b in bookings] + [p.training_session.updated_at for p in parts]
    last_modified = _latest(*booking_times, last_message, *session_times, person.created_at).replace(microsecond=0)

    facts_by_session: dict[int, SessionFacts] = {}

    def facts_for(training_session: TrainingSession) -> SessionFacts:
        if training_session.id not in facts_by_session:
            facts_by_session[training_session.id] = session_facts(training_session)
        return facts_by_session[training_session.id]

    events = []
    for booking in bookings:
        link = emails.link_for("booking", booking.id)
        events.append(
            calendar_event(
                facts_for(booking.training_session),
                uid=booking.calendar_uid,
                sequence=booking.sequence,
                link=link,
                how_to_cancel=cancel_text(link),
            )
        )
    for part in parts:
        link = emails.link_for("session", part.session_id)
        events.append(
            calendar_event(
                facts_for(part.training_session),
                uid=part.calendar_uid,
                sequence=part.sequence,
                link=link,
                how_to_cancel=None,
                part=TrainerPart(part.part).label,
            )
        )
    body = ical.feed_ics(events, name="Prevent training", dtstamp=last_modified)
    etag = hashlib.sha256(body).hexdigest()[:40]
    return Feed(body=body, etag=etag, last_modified=last_modified)
