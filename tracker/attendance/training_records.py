"""Training records outside the register: evidence of equivalent training, removing a record, and listing a
person's or a session's records."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Select, bindparam, select
from sqlalchemy.orm import aliased

from tracker.accounts.models import UserAccount
from tracker.attendance.models import (
    RecordSource,
    TrainingRecord,
    last_valid_day,
)
from tracker.attendance.services import (
    EVIDENCE_MAX_LENGTH,
    DuplicateRecordError,
    PersonErasedError,
    RecordFromRegisterError,
    RegisterError,
    _person_id,
    expiry_for,
)
from tracker.attendance.trained import leave_waiting_lists
from tracker.common.audit import record_event
from tracker.common.time import format_date, today_london
from tracker.courses.models import Course, TrainingSession
from tracker.extensions import db
from tracker.people.models import Person


@dataclass(frozen=True)
class PersonRecord:
    """One of a person's training records as their pages show it; for a record made by a register, session_id,
    session_title and session_starts_at (else None)."""

    id: int
    course_id: int
    course_name: str
    course_code: str
    completed_on: date
    expires_on: date | None
    source: RecordSource
    evidence: str | None
    session_id: int | None
    session_title: str | None
    session_starts_at: datetime | None

    @property
    def valid_until(self) -> date | None:
        """The last day it counts (None: it never expires): the same date coverage and requirements use."""
        return last_valid_day(self.expires_on)


def list_person_records(person: Person) -> list[PersonRecord]:
    """A person's training records, newest completion first."""
    return [
        PersonRecord(**row._mapping)
        for row in db.session.execute(_person_records_statement(), {"person_id": person.id})
    ]


@cache
def _person_records_statement() -> Select:
    """Built once (values are bind parameters): building it and its cache key cost more than running it; see
    bench/results.md, issue 15."""
    session_course = aliased(Course)
    session = TrainingSession
    return (
        select(
            TrainingRecord.id,
            TrainingRecord.course_id,
            Course.name.label("course_name"),
            Course.code.label("course_code"),
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
            TrainingRecord.source,
            TrainingRecord.evidence,
            TrainingRecord.session_id,
            TrainingSession.display_title_column(session, session_course).label("session_title"),
            session.starts_at.label("session_starts_at"),
        )
        .join(Course, Course.id == TrainingRecord.course_id)
        .outerjoin(session, session.id == TrainingRecord.session_id)
        .outerjoin(session_course, session_course.id == session.course_id)
        .where(TrainingRecord.person_id == bindparam("person_id"))
        .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())
    )


def list_evidence_courses() -> list[Course]:
    """Courses a completion can be recorded against, by name."""
    return list(db.session.scalars(select(Course).where(Course.is_active.is_(True)).order_by(Course.name, Course.id)))


def list_session_records(training_session: TrainingSession) -> list[TrainingRecord]:
    """Records made by this session's sign-off."""
    return list(
        db.session.scalars(
            select(TrainingRecord)
            .where(TrainingRecord.session_id == training_session.id, TrainingRecord.source == RecordSource.ATTENDANCE)
            .order_by(TrainingRecord.id)
        )
    )


def add_equivalent_evidence(
    *,
    person: Person,
    course: Course,
    completed_on: date | None,
    evidence: str,
    actor: UserAccount | None,
    today: date | None = None,
) -> TrainingRecord:
    """Record that a person completed `course` elsewhere (e.g. Home Office e-learning), with the evidence seen.

    Raises RegisterError (no date, a future date, no evidence, evidence too long, erased person) and
    DuplicateRecordError (the person already has a record of this course on that date).
    """
    today = today or today_london()
    if person.erased_at is not None:
        raise PersonErasedError("This person's details have been erased", field="course")
    if completed_on is None:
        raise RegisterError("Enter the date the course was completed", field="completed_on")
    if completed_on > today:
        raise RegisterError("The date the course was completed must be today or in the past", field="completed_on")
    evidence = " ".join((evidence or "").split())
    if not evidence:
        raise RegisterError('Describe the evidence, for example "Certificate seen by Sam Rosengard"', field="evidence")
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise RegisterError(f"Evidence must be {EVIDENCE_MAX_LENGTH} characters or fewer", field="evidence")
    duplicate = db.session.scalar(
        select(TrainingRecord.id).where(
            TrainingRecord.person_id == person.id,
            TrainingRecord.course_id == course.id,
            TrainingRecord.completed_on == completed_on,
        )
    )
    if duplicate is not None:
        raise DuplicateRecordError(
            f"{person.full_name} already has a record of {course.name} completed on {format_date(completed_on)}",
            field="completed_on",
        )
    record = TrainingRecord(
        person_id=person.id,
        course_id=course.id,
        completed_on=completed_on,
        expires_on=expiry_for(course, completed_on),
        source=RecordSource.EQUIVALENT_EVIDENCE,
        evidence=evidence,
        created_by_id=_person_id(actor),
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        "training_record.created",
        actor=actor,
        object_type="training_record",
        object_id=record.id,
        after={
            "person_id": person.id,
            "course": course.code,
            "completed_on": completed_on,
            "expires_on": record.expires_on,
            "source": record.source,
            "evidence": evidence,
        },
    )
    leave_waiting_lists([record])
    return record


def remove_training_record(*, record: TrainingRecord, actor: UserAccount | None, reason: str) -> None:
    """Delete a wrongly entered record (import or evidence), audited with everything it held.

    Records from a signed-off register change only by reopening the register: RecordFromRegisterError.
    Raises RegisterError when no reason is given.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError("Enter why this record is being removed", field="reason")
    if record.source == RecordSource.ATTENDANCE and record.session_id is not None:
        raise RecordFromRegisterError(
            "This record comes from a signed-off register: reopen the register to change it", field="reason"
        )
    before = {
        "person_id": record.person_id,
        "course_id": record.course_id,
        "completed_on": record.completed_on,
        "expires_on": record.expires_on,
        "source": record.source,
        "session_id": record.session_id,
        "evidence": record.evidence,
        "created_by_id": record.created_by_id,
        "created_at": record.created_at,
    }
    record_id = record.id
    db.session.delete(record)
    db.session.flush()
    record_event(
        "training_record.removed",
        actor=actor,
        object_type="training_record",
        object_id=record_id,
        before=before,
        after={"reason": reason},
    )
