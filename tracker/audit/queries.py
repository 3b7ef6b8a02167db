"""Reading the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import Select, select

from tracker.common.audit import AuditEvent
from tracker.common.time import end_of_london_day, start_of_london_day


@dataclass(frozen=True)
class AuditFilter:
    action: str | None = None
    actor: str | None = None
    object_type: str | None = None
    object_id: int | None = None
    from_date: date | None = None
    to_date: date | None = None


def audit_query(criteria: AuditFilter) -> Select:
    """Events matching the filter, newest first."""
    statement = select(AuditEvent)
    if criteria.action:
        statement = statement.where(AuditEvent.action.startswith(criteria.action))
    if criteria.actor:
        statement = statement.where(AuditEvent.actor_label.ilike(f"%{criteria.actor}%"))
    if criteria.object_type:
        statement = statement.where(AuditEvent.object_type == criteria.object_type)
    if criteria.object_id is not None:
        statement = statement.where(AuditEvent.object_id == criteria.object_id)
    if criteria.from_date:
        statement = statement.where(AuditEvent.at >= start_of_london_day(criteria.from_date))
    if criteria.to_date:
        statement = statement.where(AuditEvent.at < end_of_london_day(criteria.to_date))
    return statement.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())
