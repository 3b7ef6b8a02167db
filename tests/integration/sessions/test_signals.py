"""The events that invites are built on: who is sent what, with which arguments, and in what state."""

from __future__ import annotations

from datetime import timedelta

import pytest

from tests.factories import make_booking, make_user, wrap_course
from tests.integration.sessions.helpers import in_days, make_trainer, recording_signals
from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.booking.models import BookingStatus
from tracker.courses import sessions
from tracker.courses.models import AccreditationStatus, TrainerPart


@pytest.fixture
def wrap(app):
    return wrap_course()


@pytest.fixture
def trainer(wrap):
    return make_trainer(wrap)


def new_session(actor, course, **kw):
    starts_at = kw.pop("starts_at", in_days(10, 10))
    return sessions.create_session(
        actor=actor,
        course=course,
        starts_at=starts_at,
        ends_at=kw.pop("ends_at", starts_at + timedelta(hours=1)),
        capacity=kw.pop("capacity", 2),
        venue=kw.pop("venue", "Barnet House"),
        **kw,
    )


def test_publishing_sends_session_published_once(app, wrap, trainer):
    with recording_signals() as log:
        draft = new_session(trainer, wrap)
        assert log.names() == []
        sessions.publish_session(training_session=draft, actor=trainer)
    assert log.of("session_published") == [(draft, {})]


def test_creating_published_sends_session_published_but_no_trainer_added(app, wrap, trainer):
    co = make_trainer(wrap)
    with recording_signals() as log:
        training_session = new_session(trainer, wrap, co_trainers=[co.person], publish=True)
    assert log.names() == ["session_published"]
    assert log.of("session_published")[0][0] is training_session


def test_history_is_not_announced(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    with recording_signals() as log:
        new_session(coordinator, wrap, lead=coordinator.person, starts_at=in_days(-400))
    assert log.names() == []


def test_moving_a_published_session_bumps_every_active_booking_and_trainer_then_announces(app, wrap, trainer):
    co = make_trainer(wrap)
    training_session = new_session(trainer, wrap, capacity=1, co_trainers=[co.person], publish=True)
    seated, waiting, gone = (make_booking(training_session) for _ in range(3))
    booking_services.cancel_booking(booking=gone, cancelled_by=None)
    sequences_before = {b.id: b.sequence for b in (seated, waiting, gone)}
    old_start, old_end = training_session.starts_at, training_session.ends_at
    new_start = in_days(12, 14)

    with recording_signals() as log:
        sessions.update_session(
            training_session=training_session,
            actor=trainer,
            starts_at=new_start,
            ends_at=new_start + timedelta(hours=1),
            venue="Hendon Town Hall",
            capacity=1,  # unchanged: not a move
            title="A new title",  # not a move either
        )

    [(sender, kwargs)] = log.of("session_moved")
    assert sender is training_session
    assert kwargs == {
        "changes": {
            "starts_at": (old_start, new_start),
            "ends_at": (old_end, new_start + timedelta(hours=1)),
            "venue": ("Barnet House", "Hendon Town Hall"),
        }
    }
    assert seated.sequence == sequences_before[seated.id] + 1
    assert waiting.sequence == sequences_before[waiting.id] + 1
    assert gone.sequence == sequences_before[gone.id]  # cancelled: no invite to update
    assert [row.sequence for row in training_session.trainers] == [1, 1]
    assert log.names() == ["session_moved"]


def test_changing_only_the_link_is_a_move(app, wrap, trainer):
    training_session = new_session(trainer, wrap, online_url="https://teams.example.org/a", publish=True)
    with recording_signals() as log:
        sessions.update_session(
            training_session=training_session, actor=trainer, online_url="https://teams.example.org/b"
        )
    [(_, kwargs)] = log.of("session_moved")
    assert kwargs["changes"] == {"online_url": ("https://teams.example.org/a", "https://teams.example.org/b")}


def test_changes_that_are_not_moves_and_drafts_are_not_announced(app, wrap, trainer):
    published = new_session(trainer, wrap, publish=True)
    draft = new_session(trainer, wrap)
    with recording_signals() as log:
        sessions.update_session(training_session=published, actor=trainer, capacity=5, title="Renamed")
        sessions.update_session(training_session=draft, actor=trainer, venue="Somewhere else")
    assert log.names() == []
    assert published.trainers[0].sequence == 0


def test_cancelling_sends_one_session_cancelled_with_the_seated_bookings(app, wrap, trainer):
    training_session = new_session(trainer, wrap, capacity=2, publish=True)
    first, second, waiting = (make_booking(training_session) for _ in range(3))
    with recording_signals() as log:
        sessions.cancel_session(training_session=training_session, actor=trainer, reason="Trainer unwell")
    assert log.names() == ["session_cancelled"]  # no booking_cancelled per booking, nobody promoted
    [(sender, kwargs)] = log.of("session_cancelled")
    assert sender is training_session
    assert kwargs == {"reason": "Trainer unwell", "bookings": [first, second]}
    # What the receiver saw: everything already cancelled and bumped.
    assert log.snapshots[0]["status"] == "cancelled"
    assert all(b.status == BookingStatus.CANCELLED and b.sequence == 1 for b in (first, second, waiting))
    assert training_session.trainers[0].sequence == 1


def test_cancelling_a_draft_announces_nothing(app, wrap, trainer):
    draft = new_session(trainer, wrap)
    with recording_signals() as log:
        sessions.cancel_session(training_session=draft, actor=trainer, reason="Not needed")
    assert log.names() == []


def test_trainers_added_to_and_removed_from_a_published_session(app, wrap, trainer):
    co, observer = make_trainer(wrap), make_trainer(wrap, status=AccreditationStatus.TRAINEE)
    training_session = new_session(trainer, wrap, co_trainers=[co.person], publish=True)
    co_row = next(r for r in training_session.trainers if r.person_id == co.person_id)

    with recording_signals() as log:
        sessions.update_session(
            training_session=training_session, actor=trainer, co_trainers=[], observers=[observer.person]
        )

    assert log.names() == ["trainer_removed", "trainer_added"]
    [(removed, _)] = log.of("trainer_removed")
    assert removed is co_row
    assert log.snapshots[0] == {
        "id": co_row.id,
        "sequence": 1,
        "person_id": co.person_id,
        "part": TrainerPart.CO_TRAINER,
    }
    [(added, _)] = log.of("trainer_added")
    assert (added.person_id, added.part, added.session_id) == (
        observer.person_id,
        TrainerPart.OBSERVER,
        training_session.id,
    )
    assert {r.person_id for r in training_session.trainers} == {trainer.person_id, observer.person_id}


def test_a_trainer_added_when_the_session_also_moves_gets_only_their_invite(app, wrap, trainer):
    co = make_trainer(wrap)
    training_session = new_session(trainer, wrap, publish=True)
    with recording_signals() as log:
        sessions.update_session(
            training_session=training_session, actor=trainer, venue="Hendon", co_trainers=[co.person]
        )
    assert log.names() == ["session_moved", "trainer_added"]
    [(added, _)] = log.of("trainer_added")
    assert added.sequence == 0


def test_trainer_signals_on_a_draft_are_not_sent(app, wrap, trainer):
    co = make_trainer(wrap)
    draft = new_session(trainer, wrap)
    with recording_signals() as log:
        row = sessions.add_trainer(training_session=draft, person=co.person, part=TrainerPart.CO_TRAINER, actor=trainer)
        sessions.remove_trainer(session_trainer=row, actor=trainer)
    assert log.names() == []


def test_remove_trainer_service_bumps_then_announces_then_deletes(app, wrap, trainer, db):
    from tracker.courses.models import SessionTrainer

    co = make_trainer(wrap)
    training_session = new_session(trainer, wrap, co_trainers=[co.person], publish=True)
    row = next(r for r in training_session.trainers if r.person_id == co.person_id)
    with recording_signals() as log:
        sessions.remove_trainer(session_trainer=row, actor=trainer)
    assert log.of("trainer_removed") == [(row, {})]
    assert log.snapshots[0]["sequence"] == 1
    assert db.session.get(SessionTrainer, row.id) is None


def test_a_capacity_increase_promotes_with_booking_promoted(app, wrap, trainer):
    training_session = new_session(trainer, wrap, capacity=1, publish=True)
    make_booking(training_session)
    waiting = make_booking(training_session)
    with recording_signals() as log:
        sessions.update_session(training_session=training_session, actor=trainer, capacity=2)
    assert log.of("booking_promoted") == [(waiting, {})]


def test_a_rolled_back_change_leaves_nothing_behind(app, wrap, trainer, db):
    training_session = new_session(trainer, wrap, capacity=2, publish=True)
    make_booking(training_session)
    make_booking(training_session)
    db.session.commit()
    with pytest.raises(booking_services.CapacityError):
        sessions.update_session(training_session=training_session, actor=trainer, venue="Hendon", capacity=1)
    db.session.rollback()
    assert training_session.venue == "Barnet House"
    assert all(b.sequence == 0 for b in booking_services.list_bookings_for_session(training_session.id))
