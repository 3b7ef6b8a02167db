"""`flask demo load` builds the seed's world and is idempotent."""

from __future__ import annotations

from sqlalchemy import func, select

from tracker.booking.models import Booking, BookingStatus
from tracker.courses.models import TrainingSession
from tracker.people.models import Organisation, Person


def _counts(db):
    return {
        model.__name__: db.session.scalar(select(func.count()).select_from(model))
        for model in (Organisation, Person, TrainingSession, Booking)
    }


def test_demo_load_twice_changes_nothing_the_second_time(app, db, runner):
    first = runner.invoke(args=["demo", "load"])
    assert first.exit_code == 0, first.output
    assert "sam.rosengard@barnet.example" in first.output
    counts = _counts(db)
    second = runner.invoke(args=["demo", "load"])
    assert second.exit_code == 0, second.output
    assert _counts(db) == counts
    assert counts["Organisation"] >= 14 and counts["Person"] >= 250


def test_demo_has_a_full_session_with_a_waiting_list_and_each_role_can_sign_in(app, db, runner, client):
    runner.invoke(args=["demo", "load"])
    waitlisted = db.session.scalar(
        select(func.count()).select_from(Booking).where(Booking.status == BookingStatus.WAITLISTED)
    )
    assert waitlisted >= 1
    for email in ("sam.rosengard@barnet.example", "helen.okafor@barnet.example", "rachel.green@beh-mht.example"):
        response = app.test_client().post("/sign-in", data={"email": email, "password": "prevent-demo-2026"})
        assert response.status_code == 302
