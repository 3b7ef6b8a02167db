"""What the refresher reminders and the managers' digests remember: which reminders went, and each manager's
last digest (its fingerprint) and whether they want it at all."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime
from tracker.extensions import db


class RefresherReminder(db.Model):
    """A refresher reminder sent about one training record at one threshold (90 or 30 days before it expires).

    The unique (record, threshold) is what makes it once only: the row is inserted with the outbox message in the
    same transaction, and a second run (even at the same moment) finds the row there and sends nothing.
    A record that goes (a register reopened) takes its reminders with it.
    """

    __tablename__ = "refresher_reminder"
    __table_args__ = (UniqueConstraint("training_record_id", "threshold_days"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    training_record_id: Mapped[int] = mapped_column(ForeignKey("training_record.id", ondelete="CASCADE"))
    threshold_days: Mapped[int]
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    #: The required course the reminder was about (the record may be of an equivalent course).
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    expires_on: Mapped[date] = mapped_column(Date)
    sent_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)


class ManagerDigest(db.Model):
    """A manager's weekly digest: whether they opted out, and the fingerprint of the last one sent.

    A digest whose content hashes to the stored fingerprint is not sent again. The row is made the first time a
    digest is considered for the manager, or when they opt out.
    """

    __tablename__ = "manager_digest"

    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), primary_key=True)
    opted_out: Mapped[bool] = mapped_column(default=False)
    #: SHA-256 (hex) of the last digest's content; None before the first.
    fingerprint: Mapped[str | None] = mapped_column(String(64))
    last_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)
