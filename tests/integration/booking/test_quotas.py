"""Seat quotas: places of a session held for an organisation's people until a release date, then anyone's
(`tracker.booking.quotas`, `tracker.booking.seat_rule`), through the service, the command and the pages."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
import time_machine
from sqlalchemy import select

from tests.factories import make_booking, make_organisation, make_person, make_session, make_user
from tracker.accounts.models import Role
from tracker.booking import quotas, services
from tracker.booking.models import Booking, BookingStatus, SeatQuota
from tracker.common.time import start_of_london_day, today_london, utc_now
from tracker.extensions import db


@pytest.fixture
def homes():
    return make_organisation(name="Barnet Homes")


@pytest.fixture
def council():
    return make_organisation(name="London Borough of Barnet")


@pytest.fixture
def coordinator():
    return make_user(Role.COORDINATOR)


def _hold(training_session, organisation, places, coordinator, release_on=None):
    release_on = release_on or today_london() + timedelta(days=7)
    return quotas.add_quota(
        training_session=training_session,
        organisation=organisation,
        places=places,
        release_on=release_on,
        actor=coordinator,
    )


def test_held_places_wait_for_their_organisation_while_others_join_the_waiting_list(app, homes, council, coordinator):
    training_session = make_session(capacity=4)
    _hold(training_session, homes, 2, coordinator)
    others = [make_booking(training_session, make_person(organisation=council)) for _ in range(3)]
    assert [b.status for b in others] == ["confirmed", "confirmed", "waitlisted"]
    tenant_officer = make_booking(training_session, make_person(organisation=homes))
    assert tenant_officer.status == BookingStatus.CONFIRMED
    assert services.count_seats_taken(training_session.id) == 3  # one held place is still free, for Homes only


def test_an_organisation_beyond_its_quota_competes_for_the_open_places(app, homes, council, coordinator):
    training_session = make_session(capacity=3)
    _hold(training_session, homes, 1, coordinator)
    statuses = [make_booking(training_session, make_person(organisation=homes)).status for _ in range(4)]
    assert statuses == ["confirmed", "confirmed", "confirmed", "waitlisted"]


def test_at_the_release_the_waiting_list_gets_the_places_before_a_newcomer(app, homes, council, coordinator):
    training_session = make_session(capacity=2, starts_at=utc_now() + timedelta(days=30))
    _hold(training_session, homes, 1, coordinator, release_on=today_london() + timedelta(days=5))
    make_booking(training_session, make_person(organisation=council))
    waiting = make_booking(training_session, make_person(organisation=council))
    assert waiting.status == BookingStatus.WAITLISTED
    after_release = start_of_london_day(today_london() + timedelta(days=5)) + timedelta(minutes=1)
    newcomer = make_booking(training_session, make_person(organisation=council), now=after_release)
    db.session.refresh(waiting)
    assert waiting.status == BookingStatus.CONFIRMED, "the released place went to the first in line"
    assert newcomer.status == BookingStatus.WAITLISTED


def test_the_release_command_gives_released_places_to_the_waiting_lists_once(app, runner, homes, council, coordinator):
    training_session = make_session(capacity=1, starts_at=utc_now() + timedelta(days=30))
    quota = _hold(training_session, homes, 1, coordinator, release_on=today_london() + timedelta(days=3))
    waiting = make_booking(training_session, make_person(organisation=council))
    assert waiting.status == BookingStatus.WAITLISTED
    db.session.commit()
    with time_machine.travel(quota.released_at + timedelta(minutes=5)):
        first = runner.invoke(args=["bookings", "release-quotas"])
        second = runner.invoke(args=["bookings", "release-quotas"])
    assert first.exit_code == 0, first.output
    assert "Gave 1 released place" in first.output
    assert "Gave 0 released places" in second.output
    db.session.expire_all()
    assert db.session.get(Booking, waiting.id).status == BookingStatus.CONFIRMED
    assert db.session.get(SeatQuota, quota.id).release_done_at is not None


def test_releasing_early_offers_the_places_to_the_waiting_list(app, homes, council, coordinator):
    training_session = make_session(capacity=1)
    quota = _hold(training_session, homes, 1, coordinator)
    waiting = make_booking(training_session, make_person(organisation=council))
    promoted = quotas.remove_quota(quota=quota, actor=coordinator)
    assert [b.id for b in promoted] == [waiting.id]


@pytest.mark.parametrize(
    ("places", "release_in_days", "field", "message"),
    [
        (0, 7, "places", "Enter the number of places to hold, 1 or more"),
        (3, 7, "places", "Only 2 of the 4 places can be held for Barnet Homes"),
        (1, 0, "release_on", "The release date must be after today"),
        (1, 60, "release_on", "no later than the session"),
    ],
)
def test_places_that_cannot_be_held_are_refused_next_to_the_field(
    app, homes, council, coordinator, places, release_in_days, field, message
):
    training_session = make_session(capacity=4, starts_at=utc_now() + timedelta(days=30))
    make_booking(training_session, make_person(organisation=council))
    make_booking(training_session, make_person(organisation=council))
    with pytest.raises(quotas.QuotaError) as refused:
        _hold(training_session, homes, places, coordinator, release_on=today_london() + timedelta(days=release_in_days))
    assert refused.value.field == field
    assert message in refused.value.message


def test_a_second_quota_for_the_same_organisation_is_refused(app, homes, coordinator):
    training_session = make_session(capacity=10)
    _hold(training_session, homes, 2, coordinator)
    with pytest.raises(quotas.QuotaError, match="already held for Barnet Homes"):
        _hold(training_session, homes, 1, coordinator)


def test_capacity_cannot_fall_below_what_is_held_and_booked(app, homes, council, coordinator):
    training_session = make_session(capacity=5)
    _hold(training_session, homes, 3, coordinator)
    make_booking(training_session, make_person(organisation=council))
    make_booking(training_session, make_person(organisation=council))
    with pytest.raises(services.CapacityError, match="places held for organisations"):
        services.change_capacity(training_session=training_session, capacity=4)


# --- The pages ---------------------------------------------------------------------------------------------


def test_the_coordinator_holds_places_and_a_booker_sees_them_held(app, signed_in, homes, council, coordinator):
    training_session = make_session(capacity=2)
    make_booking(training_session, make_person(organisation=council))
    db.session.commit()
    client = signed_in(coordinator)
    page = client.get(f"/sessions/{training_session.id}/held-places")
    assert page.status_code == 200
    assert "No places are held" in page.text
    release_on = (today_london() + timedelta(days=7)).isoformat()
    answer = client.post(
        f"/sessions/{training_session.id}/held-places",
        data={"organisation": str(homes.id), "places": "1", "release_on": release_on},
        follow_redirects=True,
    )
    assert "1 place held for Barnet Homes" in answer.text
    assert db.session.scalar(select(SeatQuota.places).where(SeatQuota.session_id == training_session.id)) == 1

    outsider = signed_in(make_user(Role.STAFF, organisation=council))
    html = outsider.get(f"/sessions/{training_session.id}").text
    assert "1 place is held for Barnet Homes; anyone can book it from" in html
    assert "Full for you – join the waiting list" in html
    assert "Join the waiting list" in html
    insider = signed_in(make_user(Role.STAFF, organisation=homes))
    html = insider.get(f"/sessions/{training_session.id}").text
    assert "1 place you can book" in html
    assert "Book a place" in html


def test_a_refused_quota_is_shown_next_to_its_field_and_nothing_is_held(app, signed_in, homes, coordinator):
    training_session = make_session(capacity=2)
    db.session.commit()
    answer = signed_in(coordinator).post(
        f"/sessions/{training_session.id}/held-places",
        data={"organisation": str(homes.id), "places": "3", "release_on": "2020-01-01"},
    )
    assert answer.status_code == 200
    assert "govuk-error-summary" in answer.text
    assert 'id="release_on-error"' in answer.text or 'id="places-error"' in answer.text
    assert db.session.scalar(select(SeatQuota.id)) is None


def test_only_the_coordinator_may_hold_places(app, signed_in):
    training_session = make_session(capacity=2)
    db.session.commit()
    for role in (Role.STAFF, Role.TRAINER, Role.MANAGER):
        assert signed_in(make_user(role)).get(f"/sessions/{training_session.id}/held-places").status_code == 403


def test_a_release_date_is_the_start_of_a_london_day(app, homes, coordinator):
    training_session = make_session(capacity=2, starts_at=utc_now() + timedelta(days=200))
    summer = date(today_london().year + 1, 7, 1)
    if summer > today_london() + timedelta(days=199):
        summer = today_london() + timedelta(days=100)
    quota = _hold(training_session, homes, 1, coordinator, release_on=summer)
    assert quota.released_at == start_of_london_day(summer)
