"""Factories: small functions that make valid objects with sensible defaults; pass what matters to the test.

They need an app context (the `app` fixture gives one) and flush, so ids are set; the test client
commits pending work before each request.
"""

from __future__ import annotations

import itertools
from datetime import date, datetime, timedelta

from tests.conftest import PASSWORD
from tracker.accounts import services as accounts
from tracker.accounts.models import Role, UserAccount
from tracker.booking import services as booking_services
from tracker.booking.models import Booking, BookingSource
from tracker.common.time import utc_now
from tracker.courses.models import (
    Course,
    Requirement,
    SessionAudience,
    SessionStatus,
    SessionTrainer,
    TrainerPart,
    TrainingSession,
)
from tracker.extensions import db
from tracker.people.models import Department, DepartmentManager, Organisation, OrganisationKind, Person, Placement

_counter = itertools.count(1)


def _n() -> int:
    return next(_counter)


def make_organisation(**kw) -> Organisation:
    kw.setdefault("name", f"Organisation {_n()}")
    kw.setdefault("kind", OrganisationKind.LOCAL_AUTHORITY)
    organisation = Organisation(**kw)
    db.session.add(organisation)
    db.session.flush()
    return organisation


def make_department(*, organisation: Organisation | None = None, parent: Department | None = None, **kw) -> Department:
    organisation = organisation or (parent.organisation if parent else make_organisation())
    kw.setdefault("name", f"Department {_n()}")
    path = f"{parent.path}/{kw['name']}" if parent else kw["name"]
    department = Department(organisation=organisation, parent=parent, path=path, **kw)
    db.session.add(department)
    db.session.flush()
    return department


def make_person(
    *,
    organisation: Organisation | None = None,
    department: Department | None = None,
    placed_from: date = date(2015, 1, 1),
    **kw,
) -> Person:
    n = _n()
    if organisation is None:
        organisation = department.organisation if department else make_organisation()
    kw.setdefault("first_name", f"Pat{n}")
    kw.setdefault("last_name", f"Person{n}")
    kw.setdefault("email", f"person{n}@example.org")
    kw.setdefault("employee_ref", f"E{n:05d}")
    person = Person(organisation=organisation, **kw)
    db.session.add(person)
    if department is not None:
        person.placements.append(Placement(department=department, from_date=placed_from))
    db.session.flush()
    return person


def make_user(*roles: Role | str, person: Person | None = None, password: str = PASSWORD, **person_kw) -> UserAccount:
    person = person or make_person(**person_kw)
    user = accounts.create_user(
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
        roles={Role(r) for r in (roles or (Role.STAFF,))},
        password=password,
        actor_label="test",
    )
    db.session.flush()
    return user


def make_manager_of(department: Department, **kw) -> UserAccount:
    user = make_user(Role.MANAGER, Role.STAFF, organisation=department.organisation, **kw)
    db.session.add(DepartmentManager(department=department, person=user.person))
    db.session.flush()
    return user


def make_course(**kw) -> Course:
    kw.setdefault("code", f"C{_n()}")
    kw.setdefault("name", "Workshop to Raise Awareness of Prevent")
    kw.setdefault("validity_months", 36)
    kw.setdefault("duration_minutes", 90)
    course = Course(**kw)
    db.session.add(course)
    db.session.flush()
    return course


def wrap_course() -> Course:
    existing = db.session.query(Course).filter_by(code="WRAP").one_or_none()
    return existing or make_course(code="WRAP", name="Workshop to Raise Awareness of Prevent (WRAP)")


def make_session(
    *,
    course: Course | None = None,
    starts_at: datetime | None = None,
    capacity: int = 20,
    status: SessionStatus = SessionStatus.PUBLISHED,
    lead: Person | None = None,
    audience: list[Organisation] | None = None,
    **kw,
) -> TrainingSession:
    course = course or wrap_course()
    starts_at = starts_at or (utc_now() + timedelta(days=14)).replace(microsecond=0)
    kw.setdefault("ends_at", starts_at + timedelta(minutes=course.duration_minutes))
    kw.setdefault("venue", "Barnet House, 2 Bristol Avenue, Colindale, NW9 4EW")
    training_session = TrainingSession(
        course=course,
        starts_at=starts_at,
        capacity=capacity,
        status=status,
        audience_restricted=bool(audience),
        **kw,
    )
    db.session.add(training_session)
    db.session.flush()
    for organisation in audience or []:
        db.session.add(SessionAudience(session_id=training_session.id, organisation_id=organisation.id))
    if lead is not None:
        training_session.trainers.append(SessionTrainer(person=lead, part=TrainerPart.LEAD))
    db.session.flush()
    return training_session


def make_booking(
    training_session: TrainingSession, person: Person | None = None, *, source: BookingSource = BookingSource.SELF, **kw
) -> Booking:
    person = person or make_person()
    return booking_services.book_place(
        training_session=training_session, person=person, booked_by=person, source=source, **kw
    )


def make_requirement(*, course: Course, organisation: Organisation, **kw) -> Requirement:
    kw.setdefault("from_date", date(2015, 1, 1))
    requirement = Requirement(course=course, organisation=organisation, **kw)
    db.session.add(requirement)
    db.session.flush()
    return requirement
