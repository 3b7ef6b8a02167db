"""The demo's sessions still to come, with people booked on them as if over the weeks before today: monthly WRAP
(the next one full with a waiting list), a Barnet Homes session with trainees, a CTLP briefing, and Basic
Awareness of Prevent including the trainer's session today. Idempotent, like the rest of the demo."""

from __future__ import annotations

import contextlib
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.booking import services as booking_services
from tracker.booking.models import BookingSource
from tracker.common.time import london_to_utc
from tracker.courses.models import SessionAudience, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
from tracker.demo.timeline import date_booking_emails, spread_moments
from tracker.extensions import db
from tracker.people.models import Person

BARNET_HOUSE = "Barnet House, 2 Bristol Avenue, Colindale, London NW9 4EW"
HENDON_TOWN_HALL = "Hendon Town Hall, The Burroughs, London NW4 4BG"


def _first_weekday_of_month(year: int, month: int, weekday: int) -> date:
    day = date(year, month, 1)
    return day + timedelta(days=(weekday - day.weekday()) % 7)


def _session(
    course, day: date, start: time, *, capacity, lead, venue=BARNET_HOUSE, audience=(), others=(), title=None
) -> TrainingSession:
    starts_at = london_to_utc(day, start)
    training_session = db.session.scalar(
        select(TrainingSession).where(TrainingSession.course_id == course.id, TrainingSession.starts_at == starts_at)
    )
    if training_session is not None:
        return training_session
    training_session = TrainingSession(
        course=course,
        title=title,
        starts_at=starts_at,
        ends_at=starts_at + timedelta(minutes=course.duration_minutes),
        venue=venue,
        capacity=capacity,
        status=SessionStatus.PUBLISHED,
        audience_restricted=bool(audience),
        created_by_id=lead.id,
    )
    db.session.add(training_session)
    db.session.flush()
    training_session.trainers.append(SessionTrainer(person=lead, part=TrainerPart.LEAD))
    for person, part in others:
        training_session.trainers.append(SessionTrainer(person=person, part=part))
    for organisation in audience:
        db.session.add(SessionAudience(session_id=training_session.id, organisation_id=organisation.id))
    db.session.flush()
    return training_session


def _book(
    training_session: TrainingSession, person: Person, booked_by: Person, source: BookingSource, *, at: datetime
) -> None:
    """Book `person` as if at `at` (the booking, and the emails it queues, carry that time). Someone already on
    this session, or on another of the course (one place per course), is left where they are: the booking service
    refuses both before it writes anything."""
    with contextlib.suppress(booking_services.AlreadyBookedError, booking_services.PlaceOnCourseHeldError):
        booking = booking_services.book_place(
            training_session=training_session, person=person, booked_by=booked_by, source=source, now=at
        )
        date_booking_emails(booking, at)


def _book_over_weeks(training_session, people, rng, *, booked_by=None, source=BookingSource.SELF, today) -> None:
    """Book `people` in turn, on working days over the five weeks before today (so before the session starts):
    the first come get the places, the last the waiting list."""
    last_day = today - timedelta(days=1)
    moments = spread_moments(rng, count=len(people), first_day=last_day - timedelta(days=35), last_day=last_day)
    for person, at in zip(people, moments, strict=True):
        _book(training_session, person, booked_by or person, source, at=at)


def add_upcoming_sessions(
    today, rng, courses, organisations, coordinator, education_officer, trainees, staff, departments
):
    """Monthly WRAP on the first Tuesday (next six months), the next one full with a waiting list; a
    Barnet Homes session with trainees observing; a CTLP briefing."""
    wrap = courses["WRAP"]
    upcoming = []
    year, month = today.year, today.month
    while len(upcoming) < 6:
        day = _first_weekday_of_month(year, month, 1)
        if day > today + timedelta(days=2):
            upcoming.append(day)
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    children = [
        p
        for path in ("Children in Care", "Onwards and Upwards", "Multi-Agency Safeguarding Hub")
        for p in staff[departments[("London Borough of Barnet", f"Children and Family Services/{path}")].id]
    ]
    adults = [
        p
        for path in ("Safeguarding Adults", "Mental Health Social Work")
        for p in staff[departments[("London Borough of Barnet", f"Adults and Communities/{path}")].id]
    ]
    for index, day in enumerate(upcoming):
        lead = coordinator if index % 2 == 0 else education_officer
        capacity = 12 if index == 0 else 20
        training_session = _session(wrap, day, time(10, 0), capacity=capacity, lead=lead)
        # The first is full with three waiting; later ones fill less and less.
        wanted = 15 if index == 0 else max(12 - 3 * index, 0)
        pool = children + adults
        _book_over_weeks(training_session, rng.sample(pool, min(wanted, len(pool))), rng, today=today)

    barnet_homes = organisations["Barnet Homes"]
    homes_day = upcoming[0] + timedelta(days=2)
    homes_session = _session(
        wrap,
        homes_day,
        time(14, 0),
        capacity=16,
        lead=education_officer,
        venue="Barnet Homes, Barnet House",
        audience=[barnet_homes],
        title="WRAP for Barnet Homes frontline staff",
        others=[(trainees[0].person, TrainerPart.OBSERVER), (trainees[1].person, TrainerPart.CO_TRAINER)],
    )
    frontline = staff[departments[("Barnet Homes", "Frontline Services")].id]
    _book_over_weeks(
        homes_session, frontline[:9], rng, booked_by=trainees[0].person, source=BookingSource.COORDINATOR, today=today
    )

    briefing_day = upcoming[1] + timedelta(days=1)
    _session(
        courses["CTLP-BRIEFING"],
        briefing_day,
        time(9, 30),
        capacity=30,
        lead=coordinator,
        venue=HENDON_TOWN_HALL,
        title="CTLP briefing for the Prevent Delivery Group",
    )
    _basic_awareness_sessions(today, rng, courses["PREVENT-BASIC"], coordinator, education_officer, staff, departments)


def _basic_awareness_sessions(today, rng, basic, coordinator, education_officer, staff, departments) -> None:
    """Basic Awareness of Prevent, which all the council's staff need: the trainer's session today (London) at
    13:30, with people booked onto its register to mark, and one on the third Thursday of each of the next three
    months, so every required course has upcoming sessions."""
    council = "London Borough of Barnet"
    pool = [
        person
        for path in ("Street Scene", "Community Safety", "Workforce Development")
        for person in staff[departments[(council, path)].id]
    ]
    todays = _session(
        basic,
        today,
        time(13, 30),
        capacity=15,
        lead=education_officer,
        venue=HENDON_TOWN_HALL,
        title="Basic Awareness of Prevent for Street Scene and Community Safety",
    )
    _book_over_weeks(todays, pool[:10], rng, today=today)
    year, month = today.year, today.month
    for index in range(3):
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
        day = _first_weekday_of_month(year, month, 3) + timedelta(days=14)  # the third Thursday
        upcoming = _session(basic, day, time(14, 0), capacity=25, lead=coordinator if index % 2 else education_officer)
        _book_over_weeks(upcoming, pool[10 + 2 * index : 12 + 2 * index], rng, today=today)
