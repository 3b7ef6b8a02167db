"""Per-request safety: the access policy, HTTPS, and security headers on every response."""

from __future__ import annotations

from typing import Any

from flask import Flask, current_app, redirect, request
from flask.wrappers import Response
from werkzeug.exceptions import BadRequest

from tracker.accounts.permissions import enforce_access_policy

CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'; form-action 'self'"
)
#: Responses that may be cached: the static front-end files, which hold nothing personal.
CACHEABLE_ENDPOINTS = frozenset({"static", "assets", "vendor"})
#: Health checks answer over plain HTTP too: a load balancer or monitor asks the app directly, and a redirect
#: (to itself, when no proxy says the request was HTTPS) would read as a failure.
HEALTH_ENDPOINTS = frozenset({"main.health", "main.ready"})
#: Responses a client may keep and revalidate (ETag / Last-Modified) but no shared cache may store.
REVALIDATE_ENDPOINTS = frozenset({"invites.feed"})


def _holds_nul(value: Any) -> bool:
    """Whether any text in a (nested) value holds a NUL; walked with a stack, so any depth of JSON is fine."""
    stack = [value]
    while stack:
        item = stack.pop()
        if isinstance(item, str):
            if "\x00" in item:
                return True
        elif isinstance(item, dict):
            stack.extend(item.keys())
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return False


def refuse_nul_characters() -> None:
    """Refuse (400) text holding a NUL character, in the query, a form or a JSON body.

    No name, note or address has one, and PostgreSQL cannot store one (it refuses the whole statement, a
    500). Uploaded files are the importers' to check, line by line.
    """
    if request.method not in ("GET", "HEAD") and request.is_json:
        body = request.get_json(silent=True)
    else:
        body = None
    fields = [*request.args.lists(), *(request.form.lists() if request.method not in ("GET", "HEAD") else [])]
    if _holds_nul(fields) or _holds_nul(body):
        raise BadRequest("Text cannot contain the NUL character (0x00): remove it and try again.")


def init_app(app: Flask) -> None:
    @app.before_request
    def _https_then_policy():
        if (
            current_app.config.get("TRACKER_FORCE_HTTPS")
            and not request.is_secure
            and request.endpoint not in HEALTH_ENDPOINTS
        ):
            return redirect(request.url.replace("http://", "https://", 1), code=308)
        return enforce_access_policy() or refuse_nul_characters()

    @app.after_request
    def _headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy", CSP)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        if current_app.config["ENV_NAME"] not in ("development", "test") or current_app.config.get(
            "TRACKER_FORCE_HTTPS"
        ):
            headers.setdefault("Strict-Transport-Security", "max-age=31536000; includeSubDomains")
        if request.endpoint in REVALIDATE_ENDPOINTS:
            headers["Cache-Control"] = "private, no-cache"
        elif request.endpoint not in CACHEABLE_ENDPOINTS:
            headers["Cache-Control"] = "no-store"
            headers.setdefault("Pragma", "no-cache")
        return response
