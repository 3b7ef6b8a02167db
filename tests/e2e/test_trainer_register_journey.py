"""A trainer creates a session for today, publishes it, opens the register, marks attendance, adds a
walk-in and signs the register off.

Registers take marks from the session's London day and are signed off once it has started, so the
journey runs at a fixed time of today (time-machine moves the clock of the whole process, the served
app included): 09:00 to create it for 09:15, then 09:20 to sign it off (within the 30 minutes a sign-in may sit idle).
"""

from __future__ import annotations

import re
from datetime import time, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.e2e.conftest import fill_date
from tracker.common.time import london_to_utc, today_london

TRAINER = "amira.haddad@barnet.example"
BOOKED = ["tom.walker@barnet.example", "helen.okafor@barnet.example", "priya.shah@barnetmencap.example"]


@pytest.fixture
def clock():
    """The process clock at 09:00 London time today, ticking; `clock.move_to(...)` moves it on."""
    with time_machine.travel(london_to_utc(today_london(), time(9, 0)), tick=True) as traveller:
        yield traveller


def _book(demo_data, session_id: int, emails: list[str]) -> None:
    """People book themselves onto the session (the scene for the register, set with the services)."""
    from tracker.booking import services as booking
    from tracker.booking.models import BookingSource
    from tracker.courses.models import TrainingSession
    from tracker.people.models import Person

    with demo_data() as db:
        training_session = db.session.get(TrainingSession, session_id)
        for email in emails:
            person = db.session.scalar(select(Person).where(Person.email == email))
            booking.book_place(
                training_session=training_session, person=person, booked_by=person, source=BookingSource.SELF
            )


def _session_today(demo_data) -> int:
    """A published WRAP session today 09:15–11:15 led by the trainer, with three people booked."""
    from tracker.accounts.models import UserAccount
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
        session_id = training_session.id
    _book(demo_data, session_id, BOOKED)
    return session_id


def _mark_button(page, outcome: str, name: str):
    """The register's button marking `name` as `outcome` (its name is "Attended: Tom Walker"; Chromium puts a
    space before the colon of the visually hidden part)."""
    return page.locator("main").get_by_role("button", name=re.compile(rf"^{outcome}\s*: {name}$"))


def _row(page, name: str):
    return page.locator("tr.app-register__row", has_text=name)


def test_trainer_creates_publishes_and_signs_off_a_register(page, demo_data, clock):
    page.sign_in(TRAINER)
    page.nav("Sessions I deliver")
    page.check("sessions I deliver")
    page.go("Create a session")
    page.check("create a session")

    page.select_option("#course", label="Workshop to Raise Awareness of Prevent (WRAP)")
    fill_date(page, "session_date", today_london())
    page.fill("#start_time", "09:15")
    page.fill("#end_time", "11:15")
    page.fill("#venue", "Barnet House, Room 2")
    page.fill("#capacity", "twelve")
    page.press_button("Save as draft")
    assert page.title().startswith("Error:")
    assert "Places must be a whole number" in page.locator(".govuk-error-summary").inner_text()
    page.check("create a session with a mistake")

    page.fill("#capacity", "12")
    page.press_button("Save as draft")
    assert "Session saved as a draft" in page.flash()
    page.check("draft session")
    page.press_button("Publish")
    assert "published" in page.flash().lower()
    page.check("published session")
    session_id = int(page.url.rstrip("/").split("/")[-2])

    _book(demo_data, session_id, BOOKED)
    page.go("Open the register")
    assert "3 people on the register" in page.locator("main").inner_text()
    page.check("register")

    page.click_and_wait(_mark_button(page, "Attended", "Tom Walker"))
    page.click_and_wait(_mark_button(page, "Absent", "Helen Okafor"))
    assert "Attended" in _row(page, "Tom Walker").inner_text()
    assert "Absent" in _row(page, "Helen Okafor").inner_text()
    page.check("register with marks")

    page.go("Add a walk-in")
    page.check("add a walk-in")
    page.fill("#q", "Marcus Bennett")
    page.press_button("Search")
    page.check("walk-in search")
    page.press_button("Add Marcus Bennett as attended")
    assert "Marcus Bennett added as a walk-in and marked attended" in page.flash()
    assert "Walk-in" in _row(page, "Marcus Bennett").inner_text()
    page.check("register with a walk-in")

    clock.move_to(london_to_utc(today_london(), time(9, 20)))
    page.reload()
    page.go("Sign off the register")
    assert "Mark everyone first" in page.locator("main").inner_text()
    page.check("sign off with someone unmarked")
    page.follow("Priya Shah")
    page.click_and_wait(_mark_button(page, "Excused", "Priya Shah"))
    page.go("Sign off the register")
    page.check("sign off")
    page.press_button("Sign off the register")
    assert "Register signed off: 2 training records made" in page.flash()
    assert "Signed off by Amira Haddad" in page.locator("main").inner_text()
    page.check("register signed off")


def test_trainer_marks_and_signs_off_with_the_keyboard_only(page, demo_data, clock):
    session_id = _session_today(demo_data)
    page.sign_in(TRAINER)
    page.goto(f"/sessions/{session_id}/register")

    page.tab_to(page.get_by_role("button", name="Mark everyone not yet marked as attended"))
    page.screenshot_focus("mark everyone")
    page.press_key("Enter")
    assert "3 people marked as attended" in page.flash()
    page.tab_to(_mark_button(page, "Absent", "Helen Okafor"))
    page.press_key("Space")
    assert "Absent" in _row(page, "Helen Okafor").inner_text()
    page.check("marked with the keyboard")

    clock.move_to(london_to_utc(today_london(), time(9, 20)))
    page.reload()
    page.tab_to(page.get_by_role("link", name="Sign off the register"))
    page.press_key("Enter")
    page.tab_to(page.get_by_role("button", name="Sign off the register"))
    page.press_key("Enter")
    assert "Register signed off: 2 training records made" in page.flash()
