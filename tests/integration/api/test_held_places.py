"""/api/v1/sessions/<id>/held-places: seat quotas through the API, with the page's rules and JSON errors."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_booking, make_organisation, make_person, make_session, make_user
from tracker.accounts.models import Role
from tracker.accounts.services import create_api_token
from tracker.common.time import today_london, utc_now
from tracker.extensions import db


@pytest.fixture
def api(app):
    def as_user(user):
        client = app.test_client()
        client.environ_base["HTTP_AUTHORIZATION"] = f"Bearer {create_api_token(user=user)}"
        return client

    return as_user


def test_the_coordinator_holds_places_and_lists_them(app, api):
    homes = make_organisation(name="Barnet Homes")
    training_session = make_session(capacity=10, starts_at=utc_now() + timedelta(days=30))
    coordinator = make_user(Role.COORDINATOR)
    db.session.commit()
    client = api(coordinator)
    release_on = (today_london() + timedelta(days=20)).isoformat()
    created = client.post(
        f"/api/v1/sessions/{training_session.id}/held-places",
        json={"organisation_id": homes.id, "places": 4, "release_on": release_on},
    )
    assert created.status_code == 201, created.json
    assert created.json | {"id": 0} == {
        "id": 0,
        "organisation_id": homes.id,
        "places": 4,
        "release_on": release_on,
        "released": False,
    }
    listed = client.get(f"/api/v1/sessions/{training_session.id}/held-places")
    assert [q["places"] for q in listed.json] == [4]


def test_too_many_places_is_a_422_naming_the_field_and_others_may_not_hold_places(app, api):
    homes, council = make_organisation(name="Barnet Homes"), make_organisation()
    training_session = make_session(capacity=2, starts_at=utc_now() + timedelta(days=30))
    make_booking(training_session, make_person(organisation=council))
    coordinator, trainer = make_user(Role.COORDINATOR), make_user(Role.TRAINER)
    db.session.commit()
    body = {"organisation_id": homes.id, "places": 2, "release_on": (today_london() + timedelta(days=5)).isoformat()}
    refused = api(coordinator).post(f"/api/v1/sessions/{training_session.id}/held-places", json=body)
    assert refused.status_code == 422
    assert "Only 1 of the 2 places" in str(refused.json)
    assert api(trainer).post(f"/api/v1/sessions/{training_session.id}/held-places", json=body).status_code == 403
    assert api(coordinator).get("/api/v1/sessions/999999/held-places").status_code == 404
