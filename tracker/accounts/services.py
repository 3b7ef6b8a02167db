"""Accounts: creating them, roles, signing in and out with revocable server-side sessions, API tokens."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime, timedelta
from functools import cache

from flask import current_app
from sqlalchemy import Select, bindparam, func, or_, select, update
from sqlalchemy.orm import contains_eager, joinedload
from sqlalchemy.orm.attributes import set_committed_value

from tracker.accounts.models import ApiToken, LoginSession, Role, UserAccount, UserRole
from tracker.accounts.passwords import hash_password, needs_rehash, password_problem, verify_password
from tracker.common.audit import record_event
from tracker.common.errors import TrackerError
from tracker.common.time import utc_now
from tracker.extensions import db
from tracker.people.models import Organisation, Person


class AccountError(TrackerError):
    pass


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def normalise_email(email: str) -> str:
    return email.strip().lower()


def find_user_by_email(email: str) -> UserAccount | None:
    return db.session.scalar(select(UserAccount).join(UserAccount.person).where(Person.email == normalise_email(email)))


def create_user(
    *,
    email: str,
    first_name: str,
    last_name: str,
    roles: list[Role] | set[Role],
    organisation: Organisation | None = None,
    password: str | None = None,
    actor: UserAccount | None = None,
    actor_label: str | None = None,
) -> UserAccount:
    """An account for the person with this email, creating the person if there is none.

    Raises AccountError if the person already has an account, if a new person has no organisation,
    or if the password breaks the policy.
    """
    email = normalise_email(email)
    person = db.session.scalar(select(Person).where(Person.email == email))
    if person is None:
        from tracker.people.services import clean_text, email_problem

        problem = email_problem(email or None) if email else "Enter an email address"
        if problem:
            raise AccountError(problem, field="email")
        first_name, last_name = clean_text(first_name) or "", clean_text(last_name) or ""
        if not first_name:  # a last name may be blank: `users create --name Admin` is allowed
            raise AccountError("Enter a first name for a new person", field="first_name")
        if organisation is None and Role.COORDINATOR not in set(roles):
            # A coordinator may stand outside every organisation: the first account of an empty database.
            raise AccountError("Choose an organisation for a new person", field="organisation")
        person = Person(organisation=organisation, first_name=first_name, last_name=last_name, email=email)
        db.session.add(person)
    elif person.account is not None:
        raise AccountError(f"{email} already has an account", code="exists", field="email")
    if password is not None:
        problem = password_problem(password, email=email)
        if problem:
            raise AccountError(problem, field="password")
    user = UserAccount(person=person, password_hash=hash_password(password) if password else None)
    user.role_rows = [UserRole(role=Role(r)) for r in sorted(set(roles))]
    db.session.add(user)
    db.session.flush()
    record_event(
        "user.created",
        actor=actor,
        actor_label=actor_label,
        object_type="user",
        object_id=user.id,
        after={"email": email, "roles": sorted(user.roles)},
    )
    return user


def users_query(*, search: str | None = None) -> Select:
    """Accounts with their people, by surname, matching every word of `search` in a name or email."""
    statement = select(UserAccount).join(UserAccount.person).options(contains_eager(UserAccount.person))
    for term in (search or "").lower().split():
        statement = statement.where(
            or_(
                func.lower(Person.first_name).contains(term, autoescape=True),
                func.lower(Person.last_name).contains(term, autoescape=True),
                Person.email.contains(term, autoescape=True),
            )
        )
    return statement.order_by(Person.last_name, Person.first_name, UserAccount.id)


def set_roles(*, user: UserAccount, roles: set[Role], actor: UserAccount | None) -> None:
    """Replace a user's roles, audited. Raises AccountError if a coordinator would remove their own
    coordinator role (someone else must, so the service is never left without one by accident)."""
    before = sorted(user.roles)
    wanted = {Role(r) for r in roles}
    if actor is not None and actor.id == user.id and Role.COORDINATOR in user.roles and Role.COORDINATOR not in wanted:
        raise AccountError("You cannot remove your own coordinator role", code="own_role", field="roles")
    user.role_rows = [row for row in user.role_rows if row.role in wanted] + [
        UserRole(role=r) for r in sorted(wanted - user.roles)
    ]
    db.session.flush()
    if before != sorted(wanted):
        record_event(
            "user.roles_changed",
            actor=actor,
            object_type="user",
            object_id=user.id,
            before={"roles": before},
            after={"roles": sorted(wanted)},
        )


def set_password(*, user: UserAccount, password: str, actor: UserAccount | None) -> None:
    """Set a new password (policy-checked) and end every other session of the account."""
    problem = password_problem(password, email=user.person.email)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(password)
    revoke_sessions(user=user)
    record_event("user.password_changed", actor=actor, object_type="user", object_id=user.id)


def change_own_password(*, user: UserAccount, current_password: str, new_password: str, keep_token: str | None) -> None:
    """A signed-in user changes their own password; every other sign-in session of theirs ends (the one
    with `keep_token` stays). Raises AccountError on the field at fault."""
    if not user.password_hash or not verify_password(user.password_hash, current_password):
        raise AccountError("Your current password is not right", code="wrong_password", field="current_password")
    problem = password_problem(new_password, email=user.person.email)
    if problem:
        raise AccountError(problem, field="password")
    user.password_hash = hash_password(new_password)
    others = update(LoginSession).where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
    if keep_token:
        others = others.where(LoginSession.token_hash != hash_token(keep_token))
    db.session.execute(others.values(revoked_at=utc_now()))
    record_event("user.password_changed", actor=user, object_type="user", object_id=user.id, after={"by": "self"})


def set_active(*, user: UserAccount, active: bool, actor: UserAccount | None) -> None:
    """Enable or disable an account; disabling ends all its sessions and API tokens at once.

    Raises AccountError if someone tries to disable their own account.
    """
    if user.is_active == active:
        return
    if not active and actor is not None and actor.id == user.id:
        raise AccountError("You cannot disable your own account", code="own_account")
    user.is_active = active
    if not active:
        revoke_sessions(user=user)
        db.session.execute(
            update(ApiToken)
            .where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )
    record_event(
        "user.enabled" if active else "user.disabled",
        actor=actor,
        object_type="user",
        object_id=user.id,
        before={"active": not active},
        after={"active": active},
    )


def authenticate(*, email: str, password: str) -> UserAccount | None:
    """The active account with this email and password, or None (failures audited by the caller)."""
    user = find_user_by_email(email) if email else None
    ok = verify_password(user.password_hash if user else None, password)
    if not ok or user is None or not user.is_active:
        return None
    if needs_rehash(user.password_hash):  # made with older parameters: the password is at hand, so renew it
        user.password_hash = hash_password(password)
    return user


def start_session(
    *, user: UserAccount, ip_address: str | None, user_agent: str | None, provider: str | None = None
) -> str:
    """Open a server-side sign-in session; returns the token the browser keeps. `provider`: the OpenID Connect
    provider's name when signed in through one (audited), None for a password."""
    token = secrets.token_urlsafe(32)
    db.session.add(
        LoginSession(
            user_id=user.id,
            token_hash=hash_token(token),
            ip_address=ip_address,
            user_agent=(user_agent or "")[:300],
        )
    )
    user.last_signed_in_at = utc_now()
    record_event(
        "auth.signed_in",
        actor=user,
        object_type="user",
        object_id=user.id,
        after={"provider": provider} if provider else None,
    )
    return token


@cache
def _session_user_statement() -> Select:
    """The session's start, the account, its person (the header shows the name) and its roles (the access policy
    reads them), for every request. Built once (values are bind parameters): building it and its cache key cost more than running it; see bench/results.md, issue 15."""
    return (
        select(LoginSession.created_at, UserAccount)
        .join(UserAccount, LoginSession.user_id == UserAccount.id)
        .options(joinedload(UserAccount.person), joinedload(UserAccount.role_rows))
        .where(LoginSession.token_hash == bindparam("token_hash"), LoginSession.revoked_at.is_(None))
    )


def load_session_user(token: str, *, now: datetime | None = None) -> UserAccount | None:
    """The user of a live sign-in session: not revoked, account active, within the absolute timeout."""
    now = now or utc_now()
    limit = timedelta(hours=current_app.config["SESSION_ABSOLUTE_HOURS"])
    row = db.session.execute(_session_user_statement(), {"token_hash": hash_token(token)}).unique().first()
    if row is None:
        return None
    created_at, user = row
    if not user.is_active or created_at + limit < now:
        return None
    # The person's side of the one-to-one, known without a query (emails about their bookings ask for it).
    set_committed_value(user.person, "account", user)
    user.current_session_token = token
    return user


def end_session(token: str | None) -> None:
    if token:
        db.session.execute(
            update(LoginSession)
            .where(LoginSession.token_hash == hash_token(token), LoginSession.revoked_at.is_(None))
            .values(revoked_at=utc_now())
        )


def revoke_sessions(*, user: UserAccount) -> None:
    db.session.execute(
        update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=utc_now())
    )


def create_api_token(*, user: UserAccount, actor_label: str | None = None) -> str:
    """A new bearer token for the API; the token itself is returned once and never stored."""
    token = "ptt_" + secrets.token_urlsafe(32)
    db.session.add(ApiToken(user_id=user.id, token_hash=hash_token(token), prefix=token[:10]))
    record_event(
        "api_token.created",
        actor=user if actor_label is None else None,
        actor_label=actor_label,
        object_type="user",
        object_id=user.id,
    )
    return token


def find_api_user(token: str) -> UserAccount | None:
    row = db.session.execute(
        select(ApiToken, UserAccount)
        .join(UserAccount, ApiToken.user_id == UserAccount.id)
        .where(ApiToken.token_hash == hash_token(token), ApiToken.revoked_at.is_(None))
    ).first()
    if row is None or not row[1].is_active:
        return None
    return row[1]


def count_users() -> int:
    return db.session.scalar(select(func.count(UserAccount.id))) or 0
