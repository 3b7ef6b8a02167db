"""Every link in every kind of email leads somewhere its recipient can use.

One of each kind of outbox message is made the way the product makes it (the booking, session, reminder,
public booking, training request and account services). Every link in each message's text and HTML body is
then followed signed out, in a fresh client, as its recipient would: it must answer 200 with the page it
promises, or lead to the sign-in page that, once the recipient signs in (with their password, or with a
sign-in link by email if they have none), leads on to that page.
"""

from __future__ import annotations

from datetime import timedelta
from urllib.parse import parse_qs, urlsplit

from flask import current_app
from sqlalchemy import select

from tests.conftest import PASSWORD
from tests.factories import make_booking, make_organisation, make_person, make_session, make_user, wrap_course
from tests.support.mail_links import emailed_link, links_in, path_of
from tracker.accounts import links
from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.common.time import utc_now
from tracker.courses import sessions
from tracker.courses.models import SessionStatus
from tracker.extensions import db
from tracker.invites import reminders
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage
from tracker.people.models import OrganisationKind
from tracker.requests import public_booking
from tracker.requests import services as request_services
from tracker.requests.emails import queue_acknowledgement
from tracker.requests.public_emails import queue_booking_request

KINDS = {
    "booking_confirmed",
    "booking_waitlisted",
    "booking_promoted",
    "booking_cancelled",
    "waitlist_removed",
    "session_updated",
    "session_cancelled",
    "trainer_invite",
    "trainer_updated",
    "trainer_cancelled",
    "reminder",
    "public_booking_request",
    "public_already_booked",
    "request_acknowledgement",
    "password_reset",
    "set_password",
    "sign_in_link",
}
#: Kinds that carry no link today (any link added to them is followed like the others).
WITHOUT_LINKS = {"request_acknowledgement"}
COURSE = "Workshop to Raise Awareness of Prevent"


def make_one_of_each_kind() -> dict[str, str | None]:
    """Returns each recipient's password (None: they have none)."""
    now = utc_now()
    wrap_course()
    coordinator = make_user(Role.COORDINATOR, Role.STAFF, first_name="Cora")
    staff = make_user(Role.STAFF, first_name="Stan")  # signs in with a password
    booked_by_manager = make_person(first_name="Nadia")  # no account at all
    pending = make_user(Role.STAFF, first_name="Penny", password=None)  # an account, no password yet

    soon = make_session(
        capacity=1, status=SessionStatus.DRAFT, lead=coordinator.person, starts_at=now + timedelta(days=1)
    )
    sessions.publish_session(training_session=soon, actor=coordinator)  # trainer_invite
    seat = make_booking(soon, staff.person)  # booking_confirmed
    make_booking(soon, booked_by_manager)  # booking_waitlisted (as a manager would book them: no account)
    booking_services.cancel_booking(booking=seat, cancelled_by=staff.person)  # booking_cancelled, booking_promoted
    sessions.update_session(training_session=soon, actor=coordinator, venue="Room 2, Barnet House")  # updates
    reminders.send_reminders(now=now)  # reminder (to the promoted, who has no account)

    later = make_session(
        capacity=1, status=SessionStatus.DRAFT, lead=coordinator.person, starts_at=now + timedelta(days=20)
    )
    sessions.publish_session(training_session=later, actor=coordinator)
    make_booking(later, staff.person)
    waiting = make_booking(later, pending.person)
    booking_services.cancel_booking(booking=waiting, cancelled_by=pending.person)  # waitlist_removed
    sessions.cancel_session(training_session=later, actor=coordinator, reason="The room is flooded")

    charity = make_organisation(name="Barnet Community Kitchen", kind=OrganisationKind.THIRD_SECTOR)
    public_session = make_session(capacity=5, starts_at=now + timedelta(days=30))
    asked = public_booking.check_request(
        training_session=public_session,
        first_name="Pia",
        last_name="Public",
        email="pia@kitchen.example.org",
        organisation_id=charity.id,
        new_organisation_name=None,
    )
    with current_app.test_request_context():  # the public booking page queues it inside its request
        queue_booking_request(asked, public_session)
        public_booking.book_from_request(booking_request=asked)  # booking_confirmed, with its signed link
        queue_booking_request(asked, public_session)  # asked again: public_already_booked
    training_request = request_services.submit_request(
        organisation_name="Friends of Mill Hill",
        organisation_kind=OrganisationKind.THIRD_SECTOR,
        contact_name="Rhea Requester",
        email="rhea@millhill.example.org",
        phone=None,
        staff_count=12,
        preferred_dates=None,
        notes=None,
    )
    queue_acknowledgement(training_request)

    links.request_password_reset(email=staff.person.email)
    links.send_set_password_link(user=pending, actor=coordinator)
    links.request_sign_in_link(email=booked_by_manager.email)
    db.session.commit()
    return {
        coordinator.person.email: PASSWORD,
        staff.person.email: PASSWORD,
        booked_by_manager.email: None,
        pending.person.email: None,
        "pia@kitchen.example.org": None,
        "rhea@millhill.example.org": None,
    }


def sign_in_and_follow(app, client, location: str, email: str, password: str | None):
    """From the sign-in page a link led to, sign in as the recipient and follow on to where it was going."""
    assert location.startswith("/sign-in"), location
    target = parse_qs(urlsplit(location).query).get("next", ["/"])[0]
    sign_in_page = client.get(location)
    assert sign_in_page.status_code == 200
    if password is not None:
        response = client.post(location, data={"email": email, "password": password})
    else:  # no password: the sign-in page's "sign in with a link sent by email", keeping where they were going
        html = sign_in_page.get_data(as_text=True)
        assert "/sign-in-link" in html
        app.test_client().post(f"/sign-in-link?next={target}", data={"email": email})
        response = client.post(emailed_link(to=email, kind="sign_in_link", contains="/sign-in-link/"))
    assert response.status_code == 302, (email, location)
    assert response.headers["Location"] == target
    return client.get(target), target


def expected_text(path: str, email: str) -> str:
    if path.startswith(("/book/places/", "/book/requests/", "/bookings/", "/sessions/")):
        return COURSE
    if path.startswith("/choose-password/"):
        return email
    if path.startswith("/sign-in-link/"):
        return "Sign in to Prevent training"
    if path.startswith("/forgotten-password"):
        return "Forgotten your password?"
    return "Prevent training"


def test_every_link_in_every_kind_of_email_leads_somewhere_that_works(app):
    passwords = make_one_of_each_kind()
    messages = db.session.scalars(select(OutboxMessage).order_by(OutboxMessage.id)).all()
    assert {m.kind for m in messages} >= KINDS, KINDS - {m.kind for m in messages}

    to_follow: set[tuple[str, str, str]] = set()
    for message in messages:
        found = links_in(render_outgoing(message).body_text, render_outgoing(message).body_html)
        assert found or message.kind in WITHOUT_LINKS, f"{message.kind} has no link"
        for url in found:
            assert url.startswith(app.config["TRACKER_BASE_URL"]), (message.kind, url)
            to_follow.add((message.recipient_email, path_of(url) or "/", message.kind))
    # Emailed single-use links first: signing in someone without a password later asks for a new sign-in link,
    # which ends the one in their sign-in email.
    single_use = ("/sign-in-link/", "/choose-password/")
    followed = 0
    for email, path, kind in sorted(to_follow, key=lambda item: (not item[1].startswith(single_use), item)):
        client = app.test_client()
        response = client.get(path)
        final = path
        if response.status_code == 302:
            # Only the home page sends someone without a password to sign in: their booking links are signed.
            assert passwords[email] is not None or path == "/", (kind, email, path)
            response, final = sign_in_and_follow(app, client, response.headers["Location"], email, passwords[email])
        assert response.status_code == 200, (kind, email, path, response.status_code)
        html = response.get_data(as_text=True)
        assert expected_text(final, email) in html, (kind, path)
        assert "Sign in to Prevent training" not in html or final.startswith("/sign-in-link/"), (kind, path)
        followed += 1
    assert followed >= len(KINDS)
