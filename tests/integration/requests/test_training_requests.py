"""Asking for training without an account; the coordinator working the requests; who is not reached."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.conftest import make_config
from tests.factories import make_user
from tracker.accounts.models import Role
from tracker.common.time import utc_now
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage
from tracker.people.models import OrganisationKind
from tracker.requests import services
from tracker.requests.models import RequestStatus, TrainingRequest

GOOD = {
    "organisation_name": "Barnet MIND",
    "organisation_kind": "third_sector",
    "contact_name": "Jo Bloggs",
    "email": "Jo@BarnetMind.org.uk",
    "phone": "020 8000 0000",
    "staff_count": "25",
    "preferred_dates": "Weekday mornings in March",
    "notes": "<b>Volunteers</b> too",
}


def test_a_visitor_sends_a_request_and_gets_an_acknowledgement(app, client, db):
    response = client.post("/request-training", data=GOOD)
    assert response.status_code == 302 and response.headers["Location"].endswith("/request-training/sent")
    training_request = db.session.query(TrainingRequest).one()
    assert training_request.email == "jo@barnetmind.org.uk" and training_request.staff_count == 25
    message = db.session.query(OutboxMessage).one()
    assert message.recipient_email == "jo@barnetmind.org.uk" and "TR-" in render_outgoing(message).body_text
    assert "Request sent" in client.get("/request-training/sent").get_data(as_text=True)


def test_bad_fields_are_named_and_nothing_typed_is_lost(app, client, db):
    bad = {**GOOD, "email": "not-an-email", "staff_count": "lots", "organisation_kind": ""}
    page = client.post("/request-training", data=bad).get_data(as_text=True)
    assert "Enter an email address in the correct format" in page
    assert "Enter how many people would need training, as a whole number" in page
    assert "Select what kind of organisation it is" in page
    assert 'value="Barnet MIND"' in page and "Weekday mornings in March" in page
    assert db.session.query(TrainingRequest).count() == 0


def test_the_honeypot_keeps_nothing_but_looks_successful(app, client, db):
    response = client.post("/request-training", data={**GOOD, "website": "http://spam.example"})
    assert response.status_code == 302
    assert db.session.query(TrainingRequest).count() == 0 and db.session.query(OutboxMessage).count() == 0


def test_markup_is_shown_as_text(app, client, signed_in, db):
    client.post("/request-training", data={**GOOD, "organisation_name": "<script>alert(1)</script> Trust"})
    training_request = db.session.query(TrainingRequest).one()
    page = (
        signed_in(make_user(Role.COORDINATOR)).get(f"/training-requests/{training_request.id}").get_data(as_text=True)
    )
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;alert(1)&lt;/script&gt; Trust" in page
    message = db.session.query(OutboxMessage).one()
    assert "<script>" not in render_outgoing(message).body_html


class TestWithCsrfAndRateLimit:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(database_url, WTF_CSRF_ENABLED=True, RATELIMIT_ENABLED=True, PUBLIC_FORM_LIMIT="2 per hour")

    def test_csrf_is_required_and_sending_is_rate_limited(self, app, client, db):
        from tracker.extensions import limiter

        limiter.reset()
        assert client.post("/request-training", data=GOOD).status_code == 400
        for _ in range(2):
            token = client.csrf_token("/request-training")
            assert client.post("/request-training", data={**GOOD, "csrf_token": token}).status_code == 302
        token = client.csrf_token("/request-training")
        assert client.post("/request-training", data={**GOOD, "csrf_token": token}).status_code == 429
        assert db.session.query(TrainingRequest).count() == 2
        limiter.reset()


def test_coordinator_moves_a_request_on_with_notes(app, client, signed_in, db):
    client.post("/request-training", data=GOOD)
    training_request = db.session.query(TrainingRequest).one()
    coordinator = signed_in(make_user(Role.COORDINATOR))
    assert "Barnet MIND" in coordinator.get("/training-requests?status=new").get_data(as_text=True)
    response = coordinator.post(
        f"/training-requests/{training_request.id}", data={"status": "contacted", "note": "Phoned Jo"}
    )
    assert response.status_code == 302
    page = coordinator.get(f"/training-requests/{training_request.id}").get_data(as_text=True)
    assert "now contacted" in page and "Phoned Jo" in page


def test_the_flow_refuses_impossible_moves(app, db):
    coordinator = make_user(Role.COORDINATOR)
    training_request = services.submit_request(
        organisation_name="X",
        organisation_kind=OrganisationKind.OTHER,
        contact_name="A",
        email="a@b.org",
        phone=None,
        staff_count=3,
        preferred_dates=None,
        notes=None,
    )
    services.change_status(training_request=training_request, status=RequestStatus.CLOSED, note=None, actor=coordinator)
    with pytest.raises(services.RequestError):
        services.change_status(
            training_request=training_request, status=RequestStatus.SCHEDULED, note=None, actor=coordinator
        )


def test_staff_cannot_see_requests(app, signed_in):
    assert signed_in(make_user(Role.STAFF)).get("/training-requests").status_code == 403


def test_a_session_created_from_a_request_is_for_that_organisation_and_schedules_it(app, client, signed_in, db):
    from tests.factories import wrap_course
    from tracker.courses.models import TrainingSession
    from tracker.people.models import Organisation

    client.post("/request-training", data=GOOD)
    training_request = db.session.query(TrainingRequest).one()
    coordinator = signed_in(make_user(Role.COORDINATOR))
    response = coordinator.post(f"/training-requests/{training_request.id}/schedule")
    assert response.status_code == 302 and f"request_id={training_request.id}" in response.headers["Location"]
    mind = db.session.query(Organisation).filter_by(name="Barnet MIND").one()
    assert mind.kind == OrganisationKind.THIRD_SECTOR
    form_page = coordinator.get(response.headers["Location"]).get_data(as_text=True)
    assert "For the training request from Barnet MIND" in form_page
    day = (utc_now() + timedelta(days=30)).date().isoformat()
    created = coordinator.post(
        response.headers["Location"],
        data={
            "course": wrap_course().id,
            "session_date": day,
            "start_time": "10:00",
            "end_time": "12:00",
            "venue": "Barnet MIND, High Street",
            "capacity": "25",
            "audience": "restricted",
            "organisations": [mind.id],
            "lead": coordinator_person_id(db),
            "publish": "Publish",
        },
    )
    assert created.status_code == 302, created.get_data(as_text=True)
    training_session = db.session.query(TrainingSession).one()
    assert training_session.audience_restricted and [o.name for o in training_session.audience] == ["Barnet MIND"]
    db.session.expire_all()
    training_request = db.session.get(TrainingRequest, training_request.id)
    assert training_request.status == RequestStatus.SCHEDULED and training_request.session_id == training_session.id


def coordinator_person_id(db):
    from tracker.accounts.models import UserAccount, UserRole

    return db.session.query(UserAccount).join(UserRole).filter(UserRole.role == "coordinator").one().person_id
