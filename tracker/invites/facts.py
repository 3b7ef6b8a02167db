"""What an email or a calendar event says about a session, worked out when the change is made.

The outbox stores these facts (as JSON) rather than the rendered email, so the worker renders what was
true when the change was made, not what is true when it sends.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime
from typing import Any

from tracker.common.time import format_date, format_datetime, format_time, to_london
from tracker.courses.models import TrainerPart, TrainingSession
from tracker.invites import ical

FIELD_LABELS = {
    "starts_at": "Start",
    "ends_at": "End",
    "venue": "Venue",
    "online_url": "Online link",
    "title": "Title",
    "course_id": "Course",
}


@dataclass(frozen=True)
class SessionFacts:
    """A session as emails and calendar events describe it, worked out once per event."""

    id: int
    title: str
    course_name: str
    starts_at: datetime
    ends_at: datetime
    venue: str | None
    online_url: str | None
    trainers: tuple[tuple[str, str], ...]

    @property
    def when(self) -> str:
        """Tuesday 7 January 2025, 10am to 11:30am (London time, GOV.UK style)."""
        if to_london(self.starts_at).date() == to_london(self.ends_at).date():
            return f"{format_datetime(self.starts_at)} to {format_time(self.ends_at)}"
        return f"{format_datetime(self.starts_at)} to {format_datetime(self.ends_at)}"

    @property
    def starts(self) -> str:
        return format_datetime(self.starts_at)

    @property
    def day(self) -> str:
        return format_date(self.starts_at)

    @property
    def online_link(self) -> str | None:
        """The online link if it is a web address (anything else is shown as text, never linked)."""
        url = (self.online_url or "").strip()
        return url if url.lower().startswith(("https://", "http://")) else None

    @property
    def location(self) -> str | None:
        return self.venue or self.online_url

    @property
    def trainer_line(self) -> str:
        """The people delivering it: lead and co-trainers (observers are not announced to attendees)."""
        names = [name for name, part in self.trainers if part in (TrainerPart.LEAD, TrainerPart.CO_TRAINER)]
        return ", ".join(names)

    def to_json(self) -> dict[str, Any]:
        return {**asdict(self), "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat()}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SessionFacts:
        return cls(
            **{
                **data,
                "starts_at": datetime.fromisoformat(data["starts_at"]),
                "ends_at": datetime.fromisoformat(data["ends_at"]),
                "trainers": tuple((name, part) for name, part in data["trainers"]),
            }
        )


def session_facts(training_session: TrainingSession) -> SessionFacts:
    parts = sorted(training_session.trainers, key=lambda t: (list(TrainerPart).index(t.part), t.id))
    return SessionFacts(
        id=training_session.id,
        title=training_session.display_title,
        course_name=training_session.course.name,
        starts_at=training_session.starts_at,
        ends_at=training_session.ends_at,
        venue=training_session.venue,
        online_url=training_session.online_url,
        trainers=tuple((t.person.full_name, str(t.part)) for t in parts),
    )


def session_heading(training_session: TrainingSession) -> dict[str, str]:
    """Title, time and place of a session, for emails that need no more (and so load no trainers)."""
    return {
        "title": training_session.display_title,
        "when": f"{format_datetime(training_session.starts_at)} to {format_time(training_session.ends_at)}",
        "where": training_session.venue or training_session.online_url or "",
    }


def describe_changes(changes: dict[str, tuple[Any, Any]] | None) -> list[dict[str, str]]:
    """Human lines for a session's changes: [{"label", "before", "after"}]."""
    return [
        {
            "label": FIELD_LABELS.get(field, field.replace("_", " ").capitalize()),
            "before": _show(before),
            "after": _show(after),
        }
        for field, (before, after) in (changes or {}).items()
    ]


def _show(value: Any) -> str:
    if value is None or value == "":
        return "none"
    if isinstance(value, datetime):
        return format_datetime(value)
    return str(value)


def calendar_event(
    facts: SessionFacts, *, uid: str, sequence: int, link: str, how_to_cancel: str | None, part: str | None = None
) -> ical.CalendarEvent:
    lines = [facts.course_name if facts.course_name != facts.title else None]
    if part:
        lines.append(f"You are on this session as: {part}")
    if facts.trainer_line:
        lines.append(f"Trainer: {facts.trainer_line}")
    if facts.venue and facts.online_url:
        lines.append(f"Online link: {facts.online_url}")
    if how_to_cancel:
        lines.append(how_to_cancel)
    lines.append(f"Details: {link}")
    return ical.CalendarEvent(
        uid=uid,
        sequence=sequence,
        starts_at=facts.starts_at,
        ends_at=facts.ends_at,
        summary=facts.title,
        location=facts.location,
        description="\n".join(line for line in lines if line),
        url=link,
    )


def cancel_text(link: str) -> str:
    return f"To cancel your place, go to {link} and choose to cancel the booking."


def event_to_json(event: ical.CalendarEvent) -> dict[str, Any]:
    """A calendar event as the outbox stores it (its SEQUENCE has a column of its own)."""
    data = asdict(event)
    del data["sequence"]
    return {**data, "starts_at": event.starts_at.isoformat(), "ends_at": event.ends_at.isoformat()}


def event_from_json(data: dict[str, Any], *, sequence: int) -> ical.CalendarEvent:
    return ical.CalendarEvent(
        **{
            **data,
            "sequence": sequence,
            "starts_at": datetime.fromisoformat(data["starts_at"]),
            "ends_at": datetime.fromisoformat(data["ends_at"]),
            "status": ical.EventStatus(data["status"]),
        }
    )
