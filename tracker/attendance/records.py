"""Reading training records: does a person hold a valid completion of a course (or an equivalent)?"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker.attendance.models import TrainingRecord, last_valid_day
from tracker.common.time import today_london
from tracker.courses.models import CourseEquivalence
from tracker.extensions import db


def satisfying_course_ids(course_id: int) -> list[int]:
    """The course itself and every course whose completion also satisfies it."""
    equivalents = db.session.scalars(
        select(CourseEquivalence.equivalent_course_id).where(CourseEquivalence.course_id == course_id)
    )
    return [course_id, *equivalents]


def find_valid_record(*, person_id: int, course_id: int, on: date | None = None) -> TrainingRecord | None:
    """The person's latest record of the course (or an equivalent) completed by `on` and not expired at `on`."""
    on = on or today_london()
    equivalents = select(CourseEquivalence.equivalent_course_id).where(CourseEquivalence.course_id == course_id)
    return db.session.scalar(
        select(TrainingRecord)
        .options(joinedload(TrainingRecord.course))  # pages name the course held (perhaps an equivalent)
        .where(
            TrainingRecord.person_id == person_id,
            or_(TrainingRecord.course_id == course_id, TrainingRecord.course_id.in_(equivalents)),
            TrainingRecord.completed_on <= on,
            TrainingRecord.expires_on.is_(None) | (TrainingRecord.expires_on > on),
        )
        .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())
        .limit(1)
    )


def valid_until_by_person(person_ids: list[int], course_id: int, *, on: date | None = None) -> dict[int, date | None]:
    """{person_id: the last day their latest valid record of the course (or an equivalent) counts, or None when it
    never expires} for those of the people holding one at `on` (one statement; pages that list people say
    "trained until")."""
    if not person_ids:
        return {}
    on = on or today_london()
    equivalents = select(CourseEquivalence.equivalent_course_id).where(CourseEquivalence.course_id == course_id)
    rows = db.session.execute(
        select(TrainingRecord.person_id, TrainingRecord.expires_on).where(
            TrainingRecord.person_id.in_(person_ids),
            or_(TrainingRecord.course_id == course_id, TrainingRecord.course_id.in_(equivalents)),
            TrainingRecord.completed_on <= on,
            TrainingRecord.expires_on.is_(None) | (TrainingRecord.expires_on > on),
        )
    )
    until: dict[int, date | None] = {}
    for person_id, expires_on in rows:
        last_day = last_valid_day(expires_on)
        if person_id in until and (until[person_id] is None or (last_day is not None and last_day <= until[person_id])):
            continue
        until[person_id] = last_day
    return until
