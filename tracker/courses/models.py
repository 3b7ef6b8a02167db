"""Courses, what is required of whom, training sessions, who delivers them, and trainer accreditation."""

from __future__ import annotations

import uuid
from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, Text, UniqueConstraint, func
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.extensions import db
from tracker.people.models import Department, Organisation, Person


def new_calendar_uid() -> str:
    return str(uuid.uuid4())


class Course(db.Model):
    __tablename__ = "course"
    __table_args__ = (
        CheckConstraint("target_percent BETWEEN 0 AND 100", name="target_is_percent"),
        CheckConstraint("validity_months IS NULL OR validity_months > 0", name="validity_positive"),
        CheckConstraint("duration_minutes > 0", name="duration_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    #: Short stable code used in CSV files and the API: WRAP, PREVENT-BASIC, CTLP-BRIEFING.
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    duration_minutes: Mapped[int] = mapped_column(default=60)
    #: Months a completion stays valid; None means it never expires (e.g. a briefing).
    validity_months: Mapped[int | None]
    counts_for_compliance: Mapped[bool] = mapped_column(default=True)
    target_percent: Mapped[int] = mapped_column(default=85)
    #: Whether a "partial" attendance still earns a training record.
    partial_counts: Mapped[bool] = mapped_column(default=False)
    #: Trainer pathway: sessions a trainee must observe and co-deliver before accreditation.
    required_observations: Mapped[int] = mapped_column(default=2)
    required_co_deliveries: Mapped[int] = mapped_column(default=1)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    equivalents: Mapped[list[Course]] = relationship(
        secondary="course_equivalence",
        primaryjoin="Course.id == CourseEquivalence.course_id",
        secondaryjoin="Course.id == CourseEquivalence.equivalent_course_id",
        order_by="Course.code",
    )

    def __repr__(self) -> str:
        return f"<Course {self.code}>"


class CourseEquivalence(db.Model):
    """Completing `equivalent_course` also satisfies `course` (e.g. Home Office e-learning for WRAP)."""

    __tablename__ = "course_equivalence"
    __table_args__ = (
        UniqueConstraint("course_id", "equivalent_course_id"),
        CheckConstraint("course_id <> equivalent_course_id", name="not_itself"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    equivalent_course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))


class Requirement(db.Model):
    """Course C is required of an organisation's people, optionally a department subtree and job titles."""

    __tablename__ = "requirement"

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)
    #: The requirement covers this department and every department beneath it; None means all.
    department_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"))
    #: Job titles it applies to (compared case-insensitively); empty means every job title.
    job_titles: Mapped[list[str]] = mapped_column(JSON, default=list)
    from_date: Mapped[date] = mapped_column(Date)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    course: Mapped[Course] = relationship()
    organisation: Mapped[Organisation] = relationship()
    department: Mapped[Department | None] = relationship()


class SessionStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


class TrainerPart(StrEnum):
    LEAD = "lead"
    CO_TRAINER = "co_trainer"
    OBSERVER = "observer"

    @property
    def label(self) -> str:
        return {TrainerPart.LEAD: "Lead", TrainerPart.CO_TRAINER: "Co-trainer", TrainerPart.OBSERVER: "Observer"}[self]


class TrainingSession(db.Model):
    """One delivery of a course at a time and place. Never call an instance `session`."""

    __tablename__ = "training_session"
    __table_args__ = (
        CheckConstraint("capacity > 0", name="capacity_positive"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        Index("ix_training_session_status_starts_at", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"), index=True)
    #: Optional title shown instead of the course name ("WRAP for Barnet Homes frontline staff").
    title: Mapped[str | None] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    venue: Mapped[str | None] = mapped_column(String(300))
    online_url: Mapped[str | None] = mapped_column(String(500))
    capacity: Mapped[int]
    status: Mapped[SessionStatus] = mapped_column(
        enum_column(SessionStatus, "session_status"), default=SessionStatus.DRAFT
    )
    booking_opens_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: After this, no bookings and no waitlist promotions. None: booking closes when the session starts.
    booking_closes_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: True: only people of the organisations in `audience` may book.
    audience_restricted: Mapped[bool] = mapped_column(default=False)
    #: Sessions created together as a monthly series share this key.
    series_key: Mapped[str | None] = mapped_column(String(36), index=True)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    register_signed_off_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    register_signed_off_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    course: Mapped[Course] = relationship()
    audience: Mapped[list[Organisation]] = relationship(secondary="session_audience", order_by="Organisation.name")
    trainers: Mapped[list[SessionTrainer]] = relationship(
        back_populates="training_session", cascade="all, delete-orphan", order_by="SessionTrainer.id"
    )

    @property
    def display_title(self) -> str:
        return self.title or self.course.name

    @staticmethod
    def display_title_column(session=None, course=None):
        """`display_title` in SQL, for statements of columns: the title (if not blank), else the course's name.
        `session` and `course` are the (aliased) tables the statement joins; by default the models."""
        session = TrainingSession if session is None else session
        course = Course if course is None else course
        return func.coalesce(func.nullif(session.title, ""), course.name)

    @property
    def is_cancelled(self) -> bool:
        return self.status == SessionStatus.CANCELLED

    @property
    def is_published(self) -> bool:
        return self.status == SessionStatus.PUBLISHED

    @property
    def is_signed_off(self) -> bool:
        return self.register_signed_off_at is not None

    @property
    def effective_booking_close(self) -> datetime:
        """Booking (and waitlist promotion) stops at the earlier of booking close and the start."""
        if self.booking_closes_at is None:
            return self.starts_at
        return min(self.booking_closes_at, self.starts_at)

    def __repr__(self) -> str:
        return f"<TrainingSession {self.id} {self.course_id} {self.starts_at:%Y-%m-%d %H:%M}Z>"


class SessionAudience(db.Model):
    __tablename__ = "session_audience"
    __table_args__ = (UniqueConstraint("session_id", "organisation_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"))
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"), index=True)


class SessionTrainer(db.Model):
    """A person delivering a session, with their part; trainers get their own calendar invite."""

    __tablename__ = "session_trainer"
    __table_args__ = (UniqueConstraint("session_id", "person_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    part: Mapped[TrainerPart] = mapped_column(enum_column(TrainerPart, "trainer_part"))
    calendar_uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_calendar_uid)
    sequence: Mapped[int] = mapped_column(default=0)

    training_session: Mapped[TrainingSession] = relationship(back_populates="trainers")
    person: Mapped[Person] = relationship()


class AccreditationStatus(StrEnum):
    TRAINEE = "trainee"
    ACCREDITED = "accredited"


class TrainerAccreditation(db.Model):
    """Where a person stands on the trainer pathway for one course."""

    __tablename__ = "trainer_accreditation"
    __table_args__ = (UniqueConstraint("person_id", "course_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    course_id: Mapped[int] = mapped_column(ForeignKey("course.id"))
    status: Mapped[AccreditationStatus] = mapped_column(
        enum_column(AccreditationStatus, "accreditation_status"), default=AccreditationStatus.TRAINEE
    )
    accredited_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    accredited_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    course: Mapped[Course] = relationship()
