"""Demo data from the seed report (Barnet's Health and Wellbeing Board update on the Prevent duty).

Every email address is on a reserved `.example` domain (RFC 2606): the demo books people onto
sessions, which queues invitations, and those must never reach a real mailbox even if MAIL_SERVER is set.

Idempotent: every object is found by its natural key (name, path, email, code, start time) before
it is made, so `flask demo load` can run on every `make run`. Dates are relative to today so the
demo always has upcoming sessions, one of them full with a waiting list; every required course has
upcoming sessions; and the trainer has a session today (London) with people on its register to mark.
People have plain names, each name once, and addresses made of them (first.last@...), never a number.
"""

from __future__ import annotations

import contextlib
import random
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from tracker.accounts.models import Role, UserAccount
from tracker.booking import services as booking_services
from tracker.booking.models import ACTIVE_STATUSES, Booking, BookingSource
from tracker.common.time import london_to_utc, today_london
from tracker.courses.models import (
    AccreditationStatus,
    SessionAudience,
    SessionStatus,
    SessionTrainer,
    TrainerPart,
    TrainingSession,
)
from tracker.courses.standard import STANDARD_COURSES
from tracker.demo.history import load_history
from tracker.demo.records import (
    DEMO_PASSWORD,
    add_account,
    add_accreditation,
    add_course,
    add_department,
    add_equivalent,
    add_manages,
    add_organisation,
    add_person,
    add_requirement,
)
from tracker.demo.timeline import date_booking_emails, spread_moments
from tracker.extensions import db
from tracker.people.models import OrganisationKind, Person

BARNET_HOUSE = "Barnet House, 2 Bristol Avenue, Colindale, London NW9 4EW"
HENDON_TOWN_HALL = "Hendon Town Hall, The Burroughs, London NW4 4BG"

ORGANISATIONS: list[tuple[str, OrganisationKind, list[str]]] = [
    (
        "London Borough of Barnet",
        OrganisationKind.LOCAL_AUTHORITY,
        [
            "Children and Family Services",
            "Children and Family Services/Fostering and Adoption",
            "Children and Family Services/Children in Care",
            "Children and Family Services/Onwards and Upwards",
            "Children and Family Services/Multi-Agency Safeguarding Hub",
            "Adults and Communities",
            "Adults and Communities/Safeguarding Adults",
            "Adults and Communities/Mental Health Social Work",
            "Adults and Communities/Substance Misuse Recovery",
            "Community Safety",
            "Street Scene",
            "Workforce Development",
        ],
    ),
    ("Barnet Homes", OrganisationKind.HOUSING, ["Housing Management", "Tenancy Services", "Frontline Services"]),
    ("Barnet Enfield and Haringey Mental Health Trust", OrganisationKind.NHS_TRUST, ["Barnet Community Services"]),
    ("Central London Community Healthcare", OrganisationKind.NHS_TRUST, ["Barnet Services"]),
    ("Royal Free London", OrganisationKind.NHS_TRUST, ["Barnet Hospital"]),
    ("Barnet MENCAP", OrganisationKind.THIRD_SECTOR, ["Support Services"]),
    ("Barnet MIND", OrganisationKind.THIRD_SECTOR, ["Wellbeing Services"]),
    ("Westminster Drug Project", OrganisationKind.THIRD_SECTOR, ["Barnet Recovery Service"]),
    ("National Probation Service", OrganisationKind.CRIMINAL_JUSTICE, ["Barnet Office"]),
    ("London Community Rehabilitation Company", OrganisationKind.CRIMINAL_JUSTICE, ["Operational Teams"]),
    ("Barnet Youth Offending Service", OrganisationKind.CRIMINAL_JUSTICE, ["Youth Justice"]),
    ("Hendon School", OrganisationKind.EDUCATION, ["Teaching Staff"]),
    ("Copthall School", OrganisationKind.EDUCATION, ["Teaching Staff"]),
    ("Barnet and Southgate College", OrganisationKind.EDUCATION, ["Student Services"]),
]

#: How many generated staff each department gets (people in teams count towards their parents).
HEADCOUNT = {
    "Children and Family Services/Fostering and Adoption": 24,
    "Children and Family Services/Children in Care": 30,
    "Children and Family Services/Onwards and Upwards": 14,
    "Children and Family Services/Multi-Agency Safeguarding Hub": 16,
    "Adults and Communities/Safeguarding Adults": 22,
    "Adults and Communities/Mental Health Social Work": 18,
    "Adults and Communities/Substance Misuse Recovery": 10,
    "Community Safety": 8,
    "Street Scene": 12,
    "Workforce Development": 5,
    "Housing Management": 14,
    "Tenancy Services": 16,
    "Frontline Services": 20,
}
PARTNER_HEADCOUNT = 8

FIRST_NAMES = [
    "Aisha",
    "Amir",
    "Ben",
    "Chloe",
    "Daniel",
    "Deepa",
    "Eleni",
    "Farah",
    "Grace",
    "Hannah",
    "Ibrahim",
    "Isla",
    "James",
    "Jun",
    "Kemi",
    "Liam",
    "Maya",
    "Mohammed",
    "Nadia",
    "Niamh",
    "Olu",
    "Priya",
    "Rachel",
    "Ravi",
    "Sara",
    "Sean",
    "Sofia",
    "Tariq",
    "Tom",
    "Yasmin",
    "Zainab",
    "Zoe",
    "Adam",
    "Bea",
    "Chidi",
    "Dev",
    "Esther",
]
LAST_NAMES = [
    "Ahmed",
    "Brown",
    "Chen",
    "Cohen",
    "Davies",
    "Evans",
    "Fernandes",
    "Garcia",
    "Green",
    "Gupta",
    "Hassan",
    "Hughes",
    "Ibrahim",
    "Jones",
    "Kaur",
    "Khan",
    "Levy",
    "Lewis",
    "Martin",
    "Mensah",
    "Murphy",
    "Nowak",
    "Okafor",
    "Patel",
    "Roberts",
    "Shah",
    "Singh",
    "Smith",
    "Taylor",
    "Thomas",
    "Walker",
    "Williams",
    "Wilson",
    "Wright",
]
JOB_TITLES = {
    "Children and Family Services": ["Social Worker", "Senior Social Worker", "Family Support Worker", "Team Manager"],
    "Adults and Communities": ["Social Worker", "Care Coordinator", "Recovery Worker", "Team Manager"],
    "default": ["Officer", "Senior Officer", "Assistant", "Team Leader"],
}


@dataclass(frozen=True)
class DemoAccount:
    role: str
    email: str
    first_name: str
    last_name: str
    organisation: str
    department: str | None
    job_title: str
    roles: tuple[Role, ...]


ACCOUNTS = [
    DemoAccount(
        "coordinator",
        "sam.rosengard@barnet.example",
        "Sam",
        "Rosengard",
        "London Borough of Barnet",
        "Community Safety",
        "Prevent Coordinator",
        (Role.COORDINATOR, Role.TRAINER, Role.STAFF),
    ),
    DemoAccount(
        "trainer",
        "amira.haddad@barnet.example",
        "Amira",
        "Haddad",
        "London Borough of Barnet",
        "Community Safety",
        "Prevent Education Officer",
        (Role.TRAINER, Role.STAFF),
    ),
    DemoAccount(
        "manager",
        "helen.okafor@barnet.example",
        "Helen",
        "Okafor",
        "London Borough of Barnet",
        "Children and Family Services/Fostering and Adoption",
        "Team Manager",
        (Role.MANAGER, Role.STAFF),
    ),
    DemoAccount(
        "staff",
        "tom.walker@barnet.example",
        "Tom",
        "Walker",
        "London Borough of Barnet",
        "Children and Family Services/Fostering and Adoption",
        "Social Worker",
        (Role.STAFF,),
    ),
    DemoAccount(
        "partner",
        "rachel.green@beh-mht.example",
        "Rachel",
        "Green",
        "Barnet Enfield and Haringey Mental Health Trust",
        "Barnet Community Services",
        "Named Professional for Safeguarding Adults",
        (Role.PARTNER, Role.STAFF),
    ),
    DemoAccount(
        "partner",
        "priya.shah@barnetmencap.example",
        "Priya",
        "Shah",
        "Barnet MENCAP",
        "Support Services",
        "Safeguarding Lead",
        (Role.PARTNER, Role.STAFF),
    ),
]
#: Barnet Homes managers trained to deliver WRAP: they observe, then co-deliver, until accredited.
TRAINEE_TRAINERS = [
    ("Marcus", "Bennett", "marcus.bennett@barnethomes.example", "Housing Management"),
    ("Funmi", "Adeyemi", "funmi.adeyemi@barnethomes.example", "Tenancy Services"),
    ("Gareth", "Lloyd", "gareth.lloyd@barnethomes.example", "Frontline Services"),
    ("Leila", "Karimi", "leila.karimi@barnethomes.example", "Frontline Services"),
]

COURSES = STANDARD_COURSES


def load_demo(*, today: date | None = None) -> list[tuple[str, str, str]]:
    """Create (or find) the demo world; returns (role, email, password) of each demo sign-in."""
    today = today or today_london()
    rng = random.Random(2019)  # the year of the board report; the same people every time
    organisations = {name: add_organisation(name, kind) for name, kind, _ in ORGANISATIONS}
    departments = {
        (org_name, path): add_department(organisations[org_name], path)
        for org_name, _, paths in ORGANISATIONS
        for path in paths
    }
    courses = {spec["code"]: add_course(spec) for spec in COURSES}
    add_equivalent(courses["WRAP"], courses["HO-ELEARN"])
    add_equivalent(courses["PREVENT-BASIC"], courses["HO-ELEARN"])
    add_equivalent(courses["PREVENT-BASIC"], courses["WRAP"])

    barnet = organisations["London Borough of Barnet"]
    for path in ("Children and Family Services", "Adults and Communities"):
        add_requirement(courses["WRAP"], barnet, departments[("London Borough of Barnet", path)], date(2017, 11, 1))
    add_requirement(courses["PREVENT-BASIC"], barnet, None, date(2017, 11, 1))
    add_requirement(courses["WRAP"], organisations["Barnet Homes"], None, date(2019, 1, 1))

    sign_ins = []
    users: dict[str, UserAccount] = {}
    for account in ACCOUNTS:
        department = departments[(account.organisation, account.department)] if account.department else None
        person = add_person(
            organisations[account.organisation],
            department,
            account.first_name,
            account.last_name,
            account.email,
            account.job_title,
            ref=f"D{len(users) + 1:04d}",
        )
        users[account.email] = add_account(person, account.roles)
        sign_ins.append((account.role, account.email, DEMO_PASSWORD))
    coordinator = users["sam.rosengard@barnet.example"]
    education_officer = users["amira.haddad@barnet.example"]
    for person_user in (coordinator, education_officer):
        for code in ("WRAP", "PREVENT-BASIC", "CTLP-BRIEFING"):
            add_accreditation(person_user.person, courses[code], AccreditationStatus.ACCREDITED)

    trainees = []
    for index, (first, last, email, department_path) in enumerate(TRAINEE_TRAINERS):
        person = add_person(
            organisations["Barnet Homes"],
            departments[("Barnet Homes", department_path)],
            first,
            last,
            email,
            "Housing Manager",
            ref=f"BH-T{index + 1}",
        )
        trainees.append(add_account(person, (Role.TRAINER, Role.STAFF)))
        add_accreditation(person, courses["WRAP"], AccreditationStatus.TRAINEE)
    sign_ins.append(("trainee", TRAINEE_TRAINERS[0][2], DEMO_PASSWORD))

    manager = users["helen.okafor@barnet.example"].person
    fostering = departments[("London Borough of Barnet", "Children and Family Services/Fostering and Adoption")]
    add_manages(manager, fostering)
    staff_by_department = _generated_staff(rng, organisations, departments)
    for person in staff_by_department[fostering.id]:
        if person.line_manager_id is None and person.id != manager.id:
            person.line_manager = manager
    users["tom.walker@barnet.example"].person.line_manager = manager

    _history(today, courses, organisations, coordinator, education_officer, trainees, staff_by_department, departments)
    _sessions(
        today,
        rng,
        courses,
        organisations,
        coordinator.person,
        education_officer.person,
        trainees,
        staff_by_department,
        departments,
    )
    db.session.flush()
    return sign_ins


def _history(today, courses, organisations, coordinator, education_officer, trainees, staff, departments) -> None:
    """Two years of signed-off registers and the rest of the demo's past (see tracker.demo.history)."""

    def people_in(organisation_name: str, *paths: str) -> list[Person]:
        return [p for path in paths for p in staff[departments[(organisation_name, path)].id]]

    council = "London Borough of Barnet"
    fostering = people_in(council, "Children and Family Services/Fostering and Adoption")
    children_and_adults = people_in(
        council,
        "Children and Family Services/Children in Care",
        "Children and Family Services/Onwards and Upwards",
        "Children and Family Services/Multi-Agency Safeguarding Hub",
        "Adults and Communities/Safeguarding Adults",
        "Adults and Communities/Mental Health Social Work",
        "Adults and Communities/Substance Misuse Recovery",
    )
    random.Random(2017).shuffle(children_and_adults)
    partners = [
        *people_in("Barnet MENCAP", "Support Services"),
        *people_in("Westminster Drug Project", "Barnet Recovery Service"),
        *people_in("Barnet Youth Offending Service", "Youth Justice"),
        *people_in("National Probation Service", "Barnet Office"),
        *people_in("Barnet Homes", "Frontline Services")[10:],
    ]
    load_history(
        today=today,
        rng=random.Random(2018),  # its own generator: what it draws must not depend on what already exists
        courses=courses,
        organisations=organisations,
        coordinator=coordinator,
        education_officer=education_officer,
        trainees=trainees,
        attendee_pool=children_and_adults[: len(children_and_adults) * 3 // 4] + fostering[: len(fostering) // 3],
        partner_pool=partners,
        expiring_pool=fostering[len(fostering) // 3 : len(fostering) // 2] + children_and_adults[-6:],
    )


# --- find-or-create helpers --------------------------------------------------------------------------


def plain_names(reserved: set[tuple[str, str]]) -> list[tuple[str, str]]:
    """Every first and last name pair, each once, in a fixed shuffled order, without the names `reserved` (the
    demo's sign-ins and trainers, so that a search for "Tom Walker" finds only Tom Walker)."""
    names = [(first, last) for first in FIRST_NAMES for last in LAST_NAMES if (first, last) not in reserved]
    random.Random(2016).shuffle(names)
    return names


def _reserved_names() -> set[tuple[str, str]]:
    return {(a.first_name, a.last_name) for a in ACCOUNTS} | {(first, last) for first, last, *_ in TRAINEE_TRAINERS}


def _generated_staff(rng, organisations, departments) -> dict[int, list[Person]]:
    """A few hundred staff with stable names, refs and emails, placed in the seed's departments. Each person has
    a name nobody else in the demo has, and an address made of it alone (first.last@organisation.example)."""
    by_department: dict[int, list[Person]] = {}
    names = iter(plain_names(_reserved_names()))
    for (org_name, path), department in departments.items():
        count = HEADCOUNT.get(path)
        if count is None:
            if organisations[org_name].kind == OrganisationKind.LOCAL_AUTHORITY:
                continue
            count = PARTNER_HEADCOUNT
        titles = JOB_TITLES.get(path.split("/")[0], JOB_TITLES["default"])
        domain = _email_domain(org_name)
        people = []
        for index in range(count):
            first, last = next(names)
            ref = f"{department.id:03d}-{index + 1:03d}"
            email = f"{first}.{last}@{domain}".lower()
            people.append(
                add_person(
                    department.organisation,
                    department,
                    first,
                    last,
                    email,
                    rng.choice(titles),
                    ref=ref,
                    start=date(2015 + index % 8, 1 + index % 12, 1),
                )
            )
        by_department[department.id] = people
    return by_department


def _email_domain(organisation_name: str) -> str:
    return {
        "London Borough of Barnet": "barnet.example",
        "Barnet Homes": "barnethomes.example",
        "Barnet Enfield and Haringey Mental Health Trust": "beh-mht.example",
        "Central London Community Healthcare": "clch.example",
        "Royal Free London": "royalfree.example",
    }.get(organisation_name, "".join(w[0] for w in organisation_name.split()).lower() + ".example")


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
    """Book `person` as if at `at` (the booking, and the emails it queues, carry that time)."""
    active = db.session.scalar(
        select(Booking.id).where(
            Booking.session_id == training_session.id,
            Booking.person_id == person.id,
            Booking.status.in_(ACTIVE_STATUSES),
        )
    )
    if active is None:
        # One place per course: someone already on another session of the course is left there.
        with contextlib.suppress(booking_services.PlaceOnCourseHeldError):
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


def _sessions(today, rng, courses, organisations, coordinator, education_officer, trainees, staff, departments):
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
