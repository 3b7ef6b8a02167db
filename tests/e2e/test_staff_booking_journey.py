"""A member of staff finds the next WRAP session with places, books it, sees it in My training, and cancels."""

from __future__ import annotations

import re

WRAP = "Workshop to Raise Awareness of Prevent (WRAP)"


def _next_wrap_with_places(page):
    """The first row of the WRAP sessions listed that still has places (the very next one is full)."""
    rows = page.locator("main table tbody tr")
    for index in range(rows.count()):
        row = rows.nth(index)
        if re.search(r"\d+ places? left", row.inner_text()):
            return row
    raise AssertionError("no WRAP session with places left")


def test_staff_member_books_and_cancels_the_next_wrap_session(page):
    page.sign_in("tom.walker@barnet.example")
    page.check("home")
    page.nav("Find a session")
    page.check("find a session")

    # A mistake first: a month that does not exist.
    page.select_option("#course", label=WRAP)
    page.fill("#month", "Smarch 2027")
    page.press_button("Show sessions")
    assert (
        "Month must be a month and year, like January 2027 or 2027-01"
        in page.locator(".govuk-error-summary").inner_text()
    )
    assert page.title().startswith("Error:")
    page.check("find a session with a mistake")

    page.fill("#month", "")
    page.press_button("Show sessions")
    listed = page.locator("main table tbody tr")
    assert listed.count() >= 2
    assert all("Workshop to Raise Awareness of Prevent" in listed.nth(i).inner_text() for i in range(listed.count()))
    assert "Full – join the waiting list" in listed.first.inner_text()
    page.check("WRAP sessions")

    row = _next_wrap_with_places(page)
    when = row.locator("td").first.inner_text()
    page.click_and_wait(row.get_by_role("link"))
    assert when in page.locator("main").inner_text()
    page.check("session")

    page.press_button("Book a place")
    assert "You are booked on Workshop to Raise Awareness of Prevent" in page.flash()
    assert page.locator(".govuk-panel", has_text="You are booked").is_visible()
    page.check("booked")

    page.nav("My training")
    booked = page.locator("main table", has_text="When").first.locator("tbody tr")
    assert booked.count() == 1
    assert when in booked.first.inner_text() and "Booked" in booked.first.inner_text()
    page.check("my training with the booking")

    page.click_and_wait(booked.first.get_by_role("link", name=re.compile("^Cancel")))
    assert "Are you sure you want to cancel your place?" in page.locator("h1").inner_text()
    page.check("cancel your place")
    page.press_button("Yes, cancel the place")
    assert "Your place on Workshop to Raise Awareness of Prevent has been cancelled" in page.flash()
    assert "You have no sessions booked." in page.locator("main").inner_text()
    page.check("my training after cancelling")


def test_staff_member_books_with_the_keyboard_only(page):
    page.sign_in("tom.walker@barnet.example")
    page.goto("/sessions")
    row = _next_wrap_with_places(page)
    when = row.locator("td").first.inner_text()

    page.tab_to(row.get_by_role("link"))
    page.press_key("Enter")
    book = page.get_by_role("button", name="Book a place", exact=True)
    page.tab_to(book)
    page.screenshot_focus("book a place")
    page.press_key("Space")
    assert "You are booked on" in page.flash()
    page.check("booked with the keyboard")

    # And cancelling, from My training, with Tab and Enter.
    page.goto("/my-training")
    cancel = page.locator("main").get_by_role("link", name=re.compile("^Cancel your place"))
    page.tab_to(cancel)
    page.press_key("Enter")
    page.tab_to(page.get_by_role("button", name="Yes, cancel the place"))
    page.press_key("Enter")
    assert "has been cancelled" in page.flash()
    assert when not in page.locator("main").inner_text().split("Past sessions")[0]
