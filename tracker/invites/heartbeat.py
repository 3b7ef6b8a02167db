"""Outbox workers say they are alive: one row per running worker, its beat refreshed as it loops.

/readyz and `outbox status` read it: when mail is configured and no worker has beaten for
OUTBOX_HEARTBEAT_STALE_SECONDS, mail is not going out, whatever else works.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import String, delete, func, select, update
from sqlalchemy.orm import Mapped, mapped_column

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime
from tracker.extensions import db


class WorkerHeartbeat(db.Model):
    """A running outbox worker (`outbox work`), by its id (host:pid:random)."""

    __tablename__ = "worker_heartbeat"

    worker_id: Mapped[str] = mapped_column(String(100), primary_key=True)
    hostname: Mapped[str] = mapped_column(String(255))
    pid: Mapped[int]
    started_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)
    #: The last time the worker's loop came round (each batch, and at least every few seconds when idle).
    beat_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)


def beat(worker_id: str, *, now: datetime | None = None) -> None:
    """Record that `worker_id` is alive now (adds its row the first time). Flushes; the caller commits."""
    now = now or utc_now()
    updated = db.session.execute(
        update(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id).values(beat_at=now)
    ).rowcount
    if not updated:
        db.session.add(
            WorkerHeartbeat(
                worker_id=worker_id, hostname=socket.gethostname()[:255], pid=os.getpid(), started_at=now, beat_at=now
            )
        )
    db.session.flush()


def stopped(worker_id: str) -> None:
    """A worker stopping cleanly removes its row. Flushes; the caller commits."""
    db.session.execute(delete(WorkerHeartbeat).where(WorkerHeartbeat.worker_id == worker_id))
    db.session.flush()


@dataclass(frozen=True)
class WorkerLiveness:
    #: Workers that beat within the stale limit.
    alive: int
    #: Seconds since the most recent beat of any worker; None when no worker ever beat (or all stopped cleanly).
    last_beat_seconds_ago: float | None

    @property
    def is_alive(self) -> bool:
        return self.alive > 0


def worker_liveness(*, stale_seconds: int, now: datetime | None = None) -> WorkerLiveness:
    """How many workers beat recently, and when the last beat was. Reads only."""
    now = now or utc_now()
    alive = db.session.scalar(
        select(func.count()).where(WorkerHeartbeat.beat_at >= now - timedelta(seconds=stale_seconds))
    )
    last = db.session.scalar(select(func.max(WorkerHeartbeat.beat_at)))
    return WorkerLiveness(
        alive=alive or 0, last_beat_seconds_ago=None if last is None else round((now - last).total_seconds(), 1)
    )
