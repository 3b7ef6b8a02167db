"""Signing in with an OpenID Connect provider: from verified claims to the person's account, made on first sign-in.

Services only flush; the route commits once. Every refusal raises OidcRefusal (the route audits and shows it).
"""

from __future__ import annotations

from collections.abc import Mapping

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.accounts import oidc_rules
from tracker.accounts.models import ExternalIdentity, Role, UserAccount, UserRole
from tracker.accounts.oidc_rules import OidcProvider, OidcRefusal
from tracker.common.audit import record_event
from tracker.common.time import utc_now
from tracker.extensions import db
from tracker.people.models import Person
from tracker.people.services import is_leaver


def find_identity(*, issuer: str, subject: str) -> ExternalIdentity | None:
    return db.session.scalar(
        select(ExternalIdentity).where(ExternalIdentity.issuer == issuer, ExternalIdentity.subject == subject)
    )


def _find_person(email: str) -> Person | None:
    return db.session.scalar(select(Person).where(Person.email == email))


def _check_person(person: Person, admission: oidc_rules.Admission) -> None:
    """The roster's word: the right organisation, not left, not erased. Raises OidcRefusal."""
    if person.erased_at is not None:
        raise OidcRefusal("erased")
    if admission.organisation_name is not None and (
        person.organisation is None or person.organisation.name.casefold() != admission.organisation_name.casefold()
    ):
        raise OidcRefusal("wrong_organisation")
    if is_leaver(person):
        raise OidcRefusal("left")


def _account_for(person: Person, *, provider: OidcProvider, issuer: str, subject: str, email: str) -> UserAccount:
    """The person's account linked to this identity: their existing account, or a new staff-only one.

    Idempotent under concurrency: the unique person (account) and (issuer, subject) (identity) constraints
    refuse a second copy made at the same moment; that insert is undone (a savepoint) and the winner's rows
    are read back.
    """
    for _attempt in range(3):
        user = db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id))
        try:
            with db.session.begin_nested():
                if user is None:
                    user = UserAccount(person=person, password_hash=None)
                    user.role_rows = [UserRole(role=Role.STAFF)]
                    db.session.add(user)
                    db.session.flush()
                    record_event(
                        "user.created",
                        actor_label=f"sign-in with {provider.display_name}",
                        object_type="user",
                        object_id=user.id,
                        after={"email": person.email, "roles": [Role.STAFF.value], "provider": provider.name},
                    )
                db.session.add(
                    ExternalIdentity(
                        user_id=user.id,
                        provider=provider.name,
                        issuer=issuer,
                        subject=subject,
                        email=email,
                        last_used_at=utc_now(),
                    )
                )
                db.session.flush()
        except IntegrityError:
            # Someone else's sign-in (or the coordinator) made the account or the identity meanwhile.
            db.session.expire(person)
            identity = find_identity(issuer=issuer, subject=subject)
            if identity is not None:
                return identity.user
            continue
        return user
    raise OidcRefusal("provider_error")  # three collisions in a row: give up rather than loop


def sign_in_with_claims(*, provider: OidcProvider, claims: Mapping[str, object]) -> UserAccount:
    """The active account for the provider's verified ID-token claims.

    Later sign-ins match by (issuer, subject); a first one matches the roster by the trusted email (lower-cased;
    `oidc_rules.trusted_email`) and makes a staff account and the identity. Roles come only from the coordinator.
    Raises OidcRefusal: wrong_tenant, domain_not_allowed, no_email, email_not_verified, not_on_roster,
    wrong_organisation, left, erased, account_disabled.
    """
    admission = oidc_rules.admit(provider, claims)
    issuer, subject = str(claims["iss"]), str(claims["sub"])
    identity = find_identity(issuer=issuer, subject=subject)
    if identity is not None:
        user = identity.user
        _check_person(user.person, admission)
        identity.last_used_at = utc_now()
        identity.email = admission.email
    else:
        person = _find_person(admission.email)
        if person is None:
            raise OidcRefusal("not_on_roster")
        _check_person(person, admission)
        if person.account is not None and not person.account.is_active:
            raise OidcRefusal("account_disabled")
        user = _account_for(person, provider=provider, issuer=issuer, subject=subject, email=admission.email)
    if not user.is_active:
        raise OidcRefusal("account_disabled")
    db.session.flush()
    return user


def record_refusal(*, provider: OidcProvider | None, reason: str, claims: Mapping[str, object] | None = None) -> None:
    """Audit a refused sign-in: the provider, the reason, and what the provider said about who it was."""
    claims = claims or {}
    email = claims.get("email") or claims.get("preferred_username")
    record_event(
        "auth.oidc_refused",
        actor_label=str(email)[:254] if email else None,
        after={
            "provider": provider.name if provider else None,
            "reason": reason,
            "issuer": claims.get("iss"),
            "subject": claims.get("sub"),
            "tenant": claims.get("tid"),
        },
    )
