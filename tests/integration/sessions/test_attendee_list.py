"""A session's attendee list: the rows (every booking status, the department on the session's day, marks, walk-ins,
sign-off), the CSV and .xlsx files (no cell runs as a formula), who may download them, the API, and one statement
for the whole list."""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from tests.factories import make_department, make_organisation, make_person, make_user
from tests.integration.attendance.conftest import book, past_session
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.attendance import services as register
from tracker.attendance import sign_off
from tracker.attendance.attendee_list import list_attendees
from tracker.attendance.models import AttendanceOutcome
from tracker.attendance.walk_ins import record_attendance
from tracker.booking.models import BookingStatus
from tracker.booking.services import cancel_booking
from tracker.common.audit import AuditEvent
from tracker.common.time import to_london
from tracker.courses.models import SessionTrainer, TrainerPart
from tracker.people.models import Placement
from tracker.sessions import attendee_export

FORMULA_NAME = '=HYPERLINK("http://evil.example","x")'


@pytest.fixture
def world(app, db):
    """A session two hours ago (capacity 2), led by a trainer: Ann attended (she moved department that day), Bob
    (a formula for a name) was absent, Wes is waiting, Cat cancelled, Eve walked in; then signed off."""
    trainer = make_user(Role.TRAINER)
    training_session = past_session(lead=trainer.person, capacity=2)
    day = to_london(training_session.starts_at).date()
    council = make_organisation(name="Barnet Council")
    old = make_department(organisation=council, name="Housing")
    new = make_department(organisation=council, name="Children and Family Services")
    fostering = make_department(parent=new, name="Fostering")
    ann = make_person(organisation=council, first_name="Ann", last_name="Abbott", email="ann@barnet.example")
    ann.placements.append(Placement(department=old, from_date=date(2015, 1, 1), to_date=day))
    ann.placements.append(Placement(department=fostering, from_date=day))
    bob = make_person(first_name=FORMULA_NAME, last_name="Brown", organisation=make_organisation(name="@SUM(1+1)"))
    wes = make_person(first_name="Wes", last_name="Wait")
    cat = make_person(first_name="Cat", last_name="Cancel")
    eve = make_person(first_name="Eve", last_name="Entry")
    ann_booking, bob_booking = book(training_session, ann), book(training_session, bob)
    assert book(training_session, wes).status == BookingStatus.WAITLISTED
    cat_booking = book(training_session, cat)
    cancel_booking(booking=cat_booking, cancelled_by=cat, now=training_session.starts_at - timedelta(days=2))
    register.mark_attendance(
        training_session=training_session, booking=ann_booking, outcome=AttendanceOutcome.ATTENDED, actor=trainer
    )
    register.mark_attendance(
        training_session=training_session, booking=bob_booking, outcome=AttendanceOutcome.ABSENT, actor=trainer
    )
    record_attendance(training_session=training_session, records=[(eve.id, AttendanceOutcome.ATTENDED)], actor=trainer)
    sign_off.sign_off_register(training_session=training_session, actor=trainer)
    db.session.commit()
    return training_session, trainer


def _by_last_name(rows):
    return {row.last_name: row for row in rows}


def test_the_rows_say_who_booked_and_what_happened(app, world):
    training_session, _ = world
    rows = list_attendees(training_session)
    assert [r.last_name for r in rows] == ["Abbott", "Brown", "Cancel", "Entry", "Wait"]
    by = _by_last_name(rows)
    assert by["Abbott"].department == "Children and Family Services/Fostering"  # where she was that day
    assert by["Abbott"].organisation == "Barnet Council" and by["Abbott"].email == "ann@barnet.example"
    statuses = {name: (r.booking_status, r.attendance, r.walk_in, r.record_made) for name, r in by.items()}
    assert statuses == {
        "Abbott": (BookingStatus.CONFIRMED, AttendanceOutcome.ATTENDED, False, True),
        "Brown": (BookingStatus.CONFIRMED, AttendanceOutcome.ABSENT, False, False),
        "Cancel": (BookingStatus.CANCELLED, None, False, False),
        "Entry": (BookingStatus.CONFIRMED, AttendanceOutcome.ATTENDED, True, True),
        "Wait": (BookingStatus.WAITLISTED, None, False, False),
    }
    assert all(r.signed_off for r in rows)
    assert by["Abbott"].booked_at == training_session.starts_at - timedelta(days=3)


def test_the_whole_list_is_one_statement(app, db, world, queries):
    training_session, _ = world
    for _ in range(20):
        book(training_session)
    db.session.commit()
    db.session.refresh(training_session)  # the commit expired it: its own row is not the list's to count
    with queries() as counter:
        rows = list_attendees(training_session)
    assert len(rows) == 25 and counter.count == 1


def test_csv_opens_in_excel_and_runs_no_formula(app, world):
    training_session, _ = world
    body = attendee_export.attendees_csv(list_attendees(training_session))
    assert body.startswith("\ufeff".encode()) and b"\r\n" in body
    rows = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    assert tuple(rows[0]) == attendee_export.HEADER
    by = {row[0]: row for row in rows[1:]}
    bob = by["'" + FORMULA_NAME + " Brown"]
    assert bob[2] == "'@SUM(1+1)" and bob[6] == "absent" and bob[7:] == ["no", "yes", "no"]
    ann = by["Ann Abbott"]
    booked = to_london(training_session.starts_at - timedelta(days=3)).strftime("%Y-%m-%d %H:%M")
    assert ann == [
        "Ann Abbott",
        "ann@barnet.example",
        "Barnet Council",
        "Children and Family Services/Fostering",
        "confirmed",
        booked,
        "attended",
        "no",
        "yes",
        "yes",
    ]
    assert by["Eve Entry"][6:8] == ["attended", "yes"]
    assert (by["Wes Wait"][4], by["Wes Wait"][6]) == ("waitlisted", "")  # not on the register
    assert (by["Cat Cancel"][4], by["Cat Cancel"][6]) == ("cancelled", "")


def test_xlsx_stores_every_text_cell_as_text(app, world):
    training_session, _ = world
    body = attendee_export.attendees_xlsx(list_attendees(training_session), title="Attendees")
    sheet = load_workbook(io.BytesIO(body)).active
    values = list(sheet.iter_rows(values_only=True))
    assert values[0] == attendee_export.HEADER
    bob = next(row for row in sheet.iter_rows(min_row=2) if row[0].value.endswith("Brown"))
    assert bob[0].value == FORMULA_NAME + " Brown" and bob[0].data_type == "s"
    assert bob[2].value == "@SUM(1+1)" and bob[2].data_type == "s"
    assert bob[5].is_date and bob[5].number_format == "yyyy-mm-dd hh:mm"


def test_the_session_page_links_the_files_for_its_trainer_and_the_coordinator(app, db, signed_in, world):
    training_session, trainer = world
    observer = make_user(Role.TRAINER)
    training_session.trainers.append(SessionTrainer(person=observer.person, part=TrainerPart.OBSERVER))
    db.session.commit()
    page = signed_in(trainer).get(f"/sessions/{training_session.id}/manage").get_data(as_text=True)
    assert f"/sessions/{training_session.id}/attendees.csv" in page
    assert f"/sessions/{training_session.id}/attendees.xlsx" in page
    for user in (trainer, make_user(Role.COORDINATOR)):
        client = signed_in(user)
        csv_file = client.get(f"/sessions/{training_session.id}/attendees.csv")
        assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv"
        assert "attachment" in csv_file.headers["Content-Disposition"] and b"Ann Abbott" in csv_file.data
        xlsx = client.get(f"/sessions/{training_session.id}/attendees.xlsx")
        assert xlsx.status_code == 200 and xlsx.mimetype == attendee_export.XLSX
    for user in (observer, make_user(Role.TRAINER), make_user(Role.STAFF), make_user(Role.MANAGER)):
        assert signed_in(user).get(f"/sessions/{training_session.id}/attendees.csv").status_code == 403
    events = db.session.scalars(select(AuditEvent).where(AuditEvent.action == "session.attendees_exported")).all()
    assert sorted(e.after["format"] for e in events) == ["csv", "csv", "xlsx", "xlsx"]
    assert {e.object_id for e in events} == {training_session.id}


def test_the_download_sends_the_same_statements_for_5_and_45_bookings(app, db, signed_in, world, queries):
    training_session, trainer = world
    client, url = signed_in(trainer), f"/sessions/{training_session.id}/attendees.csv"
    counts = []
    for extra in (0, 40):
        for _ in range(extra):
            book(training_session)
        db.session.commit()
        with queries() as counter:
            assert client.get(url).status_code == 200
        counts.append(counter.count)
    # The sign-in session with its account, the session, its trainers (may this user?), the list, the audit event,
    # and the course (its code names the file).
    assert counts[0] == counts[1] == 6, counts


def test_the_api_lists_and_downloads(app, db, world):
    training_session, trainer = world
    headers = {"Authorization": f"Bearer {create_api_token(user=trainer)}"}
    stranger = {"Authorization": f"Bearer {create_api_token(user=make_user(Role.TRAINER))}"}
    db.session.commit()
    client = app.test_client()
    url = f"/api/v1/sessions/{training_session.id}/attendees"
    page = client.get(url + "?per_page=2&page=2", headers=headers)
    assert page.status_code == 200 and page.json["total"] == 5
    assert [item["last_name"] for item in page.json["items"]] == ["Cancel", "Entry"]
    everyone = client.get(url, headers=headers).json["items"]
    ann = everyone[0]
    assert ann["department"] == "Children and Family Services/Fostering" and ann["attendance"] == "attended"
    assert ann["record_made"] is True and ann["signed_off"] is True and ann["booking_status"] == "confirmed"
    assert everyone[2]["attendance"] is None and everyone[3]["walk_in"] is True
    csv_file = client.get(url + ".csv", headers=headers)
    assert csv_file.status_code == 200 and csv_file.mimetype == "text/csv" and b"'@SUM(1+1)" in csv_file.data
    xlsx = client.get(url + ".xlsx", headers=headers)
    assert xlsx.status_code == 200 and load_workbook(io.BytesIO(xlsx.data)).active["A2"].value == "Ann Abbott"
    for suffix in ("", ".csv", ".xlsx"):
        refused = client.get(url + suffix, headers=stranger)
        assert refused.status_code == 403 and refused.json["error"]["code"]
    missing = client.get("/api/v1/sessions/2147483647/attendees.csv", headers=headers)
    assert missing.status_code == 404 and "error" in missing.json
    assert client.get(url + "?per_page=0", headers=headers).status_code == 422
