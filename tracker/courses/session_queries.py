"""Reading sessions, and who may lead, manage or see them: the checks and queries the session pages, the API and the writes in sessions.py share."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Row, Select, exists, or_, select, true
from sqlalchemy.orm import joinedload, selectinload

from tracker.accounts.models import Role, UserAccount, UserRole
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


def list_active_courses() -> list[Course]:
    """Active courses by code."""
    return list(db.session.scalars(select(Course).where(Course.is_active.is_(True)).order_by(Course.code, Course.id)))


def active_course_rows() -> list[Row]:
    """Active courses by code, as rows of id, code and name: for filters' choices."""
    return list(
        db.session.execute(
            select(Course.id, Course.code, Course.name)
            .where(Course.is_active.is_(True))
            .order_by(Course.code, Course.id)
        )
    )


def find_course_by_code(code: str) -> Course | None:
    return db.session.scalar(select(Course).where(Course.code == code.strip().upper()))


def list_organisations() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def _role_holders(*roles: Role):
    return (
        select(UserAccount.person_id)
        .join(UserRole, UserRole.user_id == UserAccount.id)
        .where(UserRole.role.in_(roles), UserAccount.is_active.is_(True))
    )


def eligible_trainers_query(course_id: int | None = None) -> Select:
    """People who may be on a session's team: trainer or coordinator role, or on the trainer pathway
    (an accreditation row, trainee or accredited) for the course (any course when `course_id` is None)."""
    pathway = select(TrainerAccreditation.person_id)
    if course_id is not None:
        pathway = pathway.where(TrainerAccreditation.course_id == course_id)
    return (
        select(Person)
        .where(
            Person.erased_at.is_(None),
            or_(Person.id.in_(_role_holders(Role.TRAINER, Role.COORDINATOR)), Person.id.in_(pathway)),
        )
        .order_by(Person.last_name, Person.first_name, Person.id)
    )


def list_eligible_trainers(course_id: int | None = None) -> list[Person]:
    return list(db.session.scalars(eligible_trainers_query(course_id)))


def has_role(person: Person, *roles: Role) -> bool:
    """Whether the person's (active) account holds one of the roles."""
    return bool(db.session.scalar(select(_role_holders(*roles).where(UserAccount.person_id == person.id).exists())))


def is_accredited(person: Person, course: Course) -> bool:
    return (
        db.session.scalar(
            select(
                exists().where(
                    TrainerAccreditation.person_id == person.id,
                    TrainerAccreditation.course_id == course.id,
                    TrainerAccreditation.status == AccreditationStatus.ACCREDITED,
                )
            )
        )
        or False
    )


def can_lead(person: Person, course: Course) -> bool:
    """A coordinator may lead any course; anyone else only a course they are accredited for."""
    return has_role(person, Role.COORDINATOR) or is_accredited(person, course)


def is_eligible_trainer(person: Person, course: Course) -> bool:
    """May co-deliver or observe: holds the trainer or coordinator role, or is on the course's pathway."""
    candidates = eligible_trainers_query(course.id).order_by(None).where(Person.id == person.id)
    return bool(db.session.scalar(select(candidates.with_only_columns(Person.id).exists())))


def delivers(person_id: int, training_session: TrainingSession) -> bool:
    """Leads or co-delivers the session (an observer does not deliver it)."""
    return any(
        row.person_id == person_id and row.part in (TrainerPart.LEAD, TrainerPart.CO_TRAINER)
        for row in training_session.trainers
    )


def can_manage_session(actor: UserAccount, training_session: TrainingSession) -> bool:
    """The coordinator manages every session; a trainer the sessions they deliver (lead or co-trainer)."""
    if actor.has_role(Role.COORDINATOR):
        return True
    return actor.has_role(Role.TRAINER) and delivers(actor.person_id, training_session)


def can_view_session(actor: UserAccount | None, training_session: TrainingSession) -> bool:
    """Published and cancelled sessions are visible to anyone signed in; a draft only to its team and the coordinator."""
    if training_session.status != SessionStatus.DRAFT:
        return True
    if actor is None:
        return False
    return actor.has_role(Role.COORDINATOR) or any(
        row.person_id == actor.person_id for row in training_session.trainers
    )


def lead_of(training_session: TrainingSession) -> Person | None:
    return next((row.person for row in training_session.trainers if row.part == TrainerPart.LEAD), None)


def visible_to(actor: UserAccount):
    """SQL condition: the sessions `actor` may see (drafts only for the coordinator and the draft's team)."""
    if actor.has_role(Role.COORDINATOR):
        return true()
    on_team = select(SessionTrainer.session_id).where(SessionTrainer.person_id == actor.person_id)
    return or_(TrainingSession.status != SessionStatus.DRAFT, TrainingSession.id.in_(on_team))


def sessions_query(
    *,
    viewer: UserAccount,
    course_id: int | None = None,
    course_code: str | None = None,
    status: SessionStatus | None = None,
    starts_from: datetime | None = None,
    starts_before: datetime | None = None,
    trainer_person_id: int | None = None,
    newest_first: bool = False,
) -> Select:
    """Sessions the viewer may see, filtered, with course, trainers and audience loaded in a fixed number of queries."""
    statement = (
        select(TrainingSession)
        .join(TrainingSession.course)
        .options(
            joinedload(TrainingSession.course),
            selectinload(TrainingSession.trainers).joinedload(SessionTrainer.person),
            selectinload(TrainingSession.audience),
        )
        .where(visible_to(viewer))
    )
    if course_id is not None:
        statement = statement.where(TrainingSession.course_id == course_id)
    if course_code:
        statement = statement.where(Course.code == course_code.strip().upper())
    if status is not None:
        statement = statement.where(TrainingSession.status == status)
    if starts_from is not None:
        statement = statement.where(TrainingSession.starts_at >= starts_from)
    if starts_before is not None:
        statement = statement.where(TrainingSession.starts_at < starts_before)
    if trainer_person_id is not None:
        statement = statement.where(
            TrainingSession.id.in_(
                select(SessionTrainer.session_id).where(SessionTrainer.person_id == trainer_person_id)
            )
        )
    if newest_first:
        return statement.order_by(TrainingSession.starts_at.desc(), TrainingSession.id.desc())
    return statement.order_by(TrainingSession.starts_at, TrainingSession.id)
