"""Authlib's Flask client for the configured OpenID Connect providers: the redirect out, and the verified claims back.

Authlib checks state (kept in the signed session cookie), PKCE (S256), the nonce, and the ID token's signature
(the provider's published keys), issuer, audience and expiry. Nothing here decodes a token itself.
"""

from __future__ import annotations

from typing import Any

import requests
from authlib.common.errors import AuthlibBaseError
from authlib.integrations.base_client import MismatchingStateError, OAuthError
from authlib.integrations.flask_client import OAuth
from flask import Flask, current_app, url_for
from joserfc.errors import JoseError

from tracker.accounts import oidc_rules
from tracker.accounts.oidc_rules import OidcProvider, OidcRefusal

#: Seconds to wait for the provider's metadata, keys or token endpoint.
PROVIDER_TIMEOUT = 10


def init_app(app: Flask) -> None:
    """Read and check the providers (raising OidcConfigurationError, so the app does not start, if one is
    misconfigured) and register each with Authlib."""
    configured = oidc_rules.parse_providers(app.config.get("OIDC_SETTINGS") or {})
    oauth = OAuth(app)
    for provider in configured:
        oauth.register(
            provider.name,
            client_id=provider.client_id,
            client_secret=provider.client_secret,
            server_metadata_url=provider.metadata_url,
            client_kwargs={
                "scope": "openid email profile",
                "code_challenge_method": "S256",
                "default_timeout": PROVIDER_TIMEOUT,
            },
        )
    app.extensions["oidc_providers"] = {p.name: p for p in configured}
    app.extensions["oidc_oauth"] = oauth
    app.jinja_env.globals["oidc_providers"] = providers  # the sign-in page's buttons
    app.extensions["password_sign_in_disabled_domains"] = oidc_rules.parse_disabled_domains(
        app.config.get("PASSWORD_SIGN_IN_DISABLED_DOMAINS")
    )


def providers() -> list[OidcProvider]:
    """The configured providers, in the order of OIDC_PROVIDERS (the sign-in page's buttons)."""
    return list(current_app.extensions.get("oidc_providers", {}).values())


def find_provider(name: str) -> OidcProvider | None:
    return current_app.extensions.get("oidc_providers", {}).get(name)


def password_sign_in_refusal(email: str) -> str | None:
    """What to tell someone whose email domain may not sign in with a password (None: they may)."""
    if not oidc_rules.password_sign_in_disabled(email, current_app.extensions["password_sign_in_disabled_domains"]):
        return None
    domain = oidc_rules.email_domain(email)
    names = [p.display_name for p in providers() if domain in p.domains] or [p.display_name for p in providers()]
    button = f"Sign in with {names[0]}" if names else "your organisation's sign-in"
    return f"People with an @{domain} email address sign in with their work account: use ‘{button}’"


def _client(provider: OidcProvider):
    return current_app.extensions["oidc_oauth"].create_client(provider.name)


def callback_url(provider: OidcProvider) -> str:
    """The redirect URI registered at the provider: on TRACKER_BASE_URL, whatever host the request came to."""
    return current_app.config["TRACKER_BASE_URL"] + url_for("oidc.callback", provider_name=provider.name)


def redirect_to_provider(provider: OidcProvider):
    """A redirect to the provider's sign-in, with fresh state, nonce and PKCE verifier kept in the session.
    Raises OidcRefusal("provider_error") if the provider's metadata cannot be read."""
    try:
        return _client(provider).authorize_redirect(callback_url(provider))
    except (requests.RequestException, AuthlibBaseError, ValueError, KeyError) as error:
        current_app.logger.warning("OpenID Connect provider %s unavailable: %s", provider.name, error)
        raise OidcRefusal("provider_error") from error


def verified_claims(provider: OidcProvider) -> dict[str, Any]:
    """On the callback: exchange the code and return the ID token's claims, verified by Authlib.

    Raises OidcRefusal: `state_mismatch` (no such sign-in started in this browser), `provider_error` (the
    provider said no, e.g. an expired or used code), `invalid_token` (signature, issuer, audience, expiry, nonce).
    """
    client = _client(provider)

    def issuer_ok(claims, issuer) -> bool:
        expected = client.load_server_metadata().get("issuer", "")  # loaded before the token is checked
        return oidc_rules.issuer_matches(expected, issuer, claims.get("tid"))

    try:
        token = client.authorize_access_token(claims_options={"iss": {"essential": True, "validate": issuer_ok}})
    except MismatchingStateError as error:
        raise OidcRefusal("state_mismatch") from error
    except (OAuthError, requests.RequestException) as error:
        current_app.logger.warning("OpenID Connect sign-in at %s failed: %s", provider.name, error)
        raise OidcRefusal("provider_error") from error
    except (JoseError, AuthlibBaseError, ValueError) as error:
        current_app.logger.warning("OpenID Connect ID token from %s refused: %s", provider.name, error)
        raise OidcRefusal("invalid_token") from error
    claims = token.get("userinfo")
    if not claims or not claims.get("sub"):
        raise OidcRefusal("invalid_token")
    return dict(claims)
