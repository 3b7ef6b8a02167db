"""The iCalendar builder: one VEVENT with the stored UID and SEQUENCE, UTC times, escaped text.

Each calendar is read back twice: by the `icalendar` package and by Mozilla's ical.js under Node.
"""

from __future__ import annotations

from datetime import UTC, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from icalendar import Calendar

from tests.support.icaljs import icaljs
from tracker.common.time import london_to_utc
from tracker.invites import ical

ORGANIZER = ical.Mailbox("prevent.training@barnet.gov.uk", "Prevent training")
ATTENDEE = ical.Mailbox("sam@example.org", "Sam Rosengard")
STAMP = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def event(**overrides) -> ical.CalendarEvent:
    starts = london_to_utc(datetime(2027, 1, 12).date(), time(10, 0))
    values = {
        "uid": "3f0e5c3e-8b4b-4b0e-9a59-1d7f5c0c9a01",
        "sequence": 3,
        "starts_at": starts,
        "ends_at": starts + timedelta(minutes=90),
        "summary": "Workshop to Raise Awareness of Prevent (WRAP)",
        "location": "Barnet House, 2 Bristol Avenue, Colindale, NW9 4EW",
        "description": "Trainer: Sam\nTo cancel your place, go to http://tracker.test/my-training",
        "url": "http://tracker.test/my-training",
    }
    values.update(overrides)
    return ical.CalendarEvent(**values)


def parse(data: bytes):
    calendar = Calendar.from_ical(data)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    return calendar, events[0]


def test_a_request_has_one_event_with_the_stored_uid_and_sequence_and_one_attendee():
    data = ical.invite_ics(event(), method=ical.Method.REQUEST, organizer=ORGANIZER, attendee=ATTENDEE, dtstamp=STAMP)
    calendar, vevent = parse(data)
    assert str(calendar["METHOD"]) == "REQUEST"
    assert str(calendar["PRODID"]) == ical.PRODID
    assert str(calendar["VERSION"]) == "2.0"
    assert calendar.walk("VTIMEZONE") == []
    assert str(vevent["UID"]) == "3f0e5c3e-8b4b-4b0e-9a59-1d7f5c0c9a01"
    assert vevent["SEQUENCE"] == 3
    assert str(vevent["STATUS"]) == "CONFIRMED"
    assert vevent["DTSTAMP"].dt == STAMP
    assert str(vevent["ORGANIZER"]) == "mailto:prevent.training@barnet.gov.uk"
    assert vevent["ORGANIZER"].params["CN"] == "Prevent training"
    attendee = vevent["ATTENDEE"]
    assert not isinstance(attendee, list), "exactly one ATTENDEE"
    assert str(attendee) == "mailto:sam@example.org"
    assert attendee.params["ROLE"] == "REQ-PARTICIPANT"
    assert attendee.params["PARTSTAT"] == "ACCEPTED"
    assert str(vevent["URL"]) == "http://tracker.test/my-training"
    assert "To cancel your place" in str(vevent["DESCRIPTION"])


@pytest.mark.parametrize(
    ("day", "expected_utc"),
    [
        # GMT: London 10:00 is 10:00 UTC.
        (datetime(2027, 1, 12).date(), "20270112T100000Z"),
        # BST: London 10:00 is 09:00 UTC.
        (datetime(2027, 7, 13).date(), "20270713T090000Z"),
    ],
    ids=["january-gmt", "july-bst"],
)
def test_times_are_written_in_utc_with_z_for_gmt_and_bst_dates(day, expected_utc):
    starts = london_to_utc(day, time(10, 0))
    data = ical.invite_ics(
        event(starts_at=starts, ends_at=starts + timedelta(hours=1)),
        method=ical.Method.REQUEST,
        organizer=ORGANIZER,
        attendee=ATTENDEE,
        dtstamp=STAMP,
    )
    assert f"DTSTART:{expected_utc}\r\n".encode() in data
    assert b"TZID" not in data and b"VTIMEZONE" not in data
    _, vevent = parse(data)
    assert vevent["DTSTART"].dt == starts
    read = icaljs(data)
    assert (
        read["dtstart"]["text"]
        == f"{expected_utc[:4]}-{expected_utc[4:6]}-{expected_utc[6:8]}T{expected_utc[9:11]}:00:00Z"
    )
    assert read["dtstart"]["zone"] == "UTC"
    assert read["timezones"] == 0


def test_a_cancel_says_status_cancelled_with_the_same_uid():
    data = ical.invite_ics(
        event(sequence=5), method=ical.Method.CANCEL, organizer=ORGANIZER, attendee=ATTENDEE, dtstamp=STAMP
    )
    calendar, vevent = parse(data)
    assert str(calendar["METHOD"]) == "CANCEL"
    assert str(vevent["STATUS"]) == "CANCELLED"
    assert vevent["SEQUENCE"] == 5
    read = icaljs(data)
    assert (read["method"], read["uid"], read["sequence"]) == ("CANCEL", event().uid, 5)
    assert read["events"][0]["status"] == "CANCELLED"


def test_ical_js_reads_organizer_and_the_single_attendee():
    data = ical.invite_ics(event(), method=ical.Method.REQUEST, organizer=ORGANIZER, attendee=ATTENDEE, dtstamp=STAMP)
    read = icaljs(data)
    assert read["method"] == "REQUEST"
    assert read["uid"] == event().uid
    assert read["sequence"] == 3
    assert read["organizer"]["value"] == "mailto:prevent.training@barnet.gov.uk"
    assert read["organizer"]["cn"] == "Prevent training"
    assert [a["value"] for a in read["attendees"]] == ["mailto:sam@example.org"]
    assert read["attendees"][0]["cn"] == "Sam Rosengard"
    assert read["attendees"][0]["partstat"] == "ACCEPTED"


NASTY_TITLE = 'WRAP <script>alert("x")</script>, part 1; "quoted" \\ back\nslash'
NASTY_NAME = 'Ann <b>O\'Neil</b>, "Annie"; Jr\r\nBcc: evil@example.org'


def test_markup_and_punctuation_are_escaped_and_read_back_as_the_same_text():
    data = ical.invite_ics(
        event(summary=NASTY_TITLE, location="Room 1; Floor 2, Block A", description=NASTY_TITLE),
        method=ical.Method.REQUEST,
        organizer=ORGANIZER,
        attendee=ical.Mailbox("ann@example.org", NASTY_NAME),
        dtstamp=STAMP,
    )
    text = data.decode()
    assert "\\, part 1\\; " in text  # commas and semicolons escaped in TEXT values
    assert "Room 1\\; Floor 2\\, Block A" in text
    assert "\nslash" not in text.replace("\r\n ", "")  # the newline is written as \n, not a line break
    _, vevent = parse(data)
    assert str(vevent["SUMMARY"]) == NASTY_TITLE
    assert str(vevent["LOCATION"]) == "Room 1; Floor 2, Block A"
    # A parameter value cannot hold a line break: it is folded to a space, so nothing can be injected.
    assert vevent["ATTENDEE"].params["CN"] == 'Ann <b>O\'Neil</b>, "Annie"; Jr Bcc: evil@example.org'
    read = icaljs(data)
    assert read["events"][0]["summary"] == NASTY_TITLE
    assert read["events"][0]["location"] == "Room 1; Floor 2, Block A"
    assert len(read["attendees"]) == 1
    assert read["attendees"][0]["cn"] == 'Ann <b>O\'Neil</b>, "Annie"; Jr Bcc: evil@example.org'


def test_naive_times_are_refused():
    with pytest.raises(ValueError, match="naive"):
        ical.invite_ics(
            event(starts_at=datetime(2027, 1, 1, 10, 0)),
            method=ical.Method.REQUEST,
            organizer=ORGANIZER,
            attendee=ATTENDEE,
            dtstamp=STAMP,
        )


def test_a_feed_publishes_many_events_without_attendees():
    first = event(uid="uid-1", sequence=0)
    second = event(uid="uid-2", sequence=4, summary="CTLP briefing")
    data = ical.feed_ics([first, second], name="Prevent training", dtstamp=STAMP)
    calendar = Calendar.from_ical(data)
    assert str(calendar["METHOD"]) == "PUBLISH"
    events = calendar.walk("VEVENT")
    assert [str(e["UID"]) for e in events] == ["uid-1", "uid-2"]
    assert [e["SEQUENCE"] for e in events] == [0, 4]
    assert all("ATTENDEE" not in e for e in events)
    read = icaljs(data)
    assert read["method"] == "PUBLISH"
    assert [e["uid"] for e in read["events"]] == ["uid-1", "uid-2"]


def test_the_same_inputs_give_the_same_bytes():
    """Feeds rely on this for their ETag."""
    make = lambda: ical.feed_ics([event()], name="x", dtstamp=STAMP)  # noqa: E731
    assert make() == make()


LONG_TITLE = "Prévent awareness – “WRAP” for Barnet’s schools 🏫, part 2; with a long, long title " * 3


def test_long_lines_are_folded_at_75_octets_without_splitting_a_character():
    data = ical.invite_ics(
        event(summary=LONG_TITLE, description=LONG_TITLE + "\n" + "\\;" * 60),
        method=ical.Method.REQUEST,
        organizer=ORGANIZER,
        attendee=ical.Mailbox("ann@example.org", "Ann-Marie Éloïse Ó Súilleabháin-Worthington 🌟, Barnet; Hendon"),
        dtstamp=STAMP,
    )
    lines = data.split(b"\r\n")
    assert max(len(line) for line in lines) <= 75
    for line in lines:
        line.decode("utf-8")  # each line is whole UTF-8: no character was split
    _, vevent = parse(data)
    assert str(vevent["SUMMARY"]) == LONG_TITLE
    assert str(vevent["DESCRIPTION"]) == LONG_TITLE + "\n" + "\\;" * 60
    read = icaljs(data)
    assert read["events"][0]["summary"] == LONG_TITLE
    assert read["attendees"][0]["cn"] == "Ann-Marie Éloïse Ó Súilleabháin-Worthington 🌟, Barnet; Hendon"


@settings(max_examples=200, deadline=None)
@given(summary=st.text(min_size=1, max_size=300), name=st.text(max_size=120))
def test_any_text_reads_back_as_itself_with_line_breaks_kept_and_other_controls_as_spaces(summary, name):
    data = ical.invite_ics(
        event(summary=summary, location=summary),
        method=ical.Method.REQUEST,
        organizer=ORGANIZER,
        attendee=ical.Mailbox("ann@example.org", name),
        dtstamp=STAMP,
    )
    assert max(len(line) for line in data.split(b"\r\n")) <= 75
    expected = "".join(
        ch if ch in "\t\n" or (ord(ch) >= 0x20 and ord(ch) != 0x7F) else " "
        for ch in summary.replace("\r\n", "\n").replace("\r", "\n")
    )
    _, vevent = parse(data)
    assert str(vevent["SUMMARY"]) == expected
    assert str(vevent["LOCATION"]) == expected
    cn = " ".join("".join(ch if ch.isprintable() and ch != "\\" else " " for ch in name).split())
    if cn:
        assert vevent["ATTENDEE"].params["CN"] == cn
    else:
        assert "CN" not in vevent["ATTENDEE"].params
    assert str(vevent["ATTENDEE"]) == "mailto:ann@example.org"
