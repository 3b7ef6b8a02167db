"""Register rules: marking, history, walk-ins, sign-off into training records, reopening."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from tests.factories import make_course, make_organisation, make_person, make_session, make_user
from tests.integration.attendance.conftest import book, past_session
from tracker.accounts.models import Role
from tracker.attendance import services, sign_off, training_records, walk_ins
from tracker.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceOutcome,
    RecordSource,
    RegisterEvent,
    TrainingRecord,
)
from tracker.attendance.records import find_valid_record
from tracker.booking import services as booking_services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.audit import AuditEvent
from tracker.common.time import LONDON, utc_now
from tracker.courses.models import SessionStatus, SessionTrainer, TrainerPart

ATTENDED, PARTIAL, ABSENT, EXCUSED = (
    AttendanceOutcome.ATTENDED,
    AttendanceOutcome.PARTIAL,
    AttendanceOutcome.ABSENT,
    AttendanceOutcome.EXCUSED,
)


def mark(training_session, booking, outcome, actor, **kw):
    return services.mark_attendance(
        training_session=training_session, booking=booking, outcome=outcome, actor=actor, **kw
    )


def changes_for(booking):
    from tracker.extensions import db

    return list(
        db.session.scalars(
            select(AttendanceChange).where(AttendanceChange.booking_id == booking.id).order_by(AttendanceChange.id)
        )
    )


def records_of(training_session):
    from tracker.extensions import db

    return list(
        db.session.scalars(
            select(TrainingRecord).where(TrainingRecord.session_id == training_session.id).order_by(TrainingRecord.id)
        )
    )


# --- Marking ------------------------------------------------------------------------------------------


def test_marking_keeps_the_current_outcome_and_every_change_with_before_and_after(app, trainer, delivered):
    training_session, (booking, *_) = delivered
    first = mark(training_session, booking, ATTENDED, trainer)
    second = mark(training_session, booking, PARTIAL, trainer)
    assert (first.before, first.after) == (None, ATTENDED)
    assert (second.before, second.after) == (ATTENDED, PARTIAL)
    assert second.changed_by_id == trainer.person_id and second.changed_at is not None
    history = changes_for(booking)
    assert [(c.before, c.after) for c in history] == [(None, ATTENDED), (ATTENDED, PARTIAL)]
    line = next(line for line in services.list_register_lines(training_session) if line.booking.id == booking.id)
    assert line.outcome == PARTIAL and line.attendance.marked_by_id == trainer.person_id


def test_marking_the_same_outcome_twice_records_nothing_new(app, trainer, delivered):
    training_session, (booking, *_) = delivered
    assert mark(training_session, booking, ABSENT, trainer) is not None
    assert mark(training_session, booking, ABSENT, trainer) is None
    assert len(changes_for(booking)) == 1


def test_mark_everyone_not_yet_marked_leaves_existing_marks_alone(app, trainer, delivered):
    training_session, (excused, *others) = delivered
    mark(training_session, excused, EXCUSED, trainer)
    assert services.mark_everyone_attended(training_session=training_session, actor=trainer) == 2
    outcomes = {line.booking.id: line.outcome for line in services.list_register_lines(training_session)}
    assert outcomes == {excused.id: EXCUSED, **{b.id: ATTENDED for b in others}}
    assert services.mark_everyone_attended(training_session=training_session, actor=trainer) == 0
    assert len(changes_for(excused)) == 1


def test_register_lists_confirmed_places_only(app, trainer):
    training_session = past_session(lead=trainer.person, capacity=1)
    seated = book(training_session)
    waiting = book(training_session)
    assert waiting.status == BookingStatus.WAITLISTED
    cancelled_session_booking = book(training_session)
    booking_services.cancel_booking(booking=cancelled_session_booking, cancelled_by=None)
    assert [line.booking.id for line in services.list_register_lines(training_session)] == [seated.id]
    with pytest.raises(services.NotOnRegisterError):
        mark(training_session, waiting, ATTENDED, trainer)


def test_a_booking_of_another_session_cannot_be_marked_here(app, trainer, delivered):
    training_session, _ = delivered
    other = book(past_session())
    with pytest.raises(services.NotOnRegisterError):
        mark(training_session, other, ATTENDED, trainer)


def test_registers_open_on_the_day_of_the_session_not_before(app, trainer):
    tomorrow = make_session(lead=trainer.person, starts_at=utc_now() + timedelta(days=1))
    booking = book(tomorrow)
    with pytest.raises(services.RegisterNotOpenError, match="from the day of the session"):
        mark(tomorrow, booking, ATTENDED, trainer)
    on_the_day = tomorrow.starts_at.astimezone(LONDON).replace(hour=0, minute=1)
    assert mark(tomorrow, booking, ATTENDED, trainer, now=on_the_day) is not None


def test_a_cancelled_session_has_no_register_to_mark(app, trainer, delivered):
    training_session, (booking, *_) = delivered
    training_session.status = SessionStatus.CANCELLED
    with pytest.raises(services.RegisterNotOpenError, match="cancelled"):
        mark(training_session, booking, ATTENDED, trainer)


# --- Who may mark ---------------------------------------------------------------------------------------


def test_only_the_sessions_own_trainers_and_coordinators_mark_its_register(app, trainer, coordinator, delivered):
    training_session, _ = delivered
    co_trainer, observer, stranger = make_user(Role.TRAINER), make_user(Role.TRAINER), make_user(Role.TRAINER)
    training_session.trainers.append(SessionTrainer(person=co_trainer.person, part=TrainerPart.CO_TRAINER))
    training_session.trainers.append(SessionTrainer(person=observer.person, part=TrainerPart.OBSERVER))
    staff_on_rota = make_user(Role.STAFF)
    training_session.trainers.append(SessionTrainer(person=staff_on_rota.person, part=TrainerPart.LEAD))
    assert services.can_mark_register(trainer, training_session)
    assert services.can_mark_register(co_trainer, training_session)
    assert services.can_mark_register(coordinator, training_session)
    assert not services.can_mark_register(observer, training_session)
    assert services.can_view_register(observer, training_session)
    assert not services.can_mark_register(stranger, training_session)
    assert not services.can_view_register(stranger, training_session)
    assert not services.can_mark_register(staff_on_rota, training_session)  # not a trainer
    assert not services.can_reopen_register(trainer) and services.can_reopen_register(coordinator)


# --- Walk-ins -------------------------------------------------------------------------------------------


def test_walk_in_of_a_known_person_into_a_full_session_after_booking_closed(app, trainer):
    training_session = past_session(lead=trainer.person, capacity=1)
    book(training_session)
    visitor = make_person()
    walk_in = walk_ins.add_walk_in(training_session=training_session, person=visitor, actor=trainer)
    booking = walk_in.booking
    assert walk_in.is_new
    assert (booking.status, booking.source) == (BookingStatus.CONFIRMED, BookingSource.WALK_IN)
    assert booking.booked_by_id == trainer.person_id
    assert booking_services.count_seats_taken(training_session.id) == 2  # beyond capacity: they are in the room
    line = next(line for line in services.list_register_lines(training_session) if line.person.id == visitor.id)
    assert line.outcome == ATTENDED and line.is_walk_in
    again = walk_ins.add_walk_in(training_session=training_session, person=visitor, actor=trainer)
    assert not again.is_new and again.booking.id == booking.id
    assert len(changes_for(booking)) == 1


def test_walk_in_confirms_a_waiting_list_place(app, trainer):
    training_session = past_session(lead=trainer.person, capacity=1)
    book(training_session)
    waiting = book(training_session)
    walk_in = walk_ins.add_walk_in(training_session=training_session, person=waiting.person, actor=trainer)
    assert walk_in.booking.id == waiting.id and waiting.status == BookingStatus.CONFIRMED
    assert (
        services.summarise_register(services.list_register_lines(training_session), training_session.course).attended
        == 1
    )


def test_walk_in_of_a_new_person(app, trainer):
    training_session = past_session(lead=trainer.person)
    mencap = make_organisation(name="Barnet MENCAP")
    walk_in = walk_ins.add_new_walk_in(
        training_session=training_session,
        first_name=" Ayesha ",
        last_name="Khan",
        email="Ayesha.Khan@Example.org",
        organisation=mencap,
        actor=trainer,
    )
    person = walk_in.booking.person
    assert (person.full_name, person.email, person.organisation_id) == (
        "Ayesha Khan",
        "ayesha.khan@example.org",
        mencap.id,
    )
    assert walk_in.booking.source == BookingSource.WALK_IN
    with pytest.raises(walk_ins.PersonEmailTakenError):
        walk_ins.add_new_walk_in(
            training_session=training_session,
            first_name="A",
            last_name="K",
            email="ayesha.khan@example.org",
            organisation=mencap,
            actor=trainer,
        )


def test_coordinator_records_history_on_a_session_from_2018(app, coordinator, db):
    course = make_course(code="WRAP3", validity_months=36)
    training_session = make_session(
        course=course, starts_at=datetime(2018, 3, 14, 10, 0, tzinfo=LONDON), status=SessionStatus.PUBLISHED
    )
    people = [make_person() for _ in range(3)]
    for person in people:
        walk_ins.add_walk_in(training_session=training_session, person=person, actor=coordinator)
    records = sign_off.sign_off_register(training_session=training_session, actor=coordinator)
    assert {(r.completed_on, r.expires_on) for r in records} == {(date(2018, 3, 14), date(2021, 3, 14))}
    assert find_valid_record(person_id=people[0].id, course_id=course.id, on=date(2019, 1, 1)) is not None
    assert find_valid_record(person_id=people[0].id, course_id=course.id, on=date(2021, 3, 14)) is None


# --- Sign-off -------------------------------------------------------------------------------------------


def test_sign_off_makes_records_for_attended_with_expiry_from_the_course(app, trainer, delivered):
    training_session, (attended, partial, absent) = delivered
    mark(training_session, attended, ATTENDED, trainer)
    mark(training_session, partial, PARTIAL, trainer)
    mark(training_session, absent, ABSENT, trainer)
    records = sign_off.sign_off_register(training_session=training_session, actor=trainer)
    completed_on = training_session.starts_at.astimezone(LONDON).date()
    assert [(r.person_id, r.completed_on, r.source, r.session_id) for r in records] == [
        (attended.person_id, completed_on, RecordSource.ATTENDANCE, training_session.id)
    ]
    assert records[0].expires_on == services.expiry_for(training_session.course, completed_on)
    assert training_session.course.validity_months == 36
    assert (records[0].expires_on.year - completed_on.year) * 12 + records[
        0
    ].expires_on.month - completed_on.month == 36
    assert training_session.is_signed_off and training_session.register_signed_off_by_id == trainer.person_id


def test_partial_counts_only_when_the_course_says_so(app, trainer):
    course = make_course(partial_counts=True, validity_months=None)
    training_session = past_session(course=course, lead=trainer.person)
    partial, excused = book(training_session), book(training_session)
    mark(training_session, partial, PARTIAL, trainer)
    mark(training_session, excused, EXCUSED, trainer)
    records = sign_off.sign_off_register(training_session=training_session, actor=trainer)
    assert [(r.person_id, r.expires_on) for r in records] == [(partial.person_id, None)]  # no validity: no expiry


def test_the_completion_date_is_the_london_date_of_the_session(app, trainer):
    starts_at = datetime(2018, 6, 30, 23, 30, tzinfo=UTC)  # 00:30 on 1 July in London (BST)
    training_session = make_session(lead=trainer.person, starts_at=starts_at)
    walk_ins.add_walk_in(training_session=training_session, person=make_person(), actor=trainer)
    (record,) = sign_off.sign_off_register(training_session=training_session, actor=trainer)
    assert record.completed_on == date(2018, 7, 1) and record.expires_on == date(2021, 7, 1)


def test_sign_off_names_everyone_not_marked(app, trainer, delivered):
    training_session, (first, second, third) = delivered
    mark(training_session, first, ATTENDED, trainer)
    with pytest.raises(services.UnmarkedAttendeesError) as refused:
        sign_off.sign_off_register(training_session=training_session, actor=trainer)
    assert sorted(refused.value.names) == sorted([second.person.full_name, third.person.full_name])
    assert second.person.full_name in refused.value.message
    assert not training_session.is_signed_off and records_of(training_session) == []


def test_sign_off_waits_for_the_session_to_start(app, trainer):
    training_session = make_session(lead=trainer.person, starts_at=utc_now() + timedelta(hours=1))
    with pytest.raises(services.RegisterNotOpenError, match="once the session has started"):
        sign_off.sign_off_register(training_session=training_session, actor=trainer)


def test_a_signed_off_register_refuses_every_change(app, trainer, delivered):
    training_session, (booking, *_) = delivered
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    sign_off.sign_off_register(training_session=training_session, actor=trainer)
    with pytest.raises(services.RegisterSignedOffError) as refused:
        mark(training_session, booking, ABSENT, trainer)
    assert refused.value.status == 409
    with pytest.raises(services.RegisterSignedOffError):
        services.mark_everyone_attended(training_session=training_session, actor=trainer)
    with pytest.raises(services.RegisterSignedOffError):
        walk_ins.add_walk_in(training_session=training_session, person=make_person(), actor=trainer)
    with pytest.raises(services.RegisterSignedOffError):
        sign_off.sign_off_register(training_session=training_session, actor=trainer)


def test_reopen_needs_a_reason_withdraws_records_and_sign_off_remakes_them(app, db, trainer, coordinator, delivered):
    training_session, (first, second, third) = delivered
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    assert len(sign_off.sign_off_register(training_session=training_session, actor=trainer)) == 3
    course_id = training_session.course_id
    assert find_valid_record(person_id=third.person_id, course_id=course_id) is not None

    with pytest.raises(services.RegisterError, match="reason"):
        sign_off.reopen_register(training_session=training_session, actor=coordinator, reason="  ")
    assert (
        sign_off.reopen_register(training_session=training_session, actor=coordinator, reason="Third left at the break")
        == 3
    )
    assert records_of(training_session) == []  # coverage stops counting them
    assert find_valid_record(person_id=third.person_id, course_id=course_id) is None
    assert not training_session.is_signed_off

    change = mark(training_session, third, PARTIAL, coordinator)
    assert change.reason == "Third left at the break"  # a change after a reopen carries its reason
    records = sign_off.sign_off_register(training_session=training_session, actor=coordinator)
    assert sorted(r.person_id for r in records) == sorted([first.person_id, second.person_id])
    assert len(records_of(training_session)) == 2  # no duplicates of the first sign-off
    kinds = [e.kind for e in db.session.scalars(select(RegisterEvent).order_by(RegisterEvent.id))]
    assert kinds == ["signed_off", "reopened", "signed_off"]
    actions = set(db.session.scalars(select(AuditEvent.action)))
    assert {"register.signed_off", "register.reopened", "register.changed_after_reopen"} <= actions

    with pytest.raises(services.RegisterSignedOffError):
        mark(training_session, third, ATTENDED, coordinator)


def test_reopening_an_open_register_is_refused(app, coordinator, delivered):
    training_session, _ = delivered
    with pytest.raises(services.RegisterNotSignedOffError):
        sign_off.reopen_register(training_session=training_session, actor=coordinator, reason="Why not")


def test_reopen_leaves_records_from_other_sources_alone(app, trainer, coordinator, delivered):
    training_session, (booking, *_) = delivered
    training_records.add_equivalent_evidence(
        person=booking.person,
        course=training_session.course,
        completed_on=date(2017, 5, 1),
        evidence="Certificate seen",
        actor=coordinator,
    )
    services.mark_everyone_attended(training_session=training_session, actor=trainer)
    sign_off.sign_off_register(training_session=training_session, actor=trainer)
    sign_off.reopen_register(training_session=training_session, actor=coordinator, reason="Check")
    from tracker.extensions import db

    assert db.session.scalar(select(func.count(TrainingRecord.id))) == 1


# --- The API's bulk update ------------------------------------------------------------------------------


def test_record_attendance_makes_walk_ins_of_people_not_booked(app, trainer, delivered, db):
    training_session, (booked, *_) = delivered
    stranger = make_person()
    results = walk_ins.record_attendance(
        training_session=training_session,
        records=[(booked.person_id, ATTENDED), (stranger.id, PARTIAL)],
        actor=trainer,
    )
    assert [(r.walked_in, r.changed, r.outcome) for r in results] == [(False, True, ATTENDED), (True, True, PARTIAL)]
    walk_in = db.session.scalar(select(Booking).where(Booking.person_id == stranger.id))
    assert walk_in.source == BookingSource.WALK_IN
    assert db.session.scalar(select(Attendance.outcome).where(Attendance.booking_id == walk_in.id)) == PARTIAL
    again = walk_ins.record_attendance(
        training_session=training_session, records=[(stranger.id, PARTIAL)], actor=trainer
    )
    assert [(r.walked_in, r.changed) for r in again] == [(False, False)]


def test_record_attendance_names_the_index_of_an_unknown_person_and_changes_nothing(app, trainer, delivered, db):
    training_session, (booked, *_) = delivered
    with pytest.raises(services.UnknownPeopleError) as refused:
        walk_ins.record_attendance(
            training_session=training_session,
            records=[(booked.person_id, ATTENDED), (999_999, ATTENDED)],
            actor=trainer,
        )
    assert refused.value.field == "records.1.person_id"
    assert "999999" in refused.value.message
