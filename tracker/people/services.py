"""People and teams: who belongs where on a given day, who may see whom, and adding, changing and moving people."""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, func, or_, select
from sqlalchemy.orm import selectinload

from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import today_london
from tracker.extensions import db
from tracker.people import placements as rules
from tracker.people.models import Department, DepartmentManager, Organisation, Person, Placement

if TYPE_CHECKING:
    from tracker.accounts.models import UserAccount


def get_person(person_id: int) -> Person:
    return db.session.execute(select(Person).where(Person.id == person_id)).scalar_one()


def people_by_ids(ids: Iterable[int]) -> dict[int, Person]:
    """The people with these ids, by id (an id nobody has is left out)."""
    ids = set(ids)
    return {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(ids)))} if ids else {}


def find_person_by_email(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == email.strip().lower()))


def department_subtree_ids(department_ids: Iterable[int]) -> set[int]:
    """The departments given and every department beneath them (one query: paths share a prefix)."""
    ids = set(department_ids)
    if not ids:
        return set()
    roots = db.session.execute(select(Department.organisation_id, Department.path).where(Department.id.in_(ids))).all()
    if not roots:  # none of them exists: an empty OR would match every department
        return set()
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


# --- Errors --------------------------------------------------------------------------------------------


class PeopleError(TrackerError):
    """A rule about organisations, departments or people said no."""


class PersonExistsError(ConflictError):
    """Another person already has this email address, or this HR reference in the organisation."""

    code = "person_exists"


# --- Shared checks -------------------------------------------------------------------------------------

#: Deliberately simple: something@something.something, no spaces. Deliverability is the mail server's job.
EMAIL_PATTERN = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
NAME_MAX = 100
DEPARTMENT_NAME_MAX = 200
#: A department's full name, with the departments it is in (the `path` column's size).
DEPARTMENT_PATH_MAX = 1000


def clean_text(value: str | None) -> str | None:
    """Whitespace collapsed; None for blank."""
    if value is None:
        return None
    value = " ".join(value.split())
    return value or None


def normalise_email(value: str | None) -> str | None:
    """An email address as stored: trimmed and lower-cased (None for blank)."""
    value = (value or "").strip().lower()
    return value or None


def email_problem(email: str | None) -> str | None:
    """Why an (already normalised) email address is refused, or None."""
    if email is None:
        return None
    if len(email) > 254:
        return "Email address must be 254 characters or fewer"
    if not EMAIL_PATTERN.match(email):
        return "Enter an email address in the correct format, like name@example.org"
    return None


# --- People: reading -----------------------------------------------------------------------------------


def people_query(
    *,
    search: str | None = None,
    organisation_id: int | None = None,
    department_id: int | None = None,
    day: date | None = None,
) -> Select:
    """People matching every word of `search` (in a name, email or HR reference), of an organisation,
    and placed on `day` in a department or beneath it; ordered by surname."""
    statement = select(Person)
    for term in (search or "").lower().split():
        statement = statement.where(
            or_(
                func.lower(Person.first_name).contains(term, autoescape=True),
                func.lower(Person.last_name).contains(term, autoescape=True),
                Person.email.contains(term, autoescape=True),
                func.lower(Person.employee_ref).contains(term, autoescape=True),
            )
        )
    if organisation_id is not None:
        statement = statement.where(Person.organisation_id == organisation_id)
    if department_id is not None:
        day = day or today_london()
        placed = select(Placement.person_id).where(
            Placement.department_id.in_(department_subtree_ids([department_id])), current_placement_filter(day)
        )
        statement = statement.where(Person.id.in_(placed.scalar_subquery()))
    return statement.order_by(Person.last_name, Person.first_name, Person.id)


def with_organisation(statement: Select) -> Select:
    """Load each person's organisation with the page (one query, not one per row)."""
    return statement.options(selectinload(Person.organisation))


def current_department_ids(person_ids: Iterable[int], *, day: date | None = None) -> dict[int, int]:
    """Department id each person is placed in on `day` (one query)."""
    ids = list(person_ids)
    if not ids:
        return {}
    day = day or today_london()
    rows = db.session.execute(
        select(Placement.person_id, Placement.department_id).where(
            Placement.person_id.in_(ids), current_placement_filter(day)
        )
    )
    return dict(rows.all())


def current_departments(person_ids: Iterable[int], *, day: date | None = None) -> dict[int, Department]:
    """Department each person is placed in on `day` (one query)."""
    ids = list(person_ids)
    if not ids:
        return {}
    day = day or today_london()
    rows = db.session.execute(
        select(Placement.person_id, Department)
        .join(Department, Department.id == Placement.department_id)
        .where(Placement.person_id.in_(ids), current_placement_filter(day))
    )
    return {person_id: department for person_id, department in rows}


def placement_history(person: Person) -> list[Placement]:
    """The person's placements, oldest first, with their departments (one query)."""
    return list(
        db.session.scalars(
            select(Placement)
            .where(Placement.person_id == person.id)
            .options(selectinload(Placement.department))
            .order_by(Placement.from_date, Placement.id)
        )
    )


def find_person_by_ref_or_email(*, organisation_id: int, value: str) -> Person | None:
    """The person with this email address, or with this HR reference in the organisation."""
    value = (value or "").strip()
    if not value:
        return None
    if "@" in value:
        return find_person_by_email(value)
    return db.session.scalar(
        select(Person).where(Person.organisation_id == organisation_id, Person.employee_ref == value)
    )


def is_leaver(person: Person, *, day: date | None = None) -> bool:
    day = day or today_london()
    return person.end_date is not None and person.end_date <= day


# --- People: who may see whom --------------------------------------------------------------------------


def visible_people_query(user: UserAccount, **filters: Any) -> Select:
    """The people `user` may see in lists: everyone for a coordinator; for a manager their team; for a
    partner contact their own organisation's people; for anyone else only themselves."""
    from tracker.accounts.models import Role

    statement = people_query(**filters)
    if user.has_role(Role.COORDINATOR):
        return statement
    allowed = [Person.id == user.person_id]
    if user.has_role(Role.MANAGER):
        allowed.append(Person.id.in_(team_query(user.person).with_only_columns(Person.id).scalar_subquery()))
    if user.has_role(Role.PARTNER):
        allowed.append(Person.organisation_id == user.person.organisation_id)
    return statement.where(or_(*allowed))


def can_view_person(user: UserAccount, person: Person) -> bool:
    """Coordinator: anyone. Manager: their team. Partner contact: their organisation. Everyone: themselves."""
    from tracker.accounts.models import Role

    if user.has_role(Role.COORDINATOR) or person.id == user.person_id:
        return True
    if user.has_role(Role.PARTNER) and person.organisation_id == user.person.organisation_id:
        return True
    return user.has_role(Role.MANAGER) and is_in_team(user.person, person)


# --- People: writing -----------------------------------------------------------------------------------


def _check_person_fields(
    *,
    organisation: Organisation,
    first_name: str | None,
    last_name: str | None,
    email: str | None,
    employee_ref: str | None,
    job_title: str | None,
    line_manager: Person | None,
    start_date: date | None,
    end_date: date | None,
    person: Person | None = None,
) -> dict[str, Any]:
    first_name, last_name = clean_text(first_name), clean_text(last_name)
    if not first_name:
        raise PeopleError("Enter a first name", field="first_name")
    if not last_name:
        raise PeopleError("Enter a last name", field="last_name")
    for value, label, field_name in ((first_name, "First name", "first_name"), (last_name, "Last name", "last_name")):
        if len(value) > NAME_MAX:
            raise PeopleError(f"{label} must be {NAME_MAX} characters or fewer", field=field_name)
    email = normalise_email(email)
    problem = email_problem(email)
    if problem:
        raise PeopleError(problem, field="email")
    employee_ref = (employee_ref or "").strip() or None
    if employee_ref and len(employee_ref) > 64:
        raise PeopleError("HR reference must be 64 characters or fewer", field="employee_ref")
    job_title = clean_text(job_title)
    if job_title and len(job_title) > 200:
        raise PeopleError("Job title must be 200 characters or fewer", field="job_title")
    if start_date and end_date and end_date < start_date:
        raise PeopleError("The start date must be on or before the leave date", field="start_date")
    if line_manager is not None:
        if person is not None and line_manager.id == person.id:
            raise PeopleError("A person cannot be their own line manager", field="line_manager")
        if line_manager.organisation_id != organisation.id:
            raise PeopleError(f"Choose a line manager from {organisation.name}", field="line_manager")
    except_id = person.id if person is not None else None
    if email:
        holder = db.session.scalar(select(Person).where(Person.email == email, Person.id != (except_id or 0)))
        if holder is not None:
            raise PersonExistsError(f"{email} is already the email address of {holder.full_name}", field="email")
    if employee_ref:
        holder = db.session.scalar(
            select(Person).where(
                Person.organisation_id == organisation.id,
                Person.employee_ref == employee_ref,
                Person.id != (except_id or 0),
            )
        )
        if holder is not None:
            raise PersonExistsError(
                f"HR reference {employee_ref} is already {holder.full_name}'s at {organisation.name}",
                field="employee_ref",
            )
    return {
        "first_name": first_name,
        "last_name": last_name,
        "email": email,
        "employee_ref": employee_ref,
        "job_title": job_title,
        "line_manager_id": line_manager.id if line_manager else None,
        "start_date": start_date,
    }


def _person_snapshot(person: Person) -> dict[str, Any]:
    return {
        "first_name": person.first_name,
        "last_name": person.last_name,
        "email": person.email,
        "employee_ref": person.employee_ref,
        "job_title": person.job_title,
        "line_manager_id": person.line_manager_id,
        "start_date": person.start_date,
        "end_date": person.end_date,
    }


def create_person(
    *,
    organisation: Organisation,
    first_name: str,
    last_name: str,
    email: str | None = None,
    employee_ref: str | None = None,
    job_title: str | None = None,
    line_manager: Person | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    department: Department | None = None,
    placed_from: date | None = None,
    actor: UserAccount | None = None,
) -> Person:
    """Add a person, placed in `department` from `placed_from` (default: their start date, else today).

    Raises PeopleError for a missing or malformed field, PersonExistsError when the email address or
    the HR reference (within the organisation) is taken.
    """
    values = _check_person_fields(
        organisation=organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        employee_ref=employee_ref,
        job_title=job_title,
        line_manager=line_manager,
        start_date=start_date,
        end_date=end_date,
    )
    if department is not None and department.organisation_id != organisation.id:
        raise PeopleError(f"Choose a department of {organisation.name}", field="department")
    person = Person(organisation=organisation, **values)
    db.session.add(person)
    if department is not None:
        placed_from = placed_from or start_date or today_london()
        if end_date is not None and placed_from >= end_date:
            raise rules.PlacementDateError(
                "The leave date must be after the day they join their department", field="end_date"
            )
        person.placements.append(Placement(department=department, from_date=placed_from, to_date=end_date))
    person.end_date = end_date
    db.session.flush()
    record_event(
        "person.created",
        actor=actor,
        object_type="person",
        object_id=person.id,
        after={
            **_person_snapshot(person),
            "organisation_id": organisation.id,
            "department_id": getattr(department, "id", None),
        },
    )
    return person


def update_person(
    *,
    person: Person,
    first_name: str,
    last_name: str,
    email: str | None,
    employee_ref: str | None,
    job_title: str | None,
    line_manager: Person | None,
    start_date: date | None,
    actor: UserAccount | None = None,
) -> None:
    """Change a person's details (not their department: see move_person; nor leave date: set_leave_date).

    Raises PeopleError or PersonExistsError as create_person does.
    """
    values = _check_person_fields(
        organisation=person.organisation,
        first_name=first_name,
        last_name=last_name,
        email=email,
        employee_ref=employee_ref,
        job_title=job_title,
        line_manager=line_manager,
        start_date=start_date,
        end_date=person.end_date,
        person=person,
    )
    before = _person_snapshot(person)
    for key, value in values.items():
        setattr(person, key, value)
    db.session.flush()
    after = _person_snapshot(person)
    if before != after:
        changed = [key for key in after if before[key] != after[key]]
        record_event(
            "person.updated",
            actor=actor,
            object_type="person",
            object_id=person.id,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )


def _spans(person: Person) -> list[rules.Span]:
    return [
        rules.Span(id=p.id, department=p.department_id, from_date=p.from_date, to_date=p.to_date)
        for p in person.placements
    ]


def _describe_department(department_id) -> str:
    department = db.session.get(Department, department_id)
    return department.path if department else "their department"


def _store_spans(person: Person, before: list[rules.Span], after: list[rules.Span]) -> list[Placement]:
    """Write a person's changed placement history; returns the new placements."""
    updated, created = rules.changes(before, after)
    by_id = {p.id: p for p in person.placements}
    for span in updated:
        placement = by_id[span.id]
        placement.department_id = span.department
        placement.from_date = span.from_date
        placement.to_date = span.to_date
    new = [Placement(department_id=span.department, from_date=span.from_date, to_date=span.to_date) for span in created]
    person.placements.extend(new)
    db.session.flush()
    return new


def move_person(*, person: Person, department: Department, from_date: date, actor: UserAccount | None = None) -> None:
    """Move a person to `department` from `from_date`, their first day there.

    Their current placement ends on that day (placements are [from, to), so it covered up to the day
    before). Raises PlacementDateError (see tracker.people.placements) for a date before their current
    placement began or on or after their leave date, or when they are already there; PeopleError for a
    department of another organisation.
    """
    if department.organisation_id != person.organisation_id:
        raise PeopleError(f"Choose a department of {person.organisation.name}", field="department")
    before = _spans(person)
    old = rules.current_department(before, from_date)
    after = rules.move(
        before, department=department.id, on=from_date, leave_date=person.end_date, describe=_describe_department
    )
    _store_spans(person, before, after)
    record_event(
        "person.moved",
        actor=actor,
        object_type="person",
        object_id=person.id,
        before={"department_id": old},
        after={"department_id": department.id, "from_date": from_date},
    )


def set_leave_date(*, person: Person, end_date: date | None, actor: UserAccount | None = None) -> None:
    """Mark a leaver from `end_date` (their first day no longer there), change it, or (None) cancel it.

    Their open placement closes at the leave date, so from that day they count in no department.
    Raises PeopleError for a leave date before their start date, PlacementDateError for one on or
    before the day they joined their current department.
    """
    if end_date is not None and person.start_date is not None and end_date < person.start_date:
        raise PeopleError(
            f"The leave date must be on or after their start date, {person.start_date:%Y-%m-%d}", field="end_date"
        )
    old_end = person.end_date
    if old_end == end_date:
        return
    before = _spans(person)
    after = rules.leave(before, old_leave_date=old_end, new_leave_date=end_date, describe=_describe_department)
    _store_spans(person, before, after)
    person.end_date = end_date
    db.session.flush()
    record_event(
        "person.leave_date_set" if end_date else "person.leave_cancelled",
        actor=actor,
        object_type="person",
        object_id=person.id,
        before={"end_date": old_end},
        after={"end_date": end_date},
    )
