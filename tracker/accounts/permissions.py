"""The access policy enforced for every request, deny by default.

Every URL rule's endpoint must have an entry in `tracker.access_policy.POLICY`. A request to an
endpoint without one is refused (403) and the suite's route inventory test fails, so a new route
cannot be reachable by accident. On /api/ the acting user is the bearer token's (no cookies, so no
CSRF token); elsewhere the signed-in user.
"""

from __future__ import annotations

from flask import current_app, g, redirect, request, url_for
from werkzeug.exceptions import Forbidden, Unauthorized

from tracker.access_policy import POLICY
from tracker.accounts.models import UserAccount
from tracker.accounts.services import find_api_user
from tracker.common.permissions import Access, acting_user, is_api_request, record_denial


def access_for(endpoint: str, method: str) -> Access | None:
    """The policy entry for an endpoint and method; HEAD and OPTIONS follow GET."""
    entry = POLICY.get(endpoint)
    if entry is None or isinstance(entry, Access):
        return entry
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return entry.get(method)


def load_api_user() -> UserAccount | None:
    """The account of the request's `Authorization: Bearer <token>`, if the token is valid."""
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return find_api_user(token.strip())


class NotSignedIn(Unauthorized):
    description = "Sign in to continue."


def enforce_access_policy():
    """before_request: look the endpoint up in the policy; refuse what it does not allow."""
    endpoint = request.endpoint
    if endpoint is None:  # routing failed: 404 or 405 follows
        return None
    if is_api_request():
        g.api_user = load_api_user()
    access = access_for(endpoint, request.method)
    if access is None:
        current_app.logger.error("No access policy for endpoint %s %s: refused", request.method, endpoint)
        raise Forbidden("This page has no access policy.")
    user = acting_user()
    if access.allows(user):
        return None
    if user is None:
        if is_api_request():
            raise NotSignedIn("Send a valid API token: Authorization: Bearer <token>")
        return redirect(url_for("auth.sign_in", next=request.full_path if request.query_string else request.path))
    record_denial(user, endpoint)
    raise Forbidden()
