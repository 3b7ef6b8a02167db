"""Invites by email through a real SMTP server: MIME layout, the .ics read by icalendar and ical.js, and
the life of a booking's calendar event (book, move, cancel, rebook), waiting lists and trainers.

Session events are sent here as the contract in tracker/courses/signals.py says the session service
sends them (sequences bumped first, inside the transaction).
"""

from __future__ import annotations

import re
from datetime import timedelta
from email.headerregistry import Address

import pytest
from sqlalchemy import select

from tests.conftest import make_config
from tests.factories import make_booking, make_course, make_person, make_session, make_user
from tests.integration.invites.conftest import (
    add_trainer,
    at_london,
    calendar_part,
    deliver,
    html_of,
    ics_of,
    next_date_in,
    outbox_rows,
    text_of,
    to,
    vevent_of,
)
from tests.support.icaljs import icaljs
from tracker import create_app
from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.booking.models import ACTIVE_STATUSES, Booking, BookingStatus
from tracker.courses import signals
from tracker.courses.models import SessionStatus, TrainerPart
from tracker.extensions import db
from tracker.invites import services as invites
from tracker.invites.models import OutboxMessage, OutboxStatus


def move_session(training_session, *, starts_at=None, venue=None):
    """What the session service does when a session moves: change it, bump every sequence, send the signal."""
    changes = {}
    if starts_at is not None:
        duration = training_session.ends_at - training_session.starts_at
        changes["starts_at"] = (training_session.starts_at, starts_at)
        changes["ends_at"] = (training_session.ends_at, starts_at + duration)
        training_session.starts_at, training_session.ends_at = starts_at, starts_at + duration
    if venue is not None:
        changes["venue"] = (training_session.venue, venue)
        training_session.venue = venue
    for booking in db.session.scalars(
        select(Booking).where(Booking.session_id == training_session.id, Booking.status.in_(ACTIVE_STATUSES))
    ):
        booking.sequence += 1
    for trainer in training_session.trainers:
        trainer.sequence += 1
    db.session.flush()
    signals.session_moved.send(training_session, changes=changes)
    return changes


def test_a_booking_invite_has_the_layout_calendars_show_as_a_meeting_request(app, smtp):
    lead = make_person(first_name="Sam", last_name="Rosengard")
    training_session = make_session(starts_at=at_london(next_date_in(1), 10), lead=lead)
    person = make_person(first_name="Ann", last_name="Attendee")
    booking = make_booking(training_session, person)
    assert deliver().sent == 1

    [message] = smtp.messages
    assert message.get_content_type() == "multipart/mixed"
    top = message.get_payload()
    assert [p.get_content_type() for p in top] == ["multipart/alternative", "application/ics"]
    inline = top[0].get_payload()
    assert [p.get_content_type() for p in inline] == ["text/plain", "text/html", "text/calendar"]
    calendar = calendar_part(message)
    assert calendar.get_param("method") == "REQUEST"
    assert calendar.get_content_charset() == "utf-8"
    attachment = top[1]
    assert attachment.get_filename() == "invite.ics"
    assert attachment.get_content() == calendar.get_content().encode("utf-8")

    assert message["To"].addresses[0].addr_spec == person.email
    assert message["From"].addresses[0].addr_spec == app.config["MAIL_DEFAULT_SENDER"]
    assert message["Subject"].startswith("Booking confirmed: Workshop to Raise Awareness of Prevent (WRAP)")
    row = outbox_rows()[0]
    assert message["Message-ID"] == row.message_id
    assert row.status == OutboxStatus.SENT and row.sent_at is not None and row.attempts == 1

    vcalendar, vevent = vevent_of(message)
    assert str(vcalendar["METHOD"]) == "REQUEST"
    assert str(vevent["UID"]) == booking.calendar_uid
    assert vevent["SEQUENCE"] == booking.sequence
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert str(vevent["ORGANIZER"]) == f"mailto:{app.config['CALENDAR_ORGANIZER_EMAIL']}"
    assert str(vevent["ATTENDEE"]) == f"mailto:{person.email}"
    assert vevent["ATTENDEE"].params["CN"] == "Ann Attendee"
    assert str(vevent["LOCATION"]) == training_session.venue
    assert "Sam Rosengard" in str(vevent["DESCRIPTION"])
    assert str(vevent["URL"]).startswith("http://tracker.test/")


def test_the_email_says_what_where_when_who_and_how_to_cancel_in_text_and_html(app, smtp):
    lead = make_person(first_name="Sam", last_name="Rosengard")
    day = next_date_in(1)
    training_session = make_session(starts_at=at_london(day, 10), lead=lead)
    booking = make_booking(training_session, make_user(Role.STAFF).person)  # someone who signs in with a password
    deliver()
    [message] = smtp.messages
    when = f"{day:%A} {day.day} {day:%B %Y}, 10am to 11:30am"
    for body in (text_of(message), html_of(message)):
        assert "Workshop to Raise Awareness of Prevent (WRAP)" in body
        assert when in body
        assert "Barnet House, 2 Bristol Avenue, Colindale, NW9 4EW" in body
        assert "Sam Rosengard" in body
        # The booking's page with a Cancel button (behind sign-in): following the link changes nothing.
        # (Someone without a way to sign in gets a signed link instead: tests/integration/invites/test_every_link.py.)
        assert f"http://tracker.test/bookings/{booking.id}/cancel" in body
        assert "cancel" in body


@pytest.mark.parametrize(("month", "expected_hour_utc"), [(1, 10), (7, 9)], ids=["january-gmt", "july-bst"])
def test_dtstart_is_utc_for_gmt_and_bst_dates_in_both_parsers(app, smtp, month, expected_hour_utc):
    day = next_date_in(month)
    training_session = make_session(starts_at=at_london(day, 10))
    person = make_person()
    booking = make_booking(training_session, person)
    deliver()
    [message] = smtp.messages
    expected = f"{day:%Y%m%d}T{expected_hour_utc:02d}0000Z"
    assert f"DTSTART:{expected}".encode() in ics_of(message)
    _, vevent = vevent_of(message)
    assert vevent["DTSTART"].dt == training_session.starts_at
    read = icaljs(ics_of(message))
    assert read["method"] == "REQUEST"
    assert read["uid"] == booking.calendar_uid
    assert read["sequence"] == booking.sequence
    assert read["dtstart"]["text"] == f"{day:%Y-%m-%d}T{expected_hour_utc:02d}:00:00Z"
    assert read["dtstart"]["zone"] == "UTC"
    assert read["organizer"]["value"] == f"mailto:{app.config['CALENDAR_ORGANIZER_EMAIL']}"
    assert [a["value"] for a in read["attendees"]] == [f"mailto:{person.email}"]


def test_book_move_cancel_rebook_keeps_one_event_then_starts_a_new_one(app, smtp):
    lead = make_person()
    day = next_date_in(1)
    training_session = make_session(starts_at=at_london(day, 10), lead=lead)
    person = make_person()
    booking = make_booking(training_session, person)
    n = booking.sequence
    deliver()
    [invite] = smtp.messages
    uid = booking.calendar_uid
    assert (icaljs(ics_of(invite))["uid"], icaljs(ics_of(invite))["sequence"]) == (uid, n)

    smtp.clear()
    moved_to = at_london(day + timedelta(days=7), 14)
    move_session(training_session, starts_at=moved_to)
    deliver()
    [update] = to(smtp.messages, person.email)
    read = icaljs(ics_of(update))
    assert (read["method"], read["uid"], read["sequence"]) == ("REQUEST", uid, n + 1)
    assert read["dtstart"]["iso"].startswith(moved_to.strftime("%Y-%m-%dT%H:%M"))
    assert update["Subject"].startswith("Updated:")
    assert "now " in text_of(update) and "(was " in text_of(update)

    smtp.clear()
    booking_services.cancel_booking(booking=booking, cancelled_by=person)
    deliver()
    [cancel] = smtp.messages
    assert calendar_part(cancel).get_param("method") == "CANCEL"
    read = icaljs(ics_of(cancel))
    assert (read["method"], read["uid"], read["sequence"]) == ("CANCEL", uid, n + 2)
    assert read["events"][0]["status"] == "CANCELLED"
    _, vevent = vevent_of(cancel)
    assert str(vevent["STATUS"]) == "CANCELLED" and vevent["SEQUENCE"] == n + 2

    smtp.clear()
    again = make_booking(training_session, person)
    deliver()
    [reinvite] = smtp.messages
    read = icaljs(ics_of(reinvite))
    assert read["method"] == "REQUEST"
    assert read["uid"] == again.calendar_uid != uid


def test_a_rollback_sends_nothing(app, smtp):
    training_session = make_session()
    person = make_person()
    db.session.commit()
    make_booking(training_session, person)
    assert len(outbox_rows()) == 1  # written in the booking's transaction...
    db.session.rollback()  # ...and gone with it
    assert outbox_rows() == []
    assert deliver().sent == 0
    assert smtp.messages == []


def test_every_app_instance_shares_one_set_of_receivers(app, smtp, app_config):
    for _ in range(3):
        create_app(app_config)
    invites.connect_receivers()
    make_booking(make_session(), make_person())
    assert len(outbox_rows()) == 1


def test_a_person_without_an_email_address_is_booked_and_nothing_is_queued(app, smtp):
    booking = make_booking(make_session(), make_person(email=None))
    assert booking.status == BookingStatus.CONFIRMED
    assert outbox_rows() == []


def test_waitlisted_then_promoted_then_leaving_the_waiting_list(app, smtp):
    training_session = make_session(capacity=1)
    seated = make_booking(training_session)
    first_waiting = make_booking(training_session)
    second_waiting = make_booking(training_session)
    deliver()
    notice = to(smtp.messages, second_waiting.person.email)[0]
    assert notice.get_content_type() == "multipart/alternative"  # no calendar part: there is no place yet
    assert "number 2" in text_of(notice) and "number 2" in html_of(notice)
    assert notice["Subject"].startswith("You are on the waiting list")

    smtp.clear()
    booking_services.cancel_booking(booking=seated, cancelled_by=None)
    deliver()
    promoted = to(smtp.messages, first_waiting.person.email)[0]
    read = icaljs(ics_of(promoted))
    assert (read["method"], read["uid"], read["sequence"]) == ("REQUEST", first_waiting.calendar_uid, 1)
    assert "A place has come up" in text_of(promoted)
    assert promoted["Subject"].startswith("You have a place")
    assert calendar_part(to(smtp.messages, seated.person.email)[0]).get_param("method") == "CANCEL"

    smtp.clear()
    booking_services.cancel_booking(booking=second_waiting, cancelled_by=None)
    deliver()
    [removed] = smtp.messages
    assert removed.get_content_type() == "multipart/alternative"
    assert "no longer on the waiting list" in text_of(removed)


def test_the_session_moving_updates_attendees_and_every_trainer_but_not_the_waiting_list(app, smtp):
    training_session = make_session(capacity=1, lead=make_person())
    observer = add_trainer(training_session, TrainerPart.OBSERVER)
    seated = make_booking(training_session)
    waiting = make_booking(training_session)
    deliver()
    smtp.clear()
    move_session(training_session, venue='Hendon Town Hall, "Council Chamber"')
    deliver()
    recipients = sorted(m["To"].addresses[0].addr_spec for m in smtp.messages)
    trainer_emails = [t.person.email for t in training_session.trainers]
    assert recipients == sorted([seated.person.email, *trainer_emails])
    assert to(smtp.messages, waiting.person.email) == []
    update = to(smtp.messages, observer.person.email)[0]
    read = icaljs(ics_of(update))
    assert (read["method"], read["uid"], read["sequence"]) == ("REQUEST", observer.calendar_uid, 1)
    assert read["events"][0]["location"] == 'Hendon Town Hall, "Council Chamber"'
    assert "Venue: now Hendon Town Hall" in text_of(update)


def test_publishing_invites_each_trainer_with_their_own_uid(app, smtp):
    training_session = make_session(status=SessionStatus.DRAFT, lead=make_person())
    co_trainer = add_trainer(training_session, TrainerPart.CO_TRAINER)
    observer = add_trainer(training_session, TrainerPart.OBSERVER)
    training_session.status = SessionStatus.PUBLISHED
    signals.session_published.send(training_session)
    deliver()
    assert len(smtp.messages) == 3
    for trainer in training_session.trainers:
        [message] = to(smtp.messages, trainer.person.email)
        read = icaljs(ics_of(message))
        assert (read["method"], read["uid"], read["sequence"]) == ("REQUEST", trainer.calendar_uid, 0)
        assert [a["value"] for a in read["attendees"]] == [f"mailto:{trainer.person.email}"]
        assert trainer.part.label.lower() in text_of(message)
    assert to(smtp.messages, observer.person.email)[0]["Subject"].startswith("You are observing")
    assert to(smtp.messages, co_trainer.person.email)[0]["Subject"].startswith("You are delivering")


def test_adding_and_removing_a_trainer(app, smtp):
    draft = make_session(status=SessionStatus.DRAFT)
    signals.trainer_added.send(add_trainer(draft))
    assert outbox_rows() == []  # nothing to invite to until it is published

    training_session = make_session()
    trainer = add_trainer(training_session)
    signals.trainer_added.send(trainer)
    deliver()
    [invite] = smtp.messages
    uid, email = trainer.calendar_uid, trainer.person.email
    assert icaljs(ics_of(invite))["uid"] == uid

    smtp.clear()
    trainer.sequence += 1
    signals.trainer_removed.send(trainer)
    db.session.delete(trainer)
    deliver()
    [cancel] = smtp.messages
    assert email in cancel["To"]
    read = icaljs(ics_of(cancel))
    assert (read["method"], read["uid"], read["sequence"]) == ("CANCEL", uid, 1)
    assert "no longer on" in text_of(cancel)


def test_cancelling_the_session_cancels_every_place_and_every_trainer_with_the_reason(app, smtp):
    training_session = make_session(capacity=1, status=SessionStatus.DRAFT, lead=make_person())
    training_session.status = SessionStatus.PUBLISHED
    signals.session_published.send(training_session)
    seated = make_booking(training_session)
    waiting = make_booking(training_session)
    deliver()
    smtp.clear()

    # What the session service does: cancel the bookings and the session, bump sequences, then signal.
    cancelled = [seated, waiting]
    for booking in cancelled:
        booking.status = BookingStatus.CANCELLED
        booking.sequence += 1
    for trainer in training_session.trainers:
        trainer.sequence += 1
    training_session.status = SessionStatus.CANCELLED
    db.session.flush()
    signals.session_cancelled.send(
        training_session, reason="The trainer is ill & <b>unavailable</b>", bookings=cancelled
    )
    deliver()

    seat_cancel = to(smtp.messages, seated.person.email)[0]
    read = icaljs(ics_of(seat_cancel))
    assert (read["method"], read["uid"], read["sequence"]) == ("CANCEL", seated.calendar_uid, 1)
    assert "The trainer is ill & <b>unavailable</b>" in text_of(seat_cancel)
    assert "The trainer is ill &amp; &lt;b&gt;unavailable&lt;/b&gt;" in html_of(seat_cancel)
    waiting_notice = to(smtp.messages, waiting.person.email)[0]
    assert waiting_notice.get_content_type() == "multipart/alternative"
    assert "has been cancelled" in text_of(waiting_notice)
    [lead] = training_session.trainers
    read = icaljs(ics_of(to(smtp.messages, lead.person.email)[0]))
    assert (read["method"], read["uid"], read["sequence"]) == ("CANCEL", lead.calendar_uid, 1)
    assert len(smtp.messages) == 3


def test_a_newer_calendar_message_supersedes_an_older_unsent_one(app, smtp):
    day = next_date_in(1)
    training_session = make_session(starts_at=at_london(day, 10))
    person = make_person()
    booking = make_booking(training_session, person)
    move_session(training_session, starts_at=at_london(day, 11))
    move_session(training_session, starts_at=at_london(day, 12))
    statuses = [r.status for r in outbox_rows(booking_id=booking.id)]
    assert statuses == [OutboxStatus.SUPERSEDED, OutboxStatus.SUPERSEDED, OutboxStatus.PENDING]
    booking_services.cancel_booking(booking=booking, cancelled_by=person)
    deliver()
    [only] = smtp.messages
    read = icaljs(ics_of(only))
    assert (read["method"], read["sequence"]) == ("CANCEL", 3)


def test_a_message_already_being_sent_is_not_superseded(app, smtp):
    training_session = make_session()
    booking = make_booking(training_session)
    [invite] = outbox_rows()
    invite.status = OutboxStatus.SENDING
    invite.claimed_by = "another-worker"
    db.session.flush()
    move_session(training_session, venue="Elsewhere")
    assert [r.status for r in outbox_rows(booking_id=booking.id)] == [OutboxStatus.SENDING, OutboxStatus.PENDING]


NASTY = '<script>alert("x")</script> & <b>bold</b>, "quoted"; semi'


def test_markup_in_names_and_titles_is_text_in_emails_and_escaped_in_the_ics(app, smtp):
    course = make_course(name=f"WRAP {NASTY}")
    training_session = make_session(course=course, title=f"Session {NASTY}", venue=f"Room {NASTY}")
    person = make_person(first_name='<img src=x onerror="alert(1)">', last_name='O\'Neil, Jr; "Annie"')
    make_booking(training_session, person)
    deliver()
    [message] = smtp.messages
    html = html_of(message)
    assert "<script>" not in html and "<img src=x" not in html and "<b>bold</b>" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &lt;b&gt;bold&lt;/b&gt;" in html
    assert "&lt;img src=x onerror=&#34;alert(1)&#34;&gt;" in html
    assert f"Session {NASTY}" in text_of(message)
    assert message["Subject"].startswith(f"Booking confirmed: Session {NASTY}")
    ics = ics_of(message).decode()
    assert "\\, &quot" not in ics and '\\, "quoted"\\; semi' in ics  # TEXT escaping of , and ;
    _, vevent = vevent_of(message)
    assert str(vevent["SUMMARY"]) == f"Session {NASTY}"
    assert str(vevent["LOCATION"]) == f"Room {NASTY}"
    read = icaljs(ics_of(message))
    assert read["events"][0]["summary"] == f"Session {NASTY}"
    assert read["attendees"][0]["cn"] == person.full_name


def test_a_line_break_in_a_name_cannot_add_a_header(app, smtp):
    make_booking(make_session(), make_person(first_name="Eve\r\nBcc: victim@example.org", last_name="X"))
    deliver()
    [message] = smtp.messages
    assert message["Bcc"] is None
    assert [a.addr_spec for a in message["To"].addresses] == [message["To"].addresses[0].addr_spec]
    assert smtp.handler.envelopes[0][1] == [message["To"].addresses[0].addr_spec]


class TestConfiguredAddresses:
    @pytest.fixture
    def app_config(self, database_url):
        return make_config(
            database_url,
            TRACKER_BASE_URL="https://training.example.gov.uk",
            MAIL_DEFAULT_SENDER="prevent@example.gov.uk",
            CALENDAR_ORGANIZER_EMAIL="prevent-calendar@example.gov.uk",
            CALENDAR_ORGANIZER_NAME="Barnet Prevent team",
        )

    def test_links_come_from_the_base_url_and_the_organizer_is_the_configured_mailbox(self, app, smtp):
        person = make_person()
        booking = make_booking(make_session(), person)
        deliver()
        [message] = smtp.messages
        # No account: a signed link to the booking's own page (with an account: /bookings/<id>/cancel).
        assert re.search(r"https://training\.example\.gov\.uk/book/places/[^/\s]+/cancel", text_of(message)), booking.id
        assert "http://tracker.test" not in text_of(message) + html_of(message)
        assert message["From"].addresses[0].addr_spec == "prevent@example.gov.uk"
        assert smtp.handler.envelopes[0][0] == "prevent@example.gov.uk"
        read = icaljs(ics_of(message))
        assert read["organizer"]["value"] == "mailto:prevent-calendar@example.gov.uk"
        assert read["organizer"]["cn"] == "Barnet Prevent team"
        assert read["events"][0]["url"].startswith("https://training.example.gov.uk/")


def test_queue_email_is_usable_by_other_parts_of_the_product(app, smtp):
    message = invites.queue_email(
        to_email="contact@charity.example.org",
        to_name="Charity <Contact>",
        template="reminder",
        context={"facts": invites.session_facts(make_session()), "link": "http://tracker.test/x"},
        subject="Reminder",
        kind="training_request",
    )
    assert message is not None and message.kind == "training_request"
    assert invites.queue_email(to_email=None, to_name="x", template="reminder", context={}, subject="x") is None
    deliver()
    [sent] = smtp.messages
    assert sent["To"].addresses == (Address(display_name="Charity Contact", addr_spec="contact@charity.example.org"),)
    assert sent.get_content_type() == "multipart/alternative"
    assert db.session.scalar(select(OutboxMessage.status)) == OutboxStatus.SENT
