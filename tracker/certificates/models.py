"""A certificate of attendance issued from a training record, found again by its verification code."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime
from tracker.extensions import db


class Certificate(db.Model):
    """One per training record. The record's id goes to NULL when the record is deleted (a register reopened, a
    record removed): the database itself withdraws the certificate, whichever code path deletes the record. The
    course, person and dates are kept as issued, so a record that changed under it no longer matches."""

    __tablename__ = "certificate"

    id: Mapped[int] = mapped_column(primary_key=True)
    #: 12 characters of base32 (60 random bits from `secrets`); shown in groups of four.
    code: Mapped[str] = mapped_column(String(16), unique=True)
    training_record_id: Mapped[int | None] = mapped_column(
        ForeignKey("training_record.id", ondelete="SET NULL"), unique=True
    )
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    completed_on: Mapped[date] = mapped_column(Date)
    expires_on: Mapped[date | None] = mapped_column(Date)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    issued_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
