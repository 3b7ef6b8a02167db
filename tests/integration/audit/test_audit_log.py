"""The audit log page: sign-ins, failures, denials and changes, filterable, coordinator only."""

from __future__ import annotations

from tests.conftest import sign_in
from tests.factories import make_booking, make_session, make_user
from tracker.accounts.models import Role


def test_coordinator_sees_sign_ins_failures_and_denials(app, client, signed_in):
    staff = make_user(Role.STAFF)
    client.post("/sign-in", data={"email": staff.person.email, "password": "wrong password here"})
    staff_client = signed_in(staff)
    assert staff_client.get("/audit").status_code == 403  # a denial, itself audited
    coordinator = signed_in(make_user(Role.COORDINATOR))
    page = coordinator.get("/audit").get_data(as_text=True)
    for action in ("auth.sign_in_failed", "auth.signed_in", "permission.denied"):
        assert action in page
    filtered = coordinator.get("/audit?action=permission").get_data(as_text=True)
    assert "permission.denied" in filtered and "auth.signed_in" not in filtered


def test_booking_changes_appear_with_before_and_after(app, signed_in):
    booking = make_booking(make_session(capacity=1))
    page = signed_in(make_user(Role.COORDINATOR)).get("/audit?object_type=booking").get_data(as_text=True)
    assert "booking.created" in page and "confirmed" in page
    assert str(booking.id) in page


def test_the_list_is_paginated_with_a_bounded_number_of_queries(app, client, queries, db):
    from tracker.common.audit import record_event

    coordinator = make_user(Role.COORDINATOR)
    sign_in(client, coordinator)
    for n in range(10):
        record_event("test.event", actor_label=f"tester {n}")
    db.session.commit()
    with queries() as few:
        client.get("/audit")
    for n in range(200):
        record_event("test.event", actor_label=f"tester {n}")
    db.session.commit()
    with queries() as many:
        page = client.get("/audit").get_data(as_text=True)
    assert few.count == many.count
    assert "govuk-pagination" in page


def test_bad_filter_dates_are_shown_as_errors(app, signed_in):
    page = signed_in(make_user(Role.COORDINATOR)).get("/audit?from_date=31/12/2026").get_data(as_text=True)
    assert "must be a real date" in page


def test_no_secrets_in_the_log(app, signed_in, db):
    from tracker.common.audit import AuditEvent, record_event

    record_event("test.secret", actor_label="x", after={"password": "hunter2", "token": "abc", "name": "ok"})
    db.session.flush()
    event = db.session.query(AuditEvent).filter_by(action="test.secret").one()
    assert event.after == {"name": "ok"}
