"""Signing in with an organisation's account (Microsoft Entra ID or another OpenID Connect provider)."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import login_user

from tracker.accounts import oidc, oidc_services, services
from tracker.accounts.oidc_rules import REFUSALS, OidcProvider, OidcRefusal
from tracker.accounts.routes import _failed, _login_limit_per_address, is_safe_next
from tracker.common.unit_of_work import keep_despite_error
from tracker.extensions import db, limiter

bp = Blueprint("oidc", __name__)

#: Refusals caused by the sign-in's own mechanics (not who the person is): 400 and "try again".
_FAILED_SIGN_IN = frozenset({"state_mismatch", "provider_error", "invalid_token"})


def _provider(provider_name: str) -> OidcProvider:
    provider = oidc.find_provider(provider_name)
    if provider is None:
        abort(404)
    return provider


def _refused(provider: OidcProvider, reason: str) -> ResponseReturnValue:
    return (
        render_template(
            "auth/oidc_refused.html",
            provider=provider,
            reason=reason,
            message=REFUSALS.get(reason, REFUSALS["provider_error"]),
            try_again=reason in _FAILED_SIGN_IN,
            contact=current_app.config["SIGN_IN_CONTACT_EMAIL"],
        ),
        400 if reason in _FAILED_SIGN_IN else 403,
    )


@bp.route("/sign-in/oidc/<provider_name>")
def start(provider_name: str) -> ResponseReturnValue:
    """Send the browser to the provider's sign-in. A GET that changes nothing on the server: the state, nonce and
    PKCE verifier are kept in the browser's signed session cookie, which the callback checks. (A link, not a
    form: the pages' Content-Security-Policy lets forms post only to this site, redirects included.)"""
    provider = _provider(provider_name)
    next_url = request.args.get("next")
    try:
        response = oidc.redirect_to_provider(provider)
    except OidcRefusal as refusal:  # the provider's metadata could not be read (logged): nobody was refused
        return _refused(provider, refusal.reason)
    if is_safe_next(next_url):
        session["oidc_next"] = next_url
    return response


@bp.route("/sign-in/oidc/<provider_name>/callback")
@limiter.limit(_login_limit_per_address, deduct_when=_failed)  # each call may ask the provider: failures count
def callback(provider_name: str) -> ResponseReturnValue:
    """Where the provider sends the browser back: check the sign-in, find (or make) the account, sign in."""
    provider = _provider(provider_name)
    claims = None
    try:
        claims = oidc.verified_claims(provider)
        user = oidc_services.sign_in_with_claims(provider=provider, claims=claims)
    except OidcRefusal as refusal:
        db.session.rollback()
        oidc_services.record_refusal(provider=provider, reason=refusal.reason, claims=claims)
        keep_despite_error()
        return _refused(provider, refusal.reason)
    token = services.start_session(
        user=user,
        ip_address=request.remote_addr,
        user_agent=request.headers.get("User-Agent"),
        provider=provider.name,
    )
    next_url = session.get("oidc_next")
    session.clear()  # a new session for the signed-in person: nothing of the anonymous one carries over
    user.current_session_token = token
    login_user(user)
    session["seen"] = int(services.utc_now().timestamp())
    return redirect(next_url if is_safe_next(next_url) else url_for("main.home"))
