"""Someone with no account asks for training for their organisation, and books a public session."""

from __future__ import annotations

import re

from sqlalchemy import select


def test_visitor_asks_for_training(page, demo_data):
    from tracker.requests.models import TrainingRequest

    page.goto("/sign-in")
    page.follow("ask for training")
    page.check("ask for training")
    page.press_button("Send request")
    summary = page.locator(".govuk-error-summary").inner_text()
    assert "There is a problem" in summary
    assert page.title().startswith("Error:")
    page.check("ask for training with mistakes")

    page.fill("#organisation_name", "Colindale Community Kitchen")
    page.get_by_label("Third sector (charity or community group)").check()
    page.fill("#contact_name", "Joan Okonjo")
    page.fill("#email", "joan@colindale-kitchen.example")
    page.fill("#staff_count", "twenty")
    page.press_button("Send request")
    assert "as a whole number" in page.locator(".govuk-error-summary").inner_text()
    page.check("ask for training with a wrong number")
    page.fill("#staff_count", "20")
    page.fill("#preferred_dates", "Weekday mornings in March")
    page.press_button("Send request")
    assert page.locator(".govuk-panel", has_text="Request sent").is_visible()
    page.check("request sent")

    with demo_data() as db:
        request = db.session.scalar(
            select(TrainingRequest).where(TrainingRequest.organisation_name == "Colindale Community Kitchen")
        )
        assert request is not None and request.staff_count == 20 and request.email == "joan@colindale-kitchen.example"


def test_visitor_asks_for_a_public_place_and_books_it_from_the_email(page, demo_data):
    from tracker.invites.emails import render_outgoing
    from tracker.invites.models import OutboxMessage

    page.goto("/book")
    page.check("public sessions")
    open_rows = page.locator("main table tbody tr", has_text="Workshop to Raise Awareness of Prevent").filter(
        has_not_text="Full"
    )
    page.click_and_wait(open_rows.first.get_by_role("link"))
    page.check("public session")
    page.press_button("Book a place")
    assert page.title().startswith("Error:")
    page.check("public booking with mistakes")

    page.fill("#first_name", "Joan")
    page.fill("#last_name", "Okonjo")
    page.fill("#email", "joan@colindale-kitchen.example")
    page.fill("#new_organisation_name", "Colindale Community Kitchen")
    page.press_button("Book a place")
    assert "Check your email" in page.locator("h1").inner_text()
    page.check("check your email")

    with demo_data() as db:
        body = render_outgoing(
            db.session.scalars(
                select(OutboxMessage)
                .where(OutboxMessage.recipient_email == "joan@colindale-kitchen.example")
                .order_by(OutboxMessage.id.desc())
            ).first()
        ).body_text
    link = re.search(r"https?://\S+/book/requests/\S+", body).group(0)
    page.goto(re.sub(r"^https?://[^/]+", "", link))
    page.check("book your place")
    page.press_button("Book my place")
    assert "Your place is booked" in page.locator("main").inner_text()
    page.check("place booked")


def test_visitor_asks_for_training_with_the_keyboard_only(page):
    page.goto("/request-training")
    page.type_into(page.locator("#organisation_name"), "Burnt Oak Youth Club")
    radio = page.get_by_label("Third sector (charity or community group)")
    page.tab_to(page.locator("input[name=organisation_kind]").first)
    for _ in range(10):  # arrow keys move through a radio group; Space chooses the focused one
        if page.focused(radio):
            break
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Space")
    assert radio.is_checked()
    page.type_into(page.locator("#contact_name"), "Kwame Mensah")
    page.type_into(page.locator("#email"), "kwame@burntoak-youth.example")
    page.type_into(page.locator("#staff_count"), "8")
    page.tab_to(page.get_by_role("button", name="Send request"))
    page.screenshot_focus("send request")
    page.press_key("Enter")
    assert page.locator(".govuk-panel", has_text="Request sent").is_visible()
    page.check("request sent with the keyboard")
