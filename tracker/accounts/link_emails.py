"""The emails that carry a single-use link: reset a password, set a first password, sign in."""

from __future__ import annotations

from datetime import timedelta

from flask import current_app

from tracker.accounts.models import LinkPurpose
from tracker.invites.emails import external_url
from tracker.invites.services import queue_email
from tracker.people.models import Person

#: purpose -> (template, subject, endpoint of the page the link opens)
LINK_EMAILS = {
    LinkPurpose.PASSWORD_RESET: ("password_reset", "Reset your password", "links.choose_password"),
    LinkPurpose.SET_PASSWORD: ("set_password", "Set your password", "links.choose_password"),
    LinkPurpose.SIGN_IN: ("sign_in_link", "Your sign-in link", "links.sign_in_with_link"),
}


def describe_lifetime(lifetime: timedelta) -> str:
    """'60 minutes', '7 days', '2 hours' (GOV.UK style: numerals, plural when needed)."""
    minutes = int(lifetime.total_seconds() // 60)
    for size, unit in ((24 * 60, "day"), (60, "hour"), (1, "minute")):
        if minutes % size == 0 and minutes >= size:
            count = minutes // size
            return f"{count} {unit}{'' if count == 1 else 's'}"
    return f"{minutes} minutes"


def link_url(purpose: LinkPurpose, token: str, next_url: str | None = None) -> str:
    """The absolute address of a link's page, from TRACKER_BASE_URL (never from the request)."""
    _, _, endpoint = LINK_EMAILS[purpose]
    values = {"token": token}
    if next_url:
        values["next"] = next_url
    return external_url(current_app.url_map.bind("localhost").build(endpoint, values))


def queue_link_email(
    *, person: Person, purpose: LinkPurpose, token: str, lifetime: timedelta, next_url: str | None = None
) -> None:
    template, subject, _ = LINK_EMAILS[purpose]
    queue_email(
        to_email=person.email,
        to_name=person.full_name,
        template=template,
        context={
            "link": link_url(purpose, token, next_url),
            "lifetime": describe_lifetime(lifetime),
            "forgotten_url": external_url(current_app.url_map.bind("localhost").build("links.forgotten_password")),
            "email": person.email,
        },
        subject=subject,
        kind=template,
    )
