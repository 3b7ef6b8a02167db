"""Route permissions, knowing no domain: what an access rule is, who is acting, and refusing.

The policy table (`tracker.access_policy.POLICY`) and its enforcement before every request are the
accounts package's (`tracker.accounts.permissions`). Object-level checks (is this *your* team, *your*
register) stay in the services as `can_*` predicates; a route refuses with `require`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import timedelta

from flask import g, request
from flask_login import current_user
from werkzeug.exceptions import Forbidden


@dataclass(frozen=True)
class Access:
    """Who may use an endpoint: anyone, anyone signed in, or holders of one of `roles` (role names)."""

    public: bool = False
    roles: frozenset[str] = field(default_factory=frozenset)

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


def roles(*names: str) -> Access:
    return Access(roles=frozenset(names))


def is_api_request() -> bool:
    return request.path.startswith("/api/")


def acting_user():
    """The user behind this request: the bearer token's user on the API, the signed-in user elsewhere."""
    if is_api_request():
        return g.get("api_user")
    return current_user if current_user.is_authenticated else None


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
