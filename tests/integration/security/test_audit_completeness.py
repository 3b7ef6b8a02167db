"""The audit log is complete: every kind of action the issue names leaves an event with who, when and what
(and before/after where there is one), and no secret (password, hash, token) appears anywhere in the log.

Each action is done the way people do it, through the pages (and the API where that is how it is done),
then its event is looked up. The secrets in play during the run (passwords typed, right and wrong; the
session cookie; an API token; a calendar feed token; every stored hash) are then searched for in every
column of every event.
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.conftest import PASSWORD, make_config
from tests.factories import make_booking, make_organisation, make_person, make_session, make_user, wrap_course
from tests.integration.people.roster_files import roster_csv, roster_row
from tracker.accounts.models import ApiToken, LoginSession, Role, UserAccount
from tracker.accounts.services import create_api_token
from tracker.common.audit import AuditEvent
from tracker.common.time import utc_now
from tracker.extensions import db, limiter
from tracker.invites import feeds
from tracker.invites.models import CalendarFeedToken
from tracker.people.models import OrganisationKind, Person

WRONG_PASSWORD = "not the right passphrase 7"


@pytest.fixture
def app_config(database_url):
    return make_config(database_url, RATELIMIT_ENABLED=True, LOGIN_LIMIT_PER_ACCOUNT="3 per 15 minutes")


@pytest.fixture(autouse=True)
def fresh_limits(app):
    limiter.reset()
    yield
    limiter.reset()


@dataclass
class Cast:
    coordinator: UserAccount
    staff: UserAccount
    trainer: UserAccount
    partner: UserAccount


@pytest.fixture
def cast(app) -> Cast:
    wrap_course()
    council = make_organisation(name="Barnet Council")
    trust = make_organisation(name="North Mental Health Trust", kind=OrganisationKind.NHS_TRUST)
    return Cast(
        coordinator=make_user(Role.COORDINATOR, organisation=council, first_name="Sam", last_name="Coordinator"),
        staff=make_user(Role.STAFF, organisation=council, first_name="Tom", last_name="Staff"),
        trainer=make_user(Role.TRAINER, organisation=council, first_name="Amira", last_name="Trainer"),
        partner=make_user(Role.PARTNER, organisation=trust, first_name="Rachel", last_name="Partner"),
    )


def events(action: str) -> list[AuditEvent]:
    db.session.expire_all()
    return list(db.session.scalars(select(AuditEvent).where(AuditEvent.action == action).order_by(AuditEvent.id)))


def the_event(action: str, *, since, by: UserAccount | None = None, label: str | None = None) -> AuditEvent:
    """The one event of `action` recorded since `since`, checked for who and when."""
    found = [event for event in events(action) if event.at >= since]
    assert len(found) == 1, f"{action}: {len(found)} events"
    event = found[0]
    assert since <= event.at <= utc_now()
    if by is not None:
        assert event.actor_user_id == by.id and event.actor_label == by.person.full_name, action
    if label is not None:
        assert event.actor_label == label, action
    return event


def test_every_kind_of_action_is_audited_with_who_when_what_and_no_secrets(app, client, signed_in, cast):
    upcoming = make_session()
    started = make_session(starts_at=(utc_now() - timedelta(hours=1)).replace(microsecond=0), lead=cast.trainer.person)
    attendee = make_person(first_name="Walk", last_name="In")
    place = make_booking(started, attendee, now=started.starts_at - timedelta(days=2))
    db.session.commit()
    start = utc_now()

    # Sign-in, failure, lockout.
    staff = signed_in(cast.staff)
    event = the_event("auth.signed_in", since=start, by=cast.staff)
    assert (event.object_type, event.object_id) == ("user", cast.staff.id)
    for _ in range(3):
        client.post("/sign-in", data={"email": cast.staff.person.email.upper(), "password": WRONG_PASSWORD})
    assert len([e for e in events("auth.sign_in_failed") if e.actor_label == cast.staff.person.email]) == 3
    locked_out = client.post("/sign-in", data={"email": cast.staff.person.email, "password": WRONG_PASSWORD})
    assert locked_out.status_code == 429
    assert the_event("auth.rate_limited", since=start).after == {"path": "/sign-in"}

    # A permission denial.
    assert staff.get("/audit").status_code == 403
    denied = the_event("permission.denied", since=start, by=cast.staff)
    assert denied.after == {"endpoint": "audit.audit_log", "method": "GET", "path": "/audit", "count": 1}

    # A role change.
    coordinator = signed_in(cast.coordinator)
    coordinator.post(f"/users/{cast.staff.id}/roles", data={"roles": ["staff", "manager"]})
    changed = the_event("user.roles_changed", since=start, by=cast.coordinator)
    assert changed.object_id == cast.staff.id
    assert changed.before == {"roles": ["staff"]} and changed.after == {"roles": ["manager", "staff"]}

    # Booking and cancelling a place.
    staff.post(f"/sessions/{upcoming.id}/book")
    booked = the_event("booking.created", since=start, by=cast.staff)
    assert booked.after["status"] == "confirmed" and booked.after["session_id"] == upcoming.id
    staff.post(f"/bookings/{booked.object_id}/cancel")
    cancelled = the_event("booking.cancelled", since=start, by=cast.staff)
    assert cancelled.object_id == booked.object_id
    assert cancelled.before == {"status": "confirmed"} and cancelled.after["status"] == "cancelled"

    # Attendance: a mark, the sign-off, and the coordinator reopening the register.
    trainer = signed_in(cast.trainer)
    trainer.post(f"/sessions/{started.id}/register/mark", data={"booking_id": str(place.id), "outcome": "partial"})
    trainer.post(f"/sessions/{started.id}/register/mark", data={"booking_id": str(place.id), "outcome": "attended"})
    marks = [e for e in events("attendance.marked") if e.object_id == started.id]
    assert [(e.before["marks"][0]["outcome"], e.after["marks"][0]["outcome"]) for e in marks] == [
        (None, "partial"),
        ("partial", "attended"),
    ]
    assert {e.actor_user_id for e in marks} == {cast.trainer.id}
    assert marks[0].after["marks"][0] == {"booking_id": place.id, "person_id": attendee.id, "outcome": "partial"}
    trainer.post(f"/sessions/{started.id}/register/sign-off")
    assert the_event("register.signed_off", since=start, by=cast.trainer).after["records"] == 1
    coordinator.post(f"/sessions/{started.id}/register/reopen", data={"reason": "Marked the wrong person"})
    reopened = the_event("register.reopened", since=start, by=cast.coordinator)
    assert reopened.object_id == started.id and reopened.after["reason"] == "Marked the wrong person"
    assert reopened.before["records"][0]["person_id"] == attendee.id

    # Imports: a roster and training records.
    roster = roster_csv([roster_row("Barnet Council", "R100", first_name="Rosa", department="Fostering")])
    coordinator.post(
        "/imports/roster", data={"file": (io.BytesIO(roster), "roster.csv")}, content_type="multipart/form-data"
    )
    imported = the_event("roster.imported", since=start, by=cast.coordinator)
    assert imported.after["file"] == "roster.csv" and imported.after["created"] == 1
    assert imported.after["people"]["created"] == [
        db.session.scalar(select(Person.id).where(Person.employee_ref == "R100"))
    ]
    records = (
        b"organisation,employee_ref,course_code,completed_on,source\r\nBarnet Council,R100,WRAP,2024-05-01,import\r\n"
    )
    coordinator.post(
        "/imports/training-records",
        data={"file": (io.BytesIO(records), "records.csv")},
        content_type="multipart/form-data",
    )
    assert the_event("training_records.imported", since=start, by=cast.coordinator).after

    # Exports: the coverage CSV and a subject access export.
    assert coordinator.get("/coverage/export.csv?course=WRAP&as_of=2025-03-31").status_code == 200
    exported = the_event("coverage.exported", since=start, by=cast.coordinator)
    assert exported.after["course"] == "WRAP" and exported.after["as_of"] == "2025-03-31"
    assert coordinator.post(f"/people/{cast.staff.person_id}/export.json").status_code == 200
    subject = the_event("person.exported", since=start, by=cast.coordinator)
    assert (subject.object_type, subject.object_id) == ("person", cast.staff.person_id)

    # A partner return.
    partner = signed_in(cast.partner)
    partner.post(
        "/partner-returns/new",
        data={
            "organisation_id": str(cast.partner.person.organisation_id),
            "course_id": str(wrap_course().id),
            "period_end": "2025-03-31",
            "compliant": "41",
            "eligible": "50",
        },
    )
    submitted = the_event("partner_return.submitted", since=start, by=cast.partner)
    assert submitted.after["compliant"] == 41 and submitted.after["eligible"] == 50

    # Secrets that were in play: none of them is anywhere in the log.
    api_token = create_api_token(user=cast.coordinator)
    feed_token = feeds.create_feed_token(person=cast.staff.person)
    db.session.commit()
    secrets = {PASSWORD, WRONG_PASSWORD, api_token, feed_token, app.config["SECRET_KEY"]}
    secrets |= {cookie.value for cookie in staff._cookies.values()}
    secrets |= set(db.session.scalars(select(UserAccount.password_hash)))
    secrets |= set(db.session.scalars(select(ApiToken.token_hash)))
    secrets |= set(db.session.scalars(select(LoginSession.token_hash)))
    secrets |= set(db.session.scalars(select(CalendarFeedToken.token_hash)))
    log = [
        json.dumps([e.actor_label, e.action, e.object_type, e.before, e.after, e.ip_address], default=str)
        for e in db.session.scalars(select(AuditEvent))
    ]
    assert len(log) > 20
    leaks = sorted({secret[:12] for secret in secrets if secret and any(secret in line for line in log)})
    assert leaks == [], f"secrets in the audit log: {leaks}"
    assert not any("$argon2" in line or "ptt_" in line for line in log)
