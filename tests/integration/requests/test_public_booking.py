"""Booking without an account: a held place, confirmed through a button, lapsing after 24 hours."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
import time_machine

from tests.factories import make_booking, make_organisation, make_person, make_session
from tracker.booking import services as booking_services
from tracker.booking.models import Booking, BookingStatus
from tracker.common.time import utc_now
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


def _links(db):
    message = (
        db.session.query(OutboxMessage).filter_by(kind="hold_confirmation").order_by(OutboxMessage.id.desc()).first()
    )
    confirm = re.search(r"(/book/places/[^/\s]+/confirm)", message.body_text).group(1)
    cancel = re.search(r"(/book/places/[^/\s]+/cancel)", message.body_text).group(1)
    return confirm, cancel


def test_hold_then_confirm_through_the_button(app, client, db, mencap):
    training_session = make_session(capacity=2)
    response = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    assert response.status_code == 302 and "check-your-email" in response.headers["Location"]
    booking = db.session.query(Booking).one()
    assert booking.status == BookingStatus.HELD and booking.person.email == "dee@example.org"
    assert booking_services.places_left(training_session) == 1  # a hold takes a seat
    confirm, _ = _links(db)
    page = client.get(confirm)
    assert page.status_code == 200 and "Confirm my place" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.HELD  # GET changed nothing
    assert "Your place is confirmed" in client.post(confirm).get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, booking.id).status == BookingStatus.CONFIRMED
    again = client.post(confirm)
    assert again.status_code == 409 and "already confirmed" in again.get_data(as_text=True)


def test_an_unconfirmed_hold_lapses_frees_the_seat_and_promotes_the_waitlist(app, client, db, mencap):
    training_session = make_session(capacity=1)
    client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    waiting = make_booking(training_session)
    assert waiting.status == BookingStatus.WAITLISTED
    confirm, _ = _links(db)
    with time_machine.travel(utc_now() + timedelta(hours=25)):
        response = client.post(confirm)
        assert response.status_code == 409 and "released" in response.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED


def test_the_lapse_job_frees_seats_too(app, db, mencap):
    training_session = make_session(capacity=1)
    held = public_booking.hold_place(
        training_session=training_session,
        first_name="A",
        last_name="B",
        email="a@b.org",
        organisation_id=mencap.id,
        new_organisation_name=None,
    )
    waiting = make_booking(training_session)
    assert booking_services.lapse_expired_holds(now=utc_now() + timedelta(hours=23)) == 0
    assert booking_services.lapse_expired_holds(now=utc_now() + timedelta(hours=25)) == 1
    assert held.status == BookingStatus.CANCELLED and waiting.status == BookingStatus.CONFIRMED


def test_the_same_email_is_the_same_person(app, db, mencap):
    first, second = make_session(), make_session()
    for training_session in (first, second):
        public_booking.hold_place(
            training_session=training_session,
            first_name="Dee",
            last_name="V",
            email="DEE@example.org",
            organisation_id=mencap.id,
            new_organisation_name=None,
        )
    assert db.session.query(Person).filter_by(email="dee@example.org").count() == 1


def test_a_new_organisation_is_created_for_review(app, client, db):
    training_session = make_session()
    response = client.post(
        f"/book/sessions/{training_session.id}",
        data=_form(Organisation(id=0), organisation_id=0, new_organisation_name="Barnet Refugee Service"),
    )
    assert response.status_code == 302
    organisation = db.session.query(Organisation).filter_by(name="Barnet Refugee Service").one()
    assert organisation.needs_review and organisation.kind == OrganisationKind.THIRD_SECTOR


def test_cancel_from_the_email_link(app, client, db, mencap):
    training_session = make_session(capacity=1)
    client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    _, cancel = _links(db)
    assert "Cancel my place" in client.get(cancel).get_data(as_text=True)
    assert "Your place is cancelled" in client.post(cancel).get_data(as_text=True)
    assert client.post(cancel).status_code == 409


def test_a_tampered_link_says_so(app, client, mencap):
    assert client.get("/book/places/not-a-real-token/confirm").status_code == 404


def test_sessions_restricted_to_other_organisations_are_not_public(app, client, mencap):
    council_only = make_session(audience=[make_organisation(kind=OrganisationKind.LOCAL_AUTHORITY)])
    assert client.get(f"/book/sessions/{council_only.id}").status_code == 404
    with pytest.raises(public_booking.PublicBookingError):
        public_booking.hold_place(
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
    assert db.session.query(Booking).count() == 0


def test_booking_twice_says_already_booked(app, client, db, mencap):
    training_session = make_session()
    client.post(f"/book/sessions/{training_session.id}", data=_form(mencap))
    page = client.post(f"/book/sessions/{training_session.id}", data=_form(mencap)).get_data(as_text=True)
    assert "already booked" in page
    make_person()  # unrelated people do not matter
    assert db.session.query(Booking).count() == 1


def test_the_lapse_command_releases_holds_from_cron(app, db, runner, mencap):
    training_session = make_session(capacity=1)
    public_booking.hold_place(
        training_session=training_session,
        first_name="A",
        last_name="B",
        email="a@b.org",
        organisation_id=mencap.id,
        new_organisation_name=None,
    )
    waiting = make_booking(training_session)
    db.session.commit()
    with time_machine.travel(utc_now() + timedelta(hours=25)):
        result = runner.invoke(args=["bookings", "lapse-holds"])
    assert result.exit_code == 0 and "Released 1 unconfirmed place" in result.output
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED
