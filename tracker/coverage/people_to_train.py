"""The drill-down: each required person of a department, their status, and who is still to train."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    Date,
    and_,
    case,
    exists,
    func,
    literal,
    or_,
    select,
)

from tracker.attendance.models import TrainingRecord, last_valid_day
from tracker.coverage.loading import CoverageContext
from tracker.coverage.queries import EXPIRING_WITHIN_DAYS, _not_left, _placement_covers, _required_since
from tracker.extensions import db
from tracker.people.models import Department, Person, Placement


class PersonTrainingStatus(StrEnum):
    NEVER_TRAINED = "never_trained"
    EXPIRED = "expired"
    EXPIRING = "expiring"
    VALID = "valid"

    @property
    def label(self) -> str:
        return {
            PersonTrainingStatus.NEVER_TRAINED: "Never trained",
            PersonTrainingStatus.EXPIRED: "Expired",
            PersonTrainingStatus.EXPIRING: "Expiring soon",
            PersonTrainingStatus.VALID: "Trained",
        }[self]

    @property
    def tag_class(self) -> str:
        return {
            PersonTrainingStatus.NEVER_TRAINED: "govuk-tag--red",
            PersonTrainingStatus.EXPIRED: "govuk-tag--red",
            PersonTrainingStatus.EXPIRING: "govuk-tag--yellow",
            PersonTrainingStatus.VALID: "govuk-tag--green",
        }[self]


def is_expiring(expires_on: date | None, as_of: date) -> bool:
    """A valid record expiring within 90 days of `as_of` (a record is valid on days before `expires_on`)."""
    return expires_on is not None and expires_on <= as_of + timedelta(days=EXPIRING_WITHIN_DAYS)


def status_from(
    *, expires_on: date | None, valid_forever: bool, last_expired_on: date | None, as_of: date
) -> PersonTrainingStatus:
    """A person's standing from their records on `as_of`: valid (maybe expiring soon), expired, or never.

    `expires_on` is the expiry of their latest valid record; `last_expired_on` that of a record already expired.
    """
    if valid_forever:
        return PersonTrainingStatus.VALID
    if expires_on is not None:
        return PersonTrainingStatus.EXPIRING if is_expiring(expires_on, as_of) else PersonTrainingStatus.VALID
    if last_expired_on is not None:
        return PersonTrainingStatus.EXPIRED
    return PersonTrainingStatus.NEVER_TRAINED


@dataclass(frozen=True)
class PersonToTrain:
    person_id: int
    first_name: str
    last_name: str
    job_title: str | None
    department_path: str
    status: PersonTrainingStatus
    #: Expiry of the current (valid) record, if any: it is valid on the days before this date.
    expires_on: date | None
    #: Expiry of the last record, when it has already expired.
    expired_on: date | None

    @property
    def full_name(self) -> str:
        return f"{self.first_name} {self.last_name}".strip()

    @property
    def valid_until(self) -> date | None:
        return last_valid_day(self.expires_on)


@dataclass(frozen=True)
class PeoplePage:
    items: list[PersonToTrain]
    #: Everyone listed, on every page: `untrained` + `expiring`.
    total: int
    page: int
    per_page: int
    #: Not trained on the day (never, or expired): the report row's required minus trained.
    untrained: int = 0
    #: Trained on the day, until within 90 days of it.
    expiring: int = 0

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.per_page))


def _record_dates(context: CoverageContext, day: Any) -> tuple[Any, Any, Any]:
    """Correlated (valid forever?, latest valid expiry, latest past expiry) of Person's records on `day`."""
    base = and_(
        TrainingRecord.person_id == Person.id,
        TrainingRecord.course_id.in_(context.satisfying_course_ids),
        TrainingRecord.completed_on <= day,
    )
    valid_forever = exists().where(base, TrainingRecord.expires_on.is_(None))
    valid_until = (
        select(func.max(TrainingRecord.expires_on)).where(base, TrainingRecord.expires_on > day).scalar_subquery()
    )
    expired_on = (
        select(func.max(TrainingRecord.expires_on)).where(base, TrainingRecord.expires_on <= day).scalar_subquery()
    )
    return valid_forever, valid_until, expired_on


def list_people_to_train(
    *,
    context: CoverageContext,
    department_id: int,
    as_of: date,
    page: int = 1,
    per_page: int = 50,
) -> PeoplePage:
    """People required in the department (or beneath) on `as_of` who are not trained then or whose
    training expires within 90 days, most urgent first: never trained or expired, then by expiry, then name.
    Two statements (a count and a page)."""
    placed_in = context.tree.subtree([department_id])
    allowed = context.scope_department_ids
    if allowed is not None:
        placed_in &= allowed
    day = literal(as_of, Date())
    valid_forever, valid_until, expired_on = _record_dates(context, day)
    soon = as_of + timedelta(days=EXPIRING_WITHIN_DAYS)
    # One row per person: their first department (by path) in the subtree, if placed twice.
    candidates = (
        select(
            Person.id.label("person_id"),
            func.min(Department.path).label("department_path"),
        )
        .select_from(Placement)
        .join(Person, Person.id == Placement.person_id)
        .join(Department, Department.id == Placement.department_id)
        .where(
            _placement_covers(day),
            _not_left(day),
            _required_since(context) <= day,
            Placement.department_id.in_(sorted(placed_in)),
        )
        .group_by(Person.id)
        .subquery("candidate")
    )
    statement = (
        select(
            Person.id.label("person_id"),
            Person.first_name,
            Person.last_name,
            Person.job_title,
            candidates.c.department_path,
            valid_until.label("valid_until"),
            expired_on.label("expired_on"),
        )
        .join(candidates, candidates.c.person_id == Person.id)
        .where(~valid_forever, or_(valid_until.is_(None), valid_until <= soon))
    )
    listed = statement.subquery()
    total, untrained = db.session.execute(
        select(func.count(), func.coalesce(func.sum(case((listed.c.valid_until.is_(None), 1), else_=0)), 0))
    ).one()
    rows = db.session.execute(
        statement.order_by(
            case((valid_until.is_(None), 0), else_=1),
            valid_until,
            func.lower(Person.last_name),
            func.lower(Person.first_name),
            Person.id,
        )
        .limit(per_page)
        .offset((page - 1) * per_page)
    ).all()
    items = [
        PersonToTrain(
            person_id=person_id,
            first_name=first,
            last_name=last,
            job_title=job_title,
            department_path=path,
            status=status_from(expires_on=until, valid_forever=False, last_expired_on=expired, as_of=as_of),
            expires_on=until,
            expired_on=expired,
        )
        for person_id, first, last, job_title, path, until, expired in rows
    ]
    return PeoplePage(
        items=items, total=total, page=page, per_page=per_page, untrained=untrained, expiring=total - untrained
    )
