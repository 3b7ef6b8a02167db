"""HTML injection everywhere: markup in data is shown as text on every page, in emails, calendars and CSV.

A world whose every name and free text holds markup (tests/support/html_safety.py): organisations,
departments, people's names and job titles, courses, session titles, venues and cancellation reasons,
notes of returns and requests, evidence, reasons for reopening a register. Each role signs in and
visits every page it can reach from the home page by links (GET only, a bounded depth): no page may
hold an element, handler or script a payload could have made, and together the pages must show the
payloads as text. The emails the service queued (text and HTML parts), calendar files (invites and the
feed) and CSV exports are checked the same way for their own formats.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date, timedelta

import icalendar
import pytest
from sqlalchemy import select

from tests.factories import (
    make_booking,
    make_course,
    make_department,
    make_manager_of,
    make_organisation,
    make_person,
    make_requirement,
    make_session,
    make_user,
    wrap_course,
)
from tests.integration.people.roster_files import roster_csv, roster_row
from tests.support.html_safety import crawl, payload, scan
from tracker.accounts.models import Role, UserAccount
from tracker.attendance import sign_off, training_records
from tracker.attendance.models import Attendance, AttendanceOutcome
from tracker.booking import for_others
from tracker.common.time import utc_now
from tracker.courses import sessions
from tracker.courses.models import Course, SessionTrainer, TrainerPart
from tracker.coverage.models import PartnerReturn
from tracker.extensions import db
from tracker.invites import feeds
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage
from tracker.people.models import OrganisationKind
from tracker.requests import services as requests

pytestmark = pytest.mark.slow

#: Markup labels planted in the world, by where they were put.
PLANTED = {
    "organisation": payload("org-name", 3),
    "partner organisation": payload("partner-org", 1),
    "department": payload("dept-name", 1),
    "first name": payload("first-name", 0),
    "last name": payload("last-name", 1),
    "job title": payload("job-title", 3),
    "trainer name": payload("trainer-name", 2),
    "course name": payload("course-name", 0),
    "session title": payload("session-title", 1),
    "venue": payload("venue", 0) + "\r\nATTENDEE:mailto:evil@example.org",
    "cancel reason": payload("cancel-reason", 1),
    "return note": payload("return-note", 0),
    "request organisation": payload("request-org", 1),
    "request contact": payload("request-contact", 0),
    "request notes": payload("request-notes", 2),
    "evidence": payload("evidence", 1),
    "reopen reason": payload("reopen-reason", 0),
    "attendee": payload("attendee", 3),
}


@dataclass
class MarkedWorld:
    users: dict[str, UserAccount]
    feed_token: str


@pytest.fixture
def world(app) -> MarkedWorld:
    wrap = wrap_course()
    wrap.name = PLANTED["course name"]
    council = make_organisation(name=PLANTED["organisation"])
    partner_org = make_organisation(name=PLANTED["partner organisation"], kind=OrganisationKind.THIRD_SECTOR)
    department = make_department(organisation=council, name=PLANTED["department"])
    make_requirement(course=wrap, organisation=council)
    make_requirement(course=wrap, organisation=partner_org, job_titles=[PLANTED["job title"]])

    coordinator = make_user(Role.COORDINATOR, organisation=council, first_name="Sam", last_name="Coordinator")
    trainer = make_user(Role.TRAINER, organisation=council, first_name=PLANTED["trainer name"], last_name="Haddad")
    manager = make_manager_of(department, first_name="Helen", last_name="Okafor")
    staff = make_user(
        Role.STAFF,
        department=department,
        first_name=PLANTED["first name"],
        last_name=PLANTED["last name"],
        job_title=PLANTED["job title"],
        line_manager=manager.person,
    )
    partner = make_user(Role.PARTNER, organisation=partner_org, first_name="Rachel", last_name="Green")
    attendee = make_person(organisation=partner_org, first_name=PLANTED["attendee"], last_name="Attendee")

    upcoming = make_session(title=PLANTED["session title"], venue=PLANTED["venue"], lead=trainer.person)
    make_booking(upcoming, staff.person)
    for_others.book_for(actor=partner, training_session=upcoming, person=attendee)
    # One place per course: each of the staff member's places is on a session of its own course.
    to_cancel = make_session(
        title=PLANTED["session title"], venue=PLANTED["venue"], lead=trainer.person, course=make_course()
    )
    make_booking(to_cancel, staff.person)
    sessions.cancel_session(training_session=to_cancel, actor=coordinator, reason=PLANTED["cancel reason"])

    past_start = (utc_now() - timedelta(days=3)).replace(microsecond=0)
    past = make_session(title=PLANTED["session title"], starts_at=past_start, lead=trainer.person, course=make_course())
    past.trainers.append(SessionTrainer(person=coordinator.person, part=TrainerPart.CO_TRAINER))
    place = make_booking(past, staff.person, now=past_start - timedelta(days=2))
    db.session.add(Attendance(booking_id=place.id, outcome=AttendanceOutcome.ATTENDED))
    db.session.flush()
    sign_off.sign_off_register(training_session=past, actor=coordinator)
    sign_off.reopen_register(training_session=past, actor=coordinator, reason=PLANTED["reopen reason"])
    sign_off.sign_off_register(training_session=past, actor=coordinator)
    elearning = Course(code="HO-ELEARN", name="Home Office e-learning", duration_minutes=60)
    db.session.add(elearning)
    db.session.flush()
    training_records.add_equivalent_evidence(
        person=staff.person,
        course=elearning,
        completed_on=date(2025, 1, 10),
        evidence=PLANTED["evidence"],
        actor=coordinator,
    )
    db.session.add(
        PartnerReturn(
            organisation_id=partner_org.id,
            course_id=wrap.id,
            period_end=date(2025, 3, 31),
            compliant=7,
            eligible=9,
            note=PLANTED["return note"],
        )
    )
    requests.submit_request(
        organisation_name=PLANTED["request organisation"],
        organisation_kind=OrganisationKind.THIRD_SECTOR,
        contact_name=PLANTED["request contact"],
        email="contact@example.org",
        phone=None,
        staff_count=12,
        preferred_dates=None,
        notes=PLANTED["request notes"],
    )
    token = feeds.create_feed_token(person=staff.person)
    db.session.commit()
    users = {"coordinator": coordinator, "trainer": trainer, "manager": manager, "staff": staff, "partner": partner}
    return MarkedWorld(users, token)


#: What each role must see as text somewhere on the pages it reaches (the coordinator: everything).
EXPECTED = {
    "coordinator": set(PLANTED),
    "trainer": {"session title", "first name", "attendee", "reopen reason"},
    "manager": {"first name", "last name", "department"},
    "staff": {"session title", "course name", "evidence"},
    "partner": {"attendee", "return note", "partner organisation"},
}


@pytest.mark.parametrize("role", list(EXPECTED))
def test_every_page_a_role_reaches_shows_markup_as_text(app, signed_in, world, role, backend):
    if backend != "sqlite":
        pytest.skip("templates escape the same way on every database")
    visits = crawl(signed_in(world.users[role]), depth=3, limit=200)
    problems, text = [], []
    for visit in visits:
        assert visit.status < 500, f"{visit.url}: {visit.status}"
        if visit.content_type.startswith("text/html"):
            scanned = scan(visit.body)
            problems += [f"{visit.url}: {problem}" for problem in scanned.problems]
            text.append(scanned.text)
        elif visit.content_type.startswith("text/calendar"):
            problems += [f"{visit.url}: {p}" for p in calendar_problems(visit.body)]
        elif visit.content_type.startswith("text/csv"):
            problems += [f"{visit.url}: {p}" for p in csv_problems(visit.body)]
    assert problems == []
    shown = "\n".join(text)
    missing = sorted(where for where in EXPECTED[role] if PLANTED[where].split("\r")[0] not in shown)
    assert missing == [], f"{role} never saw these as text in {len(visits)} pages"


def test_emails_show_markup_as_text_in_both_parts_and_their_calendars(app, world):
    messages = list(db.session.scalars(select(OutboxMessage)))
    kinds = {message.kind for message in messages}
    assert len(messages) >= 4 and len(kinds) >= 2, kinds
    for message in messages:
        scanned = scan(render_outgoing(message).body_html)
        assert scanned.problems == [], (message.kind, scanned.problems)
        assert "\r" not in message.subject and "\n" not in message.subject
        if PLANTED["session title"] in render_outgoing(message).body_text:
            assert PLANTED["session title"] in scanned.text, message.kind
        if render_outgoing(message).ics:
            assert calendar_problems(render_outgoing(message).ics) == [], message.kind
    assert any(
        PLANTED["cancel reason"] in render_outgoing(m).body_text
        and PLANTED["cancel reason"] in scan(render_outgoing(m).body_html).text
        for m in messages
    )


def test_outbox_pages_show_email_html_inert(app, signed_in, world):
    client = signed_in(world.users["coordinator"])
    for message in db.session.scalars(select(OutboxMessage)):
        response = client.get(f"/outbox/{message.id}/html")
        assert "sandbox" in response.headers["Content-Security-Policy"]
        assert "script-src" not in response.headers["Content-Security-Policy"]
        assert scan(response.get_data(as_text=True)).problems == []


def test_the_calendar_feed_keeps_markup_as_text(app, client, world):
    body = client.get(f"/calendar/{world.feed_token}.ics").get_data(as_text=True)
    assert calendar_problems(body) == []
    assert PLANTED["session title"] in body.replace("\\", "").replace("\r\n ", "")


def test_csv_exports_defuse_formulas(app, signed_in, world):
    client = signed_in(world.users["coordinator"])
    coverage = client.get("/coverage/export.csv?course=WRAP").get_data(as_text=True)
    person = world.users["staff"].person_id
    subject = client.post(f"/people/{person}/export.csv").get_data(as_text=True)
    for name, body in (("coverage", coverage), ("subject access", subject)):
        assert csv_problems(body) == [], name
    # The formulas are there, defused: shown as the text they are.
    assert "'" + PLANTED["organisation"] in cells(coverage)
    assert "'" + PLANTED["job title"] in cells(subject)


def cells(body: str) -> set[str]:
    return {cell for row in csv.reader(io.StringIO(body.lstrip("\ufeff"))) for cell in row}


def calendar_problems(body: str) -> list[str]:
    """An .ics whose text fields carry markup must still be one well-formed calendar: every event with one
    ORGANIZER and at most one ATTENDEE (a line break in a venue must not add one), no raw HTML part."""
    problems = []
    calendar = icalendar.Calendar.from_ical(body)
    for event in calendar.walk("VEVENT"):
        attendees = event.get("ATTENDEE")
        count = 0 if attendees is None else (len(attendees) if isinstance(attendees, list) else 1)
        if count > 1:
            problems.append(f"{event.get('UID')}: {count} attendees")
        for attendee in attendees if isinstance(attendees, list) else [attendees] if attendees else []:
            if "evil@example.org" in str(attendee):
                problems.append(f"{event.get('UID')}: an attendee injected from a venue")
        if "X-ALT-DESC" in event:
            problems.append("an HTML description")
    return problems


def csv_problems(body: str) -> list[str]:
    """Cells a spreadsheet would run as a formula."""
    rows = csv.reader(io.StringIO(body.lstrip("\ufeff")))
    return [
        f"row {n}: {cell[:40]!r}"
        for n, row in enumerate(rows, start=1)
        for cell in row
        if cell[:1] in ("=", "+", "@", "\t", "\r") or (cell[:1] == "-" and not cell[1:].replace(".", "").isdigit())
    ]


def csv_bytes(*rows: list[str]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode()


def test_markup_in_uploaded_files_comes_back_as_text_in_the_import_pages(app, signed_in, world):
    """Refused files echo their bad cells in the error list; a valid one shows who it created."""
    client = signed_in(world.users["coordinator"])
    bad, good = payload("csv-bad-org", 0), payload("csv-good-name", 1)
    roster = roster_csv(
        [
            roster_row(bad, "R1", first_name="A", last_name="B", email=""),
            roster_row("Nowhere", "R2", first_name="A", last_name="B", email="", start_date=payload("csv-bad-date", 1)),
        ]
    )
    records = csv_bytes(
        ["organisation", "employee_ref", "course_code", "completed_on", "source"],
        [payload("csv-bad-ref", 2), "X", "WRAP", "2020-01-01", ""],
        ["Nowhere", payload("csv-bad-course", 1), "WRAP", "2020-01-01", ""],
    )
    pages = {
        "roster": client.post(
            "/imports/roster", data={"file": (io.BytesIO(roster), "roster.csv")}, content_type="multipart/form-data"
        ),
        "records": client.post(
            "/imports/training-records",
            data={"file": (io.BytesIO(records), "records.csv")},
            content_type="multipart/form-data",
        ),
    }
    shown = {}
    for name, response in pages.items():
        scanned = scan(response.get_data(as_text=True))
        assert scanned.problems == [], name
        shown[name] = scanned.text
    assert bad in shown["roster"] and payload("csv-bad-date", 1) in shown["roster"]
    assert payload("csv-bad-ref", 2) in shown["records"]
    council = world.users["coordinator"].person.organisation.name
    valid = roster_csv([roster_row(council, "R3", first_name=good, last_name="Person", email="")])
    response = client.post(
        "/imports/roster",
        data={"file": (io.BytesIO(valid), "roster.csv")},
        content_type="multipart/form-data",
        follow_redirects=True,
    )
    assert response.status_code == 200 and scan(response.get_data(as_text=True)).problems == []
    people = scan(client.get("/people?q=Person").get_data(as_text=True))
    assert people.problems == [] and good in people.text
