"""The attendee list of one session: every booking (any status) with the person, their organisation and the
department they were in on the session's day, when they booked, their mark, and whether sign-off made them a
record. One statement, whatever the number of bookings; the files are made in `tracker.sessions.attendee_export`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Select, and_, func, or_, select

from tracker.attendance.models import Attendance, AttendanceOutcome, RecordSource, TrainingRecord
from tracker.attendance.services import session_london_date
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people.models import Department, Organisation, Person, Placement


@dataclass(frozen=True)
class AttendeeRow:
    booking_id: int
    person_id: int
    first_name: str
    last_name: str
    email: str | None
    organisation: str | None
    #: The department path the person was placed in on the session's day (None: no placement then).
    department: str | None
    booking_status: BookingStatus
    booked_at: datetime
    #: The mark on the register (None: not marked, or not on the register: waitlisted or cancelled).
    attendance: AttendanceOutcome | None
    walk_in: bool
    #: The register is signed off: the marks are final.
    signed_off: bool
    #: Sign-off made this person a training record of the course.
    record_made: bool

    @property
    def name(self) -> str:
        return f"{self.first_name} {self.last_name}"


def attendee_statement(training_session: TrainingSession) -> Select:
    """The rows of `AttendeeRow` (all but signed_off), by surname, first name and booking."""
    day = session_london_date(training_session)
    return (
        select(
            Booking.id.label("booking_id"),
            Person.id.label("person_id"),
            Person.first_name,
            Person.last_name,
            Person.email,
            Organisation.name.label("organisation"),
            Department.path.label("department"),
            Booking.status.label("booking_status"),
            Booking.created_at.label("booked_at"),
            Attendance.outcome.label("attendance"),
            Booking.source,
            TrainingRecord.id.label("record_id"),
        )
        .join(Person, Person.id == Booking.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(
            Placement,
            and_(
                Placement.person_id == Person.id,
                Placement.from_date <= day,
                or_(Placement.to_date.is_(None), Placement.to_date > day),
            ),
        )
        .outerjoin(Department, Department.id == Placement.department_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .outerjoin(
            TrainingRecord,
            and_(
                TrainingRecord.session_id == Booking.session_id,
                TrainingRecord.person_id == Booking.person_id,
                TrainingRecord.source == RecordSource.ATTENDANCE,
                Booking.status == BookingStatus.CONFIRMED,
            ),
        )
        .where(Booking.session_id == training_session.id)
        .order_by(func.lower(Person.last_name), func.lower(Person.first_name), Booking.id)
    )


def to_attendee_row(row, *, signed_off: bool) -> AttendeeRow:
    return AttendeeRow(
        booking_id=row.booking_id,
        person_id=row.person_id,
        first_name=row.first_name,
        last_name=row.last_name,
        email=row.email,
        organisation=row.organisation,
        department=row.department,
        booking_status=row.booking_status,
        booked_at=row.booked_at,
        attendance=row.attendance,
        walk_in=row.source == BookingSource.WALK_IN,
        signed_off=signed_off,
        record_made=row.record_id is not None,
    )


def list_attendees(training_session: TrainingSession) -> list[AttendeeRow]:
    """Everyone booked on the session, in any status: one statement."""
    signed_off = training_session.is_signed_off
    return [
        to_attendee_row(row, signed_off=signed_off) for row in db.session.execute(attendee_statement(training_session))
    ]
