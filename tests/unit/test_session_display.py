"""The `when`, `where` and `places` filters: how a session reads on every page that lists one."""

from __future__ import annotations

from datetime import UTC, datetime
from types import SimpleNamespace

from tracker.booking.capacity import places_text
from tracker.courses.display import session_when, session_where


def session(**fields):
    defaults = {
        "starts_at": datetime(2027, 1, 12, 10, 0, tzinfo=UTC),
        "ends_at": datetime(2027, 1, 12, 11, 30, tzinfo=UTC),
        "venue": None,
        "online_url": None,
        "capacity": 12,
    }
    return SimpleNamespace(**{**defaults, **fields})


def test_when_is_in_london_time_on_gmt_and_bst_days():
    assert session_when(session()) == "Tuesday 12 January 2027, 10am to 11:30am"
    summer = session(starts_at=datetime(2027, 7, 6, 11, 0, tzinfo=UTC), ends_at=datetime(2027, 7, 6, 12, 0, tzinfo=UTC))
    assert session_when(summer) == "Tuesday 6 July 2027, midday to 1pm"


def test_when_and_where_follow_a_session_that_moves_though_each_text_is_made_once():
    moving = session(venue="Hendon Town Hall")
    assert session_when(moving) == "Tuesday 12 January 2027, 10am to 11:30am"
    assert session_where(moving) == "Hendon Town Hall"
    moving.starts_at, moving.ends_at = (
        datetime(2027, 1, 13, 14, 0, tzinfo=UTC),
        datetime(2027, 1, 13, 15, 0, tzinfo=UTC),
    )
    moving.venue = "Barnet House"
    assert session_when(moving) == "Wednesday 13 January 2027, 2pm to 3pm"
    assert session_where(moving) == "Barnet House"
    # The same instant written in another time zone reads the same.
    from zoneinfo import ZoneInfo

    paris = datetime(2027, 1, 13, 15, 0, tzinfo=ZoneInfo("Europe/Paris"))
    assert session_when(session(starts_at=paris, ends_at=moving.ends_at)) == "Wednesday 13 January 2027, 2pm to 3pm"


def test_where_gives_the_venue_and_online_with_the_link_only_when_asked():
    both = session(venue="Hendon Town Hall", online_url="https://teams.example.org/x?a=1&b=2")
    assert session_where(both) == "Hendon Town Hall<br>Online"
    linked = session_where(both, show_link=True)
    assert 'href="https://teams.example.org/x?a=1&amp;b=2"' in linked and linked.startswith("Hendon Town Hall<br>")
    assert session_where(session(venue="Room <b>1</b>")) == "Room &lt;b&gt;1&lt;/b&gt;"
    assert session_where(session()) == ""


def test_places_counts_down_to_the_waiting_list():
    assert places_text(session(capacity=12), 0) == "12 places left"
    assert places_text(session(capacity=2), 1) == "1 place left"
    assert places_text(session(capacity=2), 2) == "Full – join the waiting list"
    assert places_text(session(capacity=2), 5) == "Full – join the waiting list"
