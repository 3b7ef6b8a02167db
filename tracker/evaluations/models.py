"""What post-session evaluation keeps: who was asked (to ask once), and the answers (without who gave them)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, SmallInteger, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime
from tracker.extensions import db

#: The most characters a comment may have (the form says so, and the database holds it to it).
COMMENT_MAX = 1000


class EvaluationInvitation(db.Model):
    """An attendee asked to evaluate a session: at most one per person and session, so a register reopened and
    signed off again asks nobody twice. The emailed link carries a random token; only its SHA-256 is kept."""

    __tablename__ = "evaluation_invitation"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: SHA-256 (hex) of the token in the emailed link.
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


def _score(name: str) -> CheckConstraint:
    return CheckConstraint(f"{name} BETWEEN 1 AND 5", name=f"{name}_1_to_5")


class EvaluationResponse(db.Model):
    """One attendee's answers about one session, with nothing that names them (docs/decisions.md, "Post-session
    evaluation"). `receipt` is a second hash of the link's token, unique: a second answer through the same link
    (a double click, two tabs at once) breaks the constraint, and nothing in the database leads from an
    invitation to its answer without the token itself. No time is kept either: the session's date is the period
    the reports use, and a moment of answering could be matched to a sign-in."""

    __tablename__ = "evaluation_response"
    __table_args__ = (
        _score("confidence_before"),
        _score("confidence_after"),
        _score("usefulness"),
        _score("trainer_rating"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    #: SHA-256 (hex) of "receipt:" and the token: one answer per invitation.
    receipt: Mapped[str] = mapped_column(String(64), unique=True)
    #: 1 (not at all confident) to 5 (very confident) to recognise and refer a Prevent concern, before and after.
    confidence_before: Mapped[int] = mapped_column(SmallInteger)
    confidence_after: Mapped[int] = mapped_column(SmallInteger)
    #: 1 (not useful) to 5 (very useful); 4 and 5 count as "useful" in the reports.
    usefulness: Mapped[int] = mapped_column(SmallInteger)
    #: 1 (very poor) to 5 (very good).
    trainer_rating: Mapped[int] = mapped_column(SmallInteger)
    comment: Mapped[str | None] = mapped_column(String(COMMENT_MAX))
