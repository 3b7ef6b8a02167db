"""Giving feedback through an emailed link: what the link leads to, and keeping one answer per invitation."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import exists, select
from sqlalchemy.exc import IntegrityError

from tracker.common.errors import ConflictError, TrackerError
from tracker.courses.models import TrainingSession
from tracker.evaluations.invitations import find_invitation, receipt_for
from tracker.evaluations.models import COMMENT_MAX, EvaluationInvitation, EvaluationResponse
from tracker.extensions import db

SCORES = (1, 2, 3, 4, 5)


class LinkNotValidError(TrackerError):
    code = "evaluation_link_not_valid"
    status = 404


class AlreadyAnsweredError(ConflictError):
    code = "evaluation_already_given"


ALREADY_ANSWERED = "You have already given feedback on this session"


@dataclass(frozen=True)
class FeedbackLink:
    invitation: EvaluationInvitation
    training_session: TrainingSession
    answered: bool


def open_link(token: str) -> FeedbackLink:
    """What an emailed link leads to: its session and whether it has been answered. Raises LinkNotValidError."""
    invitation = find_invitation(token)
    if invitation is None:
        raise LinkNotValidError("This feedback link is not valid")
    training_session = db.session.get(TrainingSession, invitation.session_id)
    assert training_session is not None
    answered = bool(db.session.scalar(select(exists().where(EvaluationResponse.receipt == receipt_for(token)))))
    return FeedbackLink(invitation, training_session, answered)


def _check_score(name: str, value: int) -> int:
    if value not in SCORES:
        raise TrackerError("Select an answer from 1 to 5", field=name)
    return value


def give_feedback(
    *,
    token: str,
    confidence_before: int,
    confidence_after: int,
    usefulness: int,
    trainer_rating: int,
    comment: str | None = None,
) -> EvaluationResponse:
    """Keep the answers given through the link with `token`, without anything that names who gave them.

    Raises LinkNotValidError (404), AlreadyAnsweredError (409: this link has an answer, whether it was there
    before or another submit got there first), TrackerError (422) for a score outside 1–5 or a long comment.
    """
    link = open_link(token)
    if link.answered:
        raise AlreadyAnsweredError(ALREADY_ANSWERED)
    comment = (comment or "").strip() or None
    if comment is not None and len(comment) > COMMENT_MAX:
        raise TrackerError(f"Comments must be {COMMENT_MAX:,} characters or fewer", field="comment")
    response = EvaluationResponse(
        session_id=link.training_session.id,
        receipt=receipt_for(token),
        confidence_before=_check_score("confidence_before", confidence_before),
        confidence_after=_check_score("confidence_after", confidence_after),
        usefulness=_check_score("usefulness", usefulness),
        trainer_rating=_check_score("trainer_rating", trainer_rating),
        comment=comment,
    )
    try:
        with db.session.begin_nested():
            db.session.add(response)
            db.session.flush()
    except IntegrityError as error:  # another submit through the same link got there first
        raise AlreadyAnsweredError(ALREADY_ANSWERED) from error
    return response
