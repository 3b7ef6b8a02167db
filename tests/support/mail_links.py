"""Links in emails: every link of a message's text and HTML bodies, and the newest message of a kind."""

from __future__ import annotations

import re
from html.parser import HTMLParser
from urllib.parse import urlsplit

from sqlalchemy import select

from tracker.extensions import db
from tracker.invites.emails import render_outgoing
from tracker.invites.models import OutboxMessage

URL = re.compile(r"https?://[^\s<>\"')]+")


class _Hrefs(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.hrefs: list[str] = []

    def handle_starttag(self, tag, attrs) -> None:
        if tag == "a":
            self.hrefs.extend(value for name, value in attrs if name == "href" and value)


def links_in(text: str | None, html: str | None) -> set[str]:
    """Every http(s) link in the text body and every href in the HTML body."""
    found = set(URL.findall(text or ""))
    parser = _Hrefs()
    parser.feed(html or "")
    return found | {href for href in parser.hrefs if href.startswith(("http://", "https://"))}


def path_of(url: str) -> str:
    """The path and query of one of our absolute links, for the test client."""
    parts = urlsplit(url)
    return parts.path + (f"?{parts.query}" if parts.query else "")


def newest_message(*, to: str, kind: str) -> OutboxMessage:
    message = db.session.scalar(
        select(OutboxMessage)
        .where(OutboxMessage.recipient_email == to, OutboxMessage.kind == kind)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    assert message is not None, f"no {kind} email to {to}"
    return message


def emailed_link(*, to: str, kind: str, contains: str) -> str:
    """The path of the one link containing `contains` in the newest `kind` email to `to` (text and HTML agree)."""
    message = newest_message(to=to, kind=kind)
    found = {
        path_of(url)
        for url in links_in(render_outgoing(message).body_text, render_outgoing(message).body_html)
        if contains in url
    }
    assert len(found) == 1, found
    return found.pop()
