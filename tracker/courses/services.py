"""Courses, the courses whose completion also satisfies them, and requirements (who must complete what).

Training sessions are in tracker.courses.sessions; this module holds the catalogue and the rules that
decide who counts in coverage's *required* figure.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from datetime import date
from typing import TYPE_CHECKING, Any

from sqlalchemy import Select, select
from sqlalchemy.orm import selectinload

from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.courses.models import Course, CourseEquivalence, Requirement
from tracker.extensions import db
from tracker.people.models import Department, Organisation
from tracker.people.services import clean_text

if TYPE_CHECKING:
    from tracker.accounts.models import UserAccount


class CourseError(TrackerError):
    """A rule about courses or requirements said no."""


class CourseExistsError(ConflictError):
    code = "course_exists"


class EquivalentExistsError(ConflictError):
    code = "equivalent_exists"


class RequirementExistsError(ConflictError):
    code = "requirement_exists"


CODE_PATTERN = re.compile(r"^[A-Z0-9][A-Z0-9_-]*$")

#: (field, label, smallest, largest) for the whole-number settings of a course.
NUMBER_LIMITS = {
    "duration_minutes": ("Duration", 1, 24 * 60),
    "validity_months": ("Validity", 1, 600),
    "target_percent": ("Target", 0, 100),
    "required_observations": ("Observations required", 0, 50),
    "required_co_deliveries": ("Co-deliveries required", 0, 50),
}


# --- Courses -------------------------------------------------------------------------------------------


def courses_query() -> Select:
    """Every course by code, with its equivalents loaded in one more query."""
    return select(Course).options(selectinload(Course.equivalents)).order_by(Course.code, Course.id)


def list_courses(*, counted_for_compliance: bool = False) -> list[Course]:
    """Every course by code; `counted_for_compliance`: only those counted in coverage and returns."""
    statement = courses_query()
    if counted_for_compliance:
        statement = statement.where(Course.counts_for_compliance)
    return list(db.session.scalars(statement))


def get_course(course_id: int) -> Course:
    """Raises NoResultFound (a 404) when there is none."""
    return db.session.execute(select(Course).where(Course.id == course_id)).scalar_one()


def find_course_by_code(code: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.code == (code or "").strip().upper()))


def course_choices() -> list[tuple[int, str]]:
    """(id, "CODE: name") of every course: for select boxes."""
    return [(c.id, f"{c.code}: {c.name}") for c in db.session.scalars(select(Course).order_by(Course.code))]


def normalise_code(code: str | None) -> str:
    return (code or "").strip().upper()


def _check_course(values: dict[str, Any], *, except_id: int | None = None) -> dict[str, Any]:
    code = normalise_code(values.get("code"))
    if not code:
        raise CourseError("Enter a course code", field="code")
    if len(code) > 40 or not CODE_PATTERN.match(code):
        raise CourseError(
            "Course code must be 40 letters, digits, hyphens or underscores or fewer, like WRAP or PREVENT-BASIC",
            field="code",
        )
    name = clean_text(values.get("name"))
    if not name:
        raise CourseError("Enter the course name", field="name")
    if len(name) > 200:
        raise CourseError("Course name must be 200 characters or fewer", field="name")
    checked = {**values, "code": code, "name": name, "description": clean_text(values.get("description"))}
    for field_name, (label, smallest, largest) in NUMBER_LIMITS.items():
        value = checked.get(field_name)
        if value is None:
            if field_name != "validity_months":  # blank validity: it never expires
                raise CourseError(f"Enter the {label.lower()}", field=field_name)
            continue
        if not smallest <= value <= largest:
            raise CourseError(f"{label} must be between {smallest} and {largest}", field=field_name)
    statement = select(Course.id).where(Course.code == code)
    if except_id is not None:
        statement = statement.where(Course.id != except_id)
    if db.session.scalar(statement) is not None:
        raise CourseExistsError(f"There is already a course with the code {code}", field="code")
    return checked


COURSE_FIELDS = (
    "code",
    "name",
    "description",
    "duration_minutes",
    "validity_months",
    "counts_for_compliance",
    "target_percent",
    "partial_counts",
    "required_observations",
    "required_co_deliveries",
)


def _snapshot(course: Course) -> dict[str, Any]:
    return {name: getattr(course, name) for name in COURSE_FIELDS}


def create_course(
    *,
    code: str,
    name: str,
    description: str | None = None,
    duration_minutes: int = 60,
    validity_months: int | None = None,
    counts_for_compliance: bool = True,
    target_percent: int = 85,
    partial_counts: bool = False,
    required_observations: int = 2,
    required_co_deliveries: int = 1,
    actor: UserAccount | None = None,
) -> Course:
    """Add a course. `validity_months` None: a completion never expires.

    Raises CourseError for a missing or out-of-range value, CourseExistsError for a code in use.
    """
    values = _check_course(
        {
            "code": code,
            "name": name,
            "description": description,
            "duration_minutes": duration_minutes,
            "validity_months": validity_months,
            "counts_for_compliance": bool(counts_for_compliance),
            "target_percent": target_percent,
            "partial_counts": bool(partial_counts),
            "required_observations": required_observations,
            "required_co_deliveries": required_co_deliveries,
        }
    )
    course = Course(**values)
    db.session.add(course)
    db.session.flush()
    record_event("course.created", actor=actor, object_type="course", object_id=course.id, after=_snapshot(course))
    return course


def update_course(*, course: Course, actor: UserAccount | None = None, **changes: Any) -> None:
    """Change any of a course's settings (the keyword arguments create_course takes). Raises as it does."""
    unknown = set(changes) - set(COURSE_FIELDS)
    if unknown:
        raise TypeError(f"unknown course fields: {sorted(unknown)}")
    before = _snapshot(course)
    values = _check_course({**before, **changes}, except_id=course.id)
    for key, value in values.items():
        setattr(course, key, value)
    db.session.flush()
    after = _snapshot(course)
    changed = [key for key in after if before[key] != after[key]]
    if changed:
        record_event(
            "course.updated",
            actor=actor,
            object_type="course",
            object_id=course.id,
            before={key: before[key] for key in changed},
            after={key: after[key] for key in changed},
        )


def add_equivalent(*, course: Course, equivalent: Course, actor: UserAccount | None = None) -> None:
    """Completing `equivalent` will also satisfy `course` (e.g. Home Office Prevent e-learning for WRAP).

    Raises CourseError for the course itself, EquivalentExistsError if it already counts.
    """
    if equivalent.id == course.id:
        raise CourseError("A course cannot be an equivalent of itself", field="equivalent")
    exists = db.session.scalar(
        select(CourseEquivalence.id).where(
            CourseEquivalence.course_id == course.id, CourseEquivalence.equivalent_course_id == equivalent.id
        )
    )
    if exists is not None:
        raise EquivalentExistsError(f"{equivalent.code} already counts for {course.code}", field="equivalent")
    db.session.add(CourseEquivalence(course_id=course.id, equivalent_course_id=equivalent.id))
    db.session.flush()
    db.session.expire(course, ["equivalents"])
    record_event(
        "course.equivalent_added",
        actor=actor,
        object_type="course",
        object_id=course.id,
        after={"equivalent": equivalent.code},
    )


def remove_equivalent(*, course: Course, equivalent: Course, actor: UserAccount | None = None) -> None:
    """`equivalent` no longer satisfies `course` (nothing happens if it did not)."""
    row = db.session.scalar(
        select(CourseEquivalence).where(
            CourseEquivalence.course_id == course.id, CourseEquivalence.equivalent_course_id == equivalent.id
        )
    )
    if row is None:
        return
    db.session.delete(row)
    db.session.flush()
    db.session.expire(course, ["equivalents"])
    record_event(
        "course.equivalent_removed",
        actor=actor,
        object_type="course",
        object_id=course.id,
        before={"equivalent": equivalent.code},
    )


# --- Requirements --------------------------------------------------------------------------------------


def requirements_query(*, course_id: int | None = None, organisation_id: int | None = None) -> Select:
    """Requirements with their course, organisation and department (loaded in three more queries, not per row)."""
    statement = (
        select(Requirement)
        .join(Course, Course.id == Requirement.course_id)
        .join(Organisation, Organisation.id == Requirement.organisation_id)
        .options(
            selectinload(Requirement.course),
            selectinload(Requirement.organisation),
            selectinload(Requirement.department),
        )
    )
    if course_id is not None:
        statement = statement.where(Requirement.course_id == course_id)
    if organisation_id is not None:
        statement = statement.where(Requirement.organisation_id == organisation_id)
    return statement.order_by(Course.code, Organisation.name, Requirement.from_date, Requirement.id)


def get_requirement(requirement_id: int) -> Requirement:
    return db.session.execute(select(Requirement).where(Requirement.id == requirement_id)).scalar_one()


def clean_job_titles(job_titles: Iterable[str] | None) -> list[str]:
    """Job titles trimmed, blanks dropped, repeats (ignoring case) dropped, order kept."""
    seen: set[str] = set()
    cleaned = []
    for title in job_titles or []:
        title = clean_text(title)
        if title and title.lower() not in seen:
            if len(title) > 200:
                raise CourseError("Each job title must be 200 characters or fewer", field="job_titles")
            seen.add(title.lower())
            cleaned.append(title)
    return cleaned


def create_requirement(
    *,
    course: Course,
    organisation: Organisation,
    from_date: date | None,
    department: Department | None = None,
    job_titles: Iterable[str] | None = None,
    actor: UserAccount | None = None,
) -> Requirement:
    """Course `course` is required, from `from_date`, of the organisation's people (optionally only those in
    `department` or beneath it, and only those with one of `job_titles`).

    Raises CourseError for a missing date or a department of another organisation,
    RequirementExistsError for the same requirement twice.
    """
    if from_date is None:
        raise CourseError("Enter the date the requirement starts", field="from_date")
    if department is not None and department.organisation_id != organisation.id:
        raise CourseError(f"Choose a department of {organisation.name}", field="department_id")
    titles = clean_job_titles(job_titles)
    same = db.session.scalars(
        select(Requirement).where(
            Requirement.course_id == course.id,
            Requirement.organisation_id == organisation.id,
            Requirement.department_id.is_(None) if department is None else Requirement.department_id == department.id,
            Requirement.from_date == from_date,
        )
    )
    if any(sorted(t.lower() for t in r.job_titles or []) == sorted(t.lower() for t in titles) for r in same):
        raise RequirementExistsError("This requirement already exists", field="course")
    requirement = Requirement(
        course=course, organisation=organisation, department=department, job_titles=titles, from_date=from_date
    )
    db.session.add(requirement)
    db.session.flush()
    record_event(
        "requirement.created",
        actor=actor,
        object_type="requirement",
        object_id=requirement.id,
        after=_requirement_snapshot(requirement),
    )
    return requirement


def _requirement_snapshot(requirement: Requirement) -> dict[str, Any]:
    return {
        "course": requirement.course.code,
        "organisation_id": requirement.organisation_id,
        "department_id": requirement.department_id,
        "job_titles": list(requirement.job_titles or []),
        "from_date": requirement.from_date,
    }


def remove_requirement(*, requirement: Requirement, actor: UserAccount | None = None) -> None:
    """Delete a requirement (what it was is kept in the audit log)."""
    snapshot = _requirement_snapshot(requirement)
    requirement_id = requirement.id
    db.session.delete(requirement)
    db.session.flush()
    record_event(
        "requirement.removed", actor=actor, object_type="requirement", object_id=requirement_id, before=snapshot
    )
