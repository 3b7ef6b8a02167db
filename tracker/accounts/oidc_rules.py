"""OpenID Connect sign-in rules, pure: reading the providers' settings, and deciding whose verified claims let them in.

No Flask, no database: `tracker.accounts.oidc` (Authlib) verifies the ID token, `oidc_services` finds the person.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field

#: The placeholder in Entra ID's multi-tenant metadata (`/organizations/v2.0/.well-known/...`) issuer.
TENANT_PLACEHOLDER = "{tenantid}"
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,29}$")


class OidcConfigurationError(RuntimeError):
    """A provider's settings are incomplete or malformed: the app refuses to start."""


class OidcRefusal(Exception):
    """Someone who proved who they are at the provider may still not sign in here; `reason` is audited."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


#: Each refusal's reason (audited) and what the person is told (the page adds whom to ask).
REFUSALS: dict[str, str] = {
    "wrong_tenant": "Your organisation's Microsoft account cannot be used to sign in to this service.",
    "domain_not_allowed": "Your email address is not from an organisation that can sign in this way.",
    "no_email": "Your account did not tell us a verified email address.",
    "email_not_verified": "Your account's email address has not been verified.",
    "not_on_roster": "We could not find you on the list of staff for Prevent training.",
    "wrong_organisation": "You are not listed under the organisation your email address belongs to.",
    "left": "You are recorded as having left your organisation.",
    "erased": "Your details have been removed from this service.",
    "account_disabled": "Your account has been disabled.",
    "state_mismatch": "Your sign-in did not finish in the same browser it started in, or took too long.",
    "provider_error": "The sign-in could not be completed.",
    "invalid_token": "The sign-in could not be verified.",
}


@dataclass(frozen=True)
class OidcProvider:
    """One configured OpenID Connect provider (`OIDC_<NAME>_*` variables)."""

    name: str
    display_name: str
    metadata_url: str
    client_id: str
    client_secret: str = field(repr=False)
    #: Entra ID tenant ids (`tid`) allowed; empty: any (the token's `tid` is not looked at).
    tenants: frozenset[str] = frozenset()
    #: Allowed email domains (lower case), each with the organisation's name it maps to, or None (any organisation).
    domains: Mapping[str, str | None] = field(default_factory=dict)

    @property
    def trusts_tenant(self) -> bool:
        """Entra ID style: a token from an allowed tenant vouches for its `email` / `preferred_username`
        (Entra issues no `email_verified`; the tenant's administrators own those addresses)."""
        return bool(self.tenants)


def _split(value: str | None) -> list[str]:
    return [part.strip() for part in (value or "").split(",") if part.strip()]


_DOMAIN = re.compile(r"^@?[a-z0-9-]+(\.[a-z0-9-]+)+$", re.IGNORECASE)


def parse_domains(value: str | None, *, variable: str) -> dict[str, str | None]:
    """`barnet.gov.uk=London Borough of Barnet,nhs.net` → {"barnet.gov.uk": "London Borough of Barnet", "nhs.net": None}.

    Entries are separated by commas (or semicolons); a comma inside an organisation's name stays in it (what
    follows it is not a domain): `beh-mht.nhs.uk=Barnet, Enfield and Haringey Mental Health NHS Trust`.
    """
    entries: list[list[str]] = []
    for part in re.split(r"[,;]", value or ""):
        domain, equals, organisation = part.partition("=")
        if _DOMAIN.match(domain.strip()):
            entries.append([domain.strip().lower().lstrip("@"), organisation.strip() if equals else ""])
        elif part.strip() and entries and entries[-1][1] and not equals:
            entries[-1][1] += "," + part.rstrip()  # a comma inside the organisation's name
        elif part.strip():
            raise OidcConfigurationError(
                f"{variable}: {part.strip()!r} is not an email domain (e.g. barnet.gov.uk=Barnet)"
            )
    return {domain: organisation.strip() or None for domain, organisation in entries}


def parse_providers(environment: Mapping[str, str]) -> list[OidcProvider]:
    """The providers named in `OIDC_PROVIDERS`, each from its `OIDC_<NAME>_*` variables.

    Raises OidcConfigurationError naming the variable when one is missing or malformed, so that a
    misconfigured provider stops the app at start rather than failing someone's sign-in later.
    """
    providers = []
    for name in _split(environment.get("OIDC_PROVIDERS")):
        name = name.lower()
        if not _NAME.match(name):
            raise OidcConfigurationError(f"OIDC_PROVIDERS: {name!r} must be letters, digits or _ (e.g. microsoft)")
        prefix = f"OIDC_{name.upper()}_"
        missing = [
            prefix + key
            for key in ("METADATA_URL", "CLIENT_ID", "CLIENT_SECRET")
            if not (environment.get(prefix + key) or "").strip()
        ]
        if missing:
            raise OidcConfigurationError(
                f"OpenID Connect provider {name!r} is not configured: set {', '.join(missing)}"
            )
        metadata_url = environment[prefix + "METADATA_URL"].strip()
        if not metadata_url.startswith(("https://", "http://127.0.0.1", "http://localhost")):
            raise OidcConfigurationError(f"{prefix}METADATA_URL must be an https:// address")
        tenants = frozenset(_split(environment.get(prefix + "TENANTS")))
        domains = parse_domains(environment.get(prefix + "DOMAINS"), variable=prefix + "DOMAINS")
        if not tenants and not domains:
            raise OidcConfigurationError(
                f"OpenID Connect provider {name!r} would let anyone's account in: set {prefix}TENANTS and/or {prefix}DOMAINS"
            )
        providers.append(
            OidcProvider(
                name=name,
                display_name=(environment.get(prefix + "NAME") or "").strip() or name.capitalize(),
                metadata_url=metadata_url,
                client_id=environment[prefix + "CLIENT_ID"].strip(),
                client_secret=environment[prefix + "CLIENT_SECRET"].strip(),
                tenants=tenants,
                domains=domains,
            )
        )
    if len({p.name for p in providers}) != len(providers):
        raise OidcConfigurationError("OIDC_PROVIDERS names a provider twice")
    return providers


def parse_disabled_domains(value: str | None) -> frozenset[str]:
    """`PASSWORD_SIGN_IN_DISABLED_DOMAINS`: email domains whose people must use their organisation's sign-in."""
    return frozenset(d.lower().lstrip("@") for d in _split(value))


def email_domain(email: str) -> str:
    return email.rpartition("@")[2].strip().lower()


def password_sign_in_disabled(email: str, disabled_domains: frozenset[str]) -> bool:
    return "@" in email and email_domain(email) in disabled_domains


def issuer_matches(expected: str, issuer: object, tenant: object) -> bool:
    """The token's `iss` is the provider's issuer; with Entra's multi-tenant `{tenantid}` template, it is the
    template with the token's own `tid` put in (so a token from one tenant cannot claim another's)."""
    if not isinstance(issuer, str) or not issuer:
        return False
    if TENANT_PLACEHOLDER not in expected:
        return issuer == expected
    return isinstance(tenant, str) and bool(tenant) and issuer == expected.replace(TENANT_PLACEHOLDER, tenant)


@dataclass(frozen=True)
class Admission:
    """Claims that passed the provider's rules: the email to find on the roster, and the organisation
    the email's domain maps to (None: any)."""

    email: str
    organisation_name: str | None


def trusted_email(provider: OidcProvider, claims: Mapping[str, object]) -> str | None:
    """The email address the claims vouch for, lower-cased, or None.

    Generic providers: `email` only with `email_verified` true. Entra ID (tenants configured): `email`, else
    `preferred_username` when it is an address, from a token of an allowed tenant (checked before this).
    """
    email = claims.get("email")
    if provider.trusts_tenant:
        if not (isinstance(email, str) and "@" in email):
            email = claims.get("preferred_username")
    elif claims.get("email_verified") is not True:
        return None
    if not isinstance(email, str) or "@" not in email or len(email) > 254:
        return None
    return email.strip().lower()


def admit(provider: OidcProvider, claims: Mapping[str, object]) -> Admission:
    """Apply the provider's tenant and domain rules to verified ID-token claims. Raises OidcRefusal."""
    if provider.tenants and claims.get("tid") not in provider.tenants:
        raise OidcRefusal("wrong_tenant")
    email = trusted_email(provider, claims)
    if email is None:
        raw = claims.get("email") or claims.get("preferred_username")
        raise OidcRefusal("email_not_verified" if isinstance(raw, str) and "@" in raw else "no_email")
    organisation = None
    if provider.domains:
        domain = email_domain(email)
        if domain not in provider.domains:
            raise OidcRefusal("domain_not_allowed")
        organisation = provider.domains[domain]
    return Admission(email=email, organisation_name=organisation)
