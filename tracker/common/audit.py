"""The append-only audit log: who did what, when, to which object, with before and after."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from flask import has_request_context, request
from sqlalchemy import JSON, ForeignKey, Index, String, select
from sqlalchemy.orm import Mapped, mapped_column

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime
from tracker.extensions import db

#: Keys never written to the log, whatever a caller passes.
SECRET_KEYS = frozenset({"password", "password_hash", "token", "token_hash", "secret"})


class AuditEvent(db.Model):
    __tablename__ = "audit_event"
    __table_args__ = (Index("ix_audit_event_object", "object_type", "object_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    #: The signed-in account that acted; None for the public, the CLI and the system.
    actor_user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"), index=True)
    #: A readable name for the actor at the time ("Sam Rosengard", "cli", "system", an email on failed sign-in).
    actor_label: Mapped[str | None] = mapped_column(String(254))
    action: Mapped[str] = mapped_column(String(60), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[int | None]
    before: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    after: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    ip_address: Mapped[str | None] = mapped_column(String(64))


def _clean(values: dict[str, Any] | None) -> dict[str, Any] | None:
    if values is None:
        return None
    return {k: _jsonable(v) for k, v in values.items() if k not in SECRET_KEYS}


def _jsonable(value: Any) -> Any:
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    if isinstance(value, (list, tuple, set, frozenset)):
        return [_jsonable(v) for v in value]
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return str(value)


def record_event(
    action: str,
    *,
    actor: Any = None,
    actor_label: str | None = None,
    actor_user_id: int | None = None,
    object_type: str | None = None,
    object_id: int | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEvent:
    """Add an audit event to the current transaction (it commits or rolls back with the change).

    `actor` is a UserAccount (or None); or give `actor_user_id` and `actor_label` when the account object is
    not at hand (after a rollback, which would reload it). Secrets are dropped from before/after.
    """
    if actor is None and actor_label is None and has_request_context():
        from flask_login import current_user

        if current_user and current_user.is_authenticated:
            actor = current_user
    label = actor_label
    if label is None and actor is not None:
        label = actor.person.full_name
    event = AuditEvent(
        actor_user_id=getattr(actor, "id", actor_user_id),
        actor_label=label,
        action=action,
        object_type=object_type,
        object_id=object_id,
        before=_clean(before),
        after=_clean(after),
        ip_address=request.remote_addr if has_request_context() else None,
    )
    db.session.add(event)
    return event


def record_counted_event(
    action: str,
    *,
    actor: Any,
    within: timedelta,
    after: dict[str, Any],
    key: str,
    entry: dict[str, Any],
    kept: int,
    object_type: str | None = None,
    object_id: int | None = None,
) -> AuditEvent:
    """For actions a person can repeat at will (a refused page, a search): one event per account, action and
    object within `within`, so repeating cannot grow the log without limit. The first is recorded with
    `after` and a `count` of 1; each later one adds 1 to `count` and its `entry` to the list `after[key]`
    (up to `kept` different entries; one the event already holds at its top level is not repeated)."""
    event = db.session.scalar(
        select(AuditEvent)
        .where(
            AuditEvent.actor_user_id == actor.id,
            AuditEvent.action == action,
            AuditEvent.object_id.is_(None) if object_id is None else AuditEvent.object_id == object_id,
            AuditEvent.at >= utc_now() - within,
        )
        .order_by(AuditEvent.id.desc())
        .limit(1)
    )
    if event is None:
        return record_event(
            action, actor=actor, object_type=object_type, object_id=object_id, after={**after, "count": 1}
        )
    values = dict(event.after or {})
    values["count"] = int(values.get("count", 1)) + 1
    entries = list(values.get(key, []))
    already_there = all(values.get(name) == value for name, value in entry.items())
    if not already_there and entry not in entries and len(entries) < kept:
        entries.append(entry)
    values[key] = entries
    event.after = values
    return event
