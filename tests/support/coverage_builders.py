"""Fast builders for coverage tests: people, past sessions and their registers, training records.

Bulk inserts (SQLAlchemy Core with lists of rows) so a department of hundreds is made in milliseconds;
they write the same rows a register sign-off would (a booking, its attendance, a training record).
"""

from __future__ import annotations

import itertools
from datetime import date, time, timedelta

from sqlalchemy import insert

from tracker.attendance.models import Attendance, AttendanceOutcome, RecordSource, TrainingRecord
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.time import add_months, london_to_utc
from tracker.courses.models import Course, CourseEquivalence, SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people.models import Department, Organisation, Person, Placement

_numbers = itertools.count(1)


def add_people(
    department: Department,
    count: int,
    *,
    placed_from: date = date(2015, 1, 1),
    placed_to: date | None = None,
    job_title: str | None = "Social Worker",
    end_date: date | None = None,
    organisation: Organisation | None = None,
) -> list[int]:
    """`count` people of the department's organisation placed in it; returns their ids in order."""
    rows = []
    for _ in range(count):
        n = next(_numbers)
        rows.append(
            {
                "organisation_id": (organisation or department.organisation).id,
                "employee_ref": f"B{n:06d}",
                "first_name": f"Alex{n}",
                "last_name": f"Staff{n:06d}",
                "email": f"bulk{n}@barnet.example",
                "job_title": job_title,
                "end_date": end_date,
            }
        )
    ids = list(db.session.scalars(insert(Person).returning(Person.id, sort_by_parameter_order=True), rows))
    db.session.execute(
        insert(Placement),
        [
            {"person_id": person_id, "department_id": department.id, "from_date": placed_from, "to_date": placed_to}
            for person_id in ids
        ],
    )
    return ids


def move(person_id: int, *, old: Department, new: Department, on: date, since: date = date(2015, 1, 1)) -> None:
    """Replace a person's placements with `old` until `on` and `new` from it (what a roster change does)."""
    db.session.execute(Placement.__table__.delete().where(Placement.person_id == person_id))
    db.session.execute(
        insert(Placement),
        [
            {"person_id": person_id, "department_id": old.id, "from_date": since, "to_date": on},
            {"person_id": person_id, "department_id": new.id, "from_date": on, "to_date": None},
        ],
    )


def add_session(
    course: Course, day: date, *, at: time = time(10, 0), status: SessionStatus = SessionStatus.PUBLISHED
) -> TrainingSession:
    starts_at = london_to_utc(day, at)
    training_session = TrainingSession(
        course=course,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=course.duration_minutes),
        capacity=1000,
        status=status,
        venue="Barnet House",
    )
    db.session.add(training_session)
    db.session.flush()
    return training_session


def expiry(course: Course, completed_on: date) -> date | None:
    return add_months(completed_on, course.validity_months) if course.validity_months else None


def add_register(
    training_session: TrainingSession,
    person_ids: list[int],
    outcome: AttendanceOutcome = AttendanceOutcome.ATTENDED,
    *,
    records: bool | None = None,
    day: date | None = None,
) -> None:
    """Book, mark and (for attended, unless told) record the people, as a signed-off register would."""
    if not person_ids:
        return
    booking_ids = list(
        db.session.scalars(
            insert(Booking).returning(Booking.id, sort_by_parameter_order=True),
            [
                {
                    "session_id": training_session.id,
                    "person_id": person_id,
                    "status": BookingStatus.CONFIRMED,
                    "source": BookingSource.COORDINATOR,
                }
                for person_id in person_ids
            ],
        )
    )
    db.session.execute(insert(Attendance), [{"booking_id": b, "outcome": outcome} for b in booking_ids])
    if records is None:
        records = outcome == AttendanceOutcome.ATTENDED
    if records:
        course = training_session.course
        completed = day or training_session.starts_at.date()
        add_records(person_ids, course, completed, session_id=training_session.id)


def add_records(
    person_ids: list[int],
    course: Course,
    completed_on: date,
    *,
    expires_on: date | bool | None = True,
    session_id: int | None = None,
    source: RecordSource = RecordSource.ATTENDANCE,
) -> None:
    if expires_on is True:
        expires_on = expiry(course, completed_on)
    db.session.execute(
        insert(TrainingRecord),
        [
            {
                "person_id": person_id,
                "course_id": course.id,
                "completed_on": completed_on,
                "expires_on": expires_on,
                "source": source,
                "session_id": session_id,
            }
            for person_id in person_ids
        ],
    )


def make_equivalent(course: Course, equivalent: Course) -> None:
    db.session.add(CourseEquivalence(course_id=course.id, equivalent_course_id=equivalent.id))
    db.session.flush()
