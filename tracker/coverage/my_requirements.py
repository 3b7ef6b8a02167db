"""A person's own requirements and whether they meet them (My training, My team)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from functools import cache

from sqlalchemy import (
    Row,
    Select,
    bindparam,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.orm import aliased

from tracker.attendance.models import TrainingRecord, last_valid_day, still_valid_on
from tracker.common.time import today_london
from tracker.courses.models import Course, CourseEquivalence, Requirement
from tracker.coverage.people_to_train import PersonTrainingStatus, is_expiring
from tracker.coverage.queries import _placement_covers
from tracker.extensions import db
from tracker.people.models import Department, Person, Placement


@dataclass(frozen=True)
class SatisfyingCourse:
    """A course whose completion meets a requirement: the required course itself, or an equivalent."""

    id: int
    code: str
    name: str


@dataclass(frozen=True)
class RequirementStatus:
    """One course required of a person, and where they stand on it."""

    course_id: int
    course_code: str
    course_name: str
    met: bool
    #: The date the current record expires on (None: not met, or it never expires).
    expires_on: date | None
    expiring_soon: bool
    #: When the latest valid record was completed; None when not met.
    completed_on: date | None
    #: When their last record expired, if they are not met because it did.
    expired_on: date | None
    #: The required course first, then its equivalents by code: completing any of them meets the requirement.
    satisfied_by: tuple[SatisfyingCourse, ...] = ()
    #: The course of the record that meets it, and when that record was completed (None when not met).
    met_by: SatisfyingCourse | None = None
    met_by_completed_on: date | None = None

    @property
    def valid_until(self) -> date | None:
        """The last day the current record is valid (None: not met, or it never expires)."""
        return last_valid_day(self.expires_on)

    @property
    def met_by_equivalent(self) -> bool:
        """Met by a record of another course that also satisfies it (WRAP for Basic Awareness)."""
        return self.met_by is not None and self.met_by.id != self.course_id

    @property
    def needs_session(self) -> bool:
        """Not met, or met until within 90 days: the page offers sessions."""
        return not self.met or self.expiring_soon

    @property
    def status(self) -> PersonTrainingStatus:
        if self.met:
            return PersonTrainingStatus.EXPIRING if self.expiring_soon else PersonTrainingStatus.VALID
        return PersonTrainingStatus.EXPIRED if self.expired_on else PersonTrainingStatus.NEVER_TRAINED


@cache
def _requirements_of_person() -> Select:
    """The requirements of a person's organisation in force on `as_of`, for the whole organisation or for a
    department subtree the person is placed in that day, each with its course: one row per requirement and
    equivalent course (the course's own row when it has none), as columns: job_titles, course_id, course_code,
    course_name, equivalent_course_id, equivalent_code, equivalent_name. Parameters person_id, organisation_id,
    as_of.
    Built once (values are bind parameters): building it and its cache key cost more than running it; see bench/results.md, issue 15."""
    as_of = bindparam("as_of", type_=Requirement.from_date.type)
    placed = aliased(Department)
    equivalent = aliased(Course)
    placed_in_subtree = (
        exists()
        .where(
            Placement.person_id == bindparam("person_id"),
            _placement_covers(as_of),
            Placement.department_id == placed.id,
            or_(
                placed.path == Department.path,
                func.substr(placed.path, 1, func.length(Department.path) + 1) == Department.path + "/",
            ),
        )
        .correlate(Department)
    )
    return (
        select(
            Requirement.job_titles,
            Course.id.label("course_id"),
            Course.code.label("course_code"),
            Course.name.label("course_name"),
            CourseEquivalence.equivalent_course_id,
            equivalent.code.label("equivalent_code"),
            equivalent.name.label("equivalent_name"),
        )
        .join(Course, Course.id == Requirement.course_id)
        .outerjoin(Department, Department.id == Requirement.department_id)
        .outerjoin(CourseEquivalence, CourseEquivalence.course_id == Course.id)
        .outerjoin(equivalent, equivalent.id == CourseEquivalence.equivalent_course_id)
        .where(
            Requirement.organisation_id == bindparam("organisation_id"),
            Requirement.from_date <= as_of,
            or_(Requirement.department_id.is_(None), placed_in_subtree),
        )
        .order_by(Course.code, Requirement.id, equivalent.code)
    )


def training_status_for_person(
    person: Person, *, as_of: date | None = None, records: list[Row] | None = None
) -> list[RequirementStatus]:
    """The courses required of `person` on `as_of` (default today in London) and, for each, whether they
    meet it (a record of the course or an equivalent, completed by then and not expired), until when,
    and whether it expires within 90 days. Courses ordered by code. Two statements, whatever the data (one
    when the caller passes the person's `records` (rows of `list_person_records`), as "My training" does, which
    lists them anyway).

    Requirements for the whole organisation apply to anyone in it who has not left; a requirement for
    a department subtree applies when the person is placed in that subtree on the day.
    """
    as_of = as_of or today_london()
    if person.end_date is not None and person.end_date <= as_of:
        return []
    requirement_rows = db.session.execute(
        _requirements_of_person(),
        {"person_id": person.id, "organisation_id": person.organisation_id, "as_of": as_of},
    )
    title = (person.job_title or "").strip().lower()
    courses: dict[int, Row] = {}
    satisfies: dict[int, dict[int, SatisfyingCourse]] = {}
    for row in requirement_rows:
        titles = {t.strip().lower() for t in (row.job_titles or []) if t and t.strip()}
        if titles and title not in titles:
            continue
        courses.setdefault(row.course_id, row)
        own = satisfies.setdefault(
            row.course_id, {row.course_id: SatisfyingCourse(row.course_id, row.course_code, row.course_name)}
        )
        if row.equivalent_course_id is not None:
            own.setdefault(
                row.equivalent_course_id,
                SatisfyingCourse(row.equivalent_course_id, row.equivalent_code, row.equivalent_name),
            )
    if not courses:
        return []
    counted = set().union(*satisfies.values())
    if records is None:
        records = db.session.execute(
            select(TrainingRecord.course_id, TrainingRecord.completed_on, TrainingRecord.expires_on).where(
                TrainingRecord.person_id == person.id,
                TrainingRecord.course_id.in_(counted),
                TrainingRecord.completed_on <= as_of,
            )
        ).all()
    else:
        records = [r for r in records if r.course_id in counted and r.completed_on <= as_of]
    statuses = []
    for course_id, course in courses.items():
        mine = [r for r in records if r.course_id in satisfies[course_id]]
        valid = [r for r in mine if still_valid_on(r.expires_on, as_of)]
        expired = [r.expires_on for r in mine if not still_valid_on(r.expires_on, as_of)]
        best = _best_record(valid, course_id)
        expires_on = best.expires_on if best is not None else None
        statuses.append(
            RequirementStatus(
                course_id=course.course_id,
                course_code=course.course_code,
                course_name=course.course_name,
                met=best is not None,
                expires_on=expires_on,
                expiring_soon=is_expiring(expires_on, as_of),
                completed_on=max((r.completed_on for r in valid), default=None),
                expired_on=max(expired, default=None) if best is None else None,
                satisfied_by=tuple(satisfies[course_id].values()),
                met_by=satisfies[course_id][best.course_id] if best is not None else None,
                met_by_completed_on=best.completed_on if best is not None else None,
            )
        )
    return statuses


def _best_record(valid: list, course_id: int):
    """The record that meets the requirement longest: one that never expires, else the latest expiry; between
    equals, the required course's own record, then the latest completion."""
    if not valid:
        return None
    return max(
        valid,
        key=lambda r: (r.expires_on is None, r.expires_on or date.min, r.course_id == course_id, r.completed_on),
    )
