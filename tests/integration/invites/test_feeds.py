"""The personal calendar feed: a secret, revocable, regenerable URL; the same UIDs as the invites;
ETag and Last-Modified with 304 when nothing changed."""

from __future__ import annotations

import hashlib
import re
from datetime import timedelta

from icalendar import Calendar
from sqlalchemy import select

from tests.factories import make_booking, make_course, make_session, make_user
from tests.integration.invites.conftest import add_trainer, deliver, ics_of, to
from tests.support.icaljs import icaljs
from tracker.accounts.models import Role
from tracker.booking import services as booking_services
from tracker.common.audit import AuditEvent
from tracker.common.time import utc_now
from tracker.courses.models import SessionStatus, TrainerPart
from tracker.extensions import db
from tracker.invites import feeds
from tracker.invites.models import CalendarFeedToken

FEED_URL = re.compile(r"http://tracker\.test/calendar/([A-Za-z0-9_-]{20,})\.ics")


def make_feed(client) -> str:
    """Press the button, then read the address off the page (shown once); returns the token."""
    response = client.post("/my-training/calendar-feed/new")
    assert response.status_code == 302 and response.headers["Location"].endswith("/my-training/calendar-feed")
    page = client.get("/my-training/calendar-feed").get_data(as_text=True)
    match = FEED_URL.search(page)
    assert match, "the new feed address is shown"
    return match.group(1)


def events(response) -> dict[str, int]:
    calendar = Calendar.from_ical(response.data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    return {str(e["UID"]): e["SEQUENCE"] for e in calendar.walk("VEVENT")}


def test_the_address_is_shown_once_and_only_its_hash_is_kept(app, signed_in):
    user = make_user(Role.STAFF)
    client = signed_in(user)
    page = client.get("/my-training/calendar-feed")
    assert page.status_code == 200 and "Your feed is turned off" in page.get_data(as_text=True)
    token = make_feed(client)
    again = client.get("/my-training/calendar-feed").get_data(as_text=True)
    assert token not in again and "cannot show it again" in again
    [row] = db.session.scalars(select(CalendarFeedToken)).all()
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.person_id == user.person_id and row.revoked_at is None
    audit = " ".join(str(e.before) + str(e.after) for e in db.session.scalars(select(AuditEvent)))
    assert token not in audit


def test_the_feed_has_the_same_uids_as_the_invites_and_sessions_they_deliver(app, signed_in, smtp):
    user = make_user(Role.STAFF, Role.TRAINER)
    person = user.person
    booking = make_booking(make_session(), person)
    waiting_session = make_session(capacity=1, course=make_course())  # one place per course
    make_booking(waiting_session)
    make_booking(waiting_session, person)  # waitlisted: not in the calendar
    delivering = make_session(lead=person)
    draft = make_session(status=SessionStatus.DRAFT)
    add_trainer(draft, TrainerPart.LEAD)
    deliver()
    invite = to(smtp.messages, person.email)[0]
    assert icaljs(ics_of(invite))["uid"] == booking.calendar_uid

    token = make_feed(signed_in(user))
    response = app.test_client().get(f"/calendar/{token}.ics")  # no sign-in: the token is the credential
    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    [lead_part] = delivering.trainers
    assert events(response) == {booking.calendar_uid: booking.sequence, lead_part.calendar_uid: 0}
    read = icaljs(response.data)
    assert read["method"] == "PUBLISH"
    assert sorted(e["uid"] for e in read["events"]) == sorted([booking.calendar_uid, lead_part.calendar_uid])
    assert all(e["attendees"] == [] for e in read["events"])
    assert response.headers["Cache-Control"] == "private, no-cache"
    assert "Set-Cookie" not in response.headers


def test_etag_and_last_modified_answer_304_until_something_changes(app, signed_in):
    user = make_user(Role.STAFF)
    booking = make_booking(make_session(), user.person)
    token = make_feed(signed_in(user))
    client = app.test_client()
    url = f"/calendar/{token}.ics"
    first = client.get(url)
    etag, last_modified = first.headers["ETag"], first.headers["Last-Modified"]
    assert etag and last_modified
    assert client.get(url).headers["ETag"] == etag  # same data, same bytes, same ETag

    not_modified = client.get(url, headers={"If-None-Match": etag})
    assert not_modified.status_code == 304 and not_modified.data == b""
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 304

    booking_services.cancel_booking(booking=booking, cancelled_by=None, now=utc_now() + timedelta(minutes=5))
    changed = client.get(url, headers={"If-None-Match": etag})
    assert changed.status_code == 200
    assert changed.headers["ETag"] != etag
    assert booking.calendar_uid not in changed.get_data(as_text=True)
    assert client.get(url, headers={"If-Modified-Since": last_modified}).status_code == 200


def test_a_trainer_taken_off_a_session_changes_the_feed(app, signed_in):
    user = make_user(Role.TRAINER)
    training_session = make_session(lead=user.person)
    token = make_feed(signed_in(user))
    client = app.test_client()
    url = f"/calendar/{token}.ics"
    etag = client.get(url).headers["ETag"]
    [part] = training_session.trainers
    db.session.delete(part)
    db.session.flush()
    response = client.get(url, headers={"If-None-Match": etag})
    assert response.status_code == 200 and events(response) == {}


def test_regenerating_replaces_the_address_and_revoking_turns_it_off(app, signed_in):
    user = make_user(Role.STAFF)
    client = signed_in(user)
    first = make_feed(client)
    second = make_feed(client)
    anonymous = app.test_client()
    assert anonymous.get(f"/calendar/{first}.ics").status_code == 404
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 200
    response = client.post("/my-training/calendar-feed/revoke")
    assert response.status_code == 302
    assert anonymous.get(f"/calendar/{second}.ics").status_code == 404
    assert "Your feed is turned off" in client.get("/my-training/calendar-feed").get_data(as_text=True)
    actions = [e.action for e in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert {"calendar_feed.created", "calendar_feed.regenerated", "calendar_feed.revoked"} <= set(actions)


def test_unknown_tokens_are_not_found(app):
    client = app.test_client()
    assert client.get("/calendar/not-a-real-token.ics").status_code == 404
    assert feeds.find_feed_person("") is None
    assert feeds.find_feed_person("x" * 500) is None


def test_the_feed_page_needs_a_sign_in_and_its_buttons_are_posts(app, signed_in):
    anonymous = app.test_client()
    assert "/sign-in" in anonymous.get("/my-training/calendar-feed").headers["Location"]
    client = signed_in(make_user(Role.STAFF))
    assert client.get("/my-training/calendar-feed/new").status_code == 405
    assert client.get("/my-training/calendar-feed/revoke").status_code == 405
