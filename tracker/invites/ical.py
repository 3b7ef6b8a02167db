"""iCalendar (RFC 5545/5546) for invites, updates, cancellations and feeds: pure functions returning bytes.

Every event carries the UID and SEQUENCE stored on its booking or trainer part, so a client replaces or
removes the event it already has instead of adding a second one. Times are written in UTC (`...Z`) and
no VTIMEZONE is written (Outlook mishandles the RDATE-style ones icalendar generates). Text and
parameter values are escaped by icalendar (commas, semicolons, backslashes, newlines; RFC 6868 for
quotes in CN), so names and titles holding markup or punctuation arrive as the text they are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress, vText

PRODID = "-//Prevent Training Tracker//Invites 1.0//EN"


class Method(StrEnum):
    REQUEST = "REQUEST"
    CANCEL = "CANCEL"
    PUBLISH = "PUBLISH"


class EventStatus(StrEnum):
    CONFIRMED = "CONFIRMED"
    CANCELLED = "CANCELLED"


class PartStat(StrEnum):
    ACCEPTED = "ACCEPTED"
    NEEDS_ACTION = "NEEDS-ACTION"


@dataclass(frozen=True)
class Mailbox:
    email: str
    name: str | None = None


@dataclass(frozen=True)
class CalendarEvent:
    """What one VEVENT says: the stored UID and SEQUENCE, when, where, and what."""

    uid: str
    sequence: int
    starts_at: datetime
    ends_at: datetime
    summary: str
    location: str | None = None
    description: str | None = None
    url: str | None = None
    status: EventStatus = EventStatus.CONFIRMED


def _utc(moment: datetime) -> datetime:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: calendar times must carry a timezone")
    return moment.astimezone(UTC).replace(microsecond=0)


def _clean(value: str | None) -> str | None:
    """Parameter values (CN) cannot hold control characters: fold them to spaces."""
    if value is None:
        return None
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split()) or None


def _address(mailbox: Mailbox, **params: str) -> vCalAddress:
    address = vCalAddress(f"mailto:{mailbox.email}")
    name = _clean(mailbox.name)
    if name:
        address.params["CN"] = vText(name)
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = value
    return address


def _vevent(event: CalendarEvent, *, dtstamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", event.sequence)
    vevent.add("dtstamp", _utc(dtstamp))
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.ends_at))
    vevent.add("summary", event.summary)
    if event.location:
        vevent.add("location", event.location)
    if event.description:
        vevent.add("description", event.description)
    if event.url:
        vevent.add("url", event.url)
    vevent.add("status", event.status.value)
    vevent.add("transp", "OPAQUE")
    return vevent


def _calendar(method: Method) -> Calendar:
    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    calendar.add("calscale", "GREGORIAN")
    calendar.add("method", method.value)
    return calendar


def invite_ics(
    event: CalendarEvent,
    *,
    method: Method,
    organizer: Mailbox,
    attendee: Mailbox,
    dtstamp: datetime,
    partstat: PartStat = PartStat.ACCEPTED,
) -> bytes:
    """A one-event iTIP message: REQUEST (invite or update) or CANCEL, for one attendee.

    A CANCEL always says STATUS:CANCELLED. The caller passes the stored (already bumped) SEQUENCE.
    """
    if method == Method.CANCEL and event.status != EventStatus.CANCELLED:
        event = CalendarEvent(**{**event.__dict__, "status": EventStatus.CANCELLED})
    calendar = _calendar(method)
    vevent = _vevent(event, dtstamp=dtstamp)
    vevent.add("organizer", _address(organizer))
    vevent.add(
        "attendee",
        _address(attendee, role="REQ-PARTICIPANT", partstat=partstat.value, rsvp="FALSE", cutype="INDIVIDUAL"),
    )
    calendar.add_component(vevent)
    return calendar.to_ical()


def feed_ics(events: Iterable[CalendarEvent], *, name: str, dtstamp: datetime) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH) of many events, with the same UIDs as the invites."""
    calendar = _calendar(Method.PUBLISH)
    calendar.add("x-wr-calname", name)
    calendar.add("name", name)
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event, dtstamp=dtstamp))
    return calendar.to_ical()
