"""The transactional outbox of emails, and personal calendar feed tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import TYPE_CHECKING, Any

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.extensions import db
from tracker.people.models import Person

if TYPE_CHECKING:
    pass


class OutboxStatus(StrEnum):
    PENDING = "pending"
    SENDING = "sending"
    SENT = "sent"
    FAILED = "failed"
    #: A newer message for the same booking made this one pointless before it was sent.
    SUPERSEDED = "superseded"


#: The template of a row that carries its rendered bodies instead of facts (see `OutboxMessage.stored_text`).
STORED = "stored"


class OutboxMessage(db.Model):
    """An email queued in the same transaction as the change it reports, rendered and sent later by a worker.

    The row holds what the message is about, not its bodies: the template, the facts it shows (JSON, as
    they were when the change was made), and for an invite the calendar event and its SEQUENCE. The worker
    renders text, HTML and the .ics from them when it sends, so what is sent is what was true at the time
    of the change.
    """

    __tablename__ = "outbox_message"
    __table_args__ = (Index("ix_outbox_message_due", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(40))
    recipient_email: Mapped[str] = mapped_column(String(254))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    subject: Mapped[str] = mapped_column(String(300))
    #: `templates/emails/<template>.txt|.html`, rendered with `facts` when the message is sent; or STORED.
    template: Mapped[str] = mapped_column(String(60), server_default=STORED)
    facts: Mapped[dict[str, Any]] = mapped_column(JSON, server_default="{}")
    #: REQUEST or CANCEL when the message carries a calendar part, made from `event` and `sequence`.
    ics_method: Mapped[str | None] = mapped_column(String(16))
    event: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    sequence: Mapped[int | None]
    #: A STORED row's rendered bodies (rows written before the bodies were rendered at send time, by the release
    #: before or by its instances still serving during a rolling upgrade). To be dropped in the next release.
    stored_text: Mapped[str | None] = mapped_column("body_text", Text)
    stored_html: Mapped[str | None] = mapped_column("body_html", Text)
    stored_ics: Mapped[str | None] = mapped_column("ics", Text)
    booking_id: Mapped[int | None] = mapped_column(ForeignKey("booking.id"), index=True)
    #: The trainer's session part this invite is for (no FK: the part may be removed after its CANCEL).
    session_trainer_id: Mapped[int | None]
    #: Unsent messages sharing a key are superseded by a newer one (an update after an update).
    supersede_key: Mapped[str | None] = mapped_column(String(100), index=True)
    status: Mapped[OutboxStatus] = mapped_column(
        enum_column(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(100))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)
    message_id: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class CalendarFeedToken(db.Model):
    """The secret in a person's calendar feed URL; only its hash is stored. Revoking sets revoked_at."""

    __tablename__ = "calendar_feed_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    person: Mapped[Person] = relationship()
