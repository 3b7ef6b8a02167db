"""Session services: create, accreditation, publish, update, cancel, trainers; on each database."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_booking, make_course, make_organisation, make_person, make_session, make_user
from tests.integration.sessions.helpers import accredit, in_days, london, make_trainer
from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.booking.models import BookingStatus
from tracker.common.errors import ConflictError, NotAllowedError
from tracker.common.time import utc_now
from tracker.courses import session_queries, sessions
from tracker.courses.models import AccreditationStatus, SessionStatus, SessionTrainer, TrainerPart


@pytest.fixture
def wrap(app):
    from tests.factories import wrap_course

    return wrap_course()


def new_session(actor, course, **kw):
    kw.setdefault("starts_at", in_days(10, 10))
    kw.setdefault("ends_at", kw["starts_at"] + timedelta(hours=1))
    kw.setdefault("capacity", 20)
    kw.setdefault("venue", "Barnet House, Colindale")
    return sessions.create_session(actor=actor, course=course, **kw)


def parts(training_session):
    return {row.person_id: row.part for row in training_session.trainers}


# --- Create and the accreditation rule ---------------------------------------------------------------


def test_an_accredited_trainer_creates_a_draft_they_lead(app, wrap):
    trainer = make_trainer(wrap)
    training_session = new_session(trainer, wrap, title="WRAP for housing officers")
    assert training_session.status == SessionStatus.DRAFT
    assert parts(training_session) == {trainer.person_id: TrainerPart.LEAD}
    assert training_session.created_by_id == trainer.person_id
    assert training_session.audience_restricted is False


@pytest.mark.parametrize("status", [None, AccreditationStatus.TRAINEE])
def test_a_trainer_leads_only_courses_they_are_accredited_for(app, wrap, status):
    other = make_course(code="CTLP-BRIEFING", name="CTLP briefing")
    trainer = make_trainer(other)  # accredited for another course only
    if status is not None:
        accredit(trainer.person, wrap, status)
    with pytest.raises(sessions.NotAccreditedError, match="You are not accredited to lead WRAP sessions") as caught:
        new_session(trainer, wrap)
    assert caught.value.field == "lead"


def test_a_coordinator_may_lead_any_course(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    training_session = new_session(coordinator, wrap, lead=coordinator.person, publish=True)
    assert parts(training_session) == {coordinator.person_id: TrainerPart.LEAD}
    assert training_session.is_published


def test_a_coordinator_chooses_the_lead_who_must_be_accredited(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    accredited, trainee = make_trainer(wrap), make_trainer(wrap, status=AccreditationStatus.TRAINEE)
    training_session = new_session(coordinator, wrap, lead=accredited.person)
    assert parts(training_session) == {accredited.person_id: TrainerPart.LEAD}
    with pytest.raises(sessions.NotAccreditedError, match=f"{trainee.person.full_name} is not accredited"):
        new_session(coordinator, wrap, lead=trainee.person)


def test_a_coordinator_may_leave_a_draft_without_a_lead_but_not_publish_it(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    draft = new_session(coordinator, wrap)
    assert draft.trainers == []
    with pytest.raises(sessions.SessionError, match="Choose a lead trainer before publishing"):
        sessions.publish_session(training_session=draft, actor=coordinator)
    with pytest.raises(sessions.SessionError, match="Choose a lead trainer"):
        new_session(coordinator, wrap, publish=True)


def test_a_trainer_cannot_make_someone_else_the_lead(app, wrap):
    trainer, other = make_trainer(wrap), make_trainer(wrap)
    with pytest.raises(NotAllowedError, match="Only the Prevent coordinator"):
        new_session(trainer, wrap, lead=other.person)


def test_co_trainers_and_observers_are_trainers_or_on_the_pathway(app, wrap):
    trainer = make_trainer(wrap)
    co = make_trainer(make_course(code="OTHER"))  # trainer role, any course
    observer = make_person()
    accredit(observer, wrap, AccreditationStatus.TRAINEE)  # a trainee on the WRAP pathway, no account
    training_session = new_session(trainer, wrap, co_trainers=[co.person], observers=[observer])
    assert parts(training_session) == {
        trainer.person_id: TrainerPart.LEAD,
        co.person_id: TrainerPart.CO_TRAINER,
        observer.id: TrainerPart.OBSERVER,
    }
    outsider = make_person(first_name="Olive", last_name="Outsider")
    with pytest.raises(sessions.SessionError, match="Olive Outsider is not a trainer") as caught:
        new_session(trainer, wrap, observers=[outsider])
    assert caught.value.field == "observers"
    with pytest.raises(sessions.SessionError, match="more than once"):
        new_session(trainer, wrap, co_trainers=[co.person], observers=[co.person])


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"venue": None, "online_url": None}, "venue", "Enter a venue or an online link"),
        ({"venue": "  ", "online_url": ""}, "venue", "Enter a venue or an online link"),
        ({"online_url": "teams.microsoft.com/l/meetup"}, "online_url", "starts with https://"),
        ({"online_url": "javascript:alert(1)"}, "online_url", "starts with https://"),
        ({"online_url": "ftp://example.org/x"}, "online_url", "starts with https://"),
        ({"capacity": 0}, "capacity", "Capacity must be 1 or more"),
        ({"ends_at": in_days(10, 9)}, "ends_at", "The end time must be after the start time"),
        ({"audience": []}, "audience", "Choose at least one organisation"),
        ({"booking_closes_at": in_days(11)}, "booking_closes_at", "Booking must close before the session starts"),
        ({"booking_opens_at": in_days(10, 11)}, "booking_opens_at", "Booking must open before it closes"),
    ],
)
def test_details_are_checked(app, wrap, changes, field, message):
    trainer = make_trainer(wrap)
    with pytest.raises(sessions.SessionError, match=message) as caught:
        new_session(trainer, wrap, **changes)
    assert caught.value.field == field


def test_an_online_session_needs_no_venue_and_an_audience_restricts_booking(app, wrap):
    trainer = make_trainer(wrap)
    barnet_homes = make_organisation(name="Barnet Homes")
    training_session = new_session(
        trainer, wrap, venue=None, online_url="https://teams.example.org/meet/1", audience=[barnet_homes], publish=True
    )
    assert training_session.audience_restricted and [o.name for o in training_session.audience] == ["Barnet Homes"]
    with pytest.raises(booking_services.NotInAudienceError, match="only for staff of Barnet Homes"):
        make_booking(training_session, make_person())
    assert make_booking(training_session, make_person(organisation=barnet_homes)).status == BookingStatus.CONFIRMED


def test_only_the_coordinator_records_past_sessions_which_are_published_and_closed(app, wrap):
    trainer, coordinator = make_trainer(wrap), make_user(Role.COORDINATOR)
    last_year = london(date(2017, 5, 3), 10)
    with pytest.raises(sessions.SessionInPastError, match="must start in the future"):
        new_session(trainer, wrap, starts_at=last_year)
    history = new_session(coordinator, wrap, starts_at=last_year, lead=coordinator.person)
    assert history.status == SessionStatus.PUBLISHED
    assert booking_services.booking_problem(history) == "Booking for this session has closed"


# --- Publish ---------------------------------------------------------------------------------------


def test_publishing_a_draft_needs_a_lead_and_happens_once(app, wrap):
    trainer = make_trainer(wrap)
    draft = new_session(trainer, wrap)
    sessions.publish_session(training_session=draft, actor=trainer)
    assert draft.status == SessionStatus.PUBLISHED
    with pytest.raises(ConflictError, match="already published"):
        sessions.publish_session(training_session=draft, actor=trainer)


def test_a_draft_whose_start_has_passed_is_not_published_by_a_trainer(app, wrap):
    trainer = make_trainer(wrap)
    draft = new_session(trainer, wrap)
    with pytest.raises(sessions.SessionInPastError):
        sessions.publish_session(training_session=draft, actor=trainer, now=draft.starts_at + timedelta(minutes=1))


# --- Update ------------------------------------------------------------------------------------------


def test_reschedule_move_and_relink(app, wrap):
    trainer = make_trainer(wrap)
    training_session = new_session(trainer, wrap, publish=True)
    new_start = in_days(20, 14)
    sessions.update_session(
        training_session=training_session,
        actor=trainer,
        starts_at=new_start,
        ends_at=new_start + timedelta(minutes=90),
        venue="Hendon Town Hall",
        online_url="https://teams.example.org/meet/2",
    )
    assert (training_session.starts_at, training_session.venue) == (new_start, "Hendon Town Hall")
    assert training_session.online_url == "https://teams.example.org/meet/2"


def test_capacity_changes_go_through_the_capacity_rule(app, wrap):
    trainer = make_trainer(wrap)
    training_session = new_session(trainer, wrap, capacity=2, publish=True)
    seated = [make_booking(training_session) for _ in range(2)]
    waiting = make_booking(training_session)
    with pytest.raises(booking_services.CapacityError, match="less than the 2 places already booked") as caught:
        sessions.update_session(training_session=training_session, actor=trainer, capacity=1)
    assert caught.value.field == "capacity"
    sessions.update_session(training_session=training_session, actor=trainer, capacity=3)
    assert waiting.status == BookingStatus.CONFIRMED and all(b.status == BookingStatus.CONFIRMED for b in seated)


def test_a_cancelled_session_cannot_be_changed(app, wrap):
    trainer = make_trainer(wrap)
    training_session = new_session(trainer, wrap, publish=True)
    sessions.cancel_session(training_session=training_session, actor=trainer, reason="Trainer unwell")
    with pytest.raises(ConflictError, match="cancelled"):
        sessions.update_session(training_session=training_session, actor=trainer, venue="Elsewhere")


def test_a_trainer_cannot_reschedule_into_the_past_or_change_the_lead(app, wrap):
    trainer, other = make_trainer(wrap), make_trainer(wrap)
    training_session = new_session(trainer, wrap, publish=True, co_trainers=[other.person])
    yesterday = in_days(-1)
    with pytest.raises(sessions.SessionInPastError):
        sessions.update_session(
            training_session=training_session,
            actor=trainer,
            starts_at=yesterday,
            ends_at=yesterday + timedelta(hours=1),
        )
    with pytest.raises(NotAllowedError, match="change the lead"):
        sessions.update_session(
            training_session=training_session, actor=trainer, lead=other.person, co_trainers=[trainer.person]
        )


def test_the_coordinator_hands_the_lead_to_another_accredited_trainer(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    first, second = make_trainer(wrap), make_trainer(wrap)
    training_session = new_session(coordinator, wrap, lead=first.person, publish=True)
    sessions.update_session(
        training_session=training_session, actor=coordinator, lead=second.person, co_trainers=[first.person]
    )
    assert parts(training_session) == {second.person_id: TrainerPart.LEAD, first.person_id: TrainerPart.CO_TRAINER}


def test_a_published_session_keeps_a_lead(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    training_session = new_session(coordinator, wrap, lead=coordinator.person, publish=True)
    with pytest.raises(sessions.SessionError, match="needs a lead trainer"):
        sessions.update_session(training_session=training_session, actor=coordinator, lead=None)


def test_audience_can_be_restricted_and_opened_again(app, wrap):
    trainer = make_trainer(wrap)
    org = make_organisation()
    training_session = new_session(trainer, wrap)
    sessions.update_session(training_session=training_session, actor=trainer, audience=[org])
    assert training_session.audience_restricted and training_session.audience == [org]
    sessions.update_session(training_session=training_session, actor=trainer, audience=None)
    assert not training_session.audience_restricted and training_session.audience == []


# --- Permissions -------------------------------------------------------------------------------------


def test_who_manages_a_session(app, wrap):
    lead, co, observer, stranger = (make_trainer(wrap) for _ in range(4))
    coordinator = make_user(Role.COORDINATOR)
    training_session = new_session(lead, wrap, co_trainers=[co.person], observers=[observer.person])
    assert session_queries.can_manage_session(lead, training_session)
    assert session_queries.can_manage_session(co, training_session)
    assert not session_queries.can_manage_session(observer, training_session)
    assert not session_queries.can_manage_session(stranger, training_session)
    assert session_queries.can_manage_session(coordinator, training_session)
    staff = make_user(Role.STAFF)
    assert not session_queries.can_view_session(staff, training_session)  # a draft
    assert session_queries.can_view_session(observer, training_session)


# --- Cancel ------------------------------------------------------------------------------------------


def test_cancelling_a_session_cancels_every_active_booking_and_promotes_nobody(app, wrap, db):
    trainer = make_trainer(wrap)
    training_session = new_session(trainer, wrap, capacity=1, publish=True)
    seated, waiting = make_booking(training_session), make_booking(training_session)
    earlier = make_booking(make_session(course=make_course()), seated.person)  # another session is untouched
    seated_returned = sessions.cancel_session(
        training_session=training_session, actor=trainer, reason="  Venue flooded "
    )
    assert seated_returned == [seated]
    for booking in (seated, waiting):
        assert booking.status == BookingStatus.CANCELLED
        assert booking.cancel_reason == "Venue flooded" and booking.cancelled_at is not None
        assert booking.sequence == 1 and booking.cancelled_by_id == trainer.person_id
    assert earlier.status == BookingStatus.CONFIRMED
    assert training_session.status == SessionStatus.CANCELLED and training_session.cancel_reason == "Venue flooded"
    assert training_session.trainers[0].sequence == 1
    with pytest.raises(ConflictError, match="already been cancelled"):
        sessions.cancel_session(training_session=training_session, actor=trainer, reason="again")


def test_cancelling_needs_a_reason(app, wrap):
    trainer = make_trainer(wrap)
    training_session = new_session(trainer, wrap, publish=True)
    with pytest.raises(sessions.SessionError, match="Enter a reason") as caught:
        sessions.cancel_session(training_session=training_session, actor=trainer, reason="   ")
    assert caught.value.field == "reason"
    assert training_session.status == SessionStatus.PUBLISHED


# --- Trainers one at a time --------------------------------------------------------------------------


def test_add_and_remove_a_trainer(app, wrap, db):
    trainer, observer = make_trainer(wrap), make_trainer(wrap, status=AccreditationStatus.TRAINEE)
    training_session = new_session(trainer, wrap, publish=True)
    row = sessions.add_trainer(
        training_session=training_session, person=observer.person, part=TrainerPart.OBSERVER, actor=trainer
    )
    assert parts(training_session)[observer.person_id] == TrainerPart.OBSERVER
    with pytest.raises(sessions.SessionError, match="already on this session"):
        sessions.add_trainer(
            training_session=training_session, person=observer.person, part=TrainerPart.CO_TRAINER, actor=trainer
        )
    with pytest.raises(sessions.NotAccreditedError):
        sessions.add_trainer(
            training_session=make_session(),
            person=observer.person,
            part=TrainerPart.LEAD,
            actor=make_user(Role.COORDINATOR),
        )
    sessions.remove_trainer(session_trainer=row, actor=trainer)
    assert observer.person_id not in parts(training_session)
    assert db.session.scalar(select(SessionTrainer).where(SessionTrainer.person_id == observer.person_id)) is None


def test_times_are_stored_in_utc_across_the_clock_changes(app, wrap):
    coordinator = make_user(Role.COORDINATOR)
    spring = new_session(
        coordinator,
        wrap,
        lead=coordinator.person,
        starts_at=london(date(2027, 3, 28), 10),
        ends_at=london(date(2027, 3, 28), 11),
    )
    autumn = new_session(
        coordinator,
        wrap,
        lead=coordinator.person,
        starts_at=london(date(2027, 10, 31), 10),
        ends_at=london(date(2027, 10, 31), 11),
    )
    assert spring.starts_at.isoformat() == "2027-03-28T09:00:00+00:00"  # BST: 10:00 is 09:00 UTC
    assert autumn.starts_at.isoformat() == "2027-10-31T10:00:00+00:00"  # GMT again
    assert utc_now() < spring.starts_at
