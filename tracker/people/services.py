"""People, departments and teams: who belongs where, on a given day."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date

from sqlalchemy import Select, func, or_, select

from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import today_london
from tracker.extensions import db
from tracker.people.models import Department, DepartmentManager, Organisation, OrganisationKind, Person, Placement


def get_person(person_id: int) -> Person:
    return db.session.execute(select(Person).where(Person.id == person_id)).scalar_one()


def find_person_by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == email.strip().lower()))


def department_subtree_ids(department_ids: Iterable[int]) -> set[int]:
    """The departments given and every department beneath them (one query: paths share a prefix)."""
    ids = set(department_ids)
    if not ids:
        return set()
    roots = db.session.execute(select(Department.organisation_id, Department.path).where(Department.id.in_(ids))).all()
    conditions = [
        (Department.organisation_id == org_id) & ((Department.path == path) | Department.path.startswith(path + "/"))
        for org_id, path in roots
    ]
    return set(db.session.scalars(select(Department.id).where(or_(*conditions))))


def current_placement_filter(day: date):
    return (Placement.from_date <= day) & (Placement.to_date.is_(None) | (Placement.to_date > day))


def is_employed_on(day: date):
    return Person.end_date.is_(None) | (Person.end_date > day)


def team_query(manager: Person, *, day: date | None = None) -> Select:
    """People a manager looks after on `day`: their line reports, and everyone placed then in a
    department they manage (or beneath it). Leavers drop out from their leave date."""
    day = day or today_london()
    managed = db.session.scalars(
        select(DepartmentManager.department_id).where(DepartmentManager.person_id == manager.id)
    )
    department_ids = department_subtree_ids(managed)
    in_departments = (
        select(Placement.person_id)
        .where(Placement.department_id.in_(department_ids), current_placement_filter(day))
        .scalar_subquery()
    )
    return select(Person).where(
        Person.id != manager.id,
        is_employed_on(day),
        or_(Person.line_manager_id == manager.id, Person.id.in_(in_departments)),
    )


def list_team(manager: Person, *, day: date | None = None) -> list[Person]:
    return list(
        db.session.scalars(team_query(manager, day=day).order_by(Person.last_name, Person.first_name, Person.id))
    )


def is_in_team(manager: Person, person: Person, *, day: date | None = None) -> bool:
    return (
        db.session.scalar(team_query(manager, day=day).where(Person.id == person.id).with_only_columns(Person.id))
        is not None
    )


def current_department(person: Person, *, day: date | None = None) -> Department | None:
    day = day or today_london()
    return db.session.scalar(
        select(Department)
        .join(Placement, Placement.department_id == Department.id)
        .where(Placement.person_id == person.id, current_placement_filter(day))
        .order_by(Placement.from_date.desc())
    )


def organisations_query() -> Select:
    return select(Organisation).order_by(Organisation.name, Organisation.id)


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(organisations_query()))


class OrganisationExistsError(ConflictError):
    code = "organisation_exists"


def create_organisation(*, name: str, kind: OrganisationKind, needs_review: bool = False) -> Organisation:
    """Add an organisation. Raises OrganisationExistsError if the name is taken (ignoring case)."""
    name = " ".join(name.split())
    if not name:
        raise TrackerError("Enter the organisation's name", field="name")
    taken = db.session.scalar(select(Organisation.id).where(func.lower(Organisation.name) == name.lower()))
    if taken is not None:
        raise OrganisationExistsError(f"There is already an organisation called {name}", field="name")
    organisation = Organisation(name=name, kind=OrganisationKind(kind), needs_review=needs_review)
    db.session.add(organisation)
    db.session.flush()
    record_event(
        "organisation.created",
        object_type="organisation",
        object_id=organisation.id,
        after={"name": name, "kind": organisation.kind},
    )
    return organisation
