"""Email rendering (a .txt and an .html template for every email), links, and the MIME message as sent.

The worker renders each outbox row when it sends it (`render_outgoing`): the templates with the facts
stored on the row, and for an invite the .ics from the stored event and SEQUENCE.

Templates live in `templates/emails/`. They are rendered with the app's Jinja environment but outside
any request (the worker, cron and signal receivers may have none), so every link is built here from
`TRACKER_BASE_URL`, never from a request. The .html templates are autoescaped; the .txt ones are not
(and need not be: they are sent as text/plain).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import datetime
from email.headerregistry import Address
from email.message import Message
from email.mime.application import MIMEApplication
from email.mime.multipart import MIMEMultipart
from email.mime.text import MIMEText
from email.utils import format_datetime as rfc2822_datetime
from email.utils import formataddr
from typing import Any

from flask import current_app

from tracker.common.time import utc_now
from tracker.invites import ical
from tracker.invites.facts import SessionFacts, event_from_json
from tracker.invites.models import STORED

#: The page a link in an email leads to: for attendees, the booking's page with a Cancel button (a GET
#: never changes anything); for trainers, the session's management page.
LINK_ENDPOINTS: dict[str, tuple[str, str]] = {
    "booking": ("booking.cancel_booking", "booking_id"),
    "session": ("sessions.show_session", "session_id"),
}


def base_url() -> str:
    return current_app.config["TRACKER_BASE_URL"].rstrip("/")


def external_url(path: str) -> str:
    """An absolute link from the configured base URL (never from the request's Host header)."""
    return base_url() + (path if path.startswith("/") else "/" + path)


def link_for(kind: str, object_id: int) -> str:
    """The absolute link to a booking's or a session's page, built from TRACKER_BASE_URL."""
    endpoint, argument = LINK_ENDPOINTS[kind]
    return external_url(current_app.url_map.bind("localhost").build(endpoint, {argument: object_id}))


def booking_link(booking) -> str:
    """Where a booking email's link leads, so that it always leads somewhere its recipient can use.

    Someone who can sign in (an active account with a password or an external identity) gets the booking's
    page, behind sign-in, which brings them back to it. Anyone else (booked by a manager or a partner, or
    on the public page, with no way to sign in) gets a signed link to the booking's own page with its
    cancel button, as the public booking's links are: it names the booking and its calendar UID."""
    from tracker.accounts.links import can_sign_in
    from tracker.requests.public_booking import link_token

    if can_sign_in(booking.person):
        return link_for("booking", booking.id)
    path = current_app.url_map.bind("localhost").build("public.cancel_place", {"token": link_token(booking)})
    return external_url(path)


def render_email(template: str, context: dict[str, Any]) -> tuple[str, str]:
    """Render `emails/<template>.txt` and `.html`; returns (text, html)."""
    env = current_app.jinja_env
    values = {
        "service_name": "Prevent training",
        "organisation_brand": current_app.config["TRACKER_COUNCIL_NAME"],
        "base_url": base_url(),
        **context,
    }
    text = env.get_template(f"emails/{template}.txt").render(values)
    html = env.get_template(f"emails/{template}.html").render(values)
    return _tidy_text(text), html


def _tidy_text(text: str) -> str:
    """Collapse the blank lines template blocks leave behind; end with one newline."""
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


def one_line(value: str | None) -> str:
    """Header-safe text: no CR/LF (no header injection), no control characters, single spaces."""
    if not value:
        return ""
    return " ".join("".join(ch if ch.isprintable() else " " for ch in value).split())


#: Characters with a meaning in an address header (a dot too: it makes a name need quotes). Python's header folder drops the quotes around a long
#: display name when it folds it, so a name holding them could read as a second address: they are left out.
ADDRESS_SPECIALS = frozenset('()<>[]:;@\\,".')


#: Longer names are cut: a header line folded inside a very long name is misread by Python's own parser.
DISPLAY_NAME_MAX = 60


def display_name(value: str | None) -> str:
    """A person's name as an address header shows it: one line, without address punctuation, at most
    DISPLAY_NAME_MAX characters."""
    name = " ".join("".join(" " if ch in ADDRESS_SPECIALS else ch for ch in one_line(value)).split())
    return name[:DISPLAY_NAME_MAX].rstrip()


# --- The message as sent ----------------------------------------------------------------------------


@dataclass(frozen=True)
class OutgoingEmail:
    """An outbox row rendered: what the worker sends."""

    id: int
    recipient_email: str
    recipient_name: str | None
    subject: str
    body_text: str
    body_html: str
    ics: str | None
    ics_method: str | None
    created_at: datetime
    #: Attempts before this one.
    attempts: int = 0


def organizer() -> ical.Mailbox:
    config = current_app.config
    return ical.Mailbox(config["CALENDAR_ORGANIZER_EMAIL"], config.get("CALENDAR_ORGANIZER_NAME"))


def render_outgoing(row) -> OutgoingEmail:
    """Render an outbox row (the `OutboxMessage`, or the columns the worker claimed) from its stored facts.

    The .ics is stamped with the time the row was written (DTSTAMP) and carries the SEQUENCE stored then. A
    STORED row (written with its bodies, before they were rendered at send time) is sent as it was stored.
    """
    if row.template == STORED:
        text, html, ics = row.stored_text or "", row.stored_html or "", row.stored_ics
        return _outgoing(row, text, html, ics)
    values = {"recipient_name": row.recipient_name, **row.facts}
    if "facts" in values:
        values["facts"] = SessionFacts.from_json(values["facts"])
    text, html = render_email(row.template, values)
    ics = None
    if row.event is not None and row.ics_method:
        ics = ical.invite_ics(
            event_from_json(row.event, sequence=row.sequence),
            method=ical.Method(row.ics_method),
            organizer=organizer(),
            attendee=ical.Mailbox(row.recipient_email, row.recipient_name),
            dtstamp=row.created_at,
        ).decode("utf-8")
    return _outgoing(row, text, html, ics)


def _outgoing(row, text: str, html: str, ics: str | None) -> OutgoingEmail:
    return OutgoingEmail(
        id=row.id,
        recipient_email=row.recipient_email,
        recipient_name=row.recipient_name,
        subject=row.subject,
        body_text=text,
        body_html=html,
        ics=ics,
        ics_method=row.ics_method,
        created_at=row.created_at,
        attempts=row.attempts or 0,
    )


def message_id_for(email: OutgoingEmail, sender: str) -> str:
    """A Message-ID fixed by the row, so a resend after a crash is recognisably the same message."""
    domain = sender.rpartition("@")[2] or "localhost"
    return f"<outbox.{email.id}.{int(email.created_at.timestamp())}@{domain}>"


def sender_address(sender: str | tuple[str, str]) -> Address:
    if isinstance(sender, tuple):
        return Address(display_name=display_name(sender[0]), addr_spec=sender[1])
    return Address(display_name=display_name(current_app.config.get("CALENDAR_ORGANIZER_NAME")), addr_spec=sender)


def build_message(email: OutgoingEmail, *, sender: str | tuple[str, str]) -> Message:
    """The MIME message: text and HTML alternatives, and for an invite the calendar part too.

    With a calendar part the layout is the one Outlook and Gmail show as a meeting request:
    multipart/mixed -> [multipart/alternative -> text/plain, text/html,
    text/calendar; method=...; charset=utf-8] + the same .ics attached as invite.ics.

    Built with the `email.mime` classes (the compat32 policy), every part UTF-8 in base64: a tenth of the
    time `EmailMessage` takes to parse each header it is given, which made building the message the
    worker's largest cost (bench/results.md, issue 15: with records in groups, worker / bare loop 0.31 -> 0.49).
    """
    alternative = MIMEMultipart("alternative")
    alternative.attach(MIMEText(email.body_text, "plain", "utf-8"))
    alternative.attach(MIMEText(email.body_html, "html", "utf-8"))
    message: Message = alternative
    if email.ics and email.ics_method:
        calendar = MIMEText(email.ics, "calendar", "utf-8")
        calendar.set_param("method", email.ics_method)
        alternative.attach(calendar)
        attachment = MIMEApplication(email.ics.encode("utf-8"), "ics")
        attachment.add_header("Content-Disposition", "attachment", filename="invite.ics")
        message = MIMEMultipart("mixed", _subparts=[alternative, attachment])
    from_address = sender_address(sender)
    message["Subject"] = one_line(email.subject)
    message["From"] = formataddr((from_address.display_name, from_address.addr_spec), "utf-8")
    message["To"] = formataddr((display_name(email.recipient_name), email.recipient_email), "utf-8")
    message["Date"] = rfc2822_datetime(utc_now())
    message["Message-ID"] = message_id_for(email, from_address.addr_spec)
    message["Auto-Submitted"] = "auto-generated"
    return message
