"""Partner returns: an organisation's own compliant/eligible figures for a course and a period."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import CheckConstraint, Date, ForeignKey, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime
from tracker.courses.models import Course
from tracker.extensions import db
from tracker.people.models import Organisation, Person


class PartnerReturn(db.Model):
    """The current return for (organisation, course, period end); earlier versions are in the history."""

    __tablename__ = "partner_return"
    __table_args__ = (
        UniqueConstraint("organisation_id", "course_id", "period_end"),
        CheckConstraint("compliant >= 0 AND eligible >= 0 AND compliant <= eligible", name="counts_valid"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    period_end: Mapped[date] = mapped_column(Date)
    compliant: Mapped[int]
    eligible: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    organisation: Mapped[Organisation] = relationship()
    course: Mapped[Course] = relationship()
    submitted_by: Mapped[Person | None] = relationship()


class PartnerReturnVersion(db.Model):
    """A replaced version of a partner return, kept when a resubmission or correction replaces it."""

    __tablename__ = "partner_return_version"

    id: Mapped[int] = mapped_column(primary_key=True)
    partner_return_id: Mapped[int] = mapped_column(ForeignKey("partner_return.id"), index=True)
    compliant: Mapped[int]
    eligible: Mapped[int]
    note: Mapped[str | None] = mapped_column(Text)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime)
    replaced_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    replaced_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))

    submitted_by: Mapped[Person | None] = relationship(foreign_keys=[submitted_by_id])
