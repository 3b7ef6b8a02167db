"""Test helpers for sessions and booking: trainers with accreditation, London times, signal recorders."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date, datetime, time, timedelta

from tests.factories import make_user, wrap_course
from tracker.accounts.models import Role, UserAccount
from tracker.booking import signals as booking_signals
from tracker.common.time import london_to_utc, today_london
from tracker.courses import signals as session_signals
from tracker.courses.models import AccreditationStatus, Course, TrainerAccreditation
from tracker.extensions import db
from tracker.people.models import Person


def accredit(person: Person, course: Course, status: AccreditationStatus = AccreditationStatus.ACCREDITED):
    row = TrainerAccreditation(person_id=person.id, course_id=course.id, status=status)
    db.session.add(row)
    db.session.flush()
    return row


def make_trainer(*courses: Course, status: AccreditationStatus = AccreditationStatus.ACCREDITED, **kw) -> UserAccount:
    """A user with the trainer role, accredited (or a trainee) for the courses given (WRAP if none)."""
    user = make_user(Role.TRAINER, Role.STAFF, **kw)
    for course in courses or (wrap_course(),):
        accredit(user.person, course, status)
    return user


def london(day: date, hour: int, minute: int = 0) -> datetime:
    return london_to_utc(day, time(hour, minute))


def in_days(days: int, hour: int = 10, minute: int = 0) -> datetime:
    """A London wall-clock time `days` from today."""
    return london(today_london() + timedelta(days=days), hour, minute)


class SignalLog:
    """Every send of the session and booking signals, in order: (name, sender, kwargs)."""

    NAMES = (
        "session_published",
        "session_moved",
        "session_cancelled",
        "trainer_added",
        "trainer_removed",
        "booking_cancelled",
        "booking_promoted",
        "booking_confirmed",
        "booking_waitlisted",
    )

    def __init__(self) -> None:
        self.sent: list[tuple[str, object, dict]] = []
        self.snapshots: list[dict] = []

    def receiver(self, name: str):
        def receive(sender, **kwargs):
            self.sent.append((name, sender, kwargs))
            self.snapshots.append(_snapshot(sender))

        return receive

    def names(self) -> list[str]:
        return [name for name, _, _ in self.sent]

    def of(self, name: str) -> list[tuple[object, dict]]:
        return [(sender, kwargs) for n, sender, kwargs in self.sent if n == name]


def _snapshot(sender) -> dict:
    """What a receiver sees at the moment the signal is sent (rows may change or vanish after)."""
    values = {}
    for attribute in ("id", "sequence", "status", "person_id", "part"):
        if hasattr(sender, attribute):
            values[attribute] = getattr(sender, attribute)
    return values


@contextmanager
def recording_signals():
    log = SignalLog()
    receivers = []
    for name in SignalLog.NAMES:
        receiver = log.receiver(name)
        receivers.append(receiver)  # keep a strong reference: blinker holds receivers weakly
        _signal(name).connect(receiver)
    try:
        yield log
    finally:
        for name, receiver in zip(SignalLog.NAMES, receivers, strict=True):
            _signal(name).disconnect(receiver)


def _signal(name: str):
    return getattr(session_signals, name, None) or getattr(booking_signals, name)
