"""Finding sessions and places: the session list people book from, My training's places, an organisation's bookings, places left and one's own status on a page of sessions."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Select, and_, case, func, or_, select
from sqlalchemy.orm import contains_eager, joinedload

from tracker.accounts.models import Role, UserAccount
from tracker.booking.models import ACTIVE_STATUSES, SEAT_STATUSES, Booking
from tracker.common.time import add_months, start_of_london_day, utc_now
from tracker.courses.models import Course, SessionAudience, SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, Person


def bookable_sessions(
    *, viewer: UserAccount, course_id: int | None = None, month: date | None = None, now: datetime | None = None
) -> Select:
    """Upcoming published sessions the viewer may book, soonest first; `month` is any day of a London month.

    Rows of columns, not entities: id, display_title (the session's title, else its course's name), starts_at,
    ends_at, venue, online_url, capacity and audience_restricted; the `when`, `where` and `places` filters take
    a row as they take a session. The coordinator (who books anyone, whatever the audience) sees every session;
    others see sessions open to all and those restricted to audiences that include their organisation
    (`audience_names` names them)."""
    session = TrainingSession
    statement = (
        select(
            session.id,
            session.display_title_column().label("display_title"),
            session.starts_at,
            session.ends_at,
            session.venue,
            session.online_url,
            session.capacity,
            session.audience_restricted,
        )
        .join(Course, Course.id == session.course_id)
        .where(session.status == SessionStatus.PUBLISHED, session.starts_at > (now or utc_now()))
    )
    if not viewer.has_role(Role.COORDINATOR):
        audiences = select(SessionAudience.session_id).where(
            SessionAudience.organisation_id == viewer.person.organisation_id
        )
        statement = statement.where(or_(session.audience_restricted.is_(False), session.id.in_(audiences)))
    if course_id is not None:
        statement = statement.where(session.course_id == course_id)
    if month is not None:
        first = month.replace(day=1)
        statement = statement.where(
            session.starts_at >= start_of_london_day(first),
            session.starts_at < start_of_london_day(add_months(first, 1)),
        )
    return statement.order_by(session.starts_at, session.id)


def _with_session():
    """For statements that join the booking's session already: fill it (and its course) from that join."""
    return contains_eager(Booking.training_session).joinedload(TrainingSession.course)


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


def places_and_my_status(session_ids: list[int], person_id: int) -> dict[int, tuple[int, str | None]]:
    """{session_id: (seats taken, the person's active booking status or None)} for a list of sessions, in one
    query (what the sessions list shows beside each session); sessions with no booking at all are left out."""
    if not session_ids:
        return {}
    mine = and_(Booking.person_id == person_id, Booking.status.in_(ACTIVE_STATUSES))
    rows = db.session.execute(
        select(
            Booking.session_id,
            func.count(Booking.id).filter(Booking.status.in_(SEAT_STATUSES)),
            func.max(case((mine, Booking.status))),
        )
        .where(Booking.session_id.in_(session_ids))
        .group_by(Booking.session_id)
    )
    return {session_id: (taken, status) for session_id, taken, status in rows}


def audience_names(sessions: list) -> dict[int, str]:
    """{session_id: "Barnet Council, Barnet Enfield and Haringey Mental Health NHS Trust"} for the restricted
    sessions among these (sessions or rows with id and audience_restricted), in one query (none when no session
    is restricted): a list names the organisations a restricted session is for, by name."""
    restricted = [s.id for s in sessions if s.audience_restricted]
    if not restricted:
        return {}
    rows = db.session.execute(
        select(SessionAudience.session_id, Organisation.name)
        .join(Organisation, Organisation.id == SessionAudience.organisation_id)
        .where(SessionAudience.session_id.in_(restricted))
        .order_by(Organisation.name, Organisation.id)
    )
    names: dict[int, list[str]] = {session_id: [] for session_id in restricted}
    for session_id, name in rows:
        names[session_id].append(name)
    return {session_id: ", ".join(organisations) for session_id, organisations in names.items()}


def course_places_by_person(
    course_id: int, person_ids: list[int], *, now: datetime | None = None
) -> dict[int, Booking]:
    """{person_id: their active place (booked, held or waiting) on a session of the course that has not ended},
    the soonest if several, with its session loaded (one statement): what "Book your team" shows beside each
    name, and what one place per course (`services.book_place`) refuses a second of."""
    if not person_ids:
        return {}
    rows = db.session.scalars(
        select(Booking)
        .join(Booking.training_session)
        .options(_with_session())
        .where(
            Booking.person_id.in_(person_ids),
            Booking.status.in_(ACTIVE_STATUSES),
            TrainingSession.course_id == course_id,
            TrainingSession.status != SessionStatus.CANCELLED,
            TrainingSession.ends_at > (now or utc_now()),
        )
        .order_by(TrainingSession.starts_at, Booking.id)
    )
    places: dict[int, Booking] = {}
    for booking in rows:
        places.setdefault(booking.person_id, booking)
    return places
