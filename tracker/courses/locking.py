"""A session's lock: every change to a session or to the places on it first locks the session's row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.courses.models import SessionTrainer, TrainingSession
from tracker.extensions import db


def lock_session(session_id: int) -> TrainingSession:
    """Re-read a session with a write lock held until the transaction ends; raises NoResultFound.

    PostgreSQL: SELECT ... FOR UPDATE, so two requests changing the same session take turns. SQLite has no row
    locks: there the FOR UPDATE takes the database's write lock (`tracker.common.database`). Its course and
    trainers come with it, in the same statement: every change made under the lock writes an email naming them."""
    return (
        db.session.execute(
            select(TrainingSession)
            .options(
                joinedload(TrainingSession.course, innerjoin=True),
                joinedload(TrainingSession.trainers).joinedload(SessionTrainer.person),
            )
            .where(TrainingSession.id == session_id)
            .with_for_update(of=TrainingSession)
            .execution_options(populate_existing=True)
        )
        .unique()
        .scalar_one()
    )
