"""Self check-in on a phone (390×844), in a real browser with axe: the trainer shows the session's code from the
register; one attendee follows the check-in address and signs in, another (no account) confirms a code emailed to
them and read from a real SMTP server; the register shows both checked in, the second without reloading.

Check-in is open on the session's London day, so the journey runs at 09:00 London time today (time-machine moves
the clock of the whole process, the served app included).
"""

from __future__ import annotations

import re
import shutil
from datetime import time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.e2e.conftest import DESKTOP, CheckedPage, _artifact_dir
from tests.support.qr import decode_qr
from tests.support.smtp import SmtpServer
from tracker.common.time import london_to_utc, today_london

TRAINER = "amira.haddad@barnet.example"
SIGNS_IN = "tom.walker@barnet.example"
NO_ACCOUNT = "nadia.noaccount@barnet.example"
PHONE_390 = {"width": 390, "height": 844}


@pytest.fixture
def clock():
    with time_machine.travel(london_to_utc(today_london(), time(9, 0)), tick=True) as traveller:
        yield traveller


@pytest.fixture
def smtp(reset_demo):
    """A real SMTP server the served app sends through (the outbox worker is run by the test)."""
    server = SmtpServer()
    server.start()
    saved = {key: reset_demo.config.get(key) for key in ("MAIL_SERVER", "MAIL_PORT", "MAIL_USE_TLS")}
    reset_demo.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=server.port, MAIL_USE_TLS=False)
    yield server
    reset_demo.config.update(saved)
    server.stop()


@pytest.fixture
def browse(browser, base_url, reset_demo, request):
    """`browse(label, viewport)`: a browser page with its own cookies at that viewport."""
    artifact_dir = _artifact_dir(request)
    shutil.rmtree(artifact_dir, ignore_errors=True)
    opened = []

    def open_one(label: str, viewport: dict) -> CheckedPage:
        context = browser.new_context(viewport=viewport, base_url=base_url, locale="en-GB", timezone_id="Europe/London")
        checked = CheckedPage(context.new_page(), base_url, artifact_dir / label)
        opened.append((context, checked))
        return checked

    yield open_one
    for context, checked in opened:
        if getattr(request.node, "failed", False):
            checked.screenshot("failure")
        context.close()


def _session_today_with_bookings(demo_data) -> int:
    """A published WRAP session at 9:15 today led by the trainer; Tom Walker and Nadia (no account) booked."""
    from tracker.accounts.models import UserAccount
    from tracker.booking import services as booking
    from tracker.booking.models import BookingSource
    from tracker.courses import sessions
    from tracker.courses.models import Course
    from tracker.people.models import Person

    with demo_data() as db:
        trainer = db.session.scalar(select(UserAccount).join(Person).where(Person.email == TRAINER))
        starts = london_to_utc(today_london(), time(9, 15))
        training_session = sessions.create_session(
            actor=trainer,
            course=db.session.scalar(select(Course).where(Course.code == "WRAP")),
            title=None,
            starts_at=starts,
            ends_at=starts + timedelta(hours=2),
            venue="Barnet House, Room 2",
            online_url=None,
            capacity=12,
            booking_opens_at=None,
            booking_closes_at=None,
            audience=None,
            publish=True,
        )
        tom = db.session.scalar(select(Person).where(Person.email == SIGNS_IN))
        nadia = Person(organisation_id=tom.organisation_id, first_name="Nadia", last_name="Noaccount", email=NO_ACCOUNT)
        db.session.add(nadia)
        db.session.flush()
        for person in (tom, nadia):
            booking.book_place(
                training_session=training_session,
                person=person,
                booked_by=person,
                source=BookingSource.SELF,
                now=starts - timedelta(days=2),
            )
        return training_session.id


def _send_mail(demo_data) -> None:
    from tracker.invites import outbox

    with demo_data():
        outbox.work(once=True)


def _row(page, name: str):
    return page.locator("tr.app-register__row", has_text=name)


def test_attendees_check_in_on_a_phone_and_the_register_shows_them(browse, demo_data, smtp, clock):
    session_id = _session_today_with_bookings(demo_data)
    _send_mail(demo_data)  # the booking emails go first, so the code is the newest message
    smtp.clear()

    trainer = browse("trainer", DESKTOP)
    trainer.sign_in(TRAINER)
    trainer.goto(f"/sessions/{session_id}/register")
    assert "0 checked in" in trainer.locator("main").inner_text()
    trainer.go("Show check-in code")
    code = trainer.locator("#check-in-code").inner_text().replace("Code:", "").strip()
    assert re.fullmatch(r"[A-Z2-7]{6}", code), code
    qr = trainer.locator("img.app-check-in-code__qr")
    assert qr.get_attribute("alt").endswith(code)
    scanned = decode_qr(qr.screenshot())  # what a phone's camera reads off the trainer's screen
    assert scanned == f"{trainer.base_url}/check-in?code={code}"
    trainer.check("check-in code")

    # Someone with an account: the address the QR code holds, then sign in and back.
    tom = browse("signs-in", PHONE_390)
    tom.goto(scanned.removeprefix(tom.base_url))
    assert "Sign in to check in" in tom.content()
    tom.check("check-in page, signed out")
    tom.follow("Sign in")
    tom.fill("#email", SIGNS_IN)
    tom.fill("#password", "prevent-demo-2026")
    tom.press_button("Sign in")
    tom.check("check-in page, signed in")
    tom.press_button("Check in as Tom Walker")
    assert "You are checked in" in tom.content()
    tom.check("checked in")

    trainer.goto(f"/sessions/{session_id}/register")
    assert "Checked in at" in _row(trainer, "Tom Walker").inner_text()
    assert "Checked in at" not in _row(trainer, "Nadia Noaccount").inner_text()
    trainer.check("register with one check-in")

    # Someone without an account: the code typed in, then a code by email.
    nadia = browse("no-account", PHONE_390)
    nadia.goto("/check-in")
    nadia.check("enter the code")
    nadia.fill("#code", "ZZZZZZ" if code != "ZZZZZZ" else "YYYYYY")
    nadia.press_button("Continue")
    assert "This code is not right" in nadia.locator(".govuk-error-summary").inner_text()
    nadia.check("a wrong code")
    nadia.fill("#code", code.lower())
    nadia.press_button("Continue")
    nadia.follow("Get a code by email")
    nadia.check("ask for a code")
    nadia.fill("#email", NO_ACCOUNT)
    nadia.press_button("Send me a code")
    nadia.check("enter the emailed code")
    _send_mail(demo_data)
    message = smtp.wait_for(1)[-1]
    assert message["To"].addresses[0].addr_spec == NO_ACCOUNT
    emailed = re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)
    nadia.fill("#code", emailed)
    nadia.press_button("Check in")
    assert "You are checked in" in nadia.content()
    nadia.check("checked in by emailed code")

    # The register's script shows the arrival without a reload (it asks every 15 seconds).
    trainer.locator("#booking-" + str(_booking_id(demo_data, session_id, NO_ACCOUNT))).get_by_text(
        "Checked in at"
    ).wait_for(timeout=25000)
    assert "2 checked in" in trainer.locator("main").inner_text()
    assert "Not marked" in _row(trainer, "Nadia Noaccount").inner_text()  # arriving is not attending
    trainer.check("register with both checked in")


def _booking_id(demo_data, session_id: int, email: str) -> int:
    from tracker.booking.models import Booking
    from tracker.people.models import Person

    with demo_data() as db:
        return db.session.scalar(
            select(Booking.id)
            .join(Person, Person.id == Booking.person_id)
            .where(Booking.session_id == session_id, Person.email == email)
        )
