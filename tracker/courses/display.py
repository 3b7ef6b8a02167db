"""How a training session reads on pages: when and where — the Jinja filters `when` and `where` (`{{ s | when }}`,
`{{ s | where(show_link=true) }}`; places left are the booking package's filter `places`).

Filters rather than macros: a list draws them once per row, and a Jinja macro call cost several times a
Python function's (about a tenth of "Find a session"'s rendering).
"""

from __future__ import annotations

from functools import lru_cache

from flask import Flask
from markupsafe import Markup, escape

from tracker.common.time import format_datetime, format_time


def session_when(training_session) -> str:
    """ "Tuesday 12 January 2027, 10am to 11:30am" in London time."""
    return _when(training_session.starts_at, training_session.ends_at)


def session_where(training_session, show_link: bool = False) -> Markup:
    """The venue, and "Online" (with the link itself only when `show_link`), one per line."""
    return _where(training_session.venue, training_session.online_url, show_link)


# The same sessions are listed on every visit to a list, and to everyone's: the text of each is made once (a
# pure function of these values; the caches are bounded).


@lru_cache(maxsize=4096)
def _when(starts_at, ends_at) -> str:
    return f"{format_datetime(starts_at)} to {format_time(ends_at)}"


@lru_cache(maxsize=4096)
def _where(venue: str | None, online_url: str | None, show_link: bool) -> Markup:
    parts = []
    if venue:
        parts.append(escape(venue))
    if online_url:
        if show_link:
            link = Markup('Online: <a class="govuk-link" href="{0}" rel="noopener noreferrer">{0}</a>')
            parts.append(link.format(online_url))  # format() escapes the address
        else:
            parts.append(Markup("Online"))
    return Markup("<br>").join(parts)


def init_app(app: Flask) -> None:
    app.add_template_filter(session_when, "when")
    app.add_template_filter(session_where, "where")
