"""Check-in rules: the shown code's expiry and forgery, the pass, the session's day, walk-ins, a second check-in,
and emailed codes (sent through a real SMTP server)."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from sqlalchemy import select

from tests.factories import make_person, make_user
from tests.integration.checkin.conftest import book, session_on
from tracker.accounts.models import Role
from tracker.attendance.models import Attendance
from tracker.attendance.sign_off import sign_off_register
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.checkin import codes, services
from tracker.checkin.models import CheckIn, CheckInEmailCode, CheckInMethod
from tracker.common.time import today_london, utc_now
from tracker.courses.models import SessionStatus
from tracker.invites import outbox


def window_ago(windows: int):
    return utc_now() - timedelta(minutes=windows * codes.window_minutes())


# --- The shown code and the pass ---------------------------------------------------------------------------


def test_the_shown_code_finds_its_session_in_this_window_and_the_next(app, today_session):
    shown = codes.current_code(today_session.id, now=utc_now())
    assert services.find_session_by_code(shown.code) == today_session
    assert services.find_session_by_code(shown.code.lower()[:3] + " " + shown.code[3:]) == today_session
    assert services.find_session_by_code(shown.code, now=shown.works_until - timedelta(seconds=1)) == today_session


def test_an_older_code_is_expired_not_forged(app, today_session):
    old = codes.code_for(today_session.id, codes.window_at(window_ago(2)))
    with pytest.raises(codes.CodeExpiredError, match="expired"):
        services.find_session_by_code(old)
    shown = codes.current_code(today_session.id, now=utc_now())
    with pytest.raises(codes.CodeExpiredError):
        services.find_session_by_code(shown.code, now=shown.works_until)


def test_a_forged_or_mistyped_code_is_not_valid(app, today_session):
    real = codes.current_code(today_session.id, now=utc_now()).code
    forged = next(c for c in ("AAAAAA", "BBBBBB") if c != real)
    with pytest.raises(codes.CodeNotValidError, match="not right"):
        services.find_session_by_code(forged)
    with pytest.raises(codes.CodeNotValidError, match="6-character"):
        services.find_session_by_code("12")
    with pytest.raises(codes.CodeNotValidError):
        services.find_session_by_code("ABC9DE")  # 9 is never in a code
    assert codes.normalise_code("o0i1b8") == "OOIIBB"  # digits read for letters are taken as the letters
    app.config["SECRET_KEY"] = "another key"  # a code made without this app's key
    other = codes.current_code(today_session.id, now=utc_now()).code
    app.config["SECRET_KEY"] = "test-only-not-secret"
    if other != real:
        with pytest.raises(codes.CodeNotValidError):
            services.find_session_by_code(other)


def test_the_pass_names_its_session_until_it_expires_and_cannot_be_forged(app, today_session, clock):
    token = codes.make_pass(today_session.id)
    assert services.session_from_pass(token) == today_session
    with pytest.raises(codes.CodeNotValidError):
        services.session_from_pass(token[:-2] + ("AA" if not token.endswith("AA") else "BB"))
    with pytest.raises(codes.CodeNotValidError):
        services.session_from_pass("not-a-pass")
    clock.shift(timedelta(minutes=codes.PASS_MINUTES + 1))
    with pytest.raises(codes.CodeExpiredError, match="expired"):
        services.session_from_pass(token)


# --- When check-in is open ---------------------------------------------------------------------------------


def test_check_in_is_refused_on_another_day_when_cancelled_and_after_sign_off(app, clock, trainer):
    person = make_person()
    tomorrow = session_on(today_london() + timedelta(days=1), lead=trainer.person)
    book(tomorrow, person)
    with pytest.raises(services.CheckInClosedError, match="only on the day of the session"):
        services.check_in(training_session=tomorrow, person=person, method=CheckInMethod.SIGNED_IN, actor=None)
    # yesterday's code is found (so the message is about the day, not a forged code), then refused
    yesterday = session_on(today_london() - timedelta(days=1), lead=trainer.person)
    assert services.find_session_by_code(codes.current_code(yesterday.id, now=utc_now()).code) == yesterday
    assert "only on the day" in services.check_in_problem(yesterday)

    cancelled = session_on(today_london(), lead=trainer.person, status=SessionStatus.CANCELLED)
    assert "cancelled" in services.check_in_problem(cancelled)
    with pytest.raises(services.CheckInClosedError, match="cancelled"):
        services.check_in(training_session=cancelled, person=person, method=CheckInMethod.SIGNED_IN, actor=None)

    signed_off = session_on(today_london(), lead=trainer.person)
    sign_off_register(training_session=signed_off, actor=make_user(Role.COORDINATOR))
    assert "signed off" in services.check_in_problem(signed_off)
    assert services.check_in_problem(session_on(today_london(), lead=trainer.person)) is None


# --- Checking in --------------------------------------------------------------------------------------------


def test_a_booked_person_checks_in_once_and_is_not_marked(app, db, today_session):
    booking = book(today_session)
    arrival = services.check_in(
        training_session=today_session, person=booking.person, method=CheckInMethod.SIGNED_IN, actor=None
    )
    assert arrival.booking_id == booking.id and arrival.checked_in_at is not None
    assert db.session.scalar(select(Attendance).where(Attendance.booking_id == booking.id)) is None
    assert services.check_in_times(today_session) == {booking.id: arrival.checked_in_at}
    assert services.find_check_in(today_session, booking.person) == arrival
    with pytest.raises(services.AlreadyCheckedInError, match="already checked in") as refused:
        services.check_in(
            training_session=today_session, person=booking.person, method=CheckInMethod.SIGNED_IN, actor=None
        )
    assert refused.value.status == 409


def test_someone_without_a_place_is_added_as_an_unmarked_walk_in(app, db, today_session):
    user = make_user(Role.STAFF)
    arrival = services.check_in(
        training_session=today_session, person=user.person, method=CheckInMethod.SIGNED_IN, actor=user
    )
    booking = db.session.get(Booking, arrival.booking_id)
    assert booking.person_id == user.person_id
    assert booking.status == BookingStatus.CONFIRMED and booking.source == BookingSource.WALK_IN
    assert booking.booked_by_id == user.person_id
    assert db.session.scalar(select(Attendance).where(Attendance.booking_id == booking.id)) is None


def test_a_waitlisted_person_who_checks_in_gets_the_place(app, db, trainer, clock):
    full = session_on(today_london(), lead=trainer.person, capacity=1)
    book(full)
    waiting = book(full)
    assert waiting.status == BookingStatus.WAITLISTED
    arrival = services.check_in(
        training_session=full, person=waiting.person, method=CheckInMethod.SIGNED_IN, actor=None
    )
    assert arrival.booking_id == waiting.id and waiting.status == BookingStatus.CONFIRMED


# --- Emailed codes ------------------------------------------------------------------------------------------


def _emailed_code(smtp, to: str) -> str:
    outbox.work(once=True)
    message = next(m for m in reversed(smtp.messages) if m["To"].addresses[0].addr_spec == to)
    return re.search(r"\b(\d{6})\b", message.get_body(("plain",)).get_content()).group(1)


def test_an_emailed_code_checks_in_a_booked_person(app, db, smtp, today_session):
    booking = book(today_session)
    row = services.send_email_code(training_session=today_session, email=booking.person.email.upper())
    db.session.commit()
    code = _emailed_code(smtp, booking.person.email)
    assert row.code_hash != code and code not in row.code_hash  # only a keyed hash is kept
    arrival = services.confirm_email_code(training_session=today_session, code_id=row.id, code=code)
    assert arrival.booking_id == booking.id and arrival.method == CheckInMethod.EMAIL_CODE
    with pytest.raises(services.EmailCodeEndedError):  # works once
        services.confirm_email_code(training_session=today_session, code_id=row.id, code=code)


def test_no_code_for_an_address_not_booked_on_the_session(app, db, smtp, today_session):
    assert services.send_email_code(training_session=today_session, email="nobody@example.org") is None
    assert services.send_email_code(training_session=today_session, email=make_person().email) is None
    db.session.commit()
    assert outbox.work(once=True).sent == 0
    with pytest.raises(services.WrongEmailCodeError):
        services.confirm_email_code(training_session=today_session, code_id=None, code="123456")


def test_wrong_codes_are_limited_and_codes_expire_and_are_replaced(app, db, smtp, today_session, clock):
    booking = book(today_session)
    row = services.send_email_code(training_session=today_session, email=booking.person.email)
    db.session.commit()
    code = _emailed_code(smtp, booking.person.email)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for left in range(services.EMAIL_CODE_ATTEMPTS - 1, 0, -1):
        with pytest.raises(services.WrongEmailCodeError, match=f"{left} tr"):
            services.confirm_email_code(training_session=today_session, code_id=row.id, code=wrong)
    with pytest.raises(services.EmailCodeEndedError, match="no tries are left"):
        services.confirm_email_code(training_session=today_session, code_id=row.id, code=wrong)
    with pytest.raises(services.EmailCodeEndedError, match="Too many"):
        services.confirm_email_code(training_session=today_session, code_id=row.id, code=code)

    first = services.send_email_code(training_session=today_session, email=booking.person.email)
    second = services.send_email_code(training_session=today_session, email=booking.person.email)
    db.session.commit()
    ended = db.session.scalar(select(CheckInEmailCode.used_at).where(CheckInEmailCode.id == first.id))
    assert ended is not None  # replaced by the newer code
    db.session.commit()
    outbox.work(once=True)
    newest = _emailed_code(smtp, booking.person.email)
    clock.shift(services.email_code_lifetime() + timedelta(seconds=1))
    with pytest.raises(services.EmailCodeEndedError, match="expired"):
        services.confirm_email_code(training_session=today_session, code_id=second.id, code=newest)
    assert db.session.scalar(select(CheckIn)) is None
