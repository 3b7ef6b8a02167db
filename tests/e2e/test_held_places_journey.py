"""The coordinator holds places on a session for Barnet Homes; a council officer then sees the session full for
them while a Homes officer can still book (seat quotas, in Chromium, with axe on each page)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.e2e.conftest import DEMO_PASSWORD, fill_date


@pytest.fixture
def people(demo_data) -> dict:
    """A coordinator, an officer of each organisation, and a session with two places, one already booked."""
    from tests.factories import make_booking, make_organisation, make_person, make_session, make_user
    from tracker.accounts.models import Role
    from tracker.common.time import utc_now

    with demo_data():
        homes = make_organisation(name="Held Places Homes")
        council = make_organisation(name="Held Places Council")
        training_session = make_session(capacity=2, starts_at=utc_now() + timedelta(days=40), title="Quota journey")
        make_booking(training_session, make_person(organisation=council))
        users = {
            "coordinator": make_user(
                Role.COORDINATOR, password=DEMO_PASSWORD, email="quota.coordinator@barnet.example"
            ),
            "outsider": make_user(
                Role.STAFF, password=DEMO_PASSWORD, organisation=council, email="quota.out@barnet.example"
            ),
            "insider": make_user(
                Role.STAFF, password=DEMO_PASSWORD, organisation=homes, email="quota.in@barnet.example"
            ),
        }
        return {
            "session_id": training_session.id,
            "homes_id": homes.id,
            "emails": {name: user.person.email for name, user in users.items()},
        }


def test_places_held_for_an_organisation_are_booked_only_by_its_people(open_page, people):
    from tracker.common.time import today_london

    coordinator = open_page("coordinator")
    coordinator.sign_in(people["emails"]["coordinator"])
    coordinator.goto(f"/sessions/{people['session_id']}/held-places")
    coordinator.check("no places held")
    coordinator.press_button("Hold places")
    assert "There is a problem" in coordinator.page.locator("main").inner_text()
    coordinator.check("hold places errors")
    coordinator.page.select_option("#organisation", str(people["homes_id"]))
    coordinator.page.fill("#places", "1")
    fill_date(coordinator.page, "release_on", today_london() + timedelta(days=10))
    coordinator.press_button("Hold places")
    assert "1 place held for Held Places Homes" in coordinator.flash()
    coordinator.check("one place held")

    outsider = open_page("outsider")
    outsider.sign_in(people["emails"]["outsider"])
    outsider.goto(f"/sessions/{people['session_id']}")
    text = outsider.page.locator("main").inner_text()
    assert "Full for you – join the waiting list" in text
    assert "1 place is held for Held Places Homes" in text
    outsider.check("session full for an outsider")

    insider = open_page("insider")
    insider.sign_in(people["emails"]["insider"])
    insider.goto(f"/sessions/{people['session_id']}")
    insider.press_button("Book a place")
    assert "You are booked" in insider.page.locator("main").inner_text()
