"""The seed report's figures as data, and builders that make them from raw rows.

- `SEED_TABLES`: Tables 1–4 (partner returns) with the seed's percentages; `enter_seed_returns` submits them.
- `build_table5`: Table 5's registers — WRAP delivered to two Barnet departments between 1 November 2017
  and 1 January 2019 (462 required / 228 trained / 27 sessions; 290 / 251 / 28), plus things that must not count.
- `build_sessions_2018`: section 1.18's list — sessions the Prevent Coordinator delivered in 2018 to each
  organisation, with their attendees — plus things that must not count.

Shared by the coverage tests (Table 5) and the board report tests (everything at once).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta

from tests.factories import make_course, make_department, make_organisation, make_requirement, wrap_course
from tests.support.coverage_builders import add_people, add_records, add_register, add_session
from tracker.attendance.models import AttendanceOutcome
from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
from tracker.coverage import returns
from tracker.extensions import db
from tracker.people.models import Department, Organisation, OrganisationKind, Person

BARNET = "London Borough of Barnet"
BEH = "Barnet Enfield and Haringey Mental Health Trust"
CLCH = "Central London Community Healthcare"
ROYAL_FREE = "Royal Free London"

#: (organisation, course, period end, compliant, eligible, seed's percent)
SEED_TABLES = [
    # Table 1: BEH-MHT, WRAP
    (BEH, "WRAP", date(2018, 6, 30), 422, 480, 88),
    (BEH, "WRAP", date(2018, 9, 30), 402, 479, 84),
    (BEH, "WRAP", date(2018, 12, 31), 400, 482, 83),
    # Table 2: CLCH, WRAP ("meets requirement" of "grand total")
    (CLCH, "WRAP", date(2018, 6, 30), 495, 536, 92),
    (CLCH, "WRAP", date(2018, 9, 30), 498, 539, 92),
    (CLCH, "WRAP", date(2018, 12, 31), 496, 532, 93),
    # Table 3: Royal Free, Basic Awareness of Prevent
    (ROYAL_FREE, "PREVENT-BASIC", date(2018, 3, 31), 10119, 11944, 85),
    (ROYAL_FREE, "PREVENT-BASIC", date(2018, 6, 30), 10201, 11988, 85),
    (ROYAL_FREE, "PREVENT-BASIC", date(2018, 9, 30), 9729, 11412, 85),
    (ROYAL_FREE, "PREVENT-BASIC", date(2018, 12, 31), 10169, 11900, 85),
    # Table 4: Royal Free, WRAP
    (ROYAL_FREE, "WRAP", date(2018, 3, 31), 880, 1162, 76),
    (ROYAL_FREE, "WRAP", date(2018, 6, 30), 928, 1161, 80),
    (ROYAL_FREE, "WRAP", date(2018, 9, 30), 927, 1138, 81),
    (ROYAL_FREE, "WRAP", date(2018, 12, 31), 1007, 1201, 84),
]

#: Table 5: (department, staff requiring training, staff trained, WRAP sessions delivered), 2017-11-01 to 2019-01-01.
TABLE_5 = [
    ("Children and Family Services", 462, 228, 27),
    ("Adults and Communities", 290, 251, 28),
]
TABLE_5_FROM, TABLE_5_TO = date(2017, 11, 1), date(2019, 1, 1)

#: Section 1.18: (organisation, kind, course, sessions, attendees) delivered by the Prevent Coordinator in 2018.
SECTION_1_18 = [
    (BARNET, OrganisationKind.LOCAL_AUTHORITY, "WRAP", 11, 127),
    ("Barnet Youth Offending Service", OrganisationKind.CRIMINAL_JUSTICE, "WRAP", 1, 9),
    ("Westminster Drug Project", OrganisationKind.THIRD_SECTOR, "WRAP", 2, 21),
    ("National Probation Service", OrganisationKind.CRIMINAL_JUSTICE, "WRAP", 2, 12),
    ("London Community Rehabilitation Company", OrganisationKind.CRIMINAL_JUSTICE, "WRAP", 2, 11),
    ("Barnet MENCAP", OrganisationKind.THIRD_SECTOR, "WRAP", 3, 26),
]
#: The CTLP briefing to the Prevent Delivery Group: one session, 10 attendees from three organisations.
CTLP_ATTENDEES = {BARNET: 4, "Metropolitan Police": 3, BEH: 3}
YEAR_2018 = (date(2018, 1, 1), date(2018, 12, 31))


def organisation(name: str, kind: OrganisationKind) -> Organisation:
    """The organisation with this name, made if it is new."""
    found = db.session.query(Organisation).filter_by(name=name).one_or_none()
    return found or make_organisation(name=name, kind=kind)


def course(code: str, **kw) -> Course:
    if code == "WRAP":
        return wrap_course()
    found = db.session.query(Course).filter_by(code=code).one_or_none()
    return found or make_course(code=code, **kw)


def department(organisation: Organisation, name: str) -> Department:
    found = db.session.query(Department).filter_by(organisation_id=organisation.id, path=name).one_or_none()
    return found or make_department(organisation=organisation, name=name)


def add_trainer(training_session: TrainingSession, person: Person, part: TrainerPart = TrainerPart.LEAD) -> None:
    db.session.add(SessionTrainer(session_id=training_session.id, person_id=person.id, part=part))
    db.session.flush()


def enter_seed_returns(actor) -> None:
    """Submit Tables 1–4 as partner returns (making the trusts and courses as needed)."""
    for name, code, period_end, compliant, eligible, _ in SEED_TABLES:
        returns.submit_return(
            organisation=organisation(name, OrganisationKind.NHS_TRUST),
            course=course(code, name="Basic Awareness of Prevent", validity_months=None),
            period_end=period_end,
            compliant=compliant,
            eligible=eligible,
            note=None,
            actor=actor,
        )


def _spread(items: list[int], buckets: int) -> list[list[int]]:
    return [items[i::buckets] for i in range(buckets)]


def build_table5() -> dict:
    """Barnet's two departments with their registers (Table 5), plus things that must not count."""
    barnet = organisation(BARNET, OrganisationKind.LOCAL_AUTHORITY)
    mencap = organisation("Barnet MENCAP", OrganisationKind.THIRD_SECTOR)
    children = make_department(organisation=barnet, name="Children and Family Services")
    fostering = make_department(parent=children, name="Fostering")
    adults = make_department(organisation=barnet, name="Adults and Communities")
    mencap_staff = department(mencap, "Staff")
    wrap = wrap_course()
    other_course = course("PREVENT-BASIC", name="Basic Prevent awareness", validity_months=None)
    make_requirement(course=wrap, organisation=barnet, from_date=date(2017, 1, 1))

    children_ids = add_people(children, 400) + add_people(fostering, 62)
    adults_ids = add_people(adults, 290)
    leaver = add_people(adults, 1, end_date=date(2018, 9, 30))
    outsider = add_people(mencap_staff, 1)

    # 45 sessions, one every nine days from 2 November 2017: 17 for children's staff only, 10 shared,
    # 18 for adults' staff only.
    days = [date(2017, 11, 2) + timedelta(days=9 * i) for i in range(45)]
    sessions = [add_session(wrap, day) for day in days]
    children_sessions, shared, adults_sessions = sessions[:17], sessions[17:27], sessions[27:]
    trained_children = children_ids[:200] + children_ids[400:428]  # 200 in the department, 28 fostering
    trained_adults = adults_ids[:251]
    for training_session, people in zip(children_sessions + shared, _spread(trained_children, 27), strict=True):
        add_register(training_session, people)
    for training_session, people in zip(shared + adults_sessions, _spread(trained_adults, 28), strict=True):
        add_register(training_session, people)

    # None of these changes the numbers asked for:
    add_register(children_sessions[0], children_ids[300:302], AttendanceOutcome.ABSENT)
    add_register(children_sessions[1], outsider)
    add_register(shared[0], leaver)  # attended (an attendee) but left before the as-of date
    absent_only = add_session(wrap, date(2018, 6, 15))
    add_register(absent_only, adults_ids[280:282], AttendanceOutcome.ABSENT)
    cancelled = add_session(wrap, date(2018, 3, 1), status=SessionStatus.CANCELLED)
    add_register(cancelled, children_ids[310:312], records=False)
    long_ago = add_session(wrap, date(2015, 6, 10))  # before the period; records expired June 2018
    add_register(long_ago, children_ids[320:350])
    briefing = add_session(other_course, date(2018, 4, 4))
    add_register(briefing, children_ids[350:360])
    add_records(children_ids[360:365], wrap, date(2019, 1, 2))  # completed after the as-of date
    return {"barnet": barnet, "children": children, "fostering": fostering, "adults": adults, "wrap": wrap}


@dataclass
class Sessions2018:
    """What `build_sessions_2018` made: the trainer who delivered the list, and the organisations."""

    trainer: Person
    organisations: dict[str, Organisation] = field(default_factory=dict)


def build_sessions_2018(trainer: Person) -> Sessions2018:
    """Section 1.18's sessions, all led (or co-delivered) by `trainer` in 2018, plus things that must not count.

    Barnet's attendees are in a third department (Community Safety), so Table 5's two rows are unchanged.
    """
    wrap = wrap_course()
    ctlp = course("CTLP-BRIEFING", name="Counter Terrorism Local Profile briefing", validity_months=None)
    made = Sessions2018(trainer)
    people: dict[str, list[int]] = {}
    for name, kind, _, _, attendees in SECTION_1_18:
        org = organisation(name, kind)
        made.organisations[name] = org
        team = department(org, "Community Safety" if kind == OrganisationKind.LOCAL_AUTHORITY else "Staff")
        people[name] = add_people(team, attendees + 20, job_title="Recovery Worker")
    police = organisation("Metropolitan Police", OrganisationKind.POLICE)
    made.organisations["Metropolitan Police"] = police
    beh = organisation(BEH, OrganisationKind.NHS_TRUST)
    made.organisations[BEH] = beh
    people["Metropolitan Police"] = add_people(department(police, "Staff"), 5)
    people[BEH] = add_people(department(beh, "Staff"), 5)

    def deliver(day: date, groups: list[list[int]], *, on: Course = wrap, part: TrainerPart = TrainerPart.LEAD):
        training_session = add_session(on, day)
        add_trainer(training_session, trainer, part)
        for group in groups:
            add_register(training_session, group)
        return training_session

    # Barnet: 11 sessions, 127 attendees (six of 12, five of 11), one of them a partial attendance.
    barnet = people[BARNET]
    start = 0
    for month, size in enumerate([12] * 6 + [11] * 5, start=1):
        session = deliver(date(2018, month, 10), [barnet[start : start + size - (1 if month == 1 else 0)]])
        if month == 1:
            add_register(session, [barnet[start + size - 1]], AttendanceOutcome.PARTIAL)
            add_register(session, barnet[130:132], AttendanceOutcome.ABSENT)  # absent: not attendees
        start += size
    # Youth Offending Service: 1 session, 9.
    deliver(date(2018, 2, 20), [people["Barnet Youth Offending Service"][:9]])
    # Westminster Drug Project: 2 sessions, 21 (11 + 10); the second co-delivered.
    wdp = people["Westminster Drug Project"]
    deliver(date(2018, 4, 17), [wdp[:11]])
    deliver(date(2018, 10, 16), [wdp[11:21]], part=TrainerPart.CO_TRAINER)
    # Probation and the CRC: 2 sessions with both in the room, 23 between them (12 and 11).
    nps, crc = people["National Probation Service"], people["London Community Rehabilitation Company"]
    deliver(date(2018, 5, 22), [nps[:6], crc[:5]])
    deliver(date(2018, 11, 20), [nps[6:12], crc[5:11]])
    # MENCAP: 3 sessions, 26 (9 + 9 + 8).
    mencap = people["Barnet MENCAP"]
    deliver(date(2018, 3, 6), [mencap[:9]])
    deliver(date(2018, 7, 3), [mencap[9:18]])
    deliver(date(2018, 12, 4), [mencap[18:26]])
    # The CTLP briefing to the Prevent Delivery Group: one session, 10 people from three organisations.
    deliver(
        date(2018, 9, 25),
        [barnet[140:144], people["Metropolitan Police"][:3], people[BEH][:3]],
        on=ctlp,
    )

    # None of these is on the list:
    cancelled = add_session(wrap, date(2018, 6, 5), status=SessionStatus.CANCELLED)  # cancelled
    add_trainer(cancelled, trainer)
    add_register(cancelled, people["Barnet Youth Offending Service"][9:12], records=False)
    watched = add_session(wrap, date(2018, 8, 14))  # the coordinator only observed it
    add_trainer(watched, trainer, TrainerPart.OBSERVER)
    add_register(watched, mencap[26:30])
    deliver(date(2017, 12, 12), [wdp[21:25]])  # before 2018
    deliver(date(2019, 1, 8), [wdp[25:29]])  # after 2018 (London date; 8 January)
    deliver(date(2018, 1, 1) - timedelta(days=1), [nps[12:14]])  # 31 December 2017
    absent_only = deliver(date(2018, 6, 12), [])
    add_register(absent_only, crc[11:14], AttendanceOutcome.ABSENT)
    return made
