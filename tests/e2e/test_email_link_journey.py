"""Someone booked by their manager, with no account, in a real browser: the booking email's link leads to their
booking's page and its cancel button; then they sign in with a link sent by email (no password) and see My training."""

from __future__ import annotations

from sqlalchemy import select

from tests.support.mail_links import emailed_link
from tracker.booking import services as booking_services
from tracker.booking.models import BookingSource
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus, TrainingSession
from tracker.people.models import Person

EMAIL = "nadia.noaccount@barnet.example"


def book_someone_without_an_account(db) -> None:
    """What the manager's booking page does for a team member who has never signed in."""
    organisation_id = db.session.scalar(
        select(Person.organisation_id).where(Person.email == "tom.walker@barnet.example")
    )
    person = Person(organisation_id=organisation_id, first_name="Nadia", last_name="Noaccount", email=EMAIL)
    db.session.add(person)
    sessions = db.session.scalars(
        select(TrainingSession)
        .where(
            TrainingSession.status == SessionStatus.PUBLISHED,
            TrainingSession.starts_at > utc_now(),
            ~TrainingSession.audience_restricted,
        )
        .order_by(TrainingSession.starts_at)
    )
    training_session = next(s for s in sessions if booking_services.places_left(s) > 0)
    booking_services.book_place(
        training_session=training_session, person=person, booked_by=person, source=BookingSource.MANAGER
    )


def test_a_booking_email_link_then_a_sign_in_link_without_a_password(page, demo_data):
    with demo_data() as db:
        book_someone_without_an_account(db)
    with demo_data():
        link = emailed_link(to=EMAIL, kind="booking_confirmed", contains="/cancel")
    assert link.startswith("/book/places/")  # a signed link: no sign-in needed
    page.goto(link)
    assert "Your place" in page.content() and "Nadia Noaccount" in page.content()
    page.check("booking page from the email")
    page.press_button("Cancel my place")
    assert "Your place is cancelled" in page.content()
    page.check("place cancelled")

    page.goto("/sign-in")
    page.follow("sign in with a link sent by email")
    page.check("ask for a sign-in link")
    page.fill("#email", EMAIL)
    page.press_button("Send a sign-in link")
    assert "Check your email" in page.content()
    with demo_data():
        sign_in_link = emailed_link(to=EMAIL, kind="sign_in_link", contains="/sign-in-link/")
    page.goto(sign_in_link)
    page.check("sign in with the link")
    page.press_button("Sign in")
    assert "Nadia Noaccount" in page.content()
    page.check("signed in by link")
    page.nav("My training")
    assert "My training" in page.content()
