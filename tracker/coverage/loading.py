"""What every coverage question needs, loaded in a few small statements: its errors, who sees what (the scope), the department tree and the course's requirement rules (the context)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import (
    func,
    select,
)

from tracker.accounts.models import Role
from tracker.common.errors import TrackerError
from tracker.courses.models import Course, CourseEquivalence, Requirement
from tracker.extensions import db
from tracker.people.models import Department, DepartmentManager, Organisation


class CoverageError(TrackerError):
    """A coverage question that cannot be answered as asked (bad dates, unknown course or department)."""


class UnknownCourseError(CoverageError):
    code = "unknown_course"
    status = 404


class UnknownOrganisationError(CoverageError):
    code = "unknown_organisation"
    status = 404


@dataclass(frozen=True)
class CoverageScope:
    """The rows a user may see: everything (coordinator), or the departments they manage and beneath."""

    everything: bool
    managed_department_ids: frozenset[int] = frozenset()


EVERYTHING = CoverageScope(everything=True)


def scope_for(user: Any) -> CoverageScope:
    """A coordinator sees every organisation; anyone else the departments they manage (one query)."""
    if user.has_role(Role.COORDINATOR):
        return EVERYTHING
    managed = db.session.scalars(
        select(DepartmentManager.department_id).where(DepartmentManager.person_id == user.person_id)
    )
    return CoverageScope(everything=False, managed_department_ids=frozenset(managed))


@dataclass(frozen=True)
class DepartmentNode:
    id: int
    organisation_id: int
    parent_id: int | None
    name: str
    path: str

    @property
    def depth(self) -> int:
        return self.path.count("/") + 1

    @property
    def sort_key(self) -> tuple[str, ...]:
        return tuple(part.casefold() for part in self.path.split("/"))


@dataclass
class DepartmentTree:
    """Every department and organisation, loaded once, to label rows and find subtrees without SQL."""

    organisations: dict[int, str]
    departments: dict[int, DepartmentNode]
    children: dict[int, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        for node in self.departments.values():
            if node.parent_id is not None:
                self.children.setdefault(node.parent_id, []).append(node.id)

    def subtree(self, department_ids: Iterable[int]) -> set[int]:
        """The departments given and every department beneath them."""
        found: set[int] = set()
        stack = [d for d in department_ids if d in self.departments]
        while stack:
            current = stack.pop()
            if current not in found:
                found.add(current)
                stack.extend(self.children.get(current, []))
        return found

    def of_organisation(self, organisation_id: int) -> set[int]:
        return {d.id for d in self.departments.values() if d.organisation_id == organisation_id}

    def roots(self, department_ids: Iterable[int]) -> set[int]:
        """The given departments that have no ancestor among them."""
        ids = set(department_ids)
        roots = set()
        for department_id in ids:
            node = self.departments.get(department_id)
            ancestor = node.parent_id if node else None
            while ancestor is not None and ancestor not in ids:
                ancestor = self.departments[ancestor].parent_id
            if node is not None and ancestor is None:
                roots.add(department_id)
        return roots


def load_tree() -> DepartmentTree:
    """Organisations and departments (one statement)."""
    rows = db.session.execute(
        select(
            Organisation.id,
            Organisation.name,
            Department.id,
            Department.parent_id,
            Department.name,
            Department.path,
        ).outerjoin(Department, Department.organisation_id == Organisation.id)
    ).all()
    organisations: dict[int, str] = {}
    departments: dict[int, DepartmentNode] = {}
    for organisation_id, organisation_name, department_id, parent_id, name, path in rows:
        organisations[organisation_id] = organisation_name
        if department_id is not None:
            departments[department_id] = DepartmentNode(department_id, organisation_id, parent_id, name, path)
    return DepartmentTree(organisations, departments)


@dataclass(frozen=True)
class RequirementRule:
    organisation_id: int
    department_id: int | None
    #: Lower-cased; empty means every job title.
    job_titles: tuple[str, ...]
    from_date: date


@dataclass
class CoverageContext:
    """What a coverage question needs besides the counts: the course, its equivalents, the rules, the tree."""

    course: Course
    satisfying_course_ids: list[int]
    requirements: list[RequirementRule]
    tree: DepartmentTree
    scope: CoverageScope = EVERYTHING

    @property
    def scope_department_ids(self) -> set[int] | None:
        """None when the scope is everything; else the managed departments and everything beneath them."""
        if self.scope.everything:
            return None
        return self.tree.subtree(self.scope.managed_department_ids)


def list_courses() -> list[Course]:
    return list(db.session.scalars(select(Course).order_by(Course.code, Course.id)))


def find_course(code: str) -> Course | None:
    return db.session.scalar(select(Course).where(func.upper(Course.code) == code.strip().upper()))


def get_course(code: str) -> Course:
    """The course with this code (ignoring case). Raises UnknownCourseError."""
    course = find_course(code or "")
    if course is None:
        raise UnknownCourseError(f"There is no course with the code {code}", field="course")
    return course


def load_context(*, course: Course, scope: CoverageScope = EVERYTHING, tree: DepartmentTree | None = None):
    """The course's equivalents, its requirements and the department tree (three statements)."""
    equivalents = db.session.scalars(
        select(CourseEquivalence.equivalent_course_id).where(CourseEquivalence.course_id == course.id)
    )
    requirements = [
        RequirementRule(
            organisation_id=r.organisation_id,
            department_id=r.department_id,
            job_titles=tuple(sorted({t.strip().lower() for t in (r.job_titles or []) if t and t.strip()})),
            from_date=r.from_date,
        )
        for r in db.session.scalars(
            select(Requirement).where(Requirement.course_id == course.id).order_by(Requirement.id)
        )
    ]
    return CoverageContext(
        course=course,
        satisfying_course_ids=[course.id, *equivalents],
        requirements=requirements,
        tree=tree or load_tree(),
        scope=scope,
    )
