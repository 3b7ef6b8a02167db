"""/readyz's checks: the database answers, its schema is at the migrations' head, an outbox worker is alive
(when mail is configured) and how much mail waits. Reads only."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from functools import lru_cache
from pathlib import Path
from typing import Any

from alembic.script import ScriptDirectory
from flask import current_app
from sqlalchemy import func, select, text
from sqlalchemy.exc import SQLAlchemyError

from tracker.common.time import utc_now
from tracker.extensions import db
from tracker.invites.heartbeat import worker_liveness
from tracker.invites.models import OutboxMessage, OutboxStatus

MIGRATIONS = Path(__file__).resolve().parents[2] / "migrations"


@lru_cache(maxsize=1)
def migration_heads() -> tuple[str, ...]:
    """The head revision(s) of the migrations shipped with this code (read once per process)."""
    return tuple(sorted(ScriptDirectory(str(MIGRATIONS)).get_heads()))


@dataclass
class Readiness:
    checks: dict[str, Any] = field(default_factory=dict)
    ready: bool = True

    def fail(self, name: str, detail: dict[str, Any]) -> None:
        self.checks[name] = {"ok": False, **detail}
        self.ready = False

    def pass_(self, name: str, detail: dict[str, Any] | None = None) -> None:
        self.checks[name] = {"ok": True, **(detail or {})}

    def as_json(self) -> dict[str, Any]:
        return {"status": "ready" if self.ready else "not ready", "checks": self.checks}


def check_readiness(*, now: datetime | None = None) -> Readiness:
    """Every check, each reported; ready only if all pass. A database that does not answer fails them all."""
    now = now or utc_now()
    result = Readiness()
    try:
        db.session.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        result.fail("database", {"error": type(error).__name__})
        return result
    result.pass_("database")

    heads = list(migration_heads())
    try:
        current = sorted(db.session.scalars(text("SELECT version_num FROM alembic_version")).all())
    except SQLAlchemyError:
        db.session.rollback()
        current = []
    detail = {"current": current, "head": heads}
    if current != heads:
        result.fail("migrations", detail)
        return result  # the tables the other checks read may not be there yet: run `flask db upgrade`
    result.pass_("migrations", detail)

    config = current_app.config
    if config.get("MAIL_SERVER"):
        liveness = worker_liveness(stale_seconds=int(config["OUTBOX_HEARTBEAT_STALE_SECONDS"]), now=now)
        detail = {"workers_alive": liveness.alive, "last_beat_seconds_ago": liveness.last_beat_seconds_ago}
        if liveness.is_alive:
            result.pass_("outbox_worker", detail)
        else:
            result.fail("outbox_worker", detail)
    else:
        result.pass_("outbox_worker", {"mail": "not configured: mail stays in the outbox"})

    result.pass_("outbox_backlog", outbox_backlog(now=now))
    return result


def outbox_backlog(*, now: datetime) -> dict[str, Any]:
    """Messages due now and not yet sent, and how long the oldest of them has waited (seconds)."""
    due, oldest = db.session.execute(
        select(func.count(OutboxMessage.id), func.min(OutboxMessage.next_attempt_at)).where(
            OutboxMessage.status.in_((OutboxStatus.PENDING, OutboxStatus.SENDING)),
            OutboxMessage.next_attempt_at <= now,
        )
    ).one()
    return {"due": due, "oldest_due_seconds": None if oldest is None else round((now - oldest).total_seconds())}
