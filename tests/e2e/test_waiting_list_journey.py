"""A full session: the next person joins the waiting list and is given the place when someone cancels.

Two people, each in their own browser: Helen takes the last place, Tom joins the waiting list, Helen
cancels, and Tom's My training shows him booked.
"""

from __future__ import annotations

import re

import pytest
from sqlalchemy import select


@pytest.fixture
def one_place_left(demo_data) -> int:
    """The second upcoming WRAP session (the first is already full) cut down to one place left; its id."""
    from tracker.booking import services as booking
    from tracker.common.time import utc_now
    from tracker.courses.models import Course, SessionStatus, TrainingSession

    with demo_data() as db:
        upcoming = db.session.scalars(
            select(TrainingSession)
            .join(Course)
            .where(
                Course.code == "WRAP",
                TrainingSession.status == SessionStatus.PUBLISHED,
                TrainingSession.starts_at > utc_now(),
                TrainingSession.title.is_(None),
            )
            .order_by(TrainingSession.starts_at)
        ).all()
        training_session = upcoming[1]
        taken = booking.count_seats_taken(training_session.id)
        booking.change_capacity(training_session=training_session, capacity=taken + 1)
        return training_session.id


def _main_text(page) -> str:
    return page.locator("main").inner_text()


def test_waiting_list_place_goes_to_the_next_person_when_someone_cancels(open_page, one_place_left):
    helen = open_page("helen")
    tom = open_page("tom")
    session_path = f"/sessions/{one_place_left}"

    helen.sign_in("helen.okafor@barnet.example")
    helen.goto(session_path)
    assert "1 place left" in _main_text(helen)
    helen.check("one place left")
    helen.press_button("Book a place")
    assert "You are booked on" in helen.flash()
    helen.check("helen has the last place")

    tom.sign_in("tom.walker@barnet.example")
    tom.goto(session_path)
    assert "Full – join the waiting list" in _main_text(tom)
    tom.check("full session")
    tom.press_button("Join the waiting list")
    assert "The session is full. You are number 1 on the waiting list" in tom.flash()
    tom.check("on the waiting list")
    tom.nav("My training")
    row = tom.locator("main table").first.locator("tbody tr").first
    assert "Waiting list" in row.inner_text() and "You are number 1 on the waiting list" in row.inner_text()
    assert row.get_by_role("link", name=re.compile("^Leave the waiting list")).is_visible()
    tom.check("my training, waiting")

    helen.nav("My training")
    helen.click_and_wait(helen.locator("main").get_by_role("link", name=re.compile("^Cancel your place")).first)
    assert "The place goes to the first person on the waiting list." in _main_text(helen)
    helen.check("helen cancels")
    helen.press_button("Yes, cancel the place")
    assert "has been cancelled" in helen.flash()

    tom.reload()
    row = tom.locator("main table").first.locator("tbody tr").first
    assert "Booked" in row.inner_text() and "Waiting list" not in row.inner_text()
    tom.check("my training, promoted")
    tom.goto(session_path)
    assert tom.locator(".govuk-panel", has_text="You are booked").is_visible()
    tom.check("session, promoted")


def _tom_at_the_full_session(open_page, session_id: int):
    """Helen takes the last place; Tom, signed in, opens the session, now full."""
    helen = open_page("helen")
    helen.sign_in("helen.okafor@barnet.example")
    helen.goto(f"/sessions/{session_id}")
    helen.press_button("Book a place")
    tom = open_page("tom")
    tom.sign_in("tom.walker@barnet.example")
    tom.goto(f"/sessions/{session_id}")
    return tom


def test_joining_the_waiting_list_with_the_keyboard_only(open_page, one_place_left):
    tom = _tom_at_the_full_session(open_page, one_place_left)
    tom.tab_to(tom.get_by_role("button", name="Join the waiting list", exact=True))
    tom.screenshot_focus("join the waiting list")
    tom.press_key("Enter")
    assert "You are number 1 on the waiting list" in tom.flash()
    tom.check("joined with the keyboard")


def test_leaving_the_waiting_list_says_so_from_link_to_message(open_page, one_place_left):
    tom = _tom_at_the_full_session(open_page, one_place_left)
    tom.press_button("Join the waiting list")
    tom.nav("My training")
    tom.click_and_wait(tom.locator("main").get_by_role("link", name=re.compile("^Leave the waiting list")).first)
    assert "Are you sure you want to take yourself off the waiting list?" in _main_text(tom)
    assert "Cancel" not in tom.locator("h1").inner_text()
    tom.check("leave the waiting list?")
    tom.press_button("Yes, leave the waiting list")
    assert "You have left the waiting list for" in tom.flash()
    assert "Waiting list" not in _main_text(tom)
    tom.check("left the waiting list")
