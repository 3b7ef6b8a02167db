"""A WRAP session delivered two hours ago, its register signed off: the records certificates are issued from."""

from __future__ import annotations

import io
from dataclasses import dataclass

import pytest
from pypdf import PdfReader

from tests.factories import make_organisation, make_person, make_user
from tests.integration.attendance.conftest import book, past_session
from tracker.accounts.models import Role, UserAccount
from tracker.attendance import services, sign_off
from tracker.attendance.models import TrainingRecord
from tracker.courses.models import SessionTrainer, TrainerPart, TrainingSession
from tracker.people.models import Person


@dataclass
class Delivered:
    training_session: TrainingSession
    trainer: UserAccount
    co_trainer: Person
    holder: UserAccount
    record: TrainingRecord
    other_record: TrainingRecord


@pytest.fixture
def coordinator(app):
    return make_user(Role.COORDINATOR)


@pytest.fixture
def delivered(app, db) -> Delivered:
    """Zoë O'Brien of Barnet Council attended; so did someone else. Led by Sam Rosengard with a co-trainer."""
    trainer = make_user(Role.TRAINER, first_name="Sam", last_name="Rosengard")
    co_trainer = make_person(first_name="Ade", last_name="Okafor")
    training_session = past_session(lead=trainer.person)
    training_session.trainers.append(SessionTrainer(person=co_trainer, part=TrainerPart.CO_TRAINER))
    council = make_organisation(name="Barnet Council")
    holder = make_user(
        Role.STAFF, first_name="Zoë", last_name="O’Brien", email="zoe.obrien@barnet.example", organisation=council
    )
    book(training_session, holder.person)
    other = book(training_session)
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    records = sign_off.sign_off_register(training_session=training_session, actor=trainer)
    db.session.commit()
    (record,) = [r for r in records if r.person_id == holder.person_id]
    (other_record,) = [r for r in records if r.person_id == other.person_id]
    return Delivered(training_session, trainer, co_trainer, holder, record, other_record)


def pdf_text(body: bytes) -> str:
    reader = PdfReader(io.BytesIO(body))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())
