"""Attendees follow the emailed feedback link signed out, answer the short form (an error first, then right), and
the coordinator reads the anonymous results."""

from __future__ import annotations

TRAINER = "amira.haddad@barnet.example"
COORDINATOR = "sam.rosengard@barnet.example"


def _signed_off_with_attendees(demo_data, count: int = 3) -> list[str]:
    """A WRAP session Amira led two hours ago, `count` people attended, signed off. Returns the emailed form paths."""
    from sqlalchemy import select

    from tests.factories import make_person
    from tests.integration.attendance.conftest import book, past_session
    from tests.support.mail_links import links_in, path_of
    from tracker.accounts.models import UserAccount
    from tracker.attendance import services, sign_off
    from tracker.evaluations.invitations import KIND
    from tracker.invites.emails import render_outgoing
    from tracker.invites.models import OutboxMessage
    from tracker.people.models import Person

    with demo_data() as db:
        amira = db.session.scalar(select(UserAccount).join(Person).where(Person.email == TRAINER))
        training_session = past_session(lead=amira.person)
        people = [make_person(first_name=f"Evelyn{i}", last_name="Feedback") for i in range(count)]
        for person in people:
            book(training_session, person)
        services.mark_everyone_attended(training_session=training_session, actor=amira)
        sign_off.sign_off_register(training_session=training_session, actor=amira)
        db.session.flush()
        paths = []
        for row in db.session.scalars(
            select(OutboxMessage).where(
                OutboxMessage.kind == KIND, OutboxMessage.recipient_email.in_([p.email for p in people])
            )
        ):
            email = render_outgoing(row)
            [url] = {u for u in links_in(email.body_text, email.body_html) if "/feedback/" in u}
            paths.append(path_of(url))
        return paths


def _answer(page, *, before: str, after: str, comment: str = "") -> None:
    page.page.get_by_role("group", name="Before the session").get_by_label(before).check()
    page.page.get_by_role("group", name="After the session").get_by_label(after).check()
    page.page.get_by_role("group", name="How useful").get_by_label("5 – Very useful").check()
    page.page.get_by_role("group", name="How well did the trainer").get_by_label("4 – Good").check()
    if comment:
        page.page.get_by_label("Anything else you want to tell us? (optional)").fill(comment)
    page.press_button("Send feedback")


def test_attendees_give_feedback_and_the_coordinator_reads_it(open_page, demo_data):
    paths = _signed_off_with_attendees(demo_data)
    assert len(paths) == 3

    first = open_page("attendee")  # signed out: the link's token is all it needs
    first.goto(paths[0])
    assert "Tell us about your training session" in first.page.locator("h1").inner_text()
    first.check("evaluation form")
    first.press_button("Send feedback")  # nothing chosen
    assert "There is a problem" in first.page.locator(".govuk-error-summary").inner_text()
    assert first.page.title().startswith("Error: ")
    first.check("evaluation form with errors")
    _answer(first, before="2 – Slightly confident", after="4 – Confident", comment="Good real examples.")
    assert "Feedback sent" in first.page.locator("main").inner_text()
    first.check("feedback sent")
    first.goto(paths[0])
    assert "You have already given feedback" in first.page.locator("h1").inner_text()
    first.check("feedback already given")

    for path in paths[1:]:
        other = open_page()
        other.goto(path)
        _answer(other, before="3 – Fairly confident", after="5 – Very confident")

    coordinator = open_page("coordinator")
    coordinator.sign_in(COORDINATOR)
    coordinator.goto("/evaluations")
    main = coordinator.page.locator("main").inner_text()
    assert "Good real examples." in main and "Amira Haddad" in main
    assert "Evelyn0" not in main
    coordinator.check("evaluation results")
