"""Finding someone who came to a session without a place: what the register's walk-in search may show whom.

The coordinator, who holds the people directory anyway, searches by any part of a name or email address.
A trainer finds only the person in front of them: by their exact email address, or their exact first and
last name, on a published session on its day or the day after, never a cancelled one. Every search is
audited; a trainer's searches of one register within ten minutes are one event listing them, so searching
cannot grow the audit log without limit.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.accounts.models import Role, UserAccount
from tracker.attendance.services import session_london_date, today_london_at
from tracker.attendance.walk_ins import search_people
from tracker.common.audit import record_counted_event
from tracker.common.time import format_date, utc_now
from tracker.courses.models import SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people.models import Person

#: Shortest search a trainer may make.
MIN_QUERY = 3
#: A trainer's searches of one register within this long are one audit event.
AUDIT_WINDOW = timedelta(minutes=10)
#: Searches listed in one audit event.
AUDIT_QUERIES_KEPT = 50
AUDIT_ACTION = "walk_in.searched"


def sees_directory(actor: UserAccount) -> bool:
    return actor.has_role(Role.COORDINATOR)


def search_problem(actor: UserAccount, training_session: TrainingSession, *, now: datetime | None = None) -> str | None:
    """Why `actor` may not search for walk-ins on this session now, or None."""
    if training_session.status == SessionStatus.CANCELLED:
        return "This session was cancelled: nobody can be added to its register"
    if sees_directory(actor):
        return None
    if training_session.status == SessionStatus.DRAFT:
        return "Publish the session before adding walk-ins to its register"
    day = session_london_date(training_session)
    today = today_london_at(now or utc_now())
    if not day <= today <= day + timedelta(days=1):
        return f"You can add walk-ins on the day of the session, {format_date(day)}, or the day after"
    return None


def query_problem(actor: UserAccount, query: str) -> str | None:
    if not sees_directory(actor) and len(query.strip()) < MIN_QUERY:
        return f"Enter their full name or email address ({MIN_QUERY} characters or more)"
    return None


def find_walk_ins(actor: UserAccount, training_session: TrainingSession, query: str, *, limit: int) -> list[Person]:
    """People matching `query` as `actor` may find them (see the module's notes); the search is audited.
    The caller checks search_problem and query_problem first."""
    query = " ".join(query.split())
    if sees_directory(actor):
        people = search_people(query, limit=limit)
    else:
        people = _exact_matches(query, limit=limit)
    _audit(actor, training_session, query, len(people))
    return people


def shows_email(actor: UserAccount, query: str) -> bool:
    """A trainer sees an email address only when they typed it."""
    return sees_directory(actor) or "@" in query


def _exact_matches(query: str, *, limit: int) -> list[Person]:
    statement = select(Person).options(joinedload(Person.organisation)).where(Person.erased_at.is_(None))
    text = query.lower()
    if "@" in text:
        statement = statement.where(Person.email == text)
    else:
        first, _, last = text.partition(" ")
        if not last:
            return []
        statement = statement.where(func.lower(Person.first_name) == first, func.lower(Person.last_name) == last)
    return list(db.session.scalars(statement.order_by(Person.id).limit(limit)))


def _audit(actor: UserAccount, training_session: TrainingSession, query: str, found: int) -> None:
    search = {"q": query[:100], "found": found}
    record_counted_event(
        AUDIT_ACTION,
        actor=actor,
        within=AUDIT_WINDOW,
        after={"searches": [search]},
        key="searches",
        entry=search,
        kept=AUDIT_QUERIES_KEPT,
        object_type="session",
        object_id=training_session.id,
    )
