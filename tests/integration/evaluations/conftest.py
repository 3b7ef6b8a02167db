"""A WRAP session delivered two hours ago: a lead trainer, a co-trainer, attendees (one absent), signed off."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from tests.factories import make_person, make_user
from tests.integration.attendance.conftest import book, past_session
from tests.integration.invites.conftest import outbox_rows
from tests.support.mail_links import links_in, path_of
from tracker.accounts.models import Role, UserAccount
from tracker.attendance import services, sign_off
from tracker.attendance.models import AttendanceOutcome
from tracker.courses.models import SessionTrainer, TrainerPart, TrainingSession
from tracker.evaluations.invitations import KIND
from tracker.invites.emails import render_outgoing
from tracker.people.models import Person

ANSWERS = {"confidence_before": "2", "confidence_after": "4", "usefulness": "5", "trainer_rating": "4"}


@dataclass
class Signed:
    training_session: TrainingSession
    trainer: UserAccount
    co_trainer: Person
    attendees: list[Person]
    absent: Person


def deliver_session(db, *, attendees: int = 4, lead: UserAccount | None = None, **session_kw) -> Signed:
    trainer = lead or make_user(Role.TRAINER, first_name="Sam", last_name="Rosengard")
    co_trainer = make_person(first_name="Ade", last_name="Okafor")
    training_session = past_session(lead=trainer.person, **session_kw)
    training_session.trainers.append(SessionTrainer(person=co_trainer, part=TrainerPart.CO_TRAINER))
    people = [make_person(first_name=f"Attendee{i}", last_name="Person") for i in range(attendees)]
    bookings = [book(training_session, person) for person in people]
    absent = make_person(first_name="Abby", last_name="Absent")
    absent_booking = book(training_session, absent)
    services.mark_attendance(
        training_session=training_session, booking=absent_booking, outcome=AttendanceOutcome.ABSENT, actor=trainer
    )
    if bookings:
        services.mark_attendance(
            training_session=training_session, booking=bookings[0], outcome=AttendanceOutcome.PARTIAL, actor=trainer
        )
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    sign_off.sign_off_register(training_session=training_session, actor=trainer)
    db.session.commit()
    return Signed(training_session, trainer, co_trainer, people, absent)


@pytest.fixture
def signed(app, db) -> Signed:
    return deliver_session(db)


def feedback_paths(to: str | None = None) -> list[str]:
    """The form links of the evaluation requests in the outbox (to one address, or to all), as paths."""
    paths = []
    for row in outbox_rows(kind=KIND):
        if to is not None and row.recipient_email != to:
            continue
        email = render_outgoing(row)
        found = [url for url in links_in(email.body_text, email.body_html) if "/feedback/" in url]
        assert len(set(found)) == 1, found
        paths.append(path_of(found[0]))
    return paths


def answer_all(app, paths: list[str], **overrides) -> None:
    for path in paths:
        response = app.test_client().post(path, data={**ANSWERS, **overrides})
        assert response.status_code == 303, response.get_data(as_text=True)
