"""Single-use links sent by email: reset a password, set a first password, sign in without a password.

Only the SHA-256 hash of a link's token is stored (`AccountLink`). A link ends when it is used, when it
expires, or when a newer link of the same purpose is sent to the same person. Asking for a link never
says whether the address is known: the caller shows the same page either way, and nothing here raises
for an unknown, a leaver's, an erased person's or a disabled account's address (they just get nothing).
Nothing here commits.
"""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select, update

from tracker.accounts import services
from tracker.accounts.models import AccountLink, ExternalIdentity, LinkPurpose, Role, UserAccount
from tracker.common.audit import record_event
from tracker.common.time import today_london, utc_now
from tracker.extensions import db
from tracker.people.models import Person

#: Which purposes a "choose a password" page accepts.
PASSWORD_PURPOSES = (LinkPurpose.PASSWORD_RESET, LinkPurpose.SET_PASSWORD)


class LinkError(services.AccountError):
    """An unknown, expired, used or superseded link: one message for each, so nothing is told apart."""

    code = "link_not_valid"
    status = 410


def link_lifetime(purpose: LinkPurpose) -> timedelta:
    config = current_app.config
    if purpose == LinkPurpose.SET_PASSWORD:
        return timedelta(days=config["SET_PASSWORD_LINK_DAYS"])
    if purpose == LinkPurpose.SIGN_IN:
        return timedelta(minutes=config["SIGN_IN_LINK_MINUTES"])
    return timedelta(minutes=config["PASSWORD_RESET_MINUTES"])


def must_use_organisation_sign_in(email: str | None) -> str | None:
    """What to tell someone whose email domain signs in only through its organisation's provider
    (`PASSWORD_SIGN_IN_DISABLED_DOMAINS`: e.g. @barnet.gov.uk must use Microsoft), or None. Such people get
    no password and no emailed sign-in link: either would be a way round their organisation's sign-in."""
    from tracker.accounts import oidc

    return oidc.password_sign_in_refusal(email) if email else None


def may_receive_links(person: Person, *, today=None) -> bool:
    """Whether a person may be sent a link at all: has an address, has not left, is not erased, any
    account of theirs is active, and their domain does not sign in only with its organisation's account."""
    today = today or today_london()
    if not person.email or person.erased_at is not None:
        return False
    if must_use_organisation_sign_in(person.email):
        return False
    if person.end_date is not None and person.end_date <= today:
        return False
    return person.account is None or person.account.is_active


def can_sign_in(person: Person) -> bool:
    """Whether the person has a way to sign in by themselves: an active account with a password or an
    external identity. Emails to anyone else carry signed links instead of links behind sign-in."""
    account = person.account
    if account is None or not account.is_active:
        return False
    if account.password_hash:
        return True
    return (
        db.session.scalar(select(ExternalIdentity.id).where(ExternalIdentity.user_id == account.id).limit(1))
        is not None
    )


def issue_link(*, person: Person, purpose: LinkPurpose, now: datetime | None = None) -> str:
    """A new link for `person`; every earlier unused link of the same purpose ends now. Returns the token,
    which is never stored (only its hash)."""
    now = now or utc_now()
    db.session.execute(
        update(AccountLink)
        .where(AccountLink.person_id == person.id, AccountLink.purpose == purpose, AccountLink.used_at.is_(None))
        .values(used_at=now)
    )
    token = secrets.token_urlsafe(32)
    db.session.add(
        AccountLink(
            person_id=person.id,
            purpose=purpose,
            token_hash=services.hash_token(token),
            created_at=now,
            expires_at=now + link_lifetime(purpose),
        )
    )
    db.session.flush()
    return token


def find_usable_link(token: str, purposes: tuple[LinkPurpose, ...], *, now: datetime | None = None) -> AccountLink:
    """The unused, unexpired link with this token and one of `purposes`, whose person may still use it.

    Raises LinkError otherwise (unknown, expired, used, superseded, leaver, disabled: one message)."""
    now = now or utc_now()
    link = None
    if token and len(token) <= 100:
        link = db.session.scalar(select(AccountLink).where(AccountLink.token_hash == services.hash_token(token)))
    if (
        link is None
        or link.purpose not in purposes
        or link.used_at is not None
        or link.expires_at <= now
        or not may_receive_links(link.person)
    ):
        raise LinkError("This link has expired or has already been used", field="link")
    return link


# --- Asking for a link -----------------------------------------------------------------------------------


def _queue_link_email(*, person: Person, purpose: LinkPurpose, next_url: str | None = None) -> None:
    from tracker.accounts.link_emails import queue_link_email

    token = issue_link(person=person, purpose=purpose)
    queue_link_email(person=person, purpose=purpose, token=token, lifetime=link_lifetime(purpose), next_url=next_url)
    record_event(
        f"auth.{purpose.value}_link_sent",
        actor_label="link request",
        object_type="person",
        object_id=person.id,
    )


def request_password_reset(*, email: str) -> bool:
    """Email a password reset link to the account with this address, if there is one that may have it.

    Returns whether a link was sent: for tests and audit only — the page must not show it."""
    user = services.find_user_by_email(email) if email else None
    if user is None or not may_receive_links(user.person):
        return False
    _queue_link_email(person=user.person, purpose=LinkPurpose.PASSWORD_RESET)
    return True


def request_sign_in_link(*, email: str, next_url: str | None = None) -> bool:
    """Email a sign-in link to the person with this address, account or not. Someone with a password is
    sent a password reset link instead (a password holder signs in with it). Returns whether one was sent."""
    person = db.session.scalar(select(Person).where(Person.email == services.normalise_email(email))) if email else None
    if person is None or not may_receive_links(person):
        return False
    if person.account is not None and person.account.password_hash:
        _queue_link_email(person=person, purpose=LinkPurpose.PASSWORD_RESET)
    else:
        _queue_link_email(person=person, purpose=LinkPurpose.SIGN_IN, next_url=next_url)
    return True


def send_set_password_link(*, user: UserAccount, actor: UserAccount | None, actor_label: str | None = None) -> bool:
    """Email a set-your-password link (the coordinator made the account, or asks for a new link). Returns
    False, sending nothing, for someone who signs in only with their organisation's account.

    Raises AccountError when the person cannot be sent one (no address, a leaver, disabled)."""
    if must_use_organisation_sign_in(user.person.email):
        return False
    if not may_receive_links(user.person):
        raise services.AccountError(
            "A set-password link cannot be sent: the account is disabled, the person has left, or has no email address",
            code="no_link",
        )
    token = issue_link(person=user.person, purpose=LinkPurpose.SET_PASSWORD)
    from tracker.accounts.link_emails import queue_link_email

    queue_link_email(
        person=user.person,
        purpose=LinkPurpose.SET_PASSWORD,
        token=token,
        lifetime=link_lifetime(LinkPurpose.SET_PASSWORD),
    )
    record_event(
        "auth.set_password_link_sent", actor=actor, actor_label=actor_label, object_type="user", object_id=user.id
    )
    return True


# --- Following a link ------------------------------------------------------------------------------------


def choose_password(*, token: str, password: str, now: datetime | None = None) -> UserAccount:
    """Set the password of a reset or set-password link's account, end the link and every sign-in session
    of the account. Raises LinkError, or AccountError (field "password") for a password the policy refuses."""
    now = now or utc_now()
    link = find_usable_link(token, PASSWORD_PURPOSES, now=now)
    user = link.person.account
    if user is None:
        raise LinkError("This link has expired or has already been used", field="link")
    services.set_password(user=user, password=password, actor=user)
    link.used_at = now
    record_event(f"auth.{link.purpose.value}_link_used", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return user


def use_sign_in_link(*, token: str, now: datetime | None = None) -> UserAccount:
    """The account a sign-in link signs in, made now (role staff, audited) for a person without one.

    Ends the link. Raises LinkError. The caller starts the session."""
    now = now or utc_now()
    link = find_usable_link(token, (LinkPurpose.SIGN_IN,), now=now)
    person = link.person
    user = person.account
    if user is None:
        user = services.create_user(
            email=person.email or "",
            first_name=person.first_name,
            last_name=person.last_name,
            roles={Role.STAFF},
            actor_label="sign-in link",
        )
        record_event("auth.account_made_by_sign_in_link", actor=user, object_type="user", object_id=user.id)
    link.used_at = now
    record_event("auth.sign_in_link_used", actor=user, object_type="user", object_id=user.id)
    db.session.flush()
    return user
