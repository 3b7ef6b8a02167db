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

import random
from dataclasses import dataclass
from datetime import date

from tracker.accounts.models import Role, UserAccount
from tracker.common.time import today_london
from tracker.courses.models import (
    AccreditationStatus,
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
from tracker.demo.sessions import add_upcoming_sessions
from tracker.extensions import db
from tracker.people.models import OrganisationKind, Person

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
    add_upcoming_sessions(
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
