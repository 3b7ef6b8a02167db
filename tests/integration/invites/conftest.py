"""Helpers for the invites tests: deliver the outbox, pick messages apart, make dated sessions and trainers."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from email.message import EmailMessage

from icalendar import Calendar
from sqlalchemy import select

from tests.factories import make_person
from tracker.common.time import london_to_utc, today_london, utc_now
from tracker.courses.models import SessionTrainer, TrainerPart, TrainingSession
from tracker.extensions import db
from tracker.invites import outbox
from tracker.invites.models import OutboxMessage


def deliver(*, now: datetime | None = None, **kwargs) -> outbox.BatchResult:
    """Commit what the test wrote (as a request would), then run the worker once, like `outbox work --once`."""
    db.session.commit()
    result = outbox.work(once=True, now=now, **kwargs)
    db.session.expire_all()
    return result


def outbox_rows(**filters) -> list[OutboxMessage]:
    statement = select(OutboxMessage).filter_by(**filters).order_by(OutboxMessage.id)
    return list(db.session.scalars(statement))


def to(messages: list[EmailMessage], email: str) -> list[EmailMessage]:
    return [m for m in messages if email in m["To"]]


def alternatives(message: EmailMessage) -> list[EmailMessage]:
    if message.get_content_type() == "multipart/mixed":
        return list(message.get_payload()[0].get_payload())
    assert message.get_content_type() == "multipart/alternative"
    return list(message.get_payload())


def text_of(message: EmailMessage) -> str:
    return alternatives(message)[0].get_content()


def html_of(message: EmailMessage) -> str:
    return alternatives(message)[1].get_content()


def calendar_part(message: EmailMessage) -> EmailMessage:
    parts = [p for p in alternatives(message) if p.get_content_type() == "text/calendar"]
    assert len(parts) == 1, "one text/calendar alternative"
    return parts[0]


def ics_of(message: EmailMessage) -> bytes:
    return calendar_part(message).get_content().encode("utf-8")


def vevent_of(message: EmailMessage):
    calendar = Calendar.from_ical(ics_of(message))
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def next_date_in(month: int, day: int = 12) -> date:
    """A date in `month` at least a month ahead, so sessions on it are open for booking."""
    today = today_london()
    candidate = date(today.year, month, day)
    if candidate < today + timedelta(days=31):
        candidate = date(today.year + 1, month, day)
    return candidate


def at_london(day: date, hour: int, minute: int = 0) -> datetime:
    return london_to_utc(day, time(hour, minute))


def add_trainer(training_session: TrainingSession, part: TrainerPart = TrainerPart.CO_TRAINER, **person_kw):
    trainer = SessionTrainer(person=make_person(**person_kw), part=part)
    training_session.trainers.append(trainer)
    db.session.flush()
    return trainer


def later(minutes: int = 5) -> datetime:
    return utc_now() + timedelta(minutes=minutes)
