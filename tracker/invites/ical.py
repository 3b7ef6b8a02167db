"""iCalendar (RFC 5545/5546) for invites, updates, cancellations and feeds, built with the `icalendar` package.

Every event carries the UID and SEQUENCE stored on its booking or trainer part, so a client replaces or
removes the event it already has instead of adding a second one. Times are written in UTC (`...Z`) and
no VTIMEZONE is written (Outlook mishandles the RDATE-style ones icalendar generates).

The package escapes TEXT values, quotes parameter values (RFC 6868 for `"` and `^`) and folds lines at
75 octets. What it leaves to us: control characters (but tab and newline) become spaces in TEXT, and a
CN loses control characters and backslashes (readers, the package's own among them, take a backslash in a
parameter for an escape).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from enum import StrEnum

from icalendar import Calendar, Event, vCalAddress

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
    return moment.astimezone(UTC)


#: Control characters (but tab and newline) have no place in a TEXT value.
_CONTROLS = str.maketrans({code: " " for code in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]})


def _text(value: str) -> str:
    """A TEXT value: line breaks as newlines, other control characters as spaces (the package escapes the rest)."""
    return value.replace("\r\n", "\n").replace("\r", "\n").translate(_CONTROLS)


def _cn(value: str | None) -> str | None:
    """A parameter value cannot hold a line break or a backslash: both become spaces, runs of spaces one."""
    if value is None:
        return None
    return " ".join("".join(ch if ch.isprintable() and ch != "\\" else " " for ch in value).split()) or None


def _address(mailbox: Mailbox, **params: str) -> vCalAddress:
    """ORGANIZER or ATTENDEE: the mailto: address, with CN when there is a name."""
    address = vCalAddress(f"mailto:{_cn(mailbox.email) or ''}")
    cn = _cn(mailbox.name)
    if cn:
        address.params["CN"] = cn
    for key, value in params.items():
        address.params[key.upper().replace("_", "-")] = value
    return address


def _vevent(event: CalendarEvent, *, dtstamp: datetime) -> Event:
    vevent = Event()
    vevent.add("uid", event.uid)
    vevent.add("sequence", int(event.sequence))
    vevent.add("dtstamp", _utc(dtstamp))
    vevent.add("dtstart", _utc(event.starts_at))
    vevent.add("dtend", _utc(event.ends_at))
    vevent.add("summary", _text(event.summary))
    if event.location:
        vevent.add("location", _text(event.location))
    if event.description:
        vevent.add("description", _text(event.description))
    if event.url:
        vevent.add("url", "".join(event.url.split()))  # a URI: no spaces or line breaks
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
    if method == Method.CANCEL:
        event = replace(event, status=EventStatus.CANCELLED)
    vevent = _vevent(event, dtstamp=dtstamp)
    vevent.add("organizer", _address(organizer))
    vevent.add(
        "attendee",
        _address(attendee, role="REQ-PARTICIPANT", partstat=partstat.value, rsvp="FALSE", cutype="INDIVIDUAL"),
    )
    calendar = _calendar(method)
    calendar.add_component(vevent)
    return calendar.to_ical()


def feed_ics(events: Iterable[CalendarEvent], *, name: str, dtstamp: datetime) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH) of many events, with the same UIDs as the invites."""
    calendar = _calendar(Method.PUBLISH)
    calendar.add("x-wr-calname", _text(name))
    calendar.add("name", _text(name))
    calendar.add("refresh-interval", timedelta(hours=1), parameters={"VALUE": "DURATION"})
    calendar.add("x-published-ttl", "PT1H")
    for event in events:
        calendar.add_component(_vevent(event, dtstamp=dtstamp))
    return calendar.to_ical()
