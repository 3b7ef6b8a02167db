"""Refresher reminders: `flask --app wsgi refreshers send`, run daily by the timer.

A person whose record of a course required of them (or of an equivalent) expires within one of the thresholds
(REFRESHER_REMINDER_DAYS, 90 and 30 days by default) gets one email at each threshold, listing the next sessions
of the course or an equivalent that have places, with links to book. Their manager hears of it in the weekly
digest (tracker.refreshers.digest), not by a copy of each email.

Exactly once per record and threshold: a `refresher_reminder` row is inserted with `INSERT … ON CONFLICT DO
NOTHING` and the outbox message is queued only when the insert made a row, both in the caller's one transaction.
A second run finds the row; a run at the same moment on PostgreSQL waits on the first's uncommitted row and then
inserts nothing. On SQLite the transaction's write lock orders the runs.

Nothing goes to leavers (or people leaving before the record expires), to people not required to do the course
today, to people whose newest record never expires, or to anyone booked or waiting for an upcoming session of
the course or an equivalent (no row is written for them, so a cancelled booking brings the reminder back).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.attendance.models import TrainingRecord, last_valid_day
from tracker.booking.models import ACTIVE_STATUSES, Booking
from tracker.common.time import format_date, format_datetime, format_time, to_london, utc_now
from tracker.courses.models import Course, Requirement, SessionStatus, TrainingSession
from tracker.coverage import loading, queries, team
from tracker.coverage.loading import CoverageContext
from tracker.coverage.team import SessionWithPlaces
from tracker.extensions import db
from tracker.invites import emails
from tracker.invites.services import queue_email
from tracker.people.models import Person
from tracker.refreshers.models import RefresherReminder

KIND = "refresher_reminder"


def thresholds(value: str | Iterable[int] | None = None) -> tuple[int, ...]:
    """The thresholds in days, largest first, from REFRESHER_REMINDER_DAYS ("90,30") or as given."""
    if value is None:
        value = current_app.config.get("REFRESHER_REMINDER_DAYS", "90,30")
    if isinstance(value, str):
        value = [int(part) for part in value.replace(" ", "").split(",") if part]
    days = sorted({int(v) for v in value if int(v) > 0}, reverse=True)
    if not days:
        raise ValueError("REFRESHER_REMINDER_DAYS needs at least one number of days above nought")
    return tuple(days)


def threshold_for(days_left: int, days: Sequence[int]) -> int | None:
    """The threshold a record `days_left` days from expiry is at: the smallest one it is within (so a record
    first seen 20 days out gets the 30-day reminder only, never the 90-day one late). None: none yet, or expired."""
    if days_left <= 0:
        return None
    within = [t for t in days if days_left <= t]
    return min(within) if within else None


@dataclass(frozen=True)
class DueRefresher:
    person: Person
    course: Course
    training_record_id: int
    expires_on: date
    threshold: int

    @property
    def last_valid_day(self) -> date:
        return last_valid_day(self.expires_on)


def _courses_with_requirements() -> list[Course]:
    return list(
        db.session.scalars(
            select(Course)
            .where(Course.is_active.is_(True), Course.id.in_(select(Requirement.course_id)))
            .order_by(Course.code, Course.id)
        )
    )


def _newest_records(context: CoverageContext, today: date, window_end: date) -> dict[int, tuple[int, date]]:
    """{person_id: (record id, expires_on)} for people whose newest satisfying record expires after today and
    within the window (one statement: every satisfying record of the people with one expiring in the window)."""
    satisfying = context.satisfying_course_ids
    in_window = select(TrainingRecord.person_id).where(
        TrainingRecord.course_id.in_(satisfying),
        TrainingRecord.expires_on > today,
        TrainingRecord.expires_on <= window_end,
    )
    rows = db.session.execute(
        select(TrainingRecord.person_id, TrainingRecord.id, TrainingRecord.expires_on)
        .where(
            TrainingRecord.course_id.in_(satisfying),
            TrainingRecord.completed_on <= today,
            TrainingRecord.person_id.in_(in_window),
        )
        .order_by(TrainingRecord.person_id, TrainingRecord.id)
    )
    newest: dict[int, tuple[int, date] | None] = {}
    for person_id, record_id, expires_on in rows:
        if person_id in newest and newest[person_id] is None:
            continue  # a record that never expires: nothing to refresh
        if expires_on is None:
            newest[person_id] = None
            continue
        current = newest.get(person_id)
        if current is None or expires_on > current[1]:
            newest[person_id] = (record_id, expires_on)
    return {p: r for p, r in newest.items() if r is not None and today < r[1] <= window_end}


def _booked_people(person_ids: list[int], satisfying: list[int], now: datetime) -> set[int]:
    """Those booked or waiting for an upcoming session of the course or an equivalent (one statement)."""
    if not person_ids:
        return set()
    return set(
        db.session.scalars(
            select(Booking.person_id)
            .join(TrainingSession, TrainingSession.id == Booking.session_id)
            .where(
                Booking.person_id.in_(person_ids),
                Booking.status.in_(ACTIVE_STATUSES),
                TrainingSession.course_id.in_(satisfying),
                TrainingSession.status != SessionStatus.CANCELLED,
                TrainingSession.starts_at > now,
            )
        )
    )


def _already_sent(record_ids: list[int]) -> set[tuple[int, int]]:
    """(record, threshold) pairs reminded already, so that a daily run does not try them again (one statement;
    the unique constraint, not this, is what guarantees once)."""
    if not record_ids:
        return set()
    rows = db.session.execute(
        select(RefresherReminder.training_record_id, RefresherReminder.threshold_days).where(
            RefresherReminder.training_record_id.in_(record_ids)
        )
    )
    return {(record_id, threshold) for record_id, threshold in rows}


def _still_staying(person: Person, today: date, expires_on: date) -> bool:
    """Not a leaver, and not leaving before the record expires (a refresher would be wasted on them)."""
    return person.end_date is None or (person.end_date > today and person.end_date > expires_on)


def due_refreshers(*, now: datetime | None = None, days: Sequence[int] | None = None) -> list[DueRefresher]:
    """Every reminder due today (London) at its threshold and not sent already (a run at the same moment may still
    send it first: the send's claim settles that). A few statements per required course."""
    now = now or utc_now()
    days = thresholds(days)
    today = to_london(now).date()
    window_end = date.fromordinal(today.toordinal() + max(days))
    tree = loading.load_tree()
    due: list[DueRefresher] = []
    for course in _courses_with_requirements():
        context = loading.load_context(course=course, tree=tree)
        newest = _newest_records(context, today, window_end)
        if not newest:
            continue
        required = queries.required_people(context, today, list(newest))
        booked = _booked_people(list(required), context.satisfying_course_ids, now)
        candidates = [p for p in required if p not in booked]
        people = {p.id: p for p in db.session.scalars(select(Person).where(Person.id.in_(candidates)))}
        sent = _already_sent([newest[p][0] for p in people])
        for person_id in sorted(people):
            person = people[person_id]
            record_id, expires_on = newest[person_id]
            threshold = threshold_for((expires_on - today).days, days)
            if threshold is None or (record_id, threshold) in sent:
                continue
            if not person.email or not _still_staying(person, today, expires_on):
                continue
            due.append(DueRefresher(person, course, record_id, expires_on, threshold))
    return due


def _claim(due: DueRefresher, now: datetime) -> bool:
    """Insert the (record, threshold) row unless it is there already; True when this call made it."""
    values = {
        "training_record_id": due.training_record_id,
        "threshold_days": due.threshold,
        "person_id": due.person.id,
        "course_id": due.course.id,
        "expires_on": due.expires_on,
        "sent_at": now,
    }
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = (
        insert(RefresherReminder)
        .values(**values)
        .on_conflict_do_nothing(index_elements=["training_record_id", "threshold_days"])
        .returning(RefresherReminder.id)
    )
    # RETURNING, not rowcount: psycopg reports -1 for this statement. No row back: it was there already.
    return db.session.execute(statement).scalar() is not None


def _sessions_for(course: Course, now: datetime) -> list[SessionWithPlaces]:
    """Upcoming sessions with places of the course and its equivalents, soonest first."""
    sessions = [s for c in [course, *course.equivalents] for s in team.upcoming_sessions_with_places(c, now=now)]
    return sorted(sessions, key=lambda s: (s.training_session.starts_at, s.training_session.id))


def _path(endpoint: str, **values) -> str:
    return emails.external_url(current_app.url_map.bind("localhost").build(endpoint, values))


def session_line(training_session: TrainingSession, places_left: int) -> dict[str, str | int]:
    """A session as a refresher email lists it: plain values (the outbox stores them as JSON)."""
    return {
        "title": training_session.display_title,
        "when": f"{format_datetime(training_session.starts_at)} to {format_time(training_session.ends_at)}",
        "where": training_session.venue or training_session.online_url or "Online",
        "places_left": places_left,
        "link": _path("booking.show_session", session_id=training_session.id),
    }


def reminder_facts(due: DueRefresher, sessions: list[SessionWithPlaces], listed: int) -> dict:
    offered = [s for s in sessions if s.admits(due.person)][:listed]
    return {
        "course_name": due.course.name,
        "course_code": due.course.code,
        "last_valid_day": format_date(due.last_valid_day),
        "threshold": due.threshold,
        "sessions": [session_line(s.training_session, s.places_left) for s in offered],
        "find_link": _path("booking.list_sessions", course=due.course.id),
    }


def send_refreshers(*, now: datetime | None = None, days: Sequence[int] | None = None) -> int:
    """Queue each due refresher reminder not sent before, and remember it. Returns how many were queued.

    The caller commits once; a rollback takes back both the rows and the emails."""
    now = now or utc_now()
    listed = int(current_app.config.get("REFRESHER_SESSIONS_LISTED", 3))
    sessions_by_course: dict[int, list[SessionWithPlaces]] = {}
    sent = 0
    for due in due_refreshers(now=now, days=days):
        if not _claim(due, now):
            continue
        if due.course.id not in sessions_by_course:
            sessions_by_course[due.course.id] = _sessions_for(due.course, now)
        facts = reminder_facts(due, sessions_by_course[due.course.id], listed)
        queue_email(
            to_email=due.person.email,
            to_name=due.person.full_name,
            template=KIND,
            context=facts,
            subject=f"Your {due.course.name} training runs out after {facts['last_valid_day']}: book a refresher",
            kind=KIND,
            now=now,
        )
        sent += 1
    db.session.flush()
    return sent
