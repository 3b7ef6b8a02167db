"""Checking in to a session: when check-in is open, finding the session from its code or pass, recording a check-in
once per booking (a person with no place becomes a walk-in, as at the register), emailed codes for people who do
not sign in, and the check-in times the register shows.

A check-in is evidence of arrival, not attendance: nothing here marks the register (docs/decisions.md).
Nothing here commits.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update
from sqlalchemy.exc import IntegrityError

from tracker.accounts.models import UserAccount
from tracker.attendance import walk_ins
from tracker.attendance.services import session_london_date, today_london_at
from tracker.booking.models import Booking, BookingStatus
from tracker.booking.services import find_active_booking
from tracker.checkin import codes
from tracker.checkin.models import CheckIn, CheckInEmailCode, CheckInMethod
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import end_of_london_day, format_date, format_time, start_of_london_day, utc_now
from tracker.courses.models import SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.invites.facts import session_heading
from tracker.invites.services import queue_email
from tracker.people.models import Person
from tracker.people.services import find_person_by_email

#: Wrong codes that may be tried against one emailed code before a new one must be asked for.
EMAIL_CODE_ATTEMPTS = 5


class CheckInError(TrackerError):
    """This person cannot check in to this session now."""

    code = "check_in_refused"


class CheckInClosedError(CheckInError):
    """The session is cancelled, not today, not published, or its register is signed off."""

    code = "check_in_closed"
    status = 409


class AlreadyCheckedInError(ConflictError):
    code = "already_checked_in"


class WrongEmailCodeError(CheckInError):
    """Not the code we sent (counted against the code's attempts)."""

    code = "wrong_email_code"


class EmailCodeEndedError(CheckInError):
    """The emailed code expired, was used, was replaced, or had too many wrong tries: ask for a new one."""

    code = "email_code_ended"


# --- When check-in is open -----------------------------------------------------------------------------------


def check_in_problem(training_session: TrainingSession, *, now: datetime | None = None) -> str | None:
    """Why nobody can check in to this session now, or None: only a published session, on its London day, with a
    register not yet signed off."""
    now = now or utc_now()
    if training_session.status == SessionStatus.CANCELLED:
        return "This session was cancelled, so there is nothing to check in to"
    if training_session.status != SessionStatus.PUBLISHED:
        return "This session is not open for check-in"
    day = session_london_date(training_session)
    if today_london_at(now) != day:
        return f"Check-in is open only on the day of the session, {format_date(day)}"
    if training_session.is_signed_off:
        return "The register of this session has been signed off: speak to the trainer"
    return None


def _refuse_if_closed(training_session: TrainingSession, now: datetime) -> None:
    problem = check_in_problem(training_session, now=now)
    if problem:
        raise CheckInClosedError(problem)


# --- Finding the session -------------------------------------------------------------------------------------


def find_session_by_code(text: str | None, *, now: datetime | None = None) -> TrainingSession:
    """The session whose shown code this is (scanned or typed). Sessions of yesterday, today and tomorrow are
    looked at, so that a code shown on the wrong day is told apart from a forged one (`check_in_problem` then
    refuses it). Raises codes.CodeExpiredError, codes.CodeNotValidError."""
    now = now or utc_now()
    code = codes.normalise_code(text)
    if code is None:
        raise codes.CodeNotValidError("Enter the 6-character code shown on the screen", field="code")
    today = today_london_at(now)
    session_ids = list(
        db.session.scalars(
            select(TrainingSession.id)
            .where(
                TrainingSession.starts_at >= start_of_london_day(today - timedelta(days=1)),
                TrainingSession.starts_at < end_of_london_day(today + timedelta(days=1)),
            )
            .order_by(TrainingSession.starts_at, TrainingSession.id)
        )
    )
    return db.session.get_one(TrainingSession, codes.match_code(code, session_ids, now=now))


def session_from_pass(token: str) -> TrainingSession:
    """The session of a check-in pass. Raises codes.CodeExpiredError, codes.CodeNotValidError."""
    training_session = db.session.get(TrainingSession, codes.session_id_from_pass(token))
    if training_session is None:
        raise codes.CodeNotValidError("This check-in link is not valid: scan the code on the screen again")
    return training_session


# --- Checking in ----------------------------------------------------------------------------------------------


def find_check_in(training_session: TrainingSession, person: Person) -> CheckIn | None:
    """The person's check-in to the session (on their current place), if they have checked in."""
    return db.session.scalar(
        select(CheckIn)
        .join(Booking, Booking.id == CheckIn.booking_id)
        .where(
            CheckIn.session_id == training_session.id,
            CheckIn.person_id == person.id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )


def check_in(
    *,
    training_session: TrainingSession,
    person: Person,
    method: CheckInMethod,
    actor: UserAccount | None,
    now: datetime | None = None,
) -> CheckIn:
    """Record that `person` has arrived at the session. Someone without a confirmed place gets one as a walk-in
    (`walk_ins.seat_walk_in`, as the register adds them), unmarked: the trainer marks attendance.

    Raises CheckInClosedError, AlreadyCheckedInError (409), and what `seat_walk_in` raises (PersonErasedError)."""
    now = now or utc_now()
    _refuse_if_closed(training_session, now)
    booking = db.session.scalar(
        select(Booking).where(
            Booking.session_id == training_session.id,
            Booking.person_id == person.id,
            Booking.status == BookingStatus.CONFIRMED,
        )
    )
    walked_in = False
    if booking is None:
        walk_in = walk_ins.seat_walk_in(training_session=training_session, person=person, actor=actor, now=now)
        booking, walked_in = walk_in.booking, walk_in.is_new
    existing = db.session.scalar(select(CheckIn).where(CheckIn.booking_id == booking.id))
    if existing is not None:
        raise AlreadyCheckedInError(f"You have already checked in, at {format_time(existing.checked_in_at)}")
    arrival = CheckIn(
        booking_id=booking.id, session_id=training_session.id, person_id=person.id, method=method, checked_in_at=now
    )
    try:
        with db.session.begin_nested():
            db.session.add(arrival)
    except IntegrityError as error:  # the same person checking in twice at the same moment
        raise AlreadyCheckedInError("You have already checked in") from error
    record_event(
        "check_in.recorded",
        actor=actor,
        actor_label=None if actor is not None else "check-in by emailed code",
        object_type="booking",
        object_id=booking.id,
        after={"session_id": training_session.id, "person_id": person.id, "method": method, "walk_in": walked_in},
    )
    return arrival


# --- Emailed codes ---------------------------------------------------------------------------------------------


def _hash_code(code: str) -> str:
    key = current_app.config["SECRET_KEY"].encode()
    return hmac.new(key, f"check-in-email:{code}".encode(), hashlib.sha256).hexdigest()


def email_code_lifetime() -> timedelta:
    return timedelta(minutes=int(current_app.config["CHECKIN_EMAIL_CODE_MINUTES"]))


def send_email_code(
    *, training_session: TrainingSession, email: str, now: datetime | None = None
) -> CheckInEmailCode | None:
    """Email a 6-digit code to the person with this address, if they have a place (or a place on the waiting
    list) on the session; their earlier unused codes for it end. Returns None, sending nothing, for any other
    address: the caller shows the same page either way, so the page tells nobody who is booked.

    Raises CheckInClosedError."""
    now = now or utc_now()
    _refuse_if_closed(training_session, now)
    person = find_person_by_email(email) if email else None
    if person is None or person.erased_at is not None or not person.email:
        return None
    if find_active_booking(session_id=training_session.id, person_id=person.id) is None:
        return None
    db.session.execute(
        update(CheckInEmailCode)
        .where(
            CheckInEmailCode.session_id == training_session.id,
            CheckInEmailCode.person_id == person.id,
            CheckInEmailCode.used_at.is_(None),
        )
        .values(used_at=now)
        .execution_options(synchronize_session="fetch")
    )
    code = f"{secrets.randbelow(10**6):06d}"
    lifetime = email_code_lifetime()
    row = CheckInEmailCode(
        session_id=training_session.id,
        person_id=person.id,
        code_hash=_hash_code(code),
        attempts=0,
        created_at=now,
        expires_at=now + lifetime,
    )
    db.session.add(row)
    db.session.flush()
    minutes = int(lifetime.total_seconds() // 60)
    queue_email(
        to_email=person.email,
        to_name=person.full_name,
        template="check_in_code",
        context={
            "code": code,
            "minutes": minutes,
            "session": session_heading(training_session),
            "name": person.full_name,
        },
        subject=f"Your check-in code is {code}",
        kind="check_in_code",
        now=now,
    )
    record_event(
        "check_in.code_sent",
        actor_label="check-in",
        object_type="person",
        object_id=person.id,
        after={"session_id": training_session.id},
    )
    return row


def confirm_email_code(
    *, training_session: TrainingSession, code_id: int | None, code: str, now: datetime | None = None
) -> CheckIn:
    """Check in the person an emailed code was sent to, with that code.

    Raises WrongEmailCodeError (the wrong try is counted: the caller keeps the count, it does not roll back),
    EmailCodeEndedError, and what `check_in` raises."""
    now = now or utc_now()
    row = db.session.get(CheckInEmailCode, code_id) if code_id else None
    if row is None or row.session_id != training_session.id:
        raise WrongEmailCodeError("The code is not right: enter the 6 digits from the email we sent", field="code")
    if row.used_at is not None or row.expires_at <= now:
        raise EmailCodeEndedError("This code has expired or has been used: ask for a new code", field="code")
    if row.attempts >= EMAIL_CODE_ATTEMPTS:
        raise EmailCodeEndedError("Too many wrong codes were tried: ask for a new code", field="code")
    if not hmac.compare_digest(_hash_code("".join(code.split())), row.code_hash):
        row.attempts += 1
        db.session.flush()
        left = EMAIL_CODE_ATTEMPTS - row.attempts
        if left == 0:
            raise EmailCodeEndedError("The code is not right, and no tries are left: ask for a new code", field="code")
        raise WrongEmailCodeError(
            f"The code is not right: enter the 6 digits from the email we sent ({left} "
            f"{'try' if left == 1 else 'tries'} left)",
            field="code",
        )
    row.used_at = now
    person = db.session.get_one(Person, row.person_id)
    return check_in(
        training_session=training_session, person=person, method=CheckInMethod.EMAIL_CODE, actor=None, now=now
    )


# --- What the register shows ----------------------------------------------------------------------------------


def check_in_times(training_session: TrainingSession) -> dict[int, datetime]:
    """When each booking on the session checked in, by booking id: one statement, whatever the register's size."""
    return {
        booking_id: at
        for booking_id, at in db.session.execute(
            select(CheckIn.booking_id, CheckIn.checked_in_at).where(CheckIn.session_id == training_session.id)
        )
    }
