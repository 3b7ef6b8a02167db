"""Booking without an account: nothing is taken until the emailed link is followed (issue 16, items 1 and 2).

One address once held 15 of 30 places for a day with 15 made-up emails, and the form told anyone whether an
email was already booked. Now the form's answer is the same for every address, the email goes to the address
itself (a booking link, or "you are already booked"), and only the button behind the link books a place.
"""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine
from sqlalchemy import func, select

from tests.conftest import make_config
from tests.factories import make_booking, make_course, make_organisation, make_person, make_session
from tracker.booking import services as booking_services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.time import utc_now
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage
from tracker.people.models import Organisation, OrganisationKind, Person
from tracker.requests import public_booking


@pytest.fixture
def mencap(app):
    return make_organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR)


def _form(organisation, **overrides):
    return {
        "first_name": "Dee",
        "last_name": "Volunteer",
        "email": "Dee@Example.org",
        "organisation_id": organisation.id,
        **overrides,
    }


def _emails(db, kind: str, to: str | None = None) -> list[OutboxMessage]:
    statement = select(OutboxMessage).where(OutboxMessage.kind == kind).order_by(OutboxMessage.id)
    if to:
        statement = statement.where(OutboxMessage.recipient_email == to)
    return list(db.session.scalars(statement))


def _request_link(db, to: str = "dee@example.org") -> str:
    message = _emails(db, "public_booking_request", to)[-1]
    return re.search(r"(/book/requests/[^\s\"<]+)", render_outgoing(message).body_text).group(1)


def _bookings(db) -> int:
    return db.session.scalar(select(func.count(Booking.id)))


def test_nothing_is_booked_until_the_emailed_link_is_followed(app, client, db, mencap):
    training_session = make_session(capacity=2)
    response = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    assert response.status_code == 302 and response.headers["Location"].endswith("/book/check-your-email")
    assert _bookings(db) == 0 and booking_services.places_left(training_session) == 2
    assert db.session.scalar(select(func.count(Person.id))) == 0
    link = _request_link(db)
    page = client.get(link)
    assert page.status_code == 200 and "Book my place" in page.get_data(as_text=True)
    assert _bookings(db) == 0  # a GET changes nothing (mail scanners follow links)
    done = client.post(link)
    assert done.status_code == 200 and "Your place is booked" in done.get_data(as_text=True)
    booking = db.session.scalars(select(Booking)).one()
    assert booking.status == BookingStatus.CONFIRMED and booking.source == BookingSource.PUBLIC
    assert booking.person.email == "dee@example.org" and booking.person.organisation_id == mencap.id
    assert _emails(db, "booking_confirmed", "dee@example.org")  # the calendar invitation
    again = client.post(link)
    assert again.status_code == 409 and "You are already booked" in again.get_data(as_text=True)
    assert _bookings(db) == 1


def test_one_address_cannot_empty_a_session(app, client, db, mencap):
    training_session = make_session(capacity=30)
    for n in range(15):
        response = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap, email=f"x{n}@made.up"))
        assert response.status_code == 302
    assert booking_services.places_left(training_session) == 30 and _bookings(db) == 0
    assert len(_emails(db, "public_booking_request")) == 15  # each to the address it names, nothing held


@pytest.fixture
def limited_app(database_url):
    """The app with the production limit on (5 posts an hour per client address), and a public session."""
    from tests.support.databases import clean_tables
    from tracker import create_app
    from tracker.extensions import db as database

    limited = create_app(make_config(database_url, RATELIMIT_ENABLED=True, RATELIMIT_STORAGE_URI="memory://"))
    clean_tables(limited)
    with limited.app_context():
        organisation = make_organisation(name="Barnet MENCAP", kind=OrganisationKind.THIRD_SECTOR)
        training_session = make_session(capacity=30)
        database.session.commit()
        yield limited, training_session.id, organisation.id
        database.session.remove()
        database.engine.dispose()


def test_one_address_may_ask_five_times_an_hour(limited_app):
    app, session_id, organisation_id = limited_app
    client = app.test_client()
    statuses = [
        client.post(
            f"/book/sessions/{session_id}",
            data={
                "first_name": "Dee",
                "last_name": "V",
                "email": f"dee{n}@example.org",
                "organisation_id": organisation_id,
            },
        ).status_code
        for n in range(6)
    ]
    assert statuses == [302] * 5 + [429]


def test_the_answer_is_the_same_whether_or_not_the_email_is_booked(app, client, db, mencap):
    training_session = make_session(capacity=5)
    tom = make_person(first_name="Tom", last_name="Walker", email="tom.walker@barnet.example")
    make_booking(training_session, tom)
    db.session.commit()
    booked = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap, email="Tom.Walker@barnet.example"))
    fresh = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap, email="someone@new.example"))
    assert (booked.status_code, booked.headers["Location"]) == (fresh.status_code, fresh.headers["Location"])
    assert client.get(booked.headers["Location"]).get_data(as_text=True) == client.get(
        fresh.headers["Location"]
    ).get_data(as_text=True)
    # Tom is told by email, with a link to his own booking; nothing changes.
    [note] = _emails(db, "public_already_booked", "tom.walker@barnet.example")
    assert "You already have a place at this session" in render_outgoing(note).body_text
    assert not _emails(db, "public_booking_request", "tom.walker@barnet.example")
    assert _bookings(db) == 1


def test_a_full_session_puts_the_proven_address_on_the_waiting_list(app, client, db, mencap):
    training_session = make_session(capacity=1)
    client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    make_booking(training_session)  # the last place goes before Dee follows the link
    done = client.post(_request_link(db))
    assert "You are on the waiting list" in done.get_data(as_text=True)
    booking = db.session.scalar(select(Booking).where(Booking.source == BookingSource.PUBLIC))
    assert booking.status == BookingStatus.WAITLISTED


def test_the_link_expires_after_a_day(app, client, db, mencap):
    training_session = make_session(capacity=2, starts_at=utc_now() + timedelta(days=10))
    client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    link = _request_link(db)
    with time_machine.travel(utc_now() + timedelta(hours=25)):
        for response in (client.get(link), client.post(link)):
            assert response.status_code == 410
            assert "This link has expired" in response.get_data(as_text=True)
    assert _bookings(db) == 0


def test_a_tampered_link_says_so(app, client, mencap):
    for path in ("/book/requests/not-a-real-token", "/book/places/not-a-real-token/confirm"):
        response = client.get(path)
        assert response.status_code in (404, 410)
        assert "This link is not valid" in response.get_data(as_text=True)


def test_the_same_email_is_the_same_person(app, client, db, mencap):
    for training_session in (make_session(), make_session(course=make_course())):  # one place per course
        client.post(f"/book/sessions/{training_session.id}", data=_form(mencap, email="DEE@example.org"))
        client.post(_request_link(db))
    assert db.session.query(Person).filter_by(email="dee@example.org").count() == 1
    assert _bookings(db) == 2


def test_a_new_organisation_is_created_for_review_only_when_the_link_is_followed(app, client, db):
    training_session = make_session()
    response = client.post(
        f"/book/sessions/{training_session.id}",
        data=_form(Organisation(id=0), organisation_id=0, new_organisation_name="Barnet  Refugee Service"),
    )
    assert response.status_code == 302
    assert db.session.query(Organisation).filter_by(name="Barnet Refugee Service").count() == 0
    client.post(_request_link(db))
    organisation = db.session.query(Organisation).filter_by(name="Barnet Refugee Service").one()
    assert organisation.needs_review and organisation.kind == OrganisationKind.THIRD_SECTOR


def test_cancel_from_the_booking_email(app, client, db, mencap):
    training_session = make_session(capacity=1)
    client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    client.post(_request_link(db))
    invite = _emails(db, "booking_confirmed", "dee@example.org")[-1]
    cancel = re.search(r"(/book/places/[^/\s]+/cancel)", render_outgoing(invite).body_text).group(1)
    assert "Cancel my place" in client.get(cancel).get_data(as_text=True)
    assert "Your place is cancelled" in client.post(cancel).get_data(as_text=True)
    assert client.post(cancel).status_code == 409


def test_sessions_restricted_to_other_organisations_are_not_public(app, client, mencap):
    council_only = make_session(audience=[make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)])
    assert client.get(f"/book/sessions/{council_only.id}").status_code == 404
    with pytest.raises(public_booking.PublicBookingError):
        public_booking.check_request(
            training_session=council_only,
            first_name="A",
            last_name="B",
            email="a@b.org",
            organisation_id=mencap.id,
            new_organisation_name=None,
        )
    for_mencap = make_session(audience=[mencap])
    assert client.get(f"/book/sessions/{for_mencap.id}").status_code == 200
    assert f"/book/sessions/{for_mencap.id}" in client.get("/book").get_data(as_text=True)


def test_form_errors_keep_what_was_typed(app, client, db, mencap):
    training_session = make_session()
    page = client.post(
        f"/book/sessions/{training_session.id}", data=_form(mencap, email="nope", first_name="")
    ).get_data(as_text=True)
    assert "Enter your first name" in page and "Enter an email address in the correct format" in page
    assert 'value="Volunteer"' in page
    page = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap, organisation_id=0)).get_data(
        as_text=True
    )
    assert "Choose your organisation, or enter its name" in page
    assert _bookings(db) == 0 and not _emails(db, "public_booking_request")


def _held_place(training_session, mencap) -> Booking:
    """A place held the way the page worked before (a 24-hour hold): such holds still lapse and confirm."""
    person = make_person(organisation=mencap, email="held@example.org")
    return booking_services.book_place(
        training_session=training_session,
        person=person,
        booked_by=person,
        source=BookingSource.PUBLIC,
        hold_until=utc_now() + timedelta(hours=public_booking.HOLD_HOURS),
    )


def test_places_held_the_earlier_way_still_lapse_and_promote_the_waitlist(app, db, runner, mencap):
    training_session = make_session(capacity=1)
    held = _held_place(training_session, mencap)
    waiting = make_booking(training_session)
    db.session.commit()
    assert booking_services.lapse_expired_holds(now=utc_now() + timedelta(hours=23)) == 0
    with time_machine.travel(utc_now() + timedelta(hours=25)):
        result = runner.invoke(args=["bookings", "lapse-holds"])
    assert result.exit_code == 0 and "Released 1 unconfirmed place" in result.output
    db.session.expire_all()
    assert db.session.get(Booking, held.id).status == BookingStatus.CANCELLED
    assert db.session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED


def test_a_place_held_the_earlier_way_confirms_from_its_link(app, client, db, mencap):
    training_session = make_session(capacity=2)
    held = _held_place(training_session, mencap)
    db.session.commit()
    confirm = f"/book/places/{public_booking.link_token(held)}/confirm"
    assert "Confirm my place" in client.get(confirm).get_data(as_text=True)
    assert "Your place is confirmed" in client.post(confirm).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, held.id).status == BookingStatus.CONFIRMED
