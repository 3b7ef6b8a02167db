"""Bookings: a person's place on a training session, confirmed, waitlisted, held or cancelled."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, ForeignKey, Index, String, Text, UniqueConstraint, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.courses.models import TrainingSession, new_calendar_uid
from tracker.extensions import db
from tracker.people.models import Organisation, Person


class BookingStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    #: A place held for someone without an account until they confirm their email (it takes a seat).
    HELD = "held"
    CANCELLED = "cancelled"


#: Statuses that occupy a seat; `places_left` counts these against capacity.
SEAT_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.HELD)
ACTIVE_STATUSES = (BookingStatus.CONFIRMED, BookingStatus.HELD, BookingStatus.WAITLISTED)


class BookingSource(StrEnum):
    SELF = "self"
    MANAGER = "manager"
    COORDINATOR = "coordinator"
    PARTNER = "partner"
    WALK_IN = "walk_in"
    PUBLIC = "public"
    IMPORT = "import"


class Booking(db.Model):
    __tablename__ = "booking"
    __table_args__ = (
        # At most one active booking per person per session, whatever arrives at once.
        Index(
            "uq_booking_active_person_session",
            "session_id",
            "person_id",
            unique=True,
            sqlite_where=text("status <> 'cancelled'"),
            postgresql_where=text("status <> 'cancelled'"),
        ),
        Index("ix_booking_session_status", "session_id", "status", "created_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id"))
    person_id: Mapped[int] = mapped_column(ForeignKey("person.id"), index=True)
    status: Mapped[BookingStatus] = mapped_column(enum_column(BookingStatus, "booking_status"))
    source: Mapped[BookingSource] = mapped_column(enum_column(BookingSource, "booking_source"))
    #: The person who made the booking (themselves, their manager, a coordinator, a partner contact).
    booked_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    #: iCalendar UID, new for every booking (a re-booking after a cancellation gets a new one).
    calendar_uid: Mapped[str] = mapped_column(String(36), unique=True, default=new_calendar_uid)
    #: iCalendar SEQUENCE, bumped in the transaction that changes the booking's time, place or status.
    sequence: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    #: Waitlist order is (waitlisted_at, id): first come, first served.
    waitlisted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    #: For a HELD place: when the hold lapses unless the email is confirmed.
    hold_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    cancel_reason: Mapped[str | None] = mapped_column(Text)
    reminder_sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    training_session: Mapped[TrainingSession] = relationship()
    person: Mapped[Person] = relationship(foreign_keys=[person_id])
    booked_by: Mapped[Person | None] = relationship(foreign_keys=[booked_by_id])

    @property
    def is_active(self) -> bool:
        return self.status != BookingStatus.CANCELLED

    def __repr__(self) -> str:
        return f"<Booking {self.id} session={self.session_id} person={self.person_id} {self.status}>"


class SeatQuota(db.Model):
    """Places of a session held for one organisation's people until `released_at`, then open to everyone
    (`tracker.booking.quotas` has the rule)."""

    __tablename__ = "seat_quota"
    __table_args__ = (
        UniqueConstraint("session_id", "organisation_id"),
        CheckConstraint("places > 0", name="places_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("training_session.id", ondelete="CASCADE"), index=True)
    organisation_id: Mapped[int] = mapped_column(ForeignKey("organisation.id"))
    places: Mapped[int]
    #: From this moment the held places are anyone's (the start of a London day, stored in UTC).
    released_at: Mapped[datetime] = mapped_column(UTCDateTime)
    #: When the waiting list was offered the released places (by `bookings release-quotas` or the next booking).
    release_done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    organisation: Mapped[Organisation] = relationship()

    def in_force(self, now: datetime) -> bool:
        return now < self.released_at
