"""Managers' weekly digest: `flask --app wsgi digests send`, run weekly by the timer.

Each manager (an active account with the manager role) whose team has someone required to do a course, or booked
on one, gets one email listing, per course, who is untrained, who expires within 90 days, who is booked and who is
waiting, with the team's percent against the course's target and links to My team and to book the untrained.

Nothing is sent when nothing changed: the digest's content (never the date it was made) is hashed, and the hash is
kept per manager (`manager_digest.fingerprint`); a digest hashing the same is not sent again. The manager's row is
locked while their digest is decided (`FOR UPDATE` on PostgreSQL), so two runs at once send it once. A manager may
opt out on My team (`set_opt_out`); the row keeps that too.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from datetime import datetime

from flask import current_app
from sqlalchemy import select
from sqlalchemy.dialects import postgresql, sqlite

from tracker.accounts.models import Role, UserAccount, UserRole
from tracker.common.time import format_date, format_datetime, to_london, utc_now
from tracker.courses.models import Course, Requirement
from tracker.coverage import team
from tracker.coverage.people_to_train import PersonTrainingStatus
from tracker.coverage.team import TeamMember, TeamStatus
from tracker.extensions import db
from tracker.invites import emails
from tracker.invites.services import queue_email
from tracker.people.models import Person
from tracker.people.services import is_employed_on
from tracker.refreshers.models import ManagerDigest

KIND = "manager_digest"
#: Names shown per list in the email; the rest are counted ("and 12 more"), and My team shows them all.
NAMES_SHOWN = 25


# --- Opting out ---------------------------------------------------------------------------------------------


def _ensure_row(person_id: int, now: datetime) -> None:
    """Make the manager's row if there is none (never fails on a row made at the same moment)."""
    dialect = db.session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    db.session.execute(
        insert(ManagerDigest)
        .values(person_id=person_id, opted_out=False, updated_at=now)
        .on_conflict_do_nothing(index_elements=["person_id"])
    )


def _locked_row(person_id: int, now: datetime) -> ManagerDigest:
    _ensure_row(person_id, now)
    return db.session.scalars(
        select(ManagerDigest)
        .where(ManagerDigest.person_id == person_id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def wants_digest(person: Person) -> bool:
    """Whether the manager gets the weekly digest (everyone does until they opt out). One statement."""
    opted_out = db.session.scalar(select(ManagerDigest.opted_out).where(ManagerDigest.person_id == person.id))
    return not opted_out


def set_opt_out(person: Person, *, opted_out: bool, now: datetime | None = None) -> None:
    """Stop (or start again) the manager's weekly digest. Flushes; the caller commits."""
    now = now or utc_now()
    row = _locked_row(person.id, now)
    row.opted_out = opted_out
    if not opted_out:
        row.fingerprint = None  # starting again: the next digest is sent even if nothing changed meanwhile
    row.updated_at = now
    db.session.flush()


# --- The content ---------------------------------------------------------------------------------------------


def _link(endpoint: str, **values) -> str:
    return emails.external_url(current_app.url_map.bind("localhost").build(endpoint, values))


def _untrained_detail(member: TeamMember) -> str:
    if member.status == PersonTrainingStatus.EXPIRED and member.expired_on:
        return f"Expired on {format_date(member.expired_on)}"
    return "Never trained"


def _line(member: TeamMember, detail: str) -> dict[str, str]:
    return {"name": member.person.full_name, "detail": detail}


def _shown(lines: list[dict[str, str]]) -> dict:
    return {"lines": lines[:NAMES_SHOWN], "more": max(0, len(lines) - NAMES_SHOWN), "count": len(lines)}


def course_section(status: TeamStatus) -> dict | None:
    """What the digest says about one course, as plain values; None when the team has nobody required to do it
    and nobody booked on it."""
    members = status.members
    booked = [m for m in members if m.booking is not None and not m.booking.is_waitlisted]
    waiting = [m for m in members if m.booking is not None and m.booking.is_waitlisted]
    if not status.required and not booked and not waiting:
        return None
    untrained = [m for m in members if m.required and not m.is_trained and m.booking is None]
    expiring = [m for m in members if m.required and m.status == PersonTrainingStatus.EXPIRING and m.booking is None]
    code = status.course.code
    return {
        "course_name": status.course.name,
        "course_code": code,
        "required": status.required,
        "trained": status.trained,
        "percent": status.percent,
        "target": status.course.target_percent,
        "meets_target": status.percent is not None and status.percent >= status.course.target_percent,
        "untrained": _shown([_line(m, _untrained_detail(m)) for m in untrained]),
        "expiring": _shown([_line(m, f"Valid until {format_date(m.valid_until)}") for m in expiring]),
        "booked": _shown([_line(m, f"Booked for {format_datetime(m.booking.starts_at)}") for m in booked]),
        "waiting": _shown([_line(m, f"Waiting list for {format_datetime(m.booking.starts_at)}") for m in waiting]),
        "team_link": _link("coverage.my_team", course=code),
        "book_link": _link("coverage.book_untrained", course=code) if untrained else None,
    }


def digest_content(manager: Person, courses: list[Course], *, now: datetime) -> list[dict]:
    """The digest's sections, one per course that concerns the team (about ten statements per course)."""
    sections = []
    for course in courses:
        section = course_section(team.team_status(manager=manager, course=course, now=now))
        if section is not None:
            sections.append(section)
    return sections


def fingerprint(sections: list[dict]) -> str:
    """SHA-256 of the content, independent of dict order; the same team on another day hashes the same."""
    return hashlib.sha256(json.dumps(sections, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


# --- Sending ------------------------------------------------------------------------------------------------------


def managers_to_digest(*, now: datetime) -> list[Person]:
    """Active accounts with the manager role, with an email address, still employed, not opted out."""
    today = to_london(now).date()
    return list(
        db.session.scalars(
            select(Person)
            .join(UserAccount, UserAccount.person_id == Person.id)
            .where(
                UserAccount.is_active.is_(True),
                UserAccount.id.in_(select(UserRole.user_id).where(UserRole.role == Role.MANAGER)),
                Person.email.is_not(None),
                is_employed_on(today),
                Person.id.not_in(select(ManagerDigest.person_id).where(ManagerDigest.opted_out.is_(True))),
            )
            .order_by(Person.id)
        )
    )


def _digest_courses() -> list[Course]:
    return list(
        db.session.scalars(
            select(Course)
            .where(Course.is_active.is_(True), Course.id.in_(select(Requirement.course_id)))
            .order_by(Course.code, Course.id)
        )
    )


@dataclass(frozen=True)
class DigestRun:
    sent: int
    unchanged: int
    empty: int


def send_digest(manager: Person, courses: list[Course], *, now: datetime) -> str:
    """Queue the manager's digest if it says something new. Returns "sent", "unchanged", "empty" or "opted_out"."""
    row = _locked_row(manager.id, now)
    if row.opted_out:
        return "opted_out"
    sections = digest_content(manager, courses, now=now)
    if not sections:
        return "empty"
    new = fingerprint(sections)
    if new == row.fingerprint:
        return "unchanged"
    queue_email(
        to_email=manager.email,
        to_name=manager.full_name,
        template=KIND,
        context={"sections": sections, "week_of": format_date(to_london(now).date())},
        subject="Your team's Prevent training this week",
        kind=KIND,
        now=now,
    )
    row.fingerprint, row.last_sent_at, row.updated_at = new, now, now
    db.session.flush()
    return "sent"


def send_digests(*, now: datetime | None = None) -> DigestRun:
    """Each manager's digest, if it changed since the last. The caller commits once."""
    now = now or utc_now()
    courses = _digest_courses()
    outcomes = [send_digest(manager, courses, now=now) for manager in managers_to_digest(now=now)]
    db.session.flush()
    return DigestRun(sent=outcomes.count("sent"), unchanged=outcomes.count("unchanged"), empty=outcomes.count("empty"))
