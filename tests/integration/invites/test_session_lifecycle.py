"""Calendar invites through the real session and booking services, end to end to an SMTP server:
publish → trainers invited; book → REQUEST; reschedule → REQUEST, same UID, higher SEQUENCE, to
attendee and trainers; cancel the session → CANCEL, higher again; rebook elsewhere → a new UID."""

from __future__ import annotations

from tests.factories import make_booking, make_person, make_user, wrap_course
from tests.integration.invites.conftest import at_london, deliver, later, next_date_in, outbox_rows, to
from tests.support.icaljs import icaljs
from tracker.accounts.models import Role
from tracker.courses import pathway, sessions
from tracker.extensions import db
from tracker.invites import outbox
from tracker.invites.emails import render_outgoing


def _calendar(message):
    from tests.integration.invites.conftest import ics_of

    read = icaljs(ics_of(message))
    event = read["events"][0]
    return read["method"], event["uid"], event["sequence"], event["dtstart"]["iso"]


def test_the_whole_lifecycle_through_the_services(app, smtp):
    coordinator = make_user(Role.COORDINATOR, Role.TRAINER, first_name="Sam", last_name="Rosengard")
    observer = make_person(first_name="Marcus", last_name="Bennett")
    pathway.add_trainee(person=observer, course=wrap_course(), actor=coordinator)  # a trainee observes
    day = next_date_in(7)  # July: BST
    training_session = sessions.create_session(
        actor=coordinator,
        course=wrap_course(),
        starts_at=at_london(day, 10),
        ends_at=at_london(day, 12),
        capacity=10,
        venue="Barnet House",
        lead=coordinator.person,
        observers=[observer],
        publish=True,
    )
    attendee = make_person(first_name="Tom", last_name="Walker")
    booking = make_booking(training_session, attendee)
    db.session.commit()
    deliver()
    invites = smtp.messages
    (lead_invite,) = to(invites, coordinator.person.email)
    (observer_invite,) = to(invites, observer.email)
    (attendee_invite,) = to(invites, attendee.email)
    method, uid, sequence, dtstart = _calendar(attendee_invite)
    assert (method, sequence) == ("REQUEST", 0) and dtstart.endswith("T09:00:00.000Z")
    trainer_uid = _calendar(observer_invite)[1]
    assert trainer_uid != uid and _calendar(lead_invite)[0] == "REQUEST"

    smtp.clear()
    sessions.update_session(
        training_session=training_session,
        actor=coordinator,
        starts_at=at_london(day, 14),
        ends_at=at_london(day, 16),
        venue="Hendon Town Hall",
    )
    db.session.commit()
    deliver()
    moved = smtp.messages
    method, moved_uid, moved_sequence, moved_start = _calendar(to(moved, attendee.email)[0])
    assert (method, moved_uid, moved_sequence) == ("REQUEST", uid, 1) and moved_start.endswith("T13:00:00.000Z")
    observer_update = _calendar(to(moved, observer.email)[0])
    assert observer_update[1] == trainer_uid and observer_update[2] == 1

    smtp.clear()
    sessions.cancel_session(training_session=training_session, actor=coordinator, reason="Trainer unwell")
    db.session.commit()
    deliver()
    cancelled = smtp.messages
    method, cancel_uid, cancel_sequence, _ = _calendar(to(cancelled, attendee.email)[0])
    assert (method, cancel_uid, cancel_sequence) == ("CANCEL", uid, 2)
    assert _calendar(to(cancelled, observer.email)[0])[:3] == ("CANCEL", trainer_uid, 2)
    db.session.refresh(booking)
    assert booking.status == "cancelled"

    smtp.clear()
    other = sessions.create_session(
        actor=coordinator,
        course=wrap_course(),
        starts_at=at_london(day, 10),
        ends_at=at_london(day, 12),
        capacity=10,
        venue="Barnet House",
        lead=coordinator.person,
        publish=True,
    )
    make_booking(other, attendee)
    db.session.commit()
    deliver()
    rebook_uid = _calendar(to(smtp.messages, attendee.email)[0])[1]
    assert rebook_uid != uid


def _booked_session(coordinator, attendee, day):
    training_session = sessions.create_session(
        actor=coordinator,
        course=wrap_course(),
        starts_at=at_london(day, 10),
        ends_at=at_london(day, 12),
        capacity=10,
        venue="Barnet House",
        lead=coordinator.person,
        publish=True,
    )
    booking = make_booking(training_session, attendee)
    db.session.commit()
    return training_session, booking


def vevent_of_ics(ics: str):
    from icalendar import Calendar

    (vevent,) = Calendar.from_ical(ics).walk("VEVENT")
    return vevent


def _vevent(row):
    return vevent_of_ics(render_outgoing(row).ics)


def test_a_session_moved_before_the_worker_runs_sends_only_the_update_with_the_new_time(app, smtp):
    """The invite still waiting is superseded; what is sent is the update, rendered from the facts stored
    when the session moved, with the bumped SEQUENCE. The superseded row still renders the first invite."""
    coordinator = make_user(Role.COORDINATOR, Role.TRAINER)
    attendee = make_person(first_name="Tom", last_name="Walker")
    day = next_date_in(7)  # July: BST
    training_session, booking = _booked_session(coordinator, attendee, day)
    sessions.update_session(
        training_session=training_session, actor=coordinator, starts_at=at_london(day, 14), ends_at=at_london(day, 16)
    )
    db.session.commit()

    deliver()

    (sent,) = to(smtp.messages, attendee.email)
    method, uid, sequence, dtstart = _calendar(sent)
    assert (method, uid, sequence) == ("REQUEST", booking.calendar_uid, 1) and dtstart.endswith("T13:00:00.000Z")
    invite, update = outbox_rows(booking_id=booking.id)
    assert (invite.status, update.status) == ("superseded", "sent")
    first = _vevent(invite)
    assert first["SEQUENCE"] == 0 and first["DTSTART"].dt.hour == 9  # 10am BST, as booked


def test_an_invite_claimed_before_the_session_moved_is_sent_as_it_was_then_and_the_update_after_it(app, smtp):
    """A worker that claimed the invite before the move sends it with the old time and SEQUENCE 0; the update,
    queued later (a higher id, so claimed after), carries SEQUENCE 1 and the new time: calendars end up right."""
    coordinator = make_user(Role.COORDINATOR, Role.TRAINER)
    attendee = make_person(first_name="Tom", last_name="Walker")
    day = next_date_in(7)
    training_session, booking = _booked_session(coordinator, attendee, day)
    claimed = outbox.claim_due(worker_id="slow-worker", limit=10, now=later(0), lease_seconds=300)
    assert [row.id for row in claimed if row.recipient_email == attendee.email] == [
        row.id for row in outbox_rows(booking_id=booking.id)
    ]
    sessions.update_session(
        training_session=training_session, actor=coordinator, starts_at=at_london(day, 14), ends_at=at_london(day, 16)
    )
    db.session.commit()

    (invite,) = (row for row in claimed if row.recipient_email == attendee.email)
    as_claimed = vevent_of_ics(render_outgoing(invite).ics)
    assert as_claimed["SEQUENCE"] == 0 and as_claimed["DTSTART"].dt.hour == 9
    rows = outbox_rows(booking_id=booking.id)
    assert [row.status for row in rows] == ["sending", "pending"]  # a claimed row is never superseded
    assert rows[1].id > rows[0].id and _vevent(rows[1])["SEQUENCE"] == 1 and _vevent(rows[1])["DTSTART"].dt.hour == 13

    deliver()  # the pending update; the claimed invite is the slow worker's

    (sent,) = to(smtp.messages, attendee.email)
    method, _, sequence, dtstart = _calendar(sent)
    assert (method, sequence) == ("REQUEST", 1) and dtstart.endswith("T13:00:00.000Z")
