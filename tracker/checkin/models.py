"""Check-ins (evidence that someone arrived at a session) and the codes emailed to confirm one without an account."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.booking.models import Booking
from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.extensions import db


class CheckInMethod(StrEnum):
    SIGNED_IN = "signed_in"
    EMAIL_CODE = "email_code"


class CheckIn(db.Model):
    """Someone said they had arrived, by the session's code. Evidence of arrival only: the trainer's mark on the
    register, signed off, is the record of attendance (docs/decisions.md, "Self check-in")."""

    __tablename__ = "check_in"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: One check-in per booking: the database refuses a second.
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id", ondelete="CASCADE"), unique=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    method: Mapped[CheckInMethod] = mapped_column(enum_column(CheckInMethod, "check_in_method"))
    checked_in_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    booking: Mapped[Booking] = relationship()


class CheckInEmailCode(db.Model):
    """A 6-digit code emailed to a booked person to confirm their check-in without signing in. Only a keyed hash of
    the code is kept; it works once, until `expires_at`, for a few attempts; a newer code for the same person and
    session ends it."""

    __tablename__ = "check_in_email_code"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id", ondelete="CASCADE"), index=True)
    #: HMAC-SHA256 of the code under the app's SECRET_KEY (a million codes are too few for a plain hash).
    code_hash: Mapped[str] = mapped_column(String(64))
    #: Wrong codes tried against this one.
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: Set when the code checked someone in, or was ended by a newer code.
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
