"""A session's lock: every change to a session or to the places on it first locks the session's row."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from tracker.courses.models import SessionTrainer, TrainingSession
from tracker.extensions import db

#: Session.info key: (the transaction, {session id: session}) of the sessions locked in it outside any savepoint.
_LOCKED = "tracker.locked_sessions"


def lock_session(session_id: int) -> TrainingSession:
    """Re-read a session with a write lock held until the transaction ends; raises NoResultFound.

    PostgreSQL: SELECT ... FOR UPDATE, so two requests changing the same session take turns. SQLite has no row
    locks and ignores FOR UPDATE: there, the transaction holds the database's write lock. Its course and
    trainers come with it, in the same statement: every change made under the lock writes an email naming them.

    A session already locked in this transaction is not read again: the booking page locks the session it
    shows, then books on it (the booking POST's statements are pinned by a test). A lock taken inside a
    savepoint is not remembered: rolling back to the savepoint releases it."""
    session = db.session()
    held = session.info.get(_LOCKED)
    transaction = session.get_transaction()
    if held is not None and transaction is not None and held[0] is transaction and session_id in held[1]:
        return held[1][session_id]
    locked = (
        session.execute(
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
    if session.get_nested_transaction() is None:
        transaction = session.get_transaction()
        if held is None or held[0] is not transaction:
            held = session.info[_LOCKED] = (transaction, {})
        held[1][session_id] = locked
    return locked
