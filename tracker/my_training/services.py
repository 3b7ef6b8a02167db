"""The reads behind "My training": a person's upcoming places (with their waiting-list positions) and a page of
their past ones. Rows of columns (the `when` and `where` filters take them as they take a session)."""

from __future__ import annotations

from datetime import datetime
from functools import cache

from sqlalchemy import Row, Select, bindparam, func, or_, select

from tracker.accounts.models import UserAccount
from tracker.booking.finding import bookable_sessions
from tracker.booking.models import ACTIVE_STATUSES, Booking, BookingStatus
from tracker.booking.services import waitlist_order
from tracker.common.paging import Page, paginate
from tracker.courses.models import Course, SessionStatus, TrainingSession
from tracker.coverage.my_requirements import RequirementStatus
from tracker.extensions import db


def _places(person_id) -> Select:
    """The person's places, each with: id and status (the booking's); session_id, title (the session's, else its
    course's name), starts_at, ends_at, venue, online_url and cancel_reason (the session's)."""
    return (
        select(
            Booking.id,
            Booking.status,
            TrainingSession.id.label("session_id"),
            TrainingSession.display_title_column().label("title"),
            TrainingSession.starts_at,
            TrainingSession.ends_at,
            TrainingSession.venue,
            TrainingSession.online_url,
            TrainingSession.cancel_reason,
        )
        .join(TrainingSession, TrainingSession.id == Booking.session_id)
        .join(Course, Course.id == TrainingSession.course_id)
        .where(Booking.person_id == person_id)
    )


def upcoming_places(person_id: int, *, now: datetime) -> list[Row]:
    """Active places on sessions still to come, and those lost to a cancelled session, soonest first; each row
    also has `position` on the waiting list (None unless waitlisted)."""
    return list(db.session.execute(_upcoming_places_statement(), {"person_id": person_id, "now": now}))


@cache
def _upcoming_places_statement() -> Select:
    """Parameters person_id and now. Built once (values are bind parameters): building it and its cache key cost
    more than running it; see bench/results.md, issue 15."""
    person_id = bindparam("person_id")
    now = bindparam("now", type_=TrainingSession.starts_at.type)
    waiting = (
        select(
            Booking.id,
            func.row_number().over(partition_by=Booking.session_id, order_by=waitlist_order()).label("position"),
        )
        .where(
            Booking.status == BookingStatus.WAITLISTED,
            Booking.session_id.in_(select(Booking.session_id).where(Booking.person_id == person_id)),
        )
        .subquery()
    )
    return (
        _places(person_id)
        .add_columns(waiting.c.position)
        .outerjoin(waiting, waiting.c.id == Booking.id)
        .where(
            TrainingSession.starts_at > now,
            or_(Booking.status.in_(ACTIVE_STATUSES), TrainingSession.status == SessionStatus.CANCELLED),
        )
        .order_by(TrainingSession.starts_at, Booking.id)
    )


def past_places(person_id: int, *, now: datetime, number: int, per_page: int) -> Page:
    """Page `number` of the places on sessions that have started (not cancelled places), latest first."""
    statement = (
        _places(person_id)
        .where(TrainingSession.starts_at <= now, Booking.status != BookingStatus.CANCELLED)
        .order_by(TrainingSession.starts_at.desc(), Booking.id.desc())
    )
    return paginate(statement, number=number, per_page=per_page, scalars=False)


def sessions_for_requirements(
    *, viewer: UserAccount, statuses: list[RequirementStatus], now: datetime
) -> dict[int, int]:
    """{course_id: upcoming sessions the viewer may book}, for the courses meeting a requirement that wants a
    session (not met, or expiring soon) and having any: "Find a session" then links only to courses with
    sessions, an equivalent's when the required course has none. One statement; none when nothing is wanted."""
    course_ids = {course.id for status in statuses if status.needs_session for course in status.satisfied_by}
    if not course_ids:
        return {}
    rows = db.session.execute(
        bookable_sessions(viewer=viewer, now=now)
        .where(TrainingSession.course_id.in_(sorted(course_ids)))
        .with_only_columns(TrainingSession.course_id, func.count())
        .group_by(TrainingSession.course_id)
        .order_by(None)
    )
    return {course_id: count for course_id, count in rows}
