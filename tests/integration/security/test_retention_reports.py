"""Retention keeps reports the same: after `retention purge`, past coverage gives exactly the same rows.

A council with departments and teams, people who joined, moved between teams and left (some long ago,
past the retention period; some recently), sessions from 2017 to 2021 with attendance and the records it
made, an equivalent course, and a requirement narrowed to a job title. With the clock frozen, the coverage
report and the quarterly series for dates across those years are taken, the purge runs (through its
command), and every figure is taken again: they must be identical, though the leavers are erased.
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta

import time_machine
from sqlalchemy import func, select

from tests.factories import (
    make_course,
    make_department,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    make_user,
    wrap_course,
)
from tracker.accounts.models import Role
from tracker.attendance.models import Attendance, AttendanceOutcome, RecordSource, TrainingRecord
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.time import add_months
from tracker.courses.models import CourseEquivalence
from tracker.coverage import queries, trend
from tracker.extensions import db
from tracker.people import services as people
from tracker.people.models import Person

NOW = datetime(2026, 11, 25, 12, 0, tzinfo=UTC)
#: Dates whose reports must survive the purge: before, around and after the leavers left.
AS_OF = [
    date(2017, 12, 31),
    date(2018, 9, 30),
    date(2019, 3, 31),
    date(2020, 3, 31),
    date(2021, 6, 30),
    date(2026, 3, 31),
]


def _build_council(rng: random.Random):
    wrap = wrap_course()
    elearning = make_course(code="HO-ELEARN", name="Home Office Prevent e-learning", validity_months=None)
    db.session.add(CourseEquivalence(course_id=wrap.id, equivalent_course_id=elearning.id))
    council = make_organisation(name="Barnet Council")
    children = make_department(organisation=council, name="Children and Family Services")
    teams = [make_department(parent=children, name=name) for name in ("Fostering", "Children in Care")]
    adults = make_department(organisation=council, name="Adults and Communities")
    make_requirement(course=wrap, organisation=council, department=children, from_date=date(2017, 1, 1))
    make_requirement(
        course=wrap, organisation=council, department=adults, job_titles=["social worker"], from_date=date(2017, 6, 1)
    )
    departments = [*teams, adults]
    everyone = []
    for n in range(36):
        department = departments[n % 3]
        person = make_person(
            department=department,
            placed_from=date(2016, 1, 1),
            start_date=date(2016, 1, 1),
            job_title=rng.choice(["Social Worker", "social worker", "Team Manager", "Administrator"]),
        )
        everyone.append(person)
    for index, person in enumerate(everyone[:6]):  # movers: another team from April 2018 or 2019
        other = next(d for d in departments if d.id != people.current_department(person, day=date(2017, 1, 1)).id)
        people.move_person(person=person, department=other, from_date=date(2018 + index % 2, 4, 1))
    # The first three leavers moved first (they leave after their move); the rest never moved.
    leave_dates = [date(2019, 12, 31), date(2020, 6, 30), date(2019, 6, 30), date(2017, 11, 30), date(2018, 6, 15)]
    leavers = everyone[3:15]
    for index, person in enumerate(leavers[:10]):
        people.set_leave_date(person=person, end_date=leave_dates[index % len(leave_dates)])
    for person in leavers[10:]:  # left recently: inside the retention period, kept
        people.set_leave_date(person=person, end_date=date(2024, 8, 31))
    make_user(Role.STAFF, person=leavers[0])  # a leaver with a sign-in account
    return wrap, elearning, everyone


def _history(rng: random.Random, wrap, elearning, everyone):
    """Sessions from 2017 to 2021: bookings, marks and the records sign-off made; some e-learning."""
    trainer = make_person(first_name="Amira", last_name="Haddad")
    for month in range(0, 54, 3):
        starts_at = datetime(2017, 3, 7, 10, tzinfo=UTC) + timedelta(days=30 * month)
        training_session = make_session(course=wrap, starts_at=starts_at, lead=trainer, capacity=40)
        day = starts_at.date()
        present = [p for p in everyone if p.end_date is None or p.end_date > day]
        for person in rng.sample(present, min(6, len(present))):
            booking = Booking(
                session_id=training_session.id,
                person_id=person.id,
                status=BookingStatus.CONFIRMED,
                source=BookingSource.SELF,
                created_at=starts_at - timedelta(days=20),
                confirmed_at=starts_at - timedelta(days=20),
            )
            db.session.add(booking)
            db.session.flush()
            outcome = rng.choice(
                [AttendanceOutcome.ATTENDED] * 4 + [AttendanceOutcome.PARTIAL, AttendanceOutcome.ABSENT]
            )
            db.session.add(Attendance(booking_id=booking.id, outcome=outcome))
            if outcome == AttendanceOutcome.ATTENDED:
                db.session.add(
                    TrainingRecord(
                        person_id=person.id,
                        course_id=wrap.id,
                        completed_on=day,
                        expires_on=add_months(day, 36),
                        source=RecordSource.ATTENDANCE,
                        session_id=training_session.id,
                    )
                )
        training_session.register_signed_off_at = starts_at + timedelta(hours=3)
    for person in rng.sample(everyone, 5):
        db.session.add(
            TrainingRecord(
                person_id=person.id,
                course_id=elearning.id,
                completed_on=date(2018, 1, 15),
                source=RecordSource.EQUIVALENT_EVIDENCE,
            )
        )
    db.session.flush()


def _figures(course):
    reports = [queries.coverage_report(course=course, as_of=day) for day in AS_OF]
    quarterly = trend.quarterly_coverage(course=course, as_of=date(2020, 12, 31))
    return [report.rows for report in reports], quarterly.series


@time_machine.travel(NOW, tick=False)
def test_past_coverage_is_identical_after_the_purge(app, runner):
    rng = random.Random(6)
    wrap, elearning, everyone = _build_council(rng)
    _history(rng, wrap, elearning, everyone)
    db.session.commit()
    rows_before, series_before = _figures(wrap)
    assert sum(row.trained for rows in rows_before for row in rows) > 0
    assert sum(row.attendees for rows in rows_before for row in rows) > 0

    result = runner.invoke(args=["retention", "purge"])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    erased = db.session.scalar(select(func.count()).select_from(Person).where(Person.erased_at.is_not(None)))
    assert erased == 10, result.output  # left before the cutoff (72 months before 2026-11-25)
    assert db.session.scalar(select(func.count()).where(Person.email.is_(None), Person.first_name == "Erased")) == 10

    rows_after, series_after = _figures(wrap)
    for day, before, after in zip(AS_OF, rows_before, rows_after, strict=True):
        assert after == before, f"coverage as of {day} changed after the purge"
    assert series_after == series_before
