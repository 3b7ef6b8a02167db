"""Organisations not yet reached: the partners to offer training to (the board's Recommendation 2).

An organisation is *reached* when, in the last `RECENT_MONTHS` months, someone of theirs attended (or partly
attended) a session that was not cancelled, or it sent a compliance return for a period ending in that time:
a partner whose own returns show 84–93 % of its staff trained is plainly reached, whether or not its people
came to our sessions. The council's own organisations are never listed: they are the ones doing the reaching.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, or_, select

from tracker.attendance.models import Attendance, AttendanceOutcome
from tracker.booking.models import Booking
from tracker.common.time import add_months, start_of_london_day, today_london
from tracker.courses.models import SessionStatus, TrainingSession
from tracker.coverage.models import PartnerReturn
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind, Person

#: "Recent" for reach: a session attended, or a return's period end, within this many months up to today.
RECENT_MONTHS = 12
#: Kinds of organisation the board asked about: partners, not the council.
OUTREACH_KINDS = tuple(kind for kind in OrganisationKind if kind != OrganisationKind.LOCAL_AUTHORITY)


@dataclass(frozen=True)
class NotReachedRow:
    organisation: Organisation
    #: How many people the tracker knows there.
    people: int
    #: When one of its people last attended a session, however long ago; None if never.
    last_attended_at: datetime | None
    #: The period end of its latest compliance return; None if it never sent one.
    last_return_end: date | None


@dataclass(frozen=True)
class NotReached:
    #: The first day that counts as recent (the day after the same date `RECENT_MONTHS` months ago).
    since: date
    months: int
    rows: list[NotReachedRow]


def recent_since(today: date, months: int = RECENT_MONTHS) -> date:
    """The first day of the last `months` months up to `today`: 6 December 2025 for 5 December 2026."""
    return add_months(today, -months) + timedelta(days=1)


def organisations_not_reached(*, today: date | None = None, months: int = RECENT_MONTHS) -> NotReached:
    """Partner organisations with no attendee at a session and no return in the last `months` months, by kind
    and name, with the people known there and when they were last reached (one statement)."""
    since = recent_since(today or today_london(), months)
    last_attended = (
        select(func.max(TrainingSession.starts_at))
        .join(Booking, Booking.session_id == TrainingSession.id)
        .join(Attendance, Attendance.booking_id == Booking.id)
        .join(Person, Person.id == Booking.person_id)
        .where(
            Person.organisation_id == Organisation.id,
            Attendance.outcome.in_((AttendanceOutcome.ATTENDED, AttendanceOutcome.PARTIAL)),
            TrainingSession.status != SessionStatus.CANCELLED,
        )
        .scalar_subquery()
    )
    last_return = (
        select(func.max(PartnerReturn.period_end))
        .where(PartnerReturn.organisation_id == Organisation.id)
        .scalar_subquery()
    )
    people = select(func.count(Person.id)).where(Person.organisation_id == Organisation.id).scalar_subquery()
    statement = (
        select(Organisation, people, last_attended, last_return)
        .where(
            Organisation.kind.in_(OUTREACH_KINDS),
            or_(last_attended.is_(None), last_attended < start_of_london_day(since)),
            or_(last_return.is_(None), last_return < since),
        )
        .order_by(Organisation.kind, Organisation.name, Organisation.id)
    )
    rows = [NotReachedRow(*row) for row in db.session.execute(statement)]
    return NotReached(since, months, rows)
