"""Finding sessions and places: the session list people book from, My training's places, an organisation's bookings, places left and one's own status on a page of sessions."""

from __future__ import annotations

from datetime import date, datetime
from functools import cache
from typing import Any

from sqlalchemy import (
    CompoundSelect,
    Integer,
    Row,
    Select,
    and_,
    bindparam,
    case,
    func,
    literal,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import contains_eager, joinedload

from tracker.accounts.models import Role, UserAccount
from tracker.booking.models import ACTIVE_STATUSES, SEAT_STATUSES, Booking, BookingStatus
from tracker.booking.services import _status_in
from tracker.common.database import read_rows
from tracker.common.paging import Page, paginate
from tracker.common.time import add_months, start_of_london_day, utc_now
from tracker.courses.models import Course, SessionAudience, SessionStatus, TrainingSession
from tracker.people.models import Organisation, Person


@cache
def _bookable_sessions_statement(*, everyone: bool, by_course: bool, by_month: bool) -> Select:
    """Built once for each shape (the sessions list runs it on every visit); parameters: now, and
    organisation_id, course_id, month_start and month_end where the shape uses them.

    Rows of columns, not entities: id, display_title (the session's title, else its course's name), starts_at,
    ends_at, venue, online_url, capacity and audience_restricted; the `when`, `where` and `places` filters take
    a row as they take a session. Loading the page's sessions and their courses as ORM objects cost a quarter of
    the page's time."""
    session = TrainingSession
    starts_at = session.starts_at
    statement = (
        select(
            session.id,
            session.display_title_column().label("display_title"),
            starts_at,
            session.ends_at,
            session.venue,
            session.online_url,
            session.capacity,
            session.audience_restricted,
        )
        .join(Course, Course.id == session.course_id)
        .where(session.status == SessionStatus.PUBLISHED, starts_at > bindparam("now", type_=starts_at.type))
    )
    if not everyone:
        audiences = select(SessionAudience.session_id).where(
            SessionAudience.organisation_id == bindparam("organisation_id")
        )
        statement = statement.where(or_(session.audience_restricted.is_(False), session.id.in_(audiences)))
    if by_course:
        statement = statement.where(session.course_id == bindparam("course_id"))
    if by_month:
        statement = statement.where(
            starts_at >= bindparam("month_start", type_=starts_at.type),
            starts_at < bindparam("month_end", type_=starts_at.type),
        )
    return statement.order_by(starts_at, session.id)


def bookable_sessions(
    *, viewer: UserAccount, course_id: int | None = None, month: date | None = None, now: datetime | None = None
) -> tuple[Select, dict[str, Any]]:
    """Upcoming published sessions the viewer may book, soonest first, as rows (see
    `_bookable_sessions_statement`); `month` is any day of a London month. Returns the statement and the values
    of its parameters: run it with `read_rows` or `paginate(statement.params(parameters), scalars=False)`.

    The coordinator (who books anyone, whatever the audience) sees every session; others see sessions open to
    all and those restricted to audiences that include their organisation (`audience_names` names them)."""
    everyone = viewer.has_role(Role.COORDINATOR)
    parameters: dict[str, Any] = {"now": now or utc_now()}
    if not everyone:
        parameters["organisation_id"] = viewer.person.organisation_id
    if course_id is not None:
        parameters["course_id"] = course_id
    if month is not None:
        first = month.replace(day=1)
        parameters["month_start"] = start_of_london_day(first)
        parameters["month_end"] = start_of_london_day(add_months(first, 1))
    statement = _bookable_sessions_statement(
        everyone=everyone, by_course=course_id is not None, by_month=month is not None
    )
    return statement, parameters


def _with_session():
    """For statements that join the booking's session already: fill it (and its course) from that join."""
    return contains_eager(Booking.training_session).joinedload(TrainingSession.course)


@cache
def _places_statement(*, upcoming: bool) -> Select:
    """A person's places for "My training", as rows of columns rather than entities (parameters person_id and
    now; built once for each half). Upcoming: active places, and those lost to a cancelled session, soonest
    first. Past: places on sessions that have started, not cancelled, latest first.

    Each row has: id and status (the booking's); session_id, title (the session's, else its course's name),
    starts_at, ends_at, venue, online_url and cancel_reason (the session's); the `when` and `where` filters
    take it as they take a session. Loading a page of bookings with their sessions and courses as ORM objects
    cost about four times as much, and this page is every member of staff's."""
    session = TrainingSession
    starts_at = session.starts_at
    now = bindparam("now", type_=starts_at.type)
    statement = (
        select(
            Booking.id,
            Booking.status,
            session.id.label("session_id"),
            TrainingSession.display_title_column().label("title"),
            starts_at,
            session.ends_at,
            session.venue,
            session.online_url,
            session.cancel_reason,
        )
        .join(session, session.id == Booking.session_id)
        .join(Course, Course.id == session.course_id)
        .where(Booking.person_id == bindparam("person_id"))
    )
    if upcoming:
        return statement.where(
            starts_at > now, or_(_status_in(ACTIVE_STATUSES), session.status == SessionStatus.CANCELLED)
        ).order_by(starts_at, Booking.id)
    return statement.where(starts_at <= now, Booking.status != BookingStatus.CANCELLED).order_by(
        starts_at.desc(), Booking.id.desc()
    )


@cache
def _my_places_statement() -> CompoundSelect:
    """A person's upcoming places and a page of their past ones in one statement (parameters person_id, now,
    page_limit and page_offset; built once): "My training" runs it on every visit, and a statement is a round
    trip and its share of the worker's CPU. Rows as `_places_statement`'s, with `part` (0 upcoming, 1 past) and
    `page_total` (the past places' total, counted before the page's LIMIT). The order of the rows is not
    SQL's to keep across a UNION: `my_places` sorts each part."""
    upcoming = _places_statement(upcoming=True).order_by(None)
    upcoming = upcoming.add_columns(literal(0, Integer).label("part"), literal(0, Integer).label("page_total"))
    past = (
        _places_statement(upcoming=False)
        .add_columns(literal(1, Integer).label("part"), func.count().over().label("page_total"))
        .limit(bindparam("page_limit", type_=Integer))
        .offset(bindparam("page_offset", type_=Integer))
        .subquery("past")
    )
    return union_all(upcoming, select(*past.c))


def my_places(person: Person, *, number: int, per_page: int, now: datetime | None = None) -> tuple[list[Row], Page]:
    """The person's places on sessions still to come, soonest first, and page `number` of their places on
    sessions that have started, latest first (rows: see `_places_statement`), in one statement."""
    parameters = {"person_id": person.id, "now": now or utc_now()}
    rows = read_rows(
        _my_places_statement(), {**parameters, "page_limit": per_page, "page_offset": (number - 1) * per_page}
    )
    upcoming = sorted((row for row in rows if row.part == 0), key=lambda row: (row.starts_at, row.id))
    past = sorted((row for row in rows if row.part == 1), key=lambda row: (row.starts_at, row.id), reverse=True)
    if not past and number > 1:  # past the end (or emptied since the link was made): the last page
        statement = _places_statement(upcoming=False)
        return upcoming, paginate(statement.params(parameters), number=number, per_page=per_page, scalars=False)
    return upcoming, Page(items=past, total=past[0].page_total if past else 0, number=number, per_page=per_page)


def organisation_bookings_query(organisation_id: int, *, now: datetime | None = None) -> Select:
    """Active bookings of an organisation's people on sessions still to come, soonest first."""
    now = now or utc_now()
    return (
        select(Booking)
        .join(Booking.training_session)
        .join(Booking.person)
        .options(_with_session(), joinedload(Booking.person))
        .where(
            Person.organisation_id == organisation_id,
            TrainingSession.starts_at > now,
            Booking.status.in_(ACTIVE_STATUSES),
        )
        .order_by(TrainingSession.starts_at, Person.last_name, Person.first_name, Booking.id)
    )


@cache
def _places_and_my_status_statement() -> Select:
    """Built once (parameters session_ids, person_id): "Find a session" runs it on every visit."""
    mine = and_(Booking.person_id == bindparam("person_id"), _status_in(ACTIVE_STATUSES))
    return (
        select(
            Booking.session_id,
            func.sum(case((_status_in(SEAT_STATUSES), 1), else_=0)),
            func.max(case((mine, Booking.status))),
        )
        .where(Booking.session_id.in_(bindparam("session_ids", expanding=True)))
        .group_by(Booking.session_id)
    )


def places_and_my_status(session_ids: list[int], person_id: int) -> dict[int, tuple[int, str | None]]:
    """{session_id: (seats taken, the person's active booking status or None)} for a list of sessions, in one
    query (what the sessions list shows beside each session); sessions with no booking at all are left out."""
    if not session_ids:
        return {}
    parameters = {"session_ids": list(session_ids), "person_id": person_id}
    rows = read_rows(_places_and_my_status_statement(), parameters)
    return {session_id: (int(taken or 0), status) for session_id, taken, status in rows}


def audience_names(sessions: list) -> dict[int, str]:
    """{session_id: "Barnet Council, Barnet Enfield and Haringey Mental Health NHS Trust"} for the restricted
    sessions among these (sessions or rows with id and audience_restricted), in one query (none when no session
    is restricted): a list names the organisations a restricted session is for, by name."""
    restricted = [s.id for s in sessions if s.audience_restricted]
    if not restricted:
        return {}
    rows = read_rows(
        select(SessionAudience.session_id, Organisation.name)
        .join(Organisation, Organisation.id == SessionAudience.organisation_id)
        .where(SessionAudience.session_id.in_(restricted))
        .order_by(Organisation.name, Organisation.id)
    )
    names: dict[int, list[str]] = {session_id: [] for session_id in restricted}
    for session_id, name in rows:
        names[session_id].append(name)
    return {session_id: ", ".join(organisations) for session_id, organisations in names.items()}
