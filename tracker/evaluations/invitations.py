"""Asking attendees to evaluate a session: when its register is signed off, each attendee (attended or partly
attended) with an email address gets one email through the outbox, with a link that works signed out.

The receiver answers `tracker.attendance.signals.register_signed_off` inside the sign-off's transaction, so a
rollback asks nobody, and a commit always asks (the outbox never loses a message). One invitation per person and
session (a unique constraint): a register reopened and signed off again asks only people not asked before. A
register signed off long after the session (history brought in from elsewhere) asks nobody: see
`ASK_WITHIN_DAYS`.

The link's token is 32 random bytes; the database keeps only its SHA-256, so the invitation table alone gives
nobody a working link.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Sequence
from datetime import datetime, timedelta
from typing import Any

from flask import Flask, current_app
from sqlalchemy import select

from tracker.attendance.models import AttendanceOutcome
from tracker.attendance.signals import register_signed_off
from tracker.common.time import format_date, to_london
from tracker.courses.models import TrainingSession
from tracker.evaluations.models import EvaluationInvitation
from tracker.extensions import db
from tracker.invites import emails
from tracker.invites.services import queue_email

KIND = "evaluation_request"
TEMPLATE = "evaluation_request"
#: Outcomes of people who were there, and so are asked.
ASKED_OUTCOMES = (AttendanceOutcome.ATTENDED, AttendanceOutcome.PARTIAL)
#: A register signed off more than this long after the session ended asks nobody: it is history being recorded.
ASK_WITHIN_DAYS = 30


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def receipt_for(token: str) -> str:
    """The response's one-answer key: a different hash of the same token, so it matches no invitation's hash."""
    return hashlib.sha256(f"receipt:{token}".encode()).hexdigest()


def form_link(token: str) -> str:
    path = current_app.url_map.bind("localhost").build("evaluations.give_feedback", {"token": token})
    return emails.external_url(path)


def find_invitation(token: str) -> EvaluationInvitation | None:
    """The invitation a link's token belongs to, or None (unknown, mistyped, or too long to be one)."""
    if not token or len(token) > 100:
        return None
    return db.session.scalar(select(EvaluationInvitation).where(EvaluationInvitation.token_hash == hash_token(token)))


def ask_attendees(*, training_session: TrainingSession, lines: Sequence[Any], now: datetime) -> int:
    """Invite every attendee on `lines` not invited before about `training_session`; returns how many were asked.

    The caller holds the session's row lock (sign-off does), so two sign-offs cannot both find someone
    un-asked; the unique (session, person) would refuse the second anyway.
    """
    if now - training_session.ends_at > timedelta(days=ASK_WITHIN_DAYS):
        return 0
    people = {line.person.id: line.person for line in lines if line.outcome in ASKED_OUTCOMES and line.person.email}
    if not people:
        return 0
    asked = set(
        db.session.scalars(
            select(EvaluationInvitation.person_id).where(
                EvaluationInvitation.session_id == training_session.id,
                EvaluationInvitation.person_id.in_(people),
            )
        )
    )
    context = {
        "session_title": training_session.display_title,
        "session_date": format_date(to_london(training_session.starts_at)),
    }
    count = 0
    for person_id, person in sorted(people.items()):
        if person_id in asked:
            continue
        token = secrets.token_urlsafe(32)
        db.session.add(
            EvaluationInvitation(
                session_id=training_session.id, person_id=person_id, token_hash=hash_token(token), created_at=now
            )
        )
        queue_email(
            to_email=person.email,
            to_name=person.full_name,
            template=TEMPLATE,
            context={**context, "form_link": form_link(token)},
            subject=f"How was your {training_session.display_title} session?",
            kind=KIND,
            now=now,
        )
        count += 1
    db.session.flush()
    return count


def on_register_signed_off(training_session: TrainingSession, *, lines: Sequence[Any], now: datetime, **_: Any) -> None:
    ask_attendees(training_session=training_session, lines=lines, now=now)


def connect_receivers() -> None:
    """Connect once, strongly (blinker keys receivers by identity, so the many apps of a test run ask once)."""
    register_signed_off.connect(on_register_signed_off, weak=False)


def init_app(app: Flask) -> None:
    connect_receivers()
