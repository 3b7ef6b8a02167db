"""Partner returns: an organisation's own compliant/eligible figures for a course and a period end.

One return per organisation, course and period end; a resubmission (or the coordinator's correction)
replaces it and keeps the replaced figures in `PartnerReturnVersion`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from tracker.accounts.models import Role, UserAccount
from tracker.common.audit import record_event
from tracker.common.errors import NotAllowedError, TrackerError
from tracker.common.time import today_london, utc_now
from tracker.courses.models import Course
from tracker.coverage.models import PartnerReturn, PartnerReturnVersion
from tracker.coverage.rag import Rag, percent, rag
from tracker.extensions import db
from tracker.people.models import Organisation


class ReturnError(TrackerError):
    code = "invalid_return"


@dataclass(frozen=True)
class ReturnFigures:
    """A return with its percent and RAG, as the pages, the API and the board report show it."""

    partner_return: PartnerReturn
    percent: int | None
    rag: Rag | None


def can_submit_for(user: UserAccount, organisation: Organisation) -> bool:
    """A partner contact submits for their own organisation; the coordinator for any."""
    if user.has_role(Role.COORDINATOR):
        return True
    return user.has_role(Role.PARTNER) and user.person.organisation_id == organisation.id


def with_figures(partner_return: PartnerReturn) -> ReturnFigures:
    rounded = percent(partner_return.compliant, partner_return.eligible)
    return ReturnFigures(partner_return, rounded, rag(rounded, partner_return.course.target_percent))


def submit_return(
    *,
    organisation: Organisation,
    course: Course,
    period_end: date,
    compliant: int,
    eligible: int,
    note: str | None,
    actor: UserAccount,
) -> PartnerReturn:
    """Submit (or resubmit) a return. Raises ReturnError for bad figures, NotAllowedError for another
    organisation's return."""
    if not can_submit_for(actor, organisation):
        raise NotAllowedError("You can only submit returns for your own organisation", field="organisation_id")
    if eligible < 1:
        raise ReturnError("Eligible staff must be 1 or more", field="eligible")
    if compliant < 0:
        raise ReturnError("Compliant staff must be 0 or more", field="compliant")
    if compliant > eligible:
        raise ReturnError("Compliant staff cannot be more than eligible staff", field="compliant")
    if period_end > today_london():
        raise ReturnError("The period end must be today or in the past", field="period_end")
    note = (note or "").strip() or None
    existing = db.session.scalar(
        select(PartnerReturn).where(
            PartnerReturn.organisation_id == organisation.id,
            PartnerReturn.course_id == course.id,
            PartnerReturn.period_end == period_end,
        )
    )
    if existing is None:
        partner_return = PartnerReturn(
            organisation_id=organisation.id,
            course_id=course.id,
            period_end=period_end,
            compliant=compliant,
            eligible=eligible,
            note=note,
            submitted_by_id=actor.person_id,
        )
        db.session.add(partner_return)
        db.session.flush()
        record_event(
            "partner_return.submitted",
            actor=actor,
            object_type="partner_return",
            object_id=partner_return.id,
            after={
                "organisation": organisation.name,
                "course": course.code,
                "period_end": period_end,
                "compliant": compliant,
                "eligible": eligible,
            },
        )
        return partner_return
    before = {"compliant": existing.compliant, "eligible": existing.eligible, "note": existing.note}
    db.session.add(
        PartnerReturnVersion(
            partner_return_id=existing.id,
            compliant=existing.compliant,
            eligible=existing.eligible,
            note=existing.note,
            submitted_by_id=existing.submitted_by_id,
            submitted_at=existing.submitted_at,
            replaced_by_id=actor.person_id,
        )
    )
    existing.compliant, existing.eligible, existing.note = compliant, eligible, note
    existing.submitted_by_id, existing.submitted_at = actor.person_id, utc_now()
    record_event(
        "partner_return.replaced",
        actor=actor,
        object_type="partner_return",
        object_id=existing.id,
        before=before,
        after={"compliant": compliant, "eligible": eligible, "note": note},
    )
    return existing


def returns_query(*, organisation_id: int | None = None, course_id: int | None = None) -> Select:
    statement = select(PartnerReturn).join(Organisation).join(Course)
    if organisation_id is not None:
        statement = statement.where(PartnerReturn.organisation_id == organisation_id)
    if course_id is not None:
        statement = statement.where(PartnerReturn.course_id == course_id)
    return statement.order_by(Organisation.name, Course.code, PartnerReturn.period_end, PartnerReturn.id)


def list_returns(*, organisation_id: int | None = None, course_id: int | None = None) -> list[ReturnFigures]:
    from sqlalchemy.orm import contains_eager

    statement = returns_query(organisation_id=organisation_id, course_id=course_id).options(
        contains_eager(PartnerReturn.organisation), contains_eager(PartnerReturn.course)
    )
    return [with_figures(r) for r in db.session.scalars(statement)]


def list_versions(partner_return: PartnerReturn) -> list[PartnerReturnVersion]:
    return list(
        db.session.scalars(
            select(PartnerReturnVersion)
            .where(PartnerReturnVersion.partner_return_id == partner_return.id)
            .order_by(PartnerReturnVersion.replaced_at.desc(), PartnerReturnVersion.id.desc())
        )
    )
