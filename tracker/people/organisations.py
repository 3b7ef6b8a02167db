"""Organisations and their nested departments: creating, renaming, the tree, and who manages a department."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from sqlalchemy import Select, func, select

from tracker.common.audit import record_event
from tracker.common.errors import ConflictError
from tracker.common.time import today_london
from tracker.extensions import db
from tracker.people.models import Department, DepartmentManager, Organisation, OrganisationKind, Person, Placement
from tracker.people.services import (
    DEPARTMENT_NAME_MAX,
    DEPARTMENT_PATH_MAX,
    PeopleError,
    clean_text,
    current_placement_filter,
    department_subtree_ids,
    is_employed_on,
)

if TYPE_CHECKING:
    from tracker.accounts.models import UserAccount


# --- Errors --------------------------------------------------------------------------------------------


class OrganisationExistsError(ConflictError):
    code = "organisation_exists"


class DepartmentExistsError(ConflictError):
    code = "department_exists"


class ManagerExistsError(ConflictError):
    code = "manager_exists"


def _check_organisation_name(name: str, *, except_id: int | None = None) -> str:
    name = clean_text(name) or ""
    if not name:
        raise PeopleError("Enter the organisation's name", field="name")
    if len(name) > 200:
        raise PeopleError("Organisation name must be 200 characters or fewer", field="name")
    statement = select(Organisation.id).where(func.lower(Organisation.name) == name.lower())
    if except_id is not None:
        statement = statement.where(Organisation.id != except_id)
    if db.session.scalar(statement) is not None:
        raise OrganisationExistsError(f"There is already an organisation called {name}", field="name")
    return name


def organisations_query() -> Select:
    return select(Organisation).order_by(Organisation.name, Organisation.id)


def list_organisations(*, partners_only: bool = False) -> list[Organisation]:
    """Every organisation by name; `partners_only`: all but the council (the local authority)."""
    statement = organisations_query()
    if partners_only:
        statement = statement.where(Organisation.kind != OrganisationKind.LOCAL_AUTHORITY)
    return list(db.session.scalars(statement))


def organisations_by_ids(ids: Iterable[int]) -> list[Organisation]:
    """The organisations with these ids, by name (an id no organisation has is left out)."""
    ids = set(ids)
    return list(db.session.scalars(organisations_query().where(Organisation.id.in_(ids)))) if ids else []


def create_organisation(
    *,
    name: str,
    kind: OrganisationKind,
    needs_review: bool = False,
    actor: UserAccount | None = None,
    actor_label: str | None = None,
) -> Organisation:
    """Add an organisation. Raises OrganisationExistsError if the name is taken (ignoring case)."""
    name = _check_organisation_name(name)
    organisation = Organisation(name=name, kind=OrganisationKind(kind), needs_review=needs_review)
    db.session.add(organisation)
    db.session.flush()
    record_event(
        "organisation.created",
        actor=actor,
        actor_label=actor_label,
        object_type="organisation",
        object_id=organisation.id,
        after={"name": name, "kind": organisation.kind},
    )
    return organisation


# --- Organisations -------------------------------------------------------------------------------------


def get_organisation(organisation_id: int) -> Organisation:
    """Raises NoResultFound (a 404) when there is none."""
    return db.session.execute(select(Organisation).where(Organisation.id == organisation_id)).scalar_one()


def find_organisation_by_name(name: str) -> Organisation | None:
    """The organisation with this name, ignoring case and repeated spaces."""
    name = clean_text(name) or ""
    return db.session.scalar(select(Organisation).where(func.lower(Organisation.name) == name.lower()))


def count_people_by_organisation(*, day: date | None = None) -> dict[int, int]:
    """People employed on `day` (not yet left), per organisation id, in one query."""
    day = day or today_london()
    rows = db.session.execute(
        select(Person.organisation_id, func.count(Person.id))
        .where(is_employed_on(day))
        .group_by(Person.organisation_id)
    )
    return dict(rows.all())


def organisation_choices() -> list[tuple[int, str]]:
    """(id, name) of every organisation, by name: for select boxes."""
    return list(db.session.execute(select(Organisation.id, Organisation.name).order_by(Organisation.name)))


def update_organisation(
    *, organisation: Organisation, name: str, kind: OrganisationKind, actor: UserAccount | None = None
) -> None:
    """Rename or re-classify an organisation. Raises OrganisationExistsError if the name is taken."""
    name = _check_organisation_name(name, except_id=organisation.id)
    before = {"name": organisation.name, "kind": organisation.kind}
    organisation.name = name
    organisation.kind = OrganisationKind(kind)
    after = {"name": organisation.name, "kind": organisation.kind}
    db.session.flush()
    if before != after:
        record_event(
            "organisation.updated",
            actor=actor,
            object_type="organisation",
            object_id=organisation.id,
            before=before,
            after=after,
        )


def mark_organisation_reviewed(*, organisation: Organisation, actor: UserAccount | None = None) -> None:
    """The coordinator has checked an organisation someone added without an account."""
    if not organisation.needs_review:
        return
    organisation.needs_review = False
    db.session.flush()
    record_event(
        "organisation.reviewed",
        actor=actor,
        object_type="organisation",
        object_id=organisation.id,
        before={"needs_review": True},
        after={"needs_review": False},
    )


# --- Departments ---------------------------------------------------------------------------------------


def departments_query(organisation_id: int) -> Select:
    return (
        select(Department).where(Department.organisation_id == organisation_id).order_by(Department.path, Department.id)
    )


def list_departments(organisation: Organisation) -> list[Department]:
    """The organisation's departments and teams, by path (a parent just before its children)."""
    return list(db.session.scalars(departments_query(organisation.id)))


def department_choices(organisation_id: int) -> list[tuple[int, str]]:
    """(id, path) of an organisation's departments: for select boxes."""
    rows = db.session.execute(
        select(Department.id, Department.path)
        .where(Department.organisation_id == organisation_id)
        .order_by(Department.path)
    )
    return [(department_id, path) for department_id, path in rows]


@dataclass
class DepartmentNode:
    """A department in its organisation's tree, with how many people are placed directly in it today."""

    department: Department
    people: int = 0
    children: list[DepartmentNode] = field(default_factory=list)


def department_tree(organisation: Organisation, *, day: date | None = None) -> list[DepartmentNode]:
    """The organisation's departments as a tree (two queries, whatever its size)."""
    day = day or today_london()
    departments = list_departments(organisation)
    counts = dict(
        db.session.execute(
            select(Placement.department_id, func.count(Placement.id))
            .join(Person, Person.id == Placement.person_id)
            .join(Department, Department.id == Placement.department_id)
            .where(Department.organisation_id == organisation.id, current_placement_filter(day), is_employed_on(day))
            .group_by(Placement.department_id)
        ).all()
    )
    nodes = {d.id: DepartmentNode(department=d, people=counts.get(d.id, 0)) for d in departments}
    roots: list[DepartmentNode] = []
    for department in departments:  # by path, so a parent's node exists before its children's
        node = nodes[department.id]
        parent = nodes.get(department.parent_id) if department.parent_id else None
        (parent.children if parent else roots).append(node)
    return roots


def check_department_name(name: str) -> str:
    """A department name as stored; raises PeopleError for a blank name, a slash or one too long."""
    name = clean_text(name) or ""
    if not name:
        raise PeopleError("Enter the department's name", field="name")
    if "/" in name:
        raise PeopleError("Department name must not contain a slash (/)", field="name")
    if len(name) > DEPARTMENT_NAME_MAX:
        raise PeopleError(f"Department name must be {DEPARTMENT_NAME_MAX} characters or fewer", field="name")
    return name


def _check_path_length(path: str) -> None:
    if len(path) > DEPARTMENT_PATH_MAX:
        raise PeopleError(
            f"The department's full name, with the departments it is in, would be {len(path)} characters: "
            f"it must be {DEPARTMENT_PATH_MAX} or fewer",
            field="name",
        )


def _path_taken(organisation_id: int, path: str, *, except_id: int | None = None) -> bool:
    statement = select(Department.id).where(
        Department.organisation_id == organisation_id, func.lower(Department.path) == path.lower()
    )
    if except_id is not None:
        statement = statement.where(Department.id != except_id)
    return db.session.scalar(statement) is not None


def create_department(
    *,
    organisation: Organisation,
    name: str,
    parent: Department | None = None,
    actor: UserAccount | None = None,
) -> Department:
    """A department (or, with a parent, a team inside one).

    Raises PeopleError for a bad name or a parent from another organisation, DepartmentExistsError
    if the parent already has one of that name.
    """
    name = check_department_name(name)
    if parent is not None and parent.organisation_id != organisation.id:
        raise PeopleError(f"Choose a department of {organisation.name}", field="parent")
    path = f"{parent.path}/{name}" if parent else name
    _check_path_length(path)
    if _path_taken(organisation.id, path):
        raise DepartmentExistsError(f"{organisation.name} already has {path}", field="name")
    department = Department(organisation=organisation, parent=parent, name=name, path=path)
    db.session.add(department)
    db.session.flush()
    record_event(
        "department.created",
        actor=actor,
        object_type="department",
        object_id=department.id,
        after={"organisation_id": organisation.id, "path": path},
    )
    return department


def rename_department(*, department: Department, name: str, actor: UserAccount | None = None) -> None:
    """Rename a department; the paths of the teams inside it follow. Raises DepartmentExistsError."""
    name = check_department_name(name)
    old_path = department.path
    new_path = f"{department.parent.path}/{name}" if department.parent else name
    if new_path == old_path:
        return
    if _path_taken(department.organisation_id, new_path, except_id=department.id):
        raise DepartmentExistsError(f"{department.organisation.name} already has {new_path}", field="name")
    descendants = list(
        db.session.scalars(
            select(Department).where(
                Department.organisation_id == department.organisation_id, Department.path.startswith(old_path + "/")
            )
        )
    )
    for path in [new_path] + [new_path + d.path[len(old_path) :] for d in descendants]:
        _check_path_length(path)  # the teams inside it must fit too
    for descendant in descendants:
        descendant.path = new_path + descendant.path[len(old_path) :]
    department.name = name
    department.path = new_path
    db.session.flush()
    record_event(
        "department.renamed",
        actor=actor,
        object_type="department",
        object_id=department.id,
        before={"path": old_path},
        after={"path": new_path},
    )


def department_people_query(department: Department, *, day: date | None = None) -> Select:
    """(Person, department path) for everyone placed on `day` in the department or a team inside it."""
    day = day or today_london()
    subtree = department_subtree_ids([department.id])
    return (
        select(Person, Department.path)
        .join(Placement, Placement.person_id == Person.id)
        .join(Department, Department.id == Placement.department_id)
        .where(Placement.department_id.in_(subtree), current_placement_filter(day), is_employed_on(day))
        .order_by(Person.last_name, Person.first_name, Person.id)
    )


def list_department_managers(department: Department) -> list[Person]:
    return list(
        db.session.scalars(
            select(Person)
            .join(DepartmentManager, DepartmentManager.person_id == Person.id)
            .where(DepartmentManager.department_id == department.id)
            .order_by(Person.last_name, Person.first_name, Person.id)
        )
    )


def add_department_manager(*, department: Department, person: Person, actor: UserAccount | None = None) -> None:
    """Make `person` a manager of the department (they see and book everyone placed in it or beneath it).

    Raises ManagerExistsError if they already are, PeopleError for a leaver.
    """
    if person.end_date is not None and person.end_date <= today_london():
        raise PeopleError(f"{person.full_name} has left {person.organisation.name}", field="person")
    exists = db.session.scalar(
        select(DepartmentManager.id).where(
            DepartmentManager.department_id == department.id, DepartmentManager.person_id == person.id
        )
    )
    if exists is not None:
        raise ManagerExistsError(f"{person.full_name} already manages {department.path}", field="person")
    db.session.add(DepartmentManager(department_id=department.id, person_id=person.id))
    db.session.flush()
    record_event(
        "department.manager_added",
        actor=actor,
        object_type="department",
        object_id=department.id,
        after={"person_id": person.id, "name": person.full_name},
    )


def remove_department_manager(*, department: Department, person: Person, actor: UserAccount | None = None) -> None:
    """Stop `person` managing the department (nothing happens if they did not)."""
    row = db.session.scalar(
        select(DepartmentManager).where(
            DepartmentManager.department_id == department.id, DepartmentManager.person_id == person.id
        )
    )
    if row is None:
        return
    db.session.delete(row)
    db.session.flush()
    record_event(
        "department.manager_removed",
        actor=actor,
        object_type="department",
        object_id=department.id,
        before={"person_id": person.id, "name": person.full_name},
    )
