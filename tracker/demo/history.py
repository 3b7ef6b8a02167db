"""Demo history: two years of WRAP sessions with signed-off registers, older records expiring soon,
trainees part-way along the pathway, partner returns (the seed's Tables 1–4 and recent quarters) and a
few training requests — so the coverage page, My team, the board report and the trainers list all
have something true to show.

Everything goes through the same services people use (walk-ins, marks, sign-off, returns, requests),
and is found again by natural key, so loading twice changes nothing.
"""

from __future__ import annotations

import random
from datetime import date, time, timedelta

from sqlalchemy import select

from tracker.accounts.models import UserAccount
from tracker.attendance import services as attendance
from tracker.attendance import sign_off, walk_ins
from tracker.attendance.models import AttendanceOutcome, RecordSource, TrainingRecord
from tracker.common.time import add_months, london_to_utc
from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
from tracker.coverage import returns
from tracker.coverage.models import PartnerReturn
from tracker.demo.timeline import date_request, working_moment
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind, Person
from tracker.requests import services as requests
from tracker.requests.models import RequestStatus, TrainingRequest

#: The seed's Tables 1–4: (organisation, course, period end, compliant, eligible).
SEED_RETURNS = [
    ("Barnet Enfield and Haringey Mental Health Trust", "WRAP", date(2018, 6, 30), 422, 480),
    ("Barnet Enfield and Haringey Mental Health Trust", "WRAP", date(2018, 9, 30), 402, 479),
    ("Barnet Enfield and Haringey Mental Health Trust", "WRAP", date(2018, 12, 31), 400, 482),
    ("Central London Community Healthcare", "WRAP", date(2018, 6, 30), 495, 536),
    ("Central London Community Healthcare", "WRAP", date(2018, 9, 30), 498, 539),
    ("Central London Community Healthcare", "WRAP", date(2018, 12, 31), 496, 532),
    ("Royal Free London", "PREVENT-BASIC", date(2018, 3, 31), 10119, 11944),
    ("Royal Free London", "PREVENT-BASIC", date(2018, 6, 30), 10201, 11988),
    ("Royal Free London", "PREVENT-BASIC", date(2018, 9, 30), 9729, 11412),
    ("Royal Free London", "PREVENT-BASIC", date(2018, 12, 31), 10169, 11900),
    ("Royal Free London", "WRAP", date(2018, 3, 31), 880, 1162),
    ("Royal Free London", "WRAP", date(2018, 6, 30), 928, 1161),
    ("Royal Free London", "WRAP", date(2018, 9, 30), 927, 1138),
    ("Royal Free London", "WRAP", date(2018, 12, 31), 1007, 1201),
]
HISTORY_MONTHS = 24


def load_history(
    *,
    today: date,
    rng: random.Random,
    courses: dict[str, Course],
    organisations: dict[str, Organisation],
    coordinator: UserAccount,
    education_officer: UserAccount,
    trainees: list[UserAccount],
    attendee_pool: list[Person],
    partner_pool: list[Person],
    expiring_pool: list[Person],
) -> None:
    _past_wrap_sessions(
        today, rng, courses["WRAP"], coordinator, education_officer, trainees, attendee_pool, partner_pool
    )
    _records_expiring_soon(today, courses["WRAP"], coordinator, expiring_pool)
    _returns(today, courses, organisations, coordinator)
    _requests(today, coordinator)


def _quarter_ends(today: date, count: int) -> list[date]:
    ends = []
    year, month = today.year, today.month
    while len(ends) < count:
        month -= 1
        if month == 0:
            year, month = year - 1, 12
        if month in (3, 6, 9, 12):
            ends.append(add_months(date(year, month, 1), 1) - timedelta(days=1))
    return list(reversed(ends))


def _past_wrap_sessions(today, rng, wrap, coordinator, education_officer, trainees, attendee_pool, partner_pool):
    untrained = list(attendee_pool)
    rng.shuffle(untrained)
    for months_ago in range(HISTORY_MONTHS, 0, -1):
        first = add_months(date(today.year, today.month, 1), -months_ago)
        day = first + timedelta(days=(1 - first.weekday()) % 7)  # first Tuesday
        starts_at = london_to_utc(day, time(10, 0))
        if db.session.scalar(
            select(TrainingSession.id).where(
                TrainingSession.course_id == wrap.id, TrainingSession.starts_at == starts_at
            )
        ):
            continue
        lead = coordinator if months_ago % 2 == 0 else education_officer
        training_session = TrainingSession(
            course=wrap,
            starts_at=starts_at,
            ends_at=starts_at + timedelta(minutes=wrap.duration_minutes),
            venue="Barnet House, 2 Bristol Avenue, Colindale, London NW9 4EW",
            capacity=20,
            status=SessionStatus.PUBLISHED,
            created_by_id=coordinator.person_id,
        )
        training_session.trainers.append(SessionTrainer(person=lead.person, part=TrainerPart.LEAD))
        # The Barnet Homes managers observe, then co-deliver (seed 1.17): Marcus is ready for accreditation.
        if months_ago in (5, 4):
            training_session.trainers.append(SessionTrainer(person=trainees[0].person, part=TrainerPart.OBSERVER))
        if months_ago == 3:
            training_session.trainers.append(SessionTrainer(person=trainees[0].person, part=TrainerPart.CO_TRAINER))
        if months_ago == 2:
            training_session.trainers.append(SessionTrainer(person=trainees[1].person, part=TrainerPart.OBSERVER))
        db.session.add(training_session)
        db.session.flush()
        on_the_day = starts_at + timedelta(minutes=30)
        # Spread the council's staff over the two years, as monthly sessions would.
        share = -(-len(attendee_pool) // HISTORY_MONTHS)
        attendees = [untrained.pop() for _ in range(min(rng.randint(share - 1, share + 1), len(untrained)))]
        attendees += rng.sample(partner_pool, k=min(rng.randint(0, 3), len(partner_pool)))
        for person in attendees:
            walk_in = walk_ins.add_walk_in(
                training_session=training_session, person=person, actor=coordinator, now=on_the_day
            )
            if rng.random() < 0.08:
                attendance.mark_attendance(
                    training_session=training_session,
                    booking=walk_in.booking,
                    outcome=AttendanceOutcome.ABSENT,
                    actor=coordinator,
                    now=on_the_day,
                )
        sign_off.sign_off_register(
            training_session=training_session, actor=lead, now=training_session.ends_at + timedelta(hours=1)
        )


def _records_expiring_soon(today, wrap, coordinator, people):
    """Records imported from before the tracker: valid, but expiring in the next few months."""
    for index, person in enumerate(people):
        completed = add_months(today, -35) - timedelta(days=index * 3)
        exists = db.session.scalar(
            select(TrainingRecord.id).where(TrainingRecord.person_id == person.id, TrainingRecord.course_id == wrap.id)
        )
        if exists is None:
            db.session.add(
                TrainingRecord(
                    person_id=person.id,
                    course_id=wrap.id,
                    completed_on=completed,
                    expires_on=add_months(completed, wrap.validity_months),
                    source=RecordSource.IMPORT,
                    created_by_id=coordinator.person_id,
                )
            )


def _returns(today, courses, organisations, coordinator):
    recent = [
        ("Barnet Enfield and Haringey Mental Health Trust", "WRAP", (0.84, 0.86, 0.87, 0.88), 495),
        ("Central London Community Healthcare", "WRAP", (0.91, 0.92, 0.93, 0.93), 540),
        ("Royal Free London", "WRAP", (0.82, 0.84, 0.85, 0.86), 1210),
        ("Royal Free London", "PREVENT-BASIC", (0.85, 0.86, 0.86, 0.87), 12000),
    ]
    figures = list(SEED_RETURNS)
    for name, code, shares, eligible in recent:
        for period_end, share in zip(_quarter_ends(today, 4), shares, strict=True):
            figures.append((name, code, period_end, round(eligible * share), eligible))
    for name, code, period_end, compliant, eligible in figures:
        organisation, course = organisations[name], courses[code]
        exists = db.session.scalar(
            select(PartnerReturn.id).where(
                PartnerReturn.organisation_id == organisation.id,
                PartnerReturn.course_id == course.id,
                PartnerReturn.period_end == period_end,
            )
        )
        if exists is None:
            returns.submit_return(
                organisation=organisation,
                course=course,
                period_end=period_end,
                compliant=compliant,
                eligible=eligible,
                note=None,
                actor=coordinator,
            )


def _requests(today, coordinator):
    """Three requests from the public form, received weeks apart; each answered a few days after it came."""
    rng = random.Random(2020)
    wanted = [
        (
            "Barnet MIND",
            OrganisationKind.THIRD_SECTOR,
            "Ola Mensah",
            "ola.mensah@barnetmind.example",
            35,
            "Any Tuesday morning in the spring",
            RequestStatus.NEW,
            None,
            2,
        ),
        (
            "Violence Against Women and Girls partnership forum",
            OrganisationKind.OTHER,
            "Kate Byrne",
            "kate.byrne@vawg.example",
            18,
            "Before the March forum meeting",
            RequestStatus.CONTACTED,
            "Spoke to Kate: a session at the March forum meeting.",
            19,
        ),
        (
            "Colindale Community Trust",
            OrganisationKind.THIRD_SECTOR,
            "Yusuf Ali",
            "yusuf.ali@colindale.example",
            12,
            None,
            RequestStatus.CLOSED,
            "They joined the monthly WRAP session instead.",
            61,
        ),
    ]
    for name, kind, contact, email, staff, dates, status, note, days_ago in wanted:
        if db.session.scalar(select(TrainingRequest.id).where(TrainingRequest.email == email)):
            continue
        training_request = requests.submit_request(
            organisation_name=name,
            organisation_kind=kind,
            contact_name=contact,
            email=email,
            phone=None,
            staff_count=staff,
            preferred_dates=dates,
            notes=None,
        )
        if status != RequestStatus.NEW:
            if status == RequestStatus.CLOSED:
                requests.change_status(
                    training_request=training_request, status=RequestStatus.CONTACTED, note=None, actor=coordinator
                )
            requests.change_status(training_request=training_request, status=status, note=note, actor=coordinator)
        received = working_moment(today - timedelta(days=days_ago), rng)
        steps = [
            working_moment(today - timedelta(days=days_ago - 3 * (n + 1)), rng)
            for n in range(len(training_request.events))
        ]
        date_request(training_request, received=received, steps=sorted(steps))
