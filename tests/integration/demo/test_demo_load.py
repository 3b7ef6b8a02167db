"""`flask demo load` builds the seed's world and is idempotent."""

from __future__ import annotations

from datetime import timedelta

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


# --- What a newcomer finds to try (issue 17) ---------------------------------------------------------------------

TRAINER = "amira.haddad@barnet.example"


def test_the_trainer_has_a_session_today_with_a_register_to_mark(app, db, runner):
    from tracker.accounts.models import UserAccount
    from tracker.attendance.services import can_mark_register
    from tracker.common.time import to_london, today_london
    from tracker.courses.models import SessionTrainer, TrainerPart

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    trainer = db.session.scalar(select(UserAccount).join(Person).where(Person.email == TRAINER))
    led = db.session.scalars(
        select(TrainingSession)
        .join(SessionTrainer)
        .where(SessionTrainer.person_id == trainer.person_id, SessionTrainer.part == TrainerPart.LEAD)
    ).all()
    today = [s for s in led if to_london(s.starts_at).date() == today_london()]
    assert len(today) == 1
    session = today[0]
    booked = db.session.scalar(
        select(func.count())
        .select_from(Booking)
        .where(Booking.session_id == session.id, Booking.status == BookingStatus.CONFIRMED)
    )
    assert booked >= 5
    assert can_mark_register(trainer, session)
    client = app.test_client()
    client.post("/sign-in", data={"email": TRAINER, "password": "prevent-demo-2026"})
    page = client.get(f"/sessions/{session.id}/register").get_data(as_text=True)
    assert f"{booked} people on the register" in " ".join(page.split())


def test_every_required_course_has_an_upcoming_session(app, db, runner):
    from tracker.common.time import utc_now
    from tracker.courses.models import Course, Requirement, SessionStatus

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    required = set(db.session.scalars(select(Course.code).join(Requirement, Requirement.course_id == Course.id)))
    upcoming = set(
        db.session.scalars(
            select(Course.code)
            .join(TrainingSession, TrainingSession.course_id == Course.id)
            .where(TrainingSession.status == SessionStatus.PUBLISHED, TrainingSession.starts_at > utc_now())
        )
    )
    assert required == {"WRAP", "PREVENT-BASIC"}
    assert required <= upcoming


def test_demo_people_have_plain_names_and_addresses(app, db, runner):
    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    people = db.session.execute(select(Person.first_name, Person.last_name, Person.email)).all()
    assert len(people) >= 250
    for first, last, email in people:
        assert not any(ch.isdigit() for ch in f"{first}{last}{email}"), (first, last, email)
        assert email.endswith(".example")
    names = [(first, last) for first, last, _ in people]
    assert len(set(names)) == len(names), "two demo people share a name"
    assert names.count(("Tom", "Walker")) == 1


def test_demo_requests_and_emails_happened_on_different_days(app, db, runner):
    from tracker.common.time import to_london, utc_now
    from tracker.invites.models import OutboxMessage
    from tracker.requests.models import TrainingRequest

    assert runner.invoke(args=["demo", "load"]).exit_code == 0
    now = utc_now()
    # A register's sign-off asks all its attendees for feedback at once; every other email is someone's own.
    sent = list(db.session.scalars(select(OutboxMessage.created_at).where(OutboxMessage.kind != "evaluation_request")))
    feedback_asked = list(
        db.session.scalars(select(OutboxMessage.created_at).where(OutboxMessage.kind == "evaluation_request"))
    )
    assert all(moment < now for moment in feedback_asked)
    assert len(sent) >= 40
    assert len(set(sent)) == len(sent), "two demo emails queued in the same instant"
    assert len({to_london(moment).date() for moment in sent}) >= 10
    assert all(moment < now for moment in sent)
    assert max(sent) - min(sent) >= timedelta(days=21)
    requests = db.session.scalars(select(TrainingRequest)).all()
    received = [r.created_at for r in requests]
    assert len({to_london(moment).date() for moment in received}) == len(requests) >= 3
    for training_request in requests:
        steps = [event.at for event in training_request.events]
        assert steps == sorted(steps) and all(training_request.created_at < at < now for at in steps)
