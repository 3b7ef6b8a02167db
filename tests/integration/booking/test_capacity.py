"""The capacity rule and the waiting list, on each database backend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_booking, make_organisation, make_person, make_session
from tracker.booking import services
from tracker.booking.models import BookingSource, BookingStatus
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus


def statuses(training_session):
    return [b.status for b in services.list_bookings_for_session(training_session.id)]


def test_books_confirmed_until_full_then_waitlists(app):
    training_session = make_session(capacity=2)
    first, second, third = (make_booking(training_session) for _ in range(3))
    assert [first.status, second.status, third.status] == ["confirmed", "confirmed", "waitlisted"]
    assert services.places_left(training_session) == 0
    assert services.waitlist_positions([third.id]) == {third.id: 1}


def test_cancelling_a_seat_promotes_the_first_waitlisted_in_the_same_transaction(app, db):
    training_session = make_session(capacity=1)
    seated = make_booking(training_session)
    early = make_booking(training_session)
    late = make_booking(training_session)
    promoted = services.cancel_booking(booking=seated, cancelled_by=seated.person)
    assert promoted == [early]
    assert early.status == BookingStatus.CONFIRMED and late.status == BookingStatus.WAITLISTED
    assert services.waitlist_positions([late.id]) == {late.id: 1}
    assert early.sequence == 1 and seated.sequence == 1


def test_cancelling_a_waitlist_place_promotes_nobody(app):
    training_session = make_session(capacity=1)
    make_booking(training_session)
    waiting = make_booking(training_session)
    assert services.cancel_booking(booking=waiting, cancelled_by=None) == []
    assert services.cancel_booking(booking=waiting, cancelled_by=None) == []  # twice changes nothing


def test_capacity_increase_promotes_as_many_as_fit(app):
    training_session = make_session(capacity=1)
    for _ in range(4):
        make_booking(training_session)
    promoted = services.change_capacity(training_session=training_session, capacity=3)
    assert len(promoted) == 2
    assert statuses(training_session).count(BookingStatus.CONFIRMED) == 3
    assert statuses(training_session).count(BookingStatus.WAITLISTED) == 1


def test_capacity_cannot_drop_below_seats_taken(app):
    training_session = make_session(capacity=3)
    make_booking(training_session)
    make_booking(training_session)
    with pytest.raises(services.CapacityError, match="2 places already booked"):
        services.change_capacity(training_session=training_session, capacity=1)


def test_nobody_is_promoted_after_booking_closes(app):
    now = utc_now()
    training_session = make_session(capacity=1, booking_closes_at=now + timedelta(hours=1))
    seated = make_booking(training_session, now=now)
    waiting = make_booking(training_session, now=now)
    after_close = now + timedelta(hours=2)
    assert services.cancel_booking(booking=seated, cancelled_by=None, now=after_close) == []
    assert waiting.status == BookingStatus.WAITLISTED
    assert services.change_capacity(training_session=training_session, capacity=5, now=after_close) == []


def test_nobody_is_promoted_once_the_session_has_started(app):
    now = utc_now()
    training_session = make_session(capacity=1, starts_at=now + timedelta(days=1))
    seated = make_booking(training_session, now=now)
    waiting = make_booking(training_session, now=now)
    services.cancel_booking(booking=seated, cancelled_by=None, now=training_session.starts_at + timedelta(minutes=1))
    assert waiting.status == BookingStatus.WAITLISTED


def test_booking_refused_when_closed_draft_cancelled_or_not_yet_open(app):
    now = utc_now()
    person = make_person()
    closed = make_session(booking_closes_at=now - timedelta(minutes=1))
    with pytest.raises(services.BookingClosedError):
        make_booking(closed, person)
    with pytest.raises(services.SessionNotBookableError):
        make_booking(make_session(status=SessionStatus.DRAFT), person)
    with pytest.raises(services.SessionNotBookableError, match="cancelled"):
        make_booking(make_session(status=SessionStatus.CANCELLED), person)
    with pytest.raises(services.BookingClosedError, match="Booking opens"):
        make_booking(make_session(booking_opens_at=now + timedelta(days=1)), person)


def test_one_active_booking_per_person_per_session(app):
    training_session = make_session()
    person = make_person()
    booking = make_booking(training_session, person)
    with pytest.raises(services.AlreadyBookedError):
        make_booking(training_session, person)
    services.cancel_booking(booking=booking, cancelled_by=person)
    again = make_booking(training_session, person)
    assert again.status == BookingStatus.CONFIRMED
    assert again.calendar_uid != booking.calendar_uid  # a re-booking is a new calendar event


def test_the_database_itself_refuses_a_second_active_booking(app, db):
    from sqlalchemy.exc import IntegrityError

    from tracker.booking.models import Booking

    training_session = make_session()
    person = make_person()
    make_booking(training_session, person)
    db.session.add(
        Booking(session_id=training_session.id, person_id=person.id, status="waitlisted", source=BookingSource.SELF)
    )
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_restricted_audience(app):
    barnet_homes = make_organisation(name="Barnet Homes")
    training_session = make_session(audience=[barnet_homes])
    with pytest.raises(services.NotInAudienceError, match="Barnet Homes"):
        make_booking(training_session, make_person())
    assert make_booking(training_session, make_person(organisation=barnet_homes)).status == "confirmed"
    # The coordinator may place anyone.
    assert make_booking(training_session, make_person(), source=BookingSource.COORDINATOR).status == "confirmed"


def test_a_lapsed_hold_gives_its_seat_to_the_next_booking(app, db):
    """The seat count, lapsed holds and the person's own place are read in one statement; a lapsed hold is
    cancelled first (promoting nobody here: nobody waits) and its seat goes to the booking."""
    training_session = make_session(capacity=1)
    held = make_booking(training_session, hold_until=utc_now() + timedelta(hours=24))
    assert held.status == BookingStatus.HELD
    assert make_booking(training_session).status == BookingStatus.WAITLISTED
    later = utc_now() + timedelta(hours=25)
    newcomer = make_booking(training_session, now=later)
    db.session.refresh(held)
    assert held.status == BookingStatus.CANCELLED
    # The waiting list came first: the freed seat went to the person waiting, the newcomer waits.
    assert newcomer.status == BookingStatus.WAITLISTED
    assert services.count_seats_taken(training_session.id) == 1


def test_the_refusal_says_whether_the_person_is_booked_or_waiting(app):
    training_session = make_session(capacity=1)
    booked, waiting = make_person(), make_person()
    make_booking(training_session, booked)
    make_booking(training_session, waiting)
    with pytest.raises(services.AlreadyBookedError, match="already booked on this session"):
        make_booking(training_session, booked)
    with pytest.raises(services.AlreadyBookedError, match="already on the waiting list"):
        make_booking(training_session, waiting)


def test_with_nobody_waiting_the_seat_of_a_lapsed_hold_is_the_newcomers(app, db):
    training_session = make_session(capacity=1)
    held = make_booking(training_session, hold_until=utc_now() + timedelta(hours=24))
    newcomer = make_booking(training_session, now=utc_now() + timedelta(hours=25))
    db.session.refresh(held)
    assert (held.status, newcomer.status) == (BookingStatus.CANCELLED, BookingStatus.CONFIRMED)
