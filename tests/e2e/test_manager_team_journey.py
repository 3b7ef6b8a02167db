"""A manager opens My team, sees who is untrained, and books one of them onto the next WRAP session."""

from __future__ import annotations

import re


def _first_never_trained(page) -> str:
    """The name of the first person in My team's table who has never been trained."""
    row = page.locator("main table tbody tr", has_text="Never trained").first
    return row.locator("th").inner_text().strip()


def _open_next_wrap_with_places(page) -> str:
    """From Find a session, open the next WRAP session that has places left; returns its date and time."""
    page.nav("Find a session")
    row = page.locator("main table tbody tr", has_text="Workshop to Raise Awareness of Prevent").filter(
        has_text=re.compile(r"\d+ places? left")
    )
    when = row.first.locator("td").first.inner_text()
    page.click_and_wait(row.first.get_by_role("link"))
    return when


def test_manager_books_an_untrained_team_member(page):
    page.sign_in("helen.okafor@barnet.example")
    page.nav("My team")
    text = page.locator("main").inner_text()
    assert "people required in your team are trained today" in text
    assert "Never trained" in text
    page.check("my team")
    name = _first_never_trained(page)

    _open_next_wrap_with_places(page)
    page.check("session")
    page.go("Book your team")
    page.check("book your team")
    page.press_button("Book places")
    assert "Select at least one person to book" in page.locator(".govuk-error-summary").inner_text()
    page.check("book your team with a mistake")

    page.get_by_label(name, exact=True).first.check()
    page.press_button("Book places")
    outcome = page.flash()
    assert outcome.startswith("What was booked") and name in outcome and outcome.rstrip().endswith("Booked")
    assert (
        page.locator("main table", has_text="Your team on this session").locator("tbody tr", has_text=name).count() == 1
    )
    page.check("team member booked")

    page.nav("My team")
    row = page.locator("main table tbody tr", has=page.locator("th", has_text=name)).first
    assert "Booked for" in row.inner_text()
    page.check("my team with the booking")


def test_manager_books_a_team_member_with_the_keyboard_only(page):
    page.sign_in("helen.okafor@barnet.example")
    page.goto("/my-team")
    name = _first_never_trained(page)
    _open_next_wrap_with_places(page)
    page.go("Book your team")

    box = page.get_by_label(name, exact=True).first
    page.tab_to(box)
    page.screenshot_focus("team member checkbox")
    page.keyboard.press("Space")
    assert box.is_checked()
    page.tab_to(page.get_by_role("button", name="Book places"))
    page.press_key("Enter")
    outcome = page.flash()
    assert outcome.startswith("What was booked") and name in outcome and outcome.rstrip().endswith("Booked")
    page.check("booked with the keyboard")
