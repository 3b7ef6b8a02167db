"""What every connection of the app is set up with, on each database (`tracker.common.database`)."""

from __future__ import annotations

from sqlalchemy import text

from tracker.extensions import db


def test_postgresql_connections_run_without_jit_and_sqlite_ones_with_their_pragmas(app, backend):
    if backend == "postgresql":
        # JIT compilation cost more than the regional coverage statements it compiled (bench: reports).
        assert db.session.execute(text("SHOW jit")).scalar() == "off"
    else:
        assert db.session.execute(text("PRAGMA foreign_keys")).scalar() == 1
        assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
