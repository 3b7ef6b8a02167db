"""Find-or-add helpers for the demo data: each makes a record unless it is already there, so loading twice adds nothing."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from tracker.accounts import services as accounts
from tracker.accounts.models import Role, UserAccount
from tracker.courses.models import (
    AccreditationStatus,
    Course,
    CourseEquivalence,
    Requirement,
    TrainerAccreditation,
)
from tracker.extensions import db
from tracker.people.models import Department, DepartmentManager, Organisation, OrganisationKind, Person, Placement

#: Shared by every demo account; printed by `flask demo load`. Development data only.
DEMO_PASSWORD = "prevent-demo-2026"  # noqa: S105


def add_organisation(name: str, kind: OrganisationKind) -> Organisation:
    organisation = db.session.scalar(select(Organisation).where(Organisation.name == name))
    if organisation is None:
        organisation = Organisation(name=name, kind=kind)
        db.session.add(organisation)
        db.session.flush()
    return organisation


def add_department(organisation: Organisation, path: str) -> Department:
    department = db.session.scalar(
        select(Department).where(Department.organisation_id == organisation.id, Department.path == path)
    )
    if department is None:
        parent_path, _, name = path.rpartition("/")
        parent = add_department(organisation, parent_path) if parent_path else None
        department = Department(organisation=organisation, parent=parent, name=name, path=path)
        db.session.add(department)
        db.session.flush()
    return department


def add_course(spec: dict) -> Course:
    course = db.session.scalar(select(Course).where(Course.code == spec["code"]))
    if course is None:
        course = Course(**spec)
        db.session.add(course)
        db.session.flush()
    return course


def add_equivalent(course: Course, equivalent: Course) -> None:
    exists = db.session.scalar(
        select(CourseEquivalence.id).where(
            CourseEquivalence.course_id == course.id, CourseEquivalence.equivalent_course_id == equivalent.id
        )
    )
    if exists is None:
        db.session.add(CourseEquivalence(course_id=course.id, equivalent_course_id=equivalent.id))


def add_requirement(course: Course, organisation: Organisation, department: Department | None, from_date: date) -> None:
    same_department = Requirement.department_id == department.id if department else Requirement.department_id.is_(None)
    exists = db.session.scalar(
        select(Requirement.id).where(
            Requirement.course_id == course.id,
            Requirement.organisation_id == organisation.id,
            same_department,
            Requirement.from_date == from_date,
        )
    )
    if exists is None:
        db.session.add(
            Requirement(
                course=course, organisation=organisation, department=department, job_titles=[], from_date=from_date
            )
        )


def add_person(organisation, department, first, last, email, job_title, *, ref, start=date(2016, 4, 1)) -> Person:
    person = db.session.scalar(select(Person).where(Person.email == email.lower()))
    if person is None:
        person = Person(
            organisation=organisation,
            first_name=first,
            last_name=last,
            email=email.lower(),
            job_title=job_title,
            employee_ref=ref,
            start_date=start,
        )
        if department is not None:
            person.placements.append(Placement(department=department, from_date=start))
        db.session.add(person)
        db.session.flush()
    return person


def add_account(person: Person, roles: tuple[Role, ...]) -> UserAccount:
    if person.account is not None:
        return person.account
    return accounts.create_user(
        email=person.email,
        first_name=person.first_name,
        last_name=person.last_name,
        roles=set(roles),
        password=DEMO_PASSWORD,
        actor_label="demo",
    )


def add_accreditation(person: Person, course: Course, status: AccreditationStatus) -> None:
    exists = db.session.scalar(
        select(TrainerAccreditation.id).where(
            TrainerAccreditation.person_id == person.id, TrainerAccreditation.course_id == course.id
        )
    )
    if exists is None:
        db.session.add(TrainerAccreditation(person_id=person.id, course_id=course.id, status=status))


def add_manages(person: Person, department: Department) -> None:
    exists = db.session.scalar(
        select(DepartmentManager.id).where(
            DepartmentManager.person_id == person.id, DepartmentManager.department_id == department.id
        )
    )
    if exists is None:
        db.session.add(DepartmentManager(person=person, department=department))
