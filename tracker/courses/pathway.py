"""The trainer pathway: trainees observe, then co-deliver, then are accredited to lead a course.

Counts come from session parts (`SessionTrainer`) on sessions that have taken place (started before
now, not cancelled). Accreditation needs the course's required observations and co-deliveries.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, select

from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import utc_now
from tracker.courses.models import (
    AccreditationStatus,
    Course,
    SessionStatus,
    SessionTrainer,
    TrainerAccreditation,
    TrainerPart,
    TrainingSession,
)
from tracker.extensions import db
from tracker.people.models import Organisation, Person


class AccreditationError(TrackerError):
    code = "not_ready"


@dataclass(frozen=True)
class PathwayRow:
    accreditation: TrainerAccreditation
    person: Person
    organisation: Organisation
    course: Course
    observed: int
    co_delivered: int
    led: int

    @property
    def is_accredited(self) -> bool:
        return self.accreditation.status == AccreditationStatus.ACCREDITED

    @property
    def observations_needed(self) -> int:
        return max(self.course.required_observations - self.observed, 0)

    @property
    def co_deliveries_needed(self) -> int:
        return max(self.course.required_co_deliveries - self.co_delivered, 0)

    @property
    def ready(self) -> bool:
        return not self.is_accredited and self.observations_needed == 0 and self.co_deliveries_needed == 0

    @property
    def stage(self) -> str:
        if self.is_accredited:
            return "Accredited"
        if self.ready:
            return "Ready for accreditation"
        if self.observations_needed:
            return "Observing"
        return "Co-delivering"


def _delivered_counts(now: datetime):
    """Per (person, course): sessions observed, co-delivered and led that have taken place."""
    happened = (TrainingSession.starts_at <= now) & (TrainingSession.status != SessionStatus.CANCELLED)

    def count_of(part: TrainerPart):
        return func.coalesce(func.sum(case((SessionTrainer.part == part, 1), else_=0)), 0)

    return (
        select(
            SessionTrainer.person_id.label("person_id"),
            TrainingSession.course_id.label("course_id"),
            count_of(TrainerPart.OBSERVER).label("observed"),
            count_of(TrainerPart.CO_TRAINER).label("co_delivered"),
            count_of(TrainerPart.LEAD).label("led"),
        )
        .join(TrainingSession, TrainingSession.id == SessionTrainer.session_id)
        .where(happened)
        .group_by(SessionTrainer.person_id, TrainingSession.course_id)
        .subquery()
    )


def list_pathway(*, person_id: int | None = None, now: datetime | None = None) -> list[PathwayRow]:
    """Everyone on the pathway (or one person), with their counts: one query whatever the number of rows."""
    counts = _delivered_counts(now or utc_now())
    statement = (
        select(
            TrainerAccreditation,
            Person,
            Organisation,
            Course,
            func.coalesce(counts.c.observed, 0),
            func.coalesce(counts.c.co_delivered, 0),
            func.coalesce(counts.c.led, 0),
        )
        .join(Person, Person.id == TrainerAccreditation.person_id)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .join(Course, Course.id == TrainerAccreditation.course_id)
        .outerjoin(
            counts,
            (counts.c.person_id == TrainerAccreditation.person_id)
            & (counts.c.course_id == TrainerAccreditation.course_id),
        )
        .order_by(TrainerAccreditation.status.desc(), Person.last_name, Person.first_name, Course.code, Person.id)
    )
    if person_id is not None:
        statement = statement.where(TrainerAccreditation.person_id == person_id)
    return [PathwayRow(*row) for row in db.session.execute(statement)]


def find_accreditation(*, person_id: int, course_id: int) -> TrainerAccreditation | None:
    return db.session.scalar(
        select(TrainerAccreditation).where(
            TrainerAccreditation.person_id == person_id, TrainerAccreditation.course_id == course_id
        )
    )


def is_accredited(*, person_id: int, course_id: int) -> bool:
    accreditation = find_accreditation(person_id=person_id, course_id=course_id)
    return accreditation is not None and accreditation.status == AccreditationStatus.ACCREDITED


def add_trainee(*, person: Person, course: Course, actor) -> TrainerAccreditation:
    """Put a person on the pathway for a course. Raises ConflictError if they are already on it."""
    if find_accreditation(person_id=person.id, course_id=course.id) is not None:
        raise ConflictError(f"{person.full_name} is already on the pathway for {course.code}", field="person")
    accreditation = TrainerAccreditation(person_id=person.id, course_id=course.id, status=AccreditationStatus.TRAINEE)
    db.session.add(accreditation)
    db.session.flush()
    record_event(
        "trainer.trainee_added",
        actor=actor,
        object_type="person",
        object_id=person.id,
        after={"course": course.code, "status": "trainee"},
    )
    return accreditation


def accredit(*, accreditation: TrainerAccreditation, actor, now: datetime | None = None) -> TrainerAccreditation:
    """Accredit a trainee to lead the course. Raises AccreditationError unless the required sessions are done."""
    now = now or utc_now()
    if accreditation.status == AccreditationStatus.ACCREDITED:
        raise ConflictError("Already accredited", code="already_accredited")
    row = next(r for r in list_pathway(person_id=accreditation.person_id, now=now) if r.accreditation is accreditation)
    missing = []
    if row.observations_needed:
        missing.append(
            f"observe {row.observations_needed} more {'session' if row.observations_needed == 1 else 'sessions'}"
        )
    if row.co_deliveries_needed:
        missing.append(
            f"co-deliver {row.co_deliveries_needed} more {'session' if row.co_deliveries_needed == 1 else 'sessions'}"
        )
    if missing:
        raise AccreditationError(f"{row.person.full_name} must first {' and '.join(missing)}")
    accreditation.status = AccreditationStatus.ACCREDITED
    accreditation.accredited_at = now
    accreditation.accredited_by_id = actor.person_id if actor is not None else None
    record_event(
        "trainer.accredited",
        actor=actor,
        object_type="person",
        object_id=accreditation.person_id,
        before={"status": "trainee"},
        after={"status": "accredited", "course": row.course.code},
    )
    return accreditation
