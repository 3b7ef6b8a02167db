"""Register pages: one-tap marking, mark-all, walk-ins, sign-off, reopening, sign-in sheet, permissions."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_organisation, make_person, make_session, make_user
from tests.integration.attendance.conftest import book, past_session
from tracker.accounts.models import Role
from tracker.attendance import services, sign_off, walk_ins
from tracker.attendance.models import Attendance, AttendanceOutcome, TrainingRecord
from tracker.booking.models import Booking, BookingSource
from tracker.common.time import utc_now
from tracker.courses.models import SessionTrainer, TrainerPart
from tracker.people.models import Person


def outcome_of(db, booking):
    return db.session.scalar(select(Attendance.outcome).where(Attendance.booking_id == booking.id))


def register_url(training_session, suffix=""):
    return f"/sessions/{training_session.id}/register{suffix}"


def test_one_tap_marks_and_returns_to_the_row(app, db, signed_in, trainer, delivered):
    training_session, (booking, *_) = delivered
    client = signed_in(trainer)
    response = client.post(
        register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "partial"}
    )
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/sessions/{training_session.id}/register#booking-{booking.id}")
    assert outcome_of(db, booking) == AttendanceOutcome.PARTIAL
    page = client.get(register_url(training_session)).get_data(as_text=True)
    assert f'id="booking-{booking.id}"' in page
    assert "Partial</strong>" in page and "Not marked</strong>" in page  # the mark in words, not colour only
    assert 'value="partial"' in page and 'aria-pressed="true"' in page
    assert "Partial to" not in page and "Not marked to Partial" in page  # the history, before and after


def test_a_bad_mark_is_a_400_and_changes_nothing(app, db, signed_in, trainer, delivered):
    training_session, (booking, *_) = delivered
    client = signed_in(trainer)
    assert (
        client.post(
            register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "asleep"}
        ).status_code
        == 400
    )
    assert client.post(register_url(training_session, "/mark"), data={"outcome": "attended"}).status_code == 400
    assert (
        client.post(
            register_url(training_session, "/mark"), data={"booking_id": "99999999999999", "outcome": "attended"}
        ).status_code
        == 400
    )
    assert outcome_of(db, booking) is None


def test_mark_everyone_not_yet_marked(app, db, signed_in, trainer, delivered):
    training_session, bookings = delivered
    client = signed_in(trainer)
    client.post(register_url(training_session, "/mark"), data={"booking_id": bookings[0].id, "outcome": "absent"})
    response = client.post(register_url(training_session, "/mark-all"))
    assert response.status_code == 302
    assert [outcome_of(db, b) for b in bookings] == ["absent", "attended", "attended"]
    assert "2 people marked as attended" in client.get(register_url(training_session)).get_data(as_text=True)


def test_a_trainer_cannot_open_or_mark_another_trainers_register(app, db, signed_in, delivered):
    training_session, (booking, *_) = delivered
    client = signed_in(make_user(Role.TRAINER))
    assert client.get(register_url(training_session)).status_code == 403
    assert client.get(f"/sessions/{training_session.id}/sign-in-sheet").status_code == 403
    assert client.get(register_url(training_session, "/walk-in")).status_code == 403
    assert client.get(register_url(training_session, "/sign-off")).status_code == 403
    response = client.post(
        register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "attended"}
    )
    assert response.status_code == 403
    assert client.post(register_url(training_session, "/mark-all")).status_code == 403
    assert client.post(register_url(training_session, "/sign-off")).status_code == 403
    assert outcome_of(db, booking) is None


def test_an_observer_sees_the_register_but_does_not_mark_it(app, db, signed_in, delivered):
    training_session, (booking, *_) = delivered
    observer = make_user(Role.TRAINER)
    db.session.add(
        SessionTrainer(session_id=training_session.id, person_id=observer.person_id, part=TrainerPart.OBSERVER)
    )
    client = signed_in(observer)
    page = client.get(register_url(training_session))
    assert page.status_code == 200 and "You are observing this session" in page.get_data(as_text=True)
    assert 'name="outcome"' not in page.get_data(as_text=True)
    assert (
        client.post(
            register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "attended"}
        ).status_code
        == 403
    )


def test_the_register_of_a_future_session_says_when_it_opens(app, signed_in, trainer):
    training_session = make_session(lead=trainer.person, starts_at=utc_now() + timedelta(days=3))
    booking = book(training_session)
    client = signed_in(trainer)
    page = client.get(register_url(training_session)).get_data(as_text=True)
    assert "can be marked from the day of the session" in page and 'name="outcome"' not in page
    response = client.post(
        register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "attended"}
    )
    assert response.status_code == 422


# --- Walk-ins -------------------------------------------------------------------------------------------


def test_walk_in_found_by_search_on_a_full_session(app, db, signed_in, trainer):
    training_session = past_session(lead=trainer.person, capacity=1)
    book(training_session)
    visitor = make_person(first_name="Imogen", last_name="Walker", email="imogen.walker@example.org")
    client = signed_in(trainer)
    page = client.get(register_url(training_session, "/walk-in?q=imogen walker")).get_data(as_text=True)
    assert "Imogen Walker" in page and f'name="person_id" value="{visitor.id}"' in page
    response = client.post(register_url(training_session, "/walk-in"), data={"person_id": visitor.id})
    assert response.status_code == 302 and "#booking-" in response.headers["Location"]
    booking = db.session.scalar(select(Booking).where(Booking.person_id == visitor.id))
    assert booking.source == BookingSource.WALK_IN and outcome_of(db, booking) == "attended"
    again = client.get(register_url(training_session, "/walk-in?q=Imogen Walker")).get_data(as_text=True)
    assert "Already on the register" in again


def test_walk_in_of_someone_new(app, db, signed_in, trainer):
    training_session = past_session(lead=trainer.person)
    mind = make_organisation(name="Barnet MIND")
    client = signed_in(trainer)
    page = client.get(register_url(training_session, "/walk-in/new?q=Ravi Patel")).get_data(as_text=True)
    assert 'value="Ravi"' in page and "Barnet MIND" in page
    missing = client.post(
        register_url(training_session, "/walk-in/new"), data={"first_name": "Ravi", "organisation": "0"}
    )
    assert missing.status_code == 200
    text = missing.get_data(as_text=True)
    assert "Enter their last name" in text and "Select their organisation" in text and "<title>Error:" in text
    response = client.post(
        register_url(training_session, "/walk-in/new"),
        data={"first_name": "Ravi", "last_name": "Patel", "email": "ravi@example.org", "organisation": str(mind.id)},
    )
    assert response.status_code == 302
    person = db.session.scalar(select(Person).where(Person.email == "ravi@example.org"))
    assert person.organisation_id == mind.id
    booking = db.session.scalar(select(Booking).where(Booking.person_id == person.id))
    assert outcome_of(db, booking) == "attended"
    taken = client.post(
        register_url(training_session, "/walk-in/new"),
        data={"first_name": "R", "last_name": "P", "email": "RAVI@example.org", "organisation": str(mind.id)},
    )
    assert "search for them instead" in taken.get_data(as_text=True)


# --- Sign-off and reopening -----------------------------------------------------------------------------


def test_sign_off_page_names_the_unmarked_then_signs_off(app, db, signed_in, trainer, delivered):
    training_session, (first, second, third) = delivered
    client = signed_in(trainer)
    client.post(register_url(training_session, "/mark"), data={"booking_id": first.id, "outcome": "attended"})
    page = client.get(register_url(training_session, "/sign-off")).get_data(as_text=True)
    assert second.person.full_name in page and third.person.full_name in page and "Mark everyone first" in page
    refused = client.post(register_url(training_session, "/sign-off"))
    assert refused.status_code == 422 and second.person.full_name in refused.get_data(as_text=True)
    client.post(register_url(training_session, "/mark"), data={"booking_id": second.id, "outcome": "absent"})
    client.post(register_url(training_session, "/mark"), data={"booking_id": third.id, "outcome": "partial"})
    page = client.get(register_url(training_session, "/sign-off")).get_data(as_text=True)
    assert "Signing off makes 1 training record" in page
    response = client.post(register_url(training_session, "/sign-off"))
    assert response.status_code == 302
    assert "1 training record made" in client.get(register_url(training_session)).get_data(as_text=True)
    assert [r.person_id for r in db.session.scalars(select(TrainingRecord))] == [first.person_id]


def test_signed_off_register_refuses_marks_until_a_coordinator_reopens_it(
    app, db, signed_in, trainer, coordinator, delivered
):
    training_session, (booking, *_) = delivered
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    sign_off.sign_off_register(training_session=training_session, actor=trainer)
    trainer_client = signed_in(trainer)
    page = trainer_client.get(register_url(training_session)).get_data(as_text=True)
    assert "only the Prevent coordinator can reopen it" in page and 'name="outcome"' not in page
    refused = trainer_client.post(
        register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "absent"}
    )
    assert refused.status_code == 409 and "reopen it" in refused.get_data(as_text=True)
    assert trainer_client.get(register_url(training_session, "/reopen")).status_code == 403
    assert trainer_client.post(register_url(training_session, "/reopen"), data={"reason": "x"}).status_code == 403

    coordinator_client = signed_in(coordinator)
    no_reason = coordinator_client.post(register_url(training_session, "/reopen"), data={"reason": ""})
    assert no_reason.status_code == 200 and "Enter the reason" in no_reason.get_data(as_text=True)
    response = coordinator_client.post(
        register_url(training_session, "/reopen"), data={"reason": "Wrong person marked"}
    )
    assert response.status_code == 302
    assert db.session.scalars(select(TrainingRecord)).all() == []
    changed = trainer_client.post(
        register_url(training_session, "/mark"), data={"booking_id": booking.id, "outcome": "absent"}
    )
    assert changed.status_code == 302
    history = trainer_client.get(register_url(training_session)).get_data(as_text=True)
    assert "Wrong person marked" in history and "Attended to Absent" in history and "Reopened" in history


def test_sign_in_sheet_lists_names_organisations_and_a_signature_column(app, signed_in, trainer, delivered):
    training_session, bookings = delivered
    page = signed_in(trainer).get(f"/sessions/{training_session.id}/sign-in-sheet")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    for booking in bookings:
        assert booking.person.full_name in text and booking.person.organisation.name in text
    assert "Signature" in text and training_session.venue in text
    assert "print-button.js" in text and "<script>" not in text


def test_coordinator_opens_any_register(app, signed_in, coordinator, delivered):
    training_session, _ = delivered
    assert signed_in(coordinator).get(register_url(training_session)).status_code == 200


def test_unknown_session_is_404(app, signed_in, coordinator):
    client = signed_in(coordinator)
    assert client.get("/sessions/999999/register").status_code == 404
    assert client.get("/sessions/99999999999999999999/register").status_code == 404


# --- No query per row ------------------------------------------------------------------------------------


@pytest.mark.slow
def test_register_page_issues_the_same_number_of_queries_for_10_and_200_people(app, signed_in, queries, coordinator):
    client = signed_in(coordinator)
    counts = []
    for size in (10, 200):
        training_session = past_session(capacity=size)
        training_session.trainers.append(SessionTrainer(person=make_person(), part=TrainerPart.LEAD))
        organisations = [make_organisation() for _ in range(3)]
        for index in range(size):
            book(training_session, organisation=organisations[index % 3])
        services.mark_everyone_attended(training_session=training_session, actor=coordinator)
        walk_ins.add_walk_in(training_session=training_session, person=make_person(), actor=coordinator)
        client.get(register_url(training_session))  # warm up (first request loads the account)
        with queries() as counter:
            response = client.get(register_url(training_session))
        assert response.status_code == 200
        assert response.get_data(as_text=True).count('name="booking_id"') == size + 1
        counts.append(counter.count)
    assert counts[0] == counts[1], counts


def test_names_are_escaped_everywhere_on_the_register(app, signed_in, trainer):
    nasty = make_user(Role.COORDINATOR, first_name="<b>Eve</b>", last_name="<script>x()</script>")
    training_session = past_session(lead=trainer.person)
    walk_ins.add_walk_in(training_session=training_session, person=nasty.person, actor=nasty)
    sign_off.sign_off_register(training_session=training_session, actor=nasty)
    for url in (register_url(training_session), f"/sessions/{training_session.id}/sign-in-sheet"):
        page = signed_in(trainer).get(url).get_data(as_text=True)
        assert "<script>x()" not in page and "<b>Eve" not in page
        assert "&lt;b&gt;Eve&lt;/b&gt;" in page
