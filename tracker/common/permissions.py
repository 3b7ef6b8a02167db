"""Route permissions: the access policy table is enforced for every request, deny by default.

Every URL rule's endpoint must have an entry in `tracker.access_policy.POLICY`. A request to an
endpoint without one is refused (403) and the suite's route inventory test fails, so a new route
cannot be reachable by accident. Object-level checks (is this *your* team, *your* register) stay in
the services as `can_*` predicates.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import current_app, g, redirect, request, url_for
from flask_login import current_user
from werkzeug.exceptions import Forbidden, Unauthorized

from tracker.accounts.models import Role


@dataclass(frozen=True)
class Access:
    """Who may use an endpoint: anyone, anyone signed in, or holders of one of `roles`."""

    public: bool = False
    roles: frozenset[Role] = field(default_factory=frozenset)

    def allows(self, user) -> bool:
        if self.public:
            return True
        if user is None or not user.is_authenticated:
            return False
        return not self.roles or user.has_role(*self.roles)

    def describe(self) -> str:
        if self.public:
            return "anyone"
        return ", ".join(sorted(self.roles)) if self.roles else "signed in"


PUBLIC = Access(public=True)
SIGNED_IN = Access()


def roles(*names: Role) -> Access:
    return Access(roles=frozenset(names))


def access_for(endpoint: str, method: str) -> Access | None:
    """The policy entry for an endpoint and method; HEAD and OPTIONS follow GET."""
    from tracker.access_policy import POLICY

    entry = POLICY.get(endpoint)
    if entry is None or isinstance(entry, Access):
        return entry
    if method in ("HEAD", "OPTIONS"):
        method = "GET"
    return entry.get(method)


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def acting_user():
    """The user behind this request: the bearer token's user on the API, the signed-in user elsewhere."""
    if is_api_request():
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


class NotSignedIn(Unauthorized):
    description = "Sign in to continue."


def enforce_access_policy():
    """before_request: look the endpoint up in the policy; refuse what it does not allow."""
    endpoint = request.endpoint
    if endpoint is None:  # routing failed: 404 or 405 follows
        return None
    if is_api_request():
        from tracker.api.auth import load_api_user

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


#: Refusals of one account within this long are one audit event, counted, so that requests a person is
#: refused cannot grow the audit log without limit (at most 6 rows an hour per account).
DENIALS_WINDOW = timedelta(minutes=10)
#: Different requests kept in one event besides the first.
DENIALS_KEPT = 20


def record_denial(user, endpoint: str) -> None:
    """Audit a refused request (and nothing else it did), counted into the account's refusal event of the last
    DENIALS_WINDOW (`record_counted_event`)."""
    from tracker.common.audit import record_counted_event
    from tracker.common.unit_of_work import keep_despite_error
    from tracker.extensions import db

    db.session.rollback()
    attempt = {"endpoint": endpoint, "method": request.method, "path": request.path}
    record_counted_event(
        "permission.denied",
        actor=user,
        within=DENIALS_WINDOW,
        after=attempt,
        key="others",
        entry=attempt,
        kept=DENIALS_KEPT,
    )
    keep_despite_error()


def require(condition: bool) -> None:
    """Object-level check in a route: refuse with 403 unless `condition` holds."""
    if not condition:
        user = acting_user()
        if user is not None:
            record_denial(user, request.endpoint or "")
        raise Forbidden()
