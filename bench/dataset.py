"""A council-sized data set for benchmarks and scale tests, built fast with bulk inserts.

At full scale: 15 organisations with 300 departments nested three deep, 20,000 people (movers, leavers,
late starters, several job titles), WRAP required in various ways (whole organisation, a department
subtree, job titles, both; one organisation with none), 3,000 sessions over five years (a tenth of
another course, some cancelled), 100,000 bookings with attendance and the training records a signed-off
register makes, and equivalent e-learning records. Everything is drawn from a seeded random generator,
so a scale gives the same data every time.

Rows go in with SQLAlchemy Core `insert()` and lists of dicts in large batches (executemany; RETURNING
only where the ids are needed), through one `Connection`, which the caller commits.
"""

from __future__ import annotations

import random
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import Connection, Table, insert

from tracker.attendance.models import Attendance, AttendanceOutcome, RecordSource, TrainingRecord
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.time import add_months, london_to_utc
from tracker.courses.models import Course, CourseEquivalence, Requirement, SessionStatus, TrainingSession
from tracker.people.models import Department, Organisation, OrganisationKind, Person, Placement

#: The report date and period the benchmark asks about.
AS_OF = date(2024, 3, 31)
PERIOD_START = date(2023, 4, 1)
COURSE_CODE = "WRAP"

BATCH = 10_000
JOB_TITLES = (
    "Social Worker",
    "Team Manager",
    "Family Support Worker",
    "Nurse",
    "Housing Officer",
    "Teacher",
    "Administrator",
    "Youth Worker",
)
KINDS = (
    OrganisationKind.LOCAL_AUTHORITY,
    OrganisationKind.NHS_TRUST,
    OrganisationKind.HOUSING,
    OrganisationKind.THIRD_SECTOR,
    OrganisationKind.EDUCATION,
    OrganisationKind.CRIMINAL_JUSTICE,
)
EPOCH = date(2015, 1, 1)


@dataclass(frozen=True)
class Scale:
    organisations: int
    departments: int
    people: int
    sessions: int
    bookings: int
    years: int = 5

    def times(self, factor: float) -> Scale:
        """This scale with people, sessions, bookings and departments multiplied (at least one department per
        organisation); the organisations grow as the cube root of a larger factor (10× a council is a
        region of twice as many organisations, each bigger)."""
        return Scale(
            organisations=max(self.organisations, round(self.organisations * factor ** (1 / 3))),
            departments=max(self.organisations, round(self.departments * factor)),
            people=round(self.people * factor),
            sessions=round(self.sessions * factor),
            bookings=round(self.bookings * factor),
            years=self.years,
        )


FULL = Scale(organisations=15, departments=300, people=20_000, sessions=3_000, bookings=100_000)
SMALL = Scale(organisations=3, departments=12, people=300, sessions=40, bookings=1_200)


@dataclass(frozen=True)
class Dataset:
    scale: Scale
    as_of: date
    period_start: date
    course_code: str
    rows: dict[str, int]


def _insert(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> None:
    for start in range(0, len(rows), BATCH):
        connection.execute(insert(table), list(rows[start : start + BATCH]))


def _insert_returning_ids(connection: Connection, table: Table, rows: Sequence[dict[str, Any]]) -> list[int]:
    ids: list[int] = []
    for start in range(0, len(rows), BATCH):
        result = connection.execute(
            insert(table).returning(table.c.id, sort_by_parameter_order=True), list(rows[start : start + BATCH])
        )
        ids.extend(result.scalars())
    return ids


def _random_day(rng: random.Random, start: date, end: date) -> date:
    return start + timedelta(days=rng.randrange((end - start).days))


def build(connection: Connection, scale: Scale = FULL, *, seed: int = 2019) -> Dataset:
    """Insert the data set into an empty, migrated database through `connection` (not committed)."""
    rng = random.Random(seed)
    now = datetime(2024, 4, 1, 12, 0, tzinfo=UTC)
    first_day = add_months(AS_OF, -12 * scale.years)
    rows: dict[str, int] = {}

    # Courses: WRAP, an equivalent e-learning, and a course whose sessions must not count for WRAP.
    course_ids = _insert_returning_ids(
        connection,
        Course.__table__,
        [
            {"code": "WRAP", "name": "Workshop to Raise Awareness of Prevent", "validity_months": 36},
            {"code": "HO-ELEARN", "name": "Home Office Prevent e-learning", "validity_months": 12},
            {"code": "PREVENT-BASIC", "name": "Basic Prevent awareness", "validity_months": None},
        ],
    )
    wrap, elearning, basic = course_ids
    validity = {wrap: 36, elearning: 12, basic: None}
    _insert(connection, CourseEquivalence.__table__, [{"course_id": wrap, "equivalent_course_id": elearning}])

    # Organisations, and departments nested up to three deep (a few top departments, the rest beneath).
    organisation_ids = _insert_returning_ids(
        connection,
        Organisation.__table__,
        [
            {"name": f"Bench organisation {i + 1:02d}", "kind": KINDS[i % len(KINDS)], "created_at": now}
            for i in range(scale.organisations)
        ],
    )
    per_organisation = max(1, scale.departments // scale.organisations)
    departments_of: dict[int, list[tuple[int, int]]] = {}  # organisation -> [(department id, depth)]
    tops_of: dict[int, list[int]] = {}
    for organisation_id in organisation_ids:
        top_count = max(1, per_organisation // 10)
        tops = _insert_returning_ids(
            connection,
            Department.__table__,
            [
                {
                    "organisation_id": organisation_id,
                    "parent_id": None,
                    "name": f"Directorate {t + 1}",
                    "path": f"Directorate {t + 1}",
                    "created_at": now,
                }
                for t in range(top_count)
            ],
        )
        tops_of[organisation_id] = tops
        made = [(d, 1, f"Directorate {t + 1}") for t, d in enumerate(tops)]
        remaining = per_organisation - top_count
        level = made
        depth = 1
        while remaining > 0 and depth < 3:
            # Middle level: about a third of the rest; teams: everything left.
            wanted = remaining if depth == 2 else max(1, remaining // 3)
            new_rows = []
            for n in range(wanted):
                parent_id, _, parent_path = level[n % len(level)]
                name = f"{'Service' if depth == 1 else 'Team'} {n + 1}"
                new_rows.append(
                    {
                        "organisation_id": organisation_id,
                        "parent_id": parent_id,
                        "name": name,
                        "path": f"{parent_path}/{name}",
                        "created_at": now,
                    }
                )
            new_ids = _insert_returning_ids(connection, Department.__table__, new_rows)
            level = [(i, depth + 1, r["path"]) for i, r in zip(new_ids, new_rows, strict=True)]
            made.extend(level)
            remaining -= wanted
            depth += 1
        departments_of[organisation_id] = [(d, dep) for d, dep, _ in made]
    rows["organisation"] = len(organisation_ids)
    rows["department"] = sum(len(v) for v in departments_of.values())

    # Requirements of WRAP, in every shape the rules allow; the last organisation has none.
    requirement_rows = []
    for i, organisation_id in enumerate(organisation_ids):
        base = {"course_id": wrap, "organisation_id": organisation_id, "job_titles": [], "created_at": now}
        if i == len(organisation_ids) - 1 and len(organisation_ids) > 1:
            continue
        shape = i % 5
        top = tops_of[organisation_id][0]
        if shape == 1:
            requirement_rows.append({**base, "department_id": top, "from_date": date(2017, 1, 1)})
        elif shape == 2:
            requirement_rows.append(
                {**base, "department_id": None, "job_titles": ["Social Worker", "team manager"], "from_date": EPOCH}
            )
        elif shape == 3:
            requirement_rows.append(
                {**base, "department_id": top, "job_titles": ["NURSE", "Teacher"], "from_date": date(2018, 4, 1)}
            )
        else:
            requirement_rows.append({**base, "department_id": None, "from_date": date(2017, 1, 1)})
        if shape == 0 and len(tops_of[organisation_id]) > 1:
            # An overlapping, later requirement: people it covers must still count once.
            requirement_rows.append(
                {**base, "department_id": tops_of[organisation_id][1], "from_date": date(2023, 1, 1)}
            )
    _insert(connection, Requirement.__table__, requirement_rows)
    rows["requirement"] = len(requirement_rows)

    # People: most placed since 2015; some start later, move once, or leave.
    people_rows = []
    placements_wanted: list[list[tuple[int, date, date | None]]] = []
    for n in range(scale.people):
        organisation_id = organisation_ids[n % len(organisation_ids)]
        departments = departments_of[organisation_id]
        leaves = rng.random() < 0.06
        starts = EPOCH if rng.random() < 0.8 else _random_day(rng, EPOCH, AS_OF)
        end_date = _random_day(rng, max(starts, first_day), AS_OF + timedelta(days=200)) if leaves else None
        if end_date is not None and end_date <= starts:
            end_date = starts + timedelta(days=30)
        people_rows.append(
            {
                "organisation_id": organisation_id,
                "employee_ref": f"P{n:07d}",
                "first_name": f"Person{n}",
                "last_name": f"Surname{n % 997:03d}",
                "email": f"person{n}@bench.example",
                "job_title": rng.choice((*JOB_TITLES, None)),
                "start_date": starts,
                "end_date": end_date,
                "created_at": now,
                "updated_at": now,
            }
        )
        home = rng.choice(departments)[0]
        spells: list[tuple[int, date, date | None]]
        if rng.random() < 0.1:  # a mover
            moved = _random_day(rng, starts + timedelta(days=1), AS_OF + timedelta(days=100))
            spells = [(home, starts, moved), (rng.choice(departments)[0], moved, None)]
        else:
            closed = end_date if (end_date is not None and rng.random() < 0.5) else None
            spells = [(home, starts, closed)]
        placements_wanted.append(spells)
    person_ids = _insert_returning_ids(connection, Person.__table__, people_rows)
    placement_rows = [
        {"person_id": person_id, "department_id": department_id, "from_date": start, "to_date": end}
        for person_id, spells in zip(person_ids, placements_wanted, strict=True)
        for department_id, start, end in spells
        if end is None or end > start
    ]
    _insert(connection, Placement.__table__, placement_rows)
    rows["person"] = len(person_ids)
    rows["placement"] = len(placement_rows)

    # Sessions over the years up to the as-of date (and a few after it).
    session_rows = []
    session_courses = []
    span = (AS_OF - first_day).days + 60
    for n in range(scale.sessions):
        day = first_day + timedelta(days=(n * span) // max(1, scale.sessions))
        course_id = basic if n % 10 == 9 else wrap
        starts_at = london_to_utc(day, time(9, 30) if n % 2 == 0 else time(13, 30))
        cancelled = rng.random() < 0.03
        session_rows.append(
            {
                "course_id": course_id,
                "starts_at": starts_at,
                "ends_at": starts_at + timedelta(minutes=90),
                "venue": "Barnet House",
                "capacity": 40,
                "status": SessionStatus.CANCELLED if cancelled else SessionStatus.PUBLISHED,
                "audience_restricted": False,
                "created_at": now,
                "updated_at": now,
            }
        )
        session_courses.append((course_id, day, cancelled))
    session_ids = _insert_returning_ids(connection, TrainingSession.__table__, session_rows)
    rows["training_session"] = len(session_ids)

    # Bookings spread over the sessions, each person at most once per session.
    booking_rows = []
    booking_meta = []
    per_session, extra = divmod(scale.bookings, max(1, len(session_ids)))
    for index, session_id in enumerate(session_ids):
        count = min(per_session + (1 if index < extra else 0), len(person_ids))
        for person_index in rng.sample(range(len(person_ids)), count):
            cancelled = rng.random() < 0.05
            booking_rows.append(
                {
                    "session_id": session_id,
                    "person_id": person_ids[person_index],
                    "status": BookingStatus.CANCELLED if cancelled else BookingStatus.CONFIRMED,
                    "source": BookingSource.SELF,
                    "calendar_uid": str(uuid.UUID(int=rng.getrandbits(128), version=4)),
                    "sequence": 0,
                    "created_at": now,
                }
            )
            booking_meta.append((index, person_ids[person_index], cancelled))
    booking_ids = _insert_returning_ids(connection, Booking.__table__, booking_rows)
    rows["booking"] = len(booking_ids)

    # Registers of past sessions, and the records their sign-off makes.
    attendance_rows = []
    record_rows = []
    outcomes = (
        [AttendanceOutcome.ATTENDED] * 16
        + [AttendanceOutcome.PARTIAL]
        + [AttendanceOutcome.ABSENT] * 2
        + [AttendanceOutcome.EXCUSED]
    )
    for booking_id, (index, person_id, cancelled) in zip(booking_ids, booking_meta, strict=True):
        course_id, day, session_cancelled = session_courses[index]
        if cancelled or session_cancelled or day > AS_OF:
            continue
        outcome = rng.choice(outcomes)
        attendance_rows.append({"booking_id": booking_id, "outcome": outcome, "marked_at": now})
        if outcome == AttendanceOutcome.ATTENDED:
            months = validity[course_id]
            record_rows.append(
                {
                    "person_id": person_id,
                    "course_id": course_id,
                    "completed_on": day,
                    "expires_on": add_months(day, months) if months else None,
                    "source": RecordSource.ATTENDANCE,
                    "session_id": session_ids[index],
                    "created_at": now,
                }
            )
    for person_id in rng.sample(person_ids, min(len(person_ids), scale.people // 12)):
        completed = _random_day(rng, first_day, AS_OF)
        record_rows.append(
            {
                "person_id": person_id,
                "course_id": elearning,
                "completed_on": completed,
                "expires_on": add_months(completed, 12),
                "source": RecordSource.EQUIVALENT_EVIDENCE,
                "session_id": None,
                "created_at": now,
            }
        )
    _insert(connection, Attendance.__table__, attendance_rows)
    _insert(connection, TrainingRecord.__table__, record_rows)
    rows["attendance"] = len(attendance_rows)
    rows["training_record"] = len(record_rows)
    if connection.dialect.name == "postgresql":
        connection.exec_driver_sql("ANALYZE")
    return Dataset(scale=scale, as_of=AS_OF, period_start=PERIOD_START, course_code=COURSE_CODE, rows=rows)


def describe(dataset: Dataset) -> str:
    return ", ".join(f"{count:,} {table}" for table, count in dataset.rows.items())
