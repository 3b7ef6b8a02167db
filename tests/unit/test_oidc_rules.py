"""The OpenID Connect sign-in rules: providers from the environment, tenants, domains, trusted emails, issuers."""

from __future__ import annotations

import pytest

from tracker.accounts.oidc_rules import (
    OidcConfigurationError,
    OidcProvider,
    OidcRefusal,
    admit,
    issuer_matches,
    parse_disabled_domains,
    parse_providers,
    password_sign_in_disabled,
)

ENTRA = "https://login.microsoftonline.com/{tenantid}/v2.0"
COUNCIL_TENANT = "11111111-1111-1111-1111-111111111111"
TRUST_TENANT = "22222222-2222-2222-2222-222222222222"

MICROSOFT = {
    "OIDC_PROVIDERS": "microsoft, nhs",
    "OIDC_MICROSOFT_METADATA_URL": "https://login.microsoftonline.com/organizations/v2.0/.well-known/openid-configuration",
    "OIDC_MICROSOFT_CLIENT_ID": "app-id",
    "OIDC_MICROSOFT_CLIENT_SECRET": "app-secret",
    "OIDC_MICROSOFT_NAME": "Microsoft",
    "OIDC_MICROSOFT_TENANTS": f"{COUNCIL_TENANT},{TRUST_TENANT}",
    "OIDC_MICROSOFT_DOMAINS": "Barnet.gov.uk=London Borough of Barnet, nhs.net",
    "OIDC_NHS_METADATA_URL": "https://id.nhs.example/.well-known/openid-configuration",
    "OIDC_NHS_CLIENT_ID": "nhs-id",
    "OIDC_NHS_CLIENT_SECRET": "nhs-secret",
    "OIDC_NHS_DOMAINS": "beh-mht.nhs.uk=Barnet, Enfield and Haringey Mental Health NHS Trust",
}


def test_providers_from_the_environment():
    microsoft, nhs = parse_providers(MICROSOFT)
    assert (microsoft.name, microsoft.display_name, microsoft.client_id) == ("microsoft", "Microsoft", "app-id")
    assert microsoft.tenants == {COUNCIL_TENANT, TRUST_TENANT}
    assert microsoft.domains == {"barnet.gov.uk": "London Borough of Barnet", "nhs.net": None}
    assert (nhs.display_name, nhs.tenants, nhs.trusts_tenant) == ("Nhs", frozenset(), False)
    # A comma inside an organisation's name (the seed's trusts have them) stays in the name.
    assert nhs.domains == {"beh-mht.nhs.uk": "Barnet, Enfield and Haringey Mental Health NHS Trust"}
    assert "secret" not in repr(microsoft)


def test_no_providers_is_fine():
    assert parse_providers({}) == []
    assert parse_providers({"OIDC_PROVIDERS": " "}) == []


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"OIDC_MICROSOFT_CLIENT_SECRET": ""}, "set OIDC_MICROSOFT_CLIENT_SECRET"),
        ({"OIDC_NHS_CLIENT_ID": None, "OIDC_NHS_METADATA_URL": None}, "set OIDC_NHS_METADATA_URL, OIDC_NHS_CLIENT_ID"),
        ({"OIDC_MICROSOFT_METADATA_URL": "http://idp.example/.well-known"}, "must be an https:// address"),
        ({"OIDC_MICROSOFT_TENANTS": "", "OIDC_MICROSOFT_DOMAINS": ""}, "would let anyone's account in"),
        ({"OIDC_MICROSOFT_DOMAINS": "not a domain=Barnet"}, "OIDC_MICROSOFT_DOMAINS: 'not a domain=Barnet'"),
        ({"OIDC_MICROSOFT_DOMAINS": "London Borough of Barnet"}, "'London Borough of Barnet' is not an email domain"),
        ({"OIDC_PROVIDERS": "microsoft,Microsoft"}, "names a provider twice"),
        ({"OIDC_PROVIDERS": "micro-soft"}, "must be letters, digits or _"),
    ],
)
def test_a_misconfigured_provider_is_named(change, message):
    environment = {**MICROSOFT, **change}
    environment = {k: v for k, v in environment.items() if v is not None}
    with pytest.raises(OidcConfigurationError) as raised:
        parse_providers(environment)
    assert message in str(raised.value)


def entra(**kw) -> OidcProvider:
    kw.setdefault("tenants", frozenset({COUNCIL_TENANT, TRUST_TENANT}))
    kw.setdefault("domains", {"barnet.gov.uk": "London Borough of Barnet", "nhs.net": None})
    return OidcProvider(
        name="microsoft", display_name="Microsoft", metadata_url="https://x", client_id="a", client_secret="b", **kw
    )


def generic(**kw) -> OidcProvider:
    kw.setdefault("domains", {"partner.org.uk": "A Partner"})
    return OidcProvider(
        name="partner", display_name="Partner", metadata_url="https://x", client_id="a", client_secret="b", **kw
    )


@pytest.mark.parametrize(
    ("claims", "email", "organisation"),
    [
        (
            {"tid": COUNCIL_TENANT, "email": "Tom.Walker@Barnet.gov.uk"},
            "tom.walker@barnet.gov.uk",
            "London Borough of Barnet",
        ),
        # Entra sends no `email` without the optional claim: the UPN-like preferred_username of an allowed tenant.
        ({"tid": TRUST_TENANT, "preferred_username": "nia.okoro@nhs.net"}, "nia.okoro@nhs.net", None),
        (
            {"tid": COUNCIL_TENANT, "email": "not-an-address", "preferred_username": "a@barnet.gov.uk"},
            "a@barnet.gov.uk",
            "London Borough of Barnet",
        ),
    ],
)
def test_entra_trusts_the_tenants_email(claims, email, organisation):
    admission = admit(entra(), claims)
    assert (admission.email, admission.organisation_name) == (email, organisation)


@pytest.mark.parametrize(
    ("provider", "claims", "reason"),
    [
        (entra(), {"tid": "33333333-3333-3333-3333-333333333333", "email": "tom@barnet.gov.uk"}, "wrong_tenant"),
        (entra(), {"email": "tom@barnet.gov.uk"}, "wrong_tenant"),  # no tid at all
        (entra(), {"tid": COUNCIL_TENANT, "email": "tom@gmail.com"}, "domain_not_allowed"),
        (entra(), {"tid": COUNCIL_TENANT, "email": "tom@evil-barnet.gov.uk"}, "domain_not_allowed"),
        (entra(), {"tid": COUNCIL_TENANT, "email": "tom@sub.barnet.gov.uk"}, "domain_not_allowed"),
        (entra(), {"tid": COUNCIL_TENANT}, "no_email"),
        (generic(), {"email": "pat@partner.org.uk"}, "email_not_verified"),
        (generic(), {"email": "pat@partner.org.uk", "email_verified": "true"}, "email_not_verified"),
        (generic(), {"email_verified": True}, "no_email"),
        (generic(), {"email": "pat@other.org.uk", "email_verified": True}, "domain_not_allowed"),
    ],
)
def test_refusals(provider, claims, reason):
    with pytest.raises(OidcRefusal) as raised:
        admit(provider, claims)
    assert raised.value.reason == reason


def test_a_generic_provider_needs_a_verified_email():
    admission = admit(generic(), {"email": "Pat@Partner.org.uk", "email_verified": True, "tid": "ignored"})
    assert (admission.email, admission.organisation_name) == ("pat@partner.org.uk", "A Partner")


def test_tenants_alone_allow_any_domain_of_those_tenants():
    admission = admit(entra(domains={}), {"tid": TRUST_TENANT, "email": "x@trust.nhs.uk"})
    assert (admission.email, admission.organisation_name) == ("x@trust.nhs.uk", None)


@pytest.mark.parametrize(
    ("expected", "issuer", "tenant", "ok"),
    [
        (ENTRA, f"https://login.microsoftonline.com/{COUNCIL_TENANT}/v2.0", COUNCIL_TENANT, True),
        (ENTRA, f"https://login.microsoftonline.com/{TRUST_TENANT}/v2.0", COUNCIL_TENANT, False),  # tid of another
        (ENTRA, ENTRA, COUNCIL_TENANT, False),
        (ENTRA, f"https://login.microsoftonline.com/{COUNCIL_TENANT}/v2.0", None, False),
        (ENTRA, f"https://evil.example/{COUNCIL_TENANT}/v2.0", COUNCIL_TENANT, False),
        ("https://id.example", "https://id.example", None, True),
        ("https://id.example", "https://id.example/", None, False),
        ("https://id.example", None, None, False),
    ],
)
def test_issuer(expected, issuer, tenant, ok):
    assert issuer_matches(expected, issuer, tenant) is ok


def test_password_sign_in_switched_off_per_domain():
    disabled = parse_disabled_domains(" Barnet.gov.uk, @nhs.net ")
    assert disabled == {"barnet.gov.uk", "nhs.net"}
    assert password_sign_in_disabled("Tom@BARNET.gov.uk ", disabled)
    assert not password_sign_in_disabled("rachel@beh-mht.example", disabled)
    assert not password_sign_in_disabled("barnet.gov.uk", disabled)
    assert parse_disabled_domains("") == frozenset()
