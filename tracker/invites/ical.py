"""iCalendar (RFC 5545/5546) for invites, updates, cancellations and feeds: pure functions returning bytes.

Every event carries the UID and SEQUENCE stored on its booking or trainer part, so a client replaces or
removes the event it already has instead of adding a second one. Times are written in UTC (`...Z`) and
no VTIMEZONE is written (Outlook mishandles the RDATE-style ones icalendar generates).

Written here, line by line, rather than through the `icalendar` package: every booking renders one invite
inside the transaction that holds the session's lock, and building it through the package's generic
components cost a tenth of a booking. What the package did, this does too, and the tests read every calendar
back with both `icalendar` and Mozilla's ical.js: TEXT values escape backslashes, semicolons, commas and
newlines (other control characters become spaces); parameter values (CN) lose control characters and
backslashes, are quoted, and write `"` and `^` as RFC 6868 says (`^'`, `^^`); lines are
folded at 75 octets without splitting a character or an escape.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum

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


def _utc(moment: datetime) -> str:
    if moment.tzinfo is None:
        raise ValueError("naive datetime: calendar times must carry a timezone")
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


_TEXT_ESCAPES = str.maketrans({"\\": "\\\\", ";": "\\;", ",": "\\,", "\n": "\\n"})
#: Control characters (but tab and newline) have no place in TEXT or parameter values.
_CONTROLS = str.maketrans({code: " " for code in [*range(0x00, 0x09), *range(0x0B, 0x20), 0x7F]})


def _text(value: str) -> str:
    """A TEXT value: line breaks as \\n, backslash, semicolon and comma escaped, other controls as spaces."""
    value = value.replace("\r\n", "\n").replace("\r", "\n")
    return value.translate(_CONTROLS).translate(_TEXT_ESCAPES)


def _clean(value: str | None) -> str | None:
    """Parameter values (CN) cannot hold control characters: fold them to spaces. Backslashes too: they
    escape nothing in a parameter, but readers (the `icalendar` package among them) take them for escapes."""
    if value is None:
        return None
    return " ".join("".join(ch if ch.isprintable() and ch != "\\" else " " for ch in value).split()) or None


def _parameter(value: str) -> str:
    """A parameter value, always in double quotes (readers differ on what an unquoted one may hold), with
    RFC 6868's ^^ and ^' for ^ and "."""
    return '"' + value.replace("^", "^^").replace('"', "^'") + '"'


def _address(name: str, mailbox: Mailbox, **params: str) -> str:
    """ORGANIZER or ATTENDEE: CN (when there is a name), the other parameters, then the mailto: address."""
    cn = _clean(mailbox.name)
    parts = [name, *([f"CN={_parameter(cn)}"] if cn else [])]
    parts += [f"{key.upper().replace('_', '-')}={value}" for key, value in params.items()]
    return f"{';'.join(parts)}:mailto:{_clean(mailbox.email) or ''}"


#: A two-character escape (backslash or RFC 6868 caret, and the character after it), found left to right as
#: `_fold_tokens` reads them.
_ESCAPE_PAIR = re.compile(r"[\\^].", re.DOTALL)


def _fold(line: str) -> str:
    """Fold a content line at 75 octets (continuations start with a space), never inside a character or a
    backslash or RFC 6868 escape."""
    if not line.isascii():
        return _fold_tokens(line)
    if len(line) <= 75:
        return line
    # ASCII: one octet a character, so cut every 75 (then 74), a character earlier where the cut would
    # split an escape pair. The same lines as `_fold_tokens`, without a step per character.
    pairs = {match.start() for match in _ESCAPE_PAIR.finditer(line)} if "\\" in line or "^" in line else ()
    out: list[str] = []
    start, limit = 0, 75
    while len(line) - start > limit:
        end = start + limit
        if end - 1 in pairs:
            end -= 1
        out.append(line[start:end])
        start, limit = end, 74
    out.append(line[start:])
    return "\r\n ".join(out)


def _fold_tokens(line: str) -> str:
    """`_fold` for any line: token by token (a character, or an escape pair), counting UTF-8 octets."""
    out: list[str] = []
    current: list[str] = []
    size, limit = 0, 75
    index = 0
    while index < len(line):
        width = 2 if line[index] in "\\^" and index + 1 < len(line) else 1
        token = line[index : index + width]
        octets = len(token.encode("utf-8"))
        if current and size + octets > limit:
            out.append("".join(current))
            current, size, limit = [], 0, 74
        current.append(token)
        size += octets
        index += width
    out.append("".join(current))
    return "\r\n ".join(out)


def _vevent(event: CalendarEvent, *, dtstamp: datetime) -> list[str]:
    lines = [
        "BEGIN:VEVENT",
        f"UID:{_text(event.uid)}",
        f"SEQUENCE:{int(event.sequence)}",
        f"DTSTAMP:{_utc(dtstamp)}",
        f"DTSTART:{_utc(event.starts_at)}",
        f"DTEND:{_utc(event.ends_at)}",
        f"SUMMARY:{_text(event.summary)}",
    ]
    if event.location:
        lines.append(f"LOCATION:{_text(event.location)}")
    if event.description:
        lines.append(f"DESCRIPTION:{_text(event.description)}")
    if event.url:
        lines.append(f"URL:{''.join(event.url.split())}")  # a URI: no spaces or line breaks
    lines += [f"STATUS:{event.status.value}", "TRANSP:OPAQUE"]
    return lines


def _calendar(method: Method, body: list[str]) -> bytes:
    lines = ["BEGIN:VCALENDAR", f"PRODID:{PRODID}", "VERSION:2.0", "CALSCALE:GREGORIAN", f"METHOD:{method.value}"]
    lines += body
    lines.append("END:VCALENDAR")
    return ("\r\n".join(_fold(line) for line in lines) + "\r\n").encode("utf-8")


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
    vevent = _vevent(event, dtstamp=dtstamp)
    vevent += [
        _address("ORGANIZER", organizer),
        _address(
            "ATTENDEE", attendee, role="REQ-PARTICIPANT", partstat=partstat.value, rsvp="FALSE", cutype="INDIVIDUAL"
        ),
        "END:VEVENT",
    ]
    return _calendar(method, vevent)


def feed_ics(events: Iterable[CalendarEvent], *, name: str, dtstamp: datetime) -> bytes:
    """A subscribable calendar (METHOD:PUBLISH) of many events, with the same UIDs as the invites."""
    body = [
        f"X-WR-CALNAME:{_text(name)}",
        f"NAME:{_text(name)}",
        "REFRESH-INTERVAL;VALUE=DURATION:PT1H",
        "X-PUBLISHED-TTL:PT1H",
    ]
    for event in events:
        body += [*_vevent(event, dtstamp=dtstamp), "END:VEVENT"]
    return _calendar(Method.PUBLISH, body)
