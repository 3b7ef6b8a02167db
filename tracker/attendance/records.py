"""Reading training records: does a person hold a valid completion of a course (or an equivalent)?"""

from __future__ import annotations

from datetime import date

from sqlalchemy import or_, select
from sqlalchemy.orm import joinedload

from tracker.attendance.models import TrainingRecord
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
