"""Writers to one SQLite database take turns through a lock file, and hand over at once.

SQLite lets one transaction write at a time; the app takes that lock at the start of every writing
transaction (BEGIN IMMEDIATE, see `tracker.common.database`). A writer that finds it taken waits in SQLite's
busy handler, which sleeps 1, 2, 5, 10... milliseconds between tries: a writer done in 3 ms had often begun its
next transaction before the one waiting woke, so under load one process did all the writing while the other
slept (the bench's booking POST ran at the rate of a single worker).

Here each writing transaction first takes its turn on `<database>-writers`, an advisory lock file
(`fcntl.flock`) shared by every process of the app (web workers, the outbox worker, the CLI), and gives it
back straight after COMMIT or ROLLBACK: a waiting writer asks again every half millisecond at most, so it
goes next. After `timeout` seconds of waiting it goes on to BEGIN IMMEDIATE anyway, where SQLite's own busy
timeout applies as before (so a second connection in the same thread, which would otherwise wait for itself,
fails as it did). Readers (deferred transactions) never take a turn.
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
import time

#: Between tries for a turn: from 50 µs, doubling, at most this long.
_LONGEST_PAUSE = 0.0005


class TakingTurnsConnection(sqlite3.Connection):
    """A sqlite3 connection that can hold its database's writer turn until its transaction ends."""

    _turn_file: int | None = None
    _holding = False

    def take_writer_turn(self, database: str, *, timeout: float) -> bool:
        """Wait (at most `timeout` seconds) for this database's writer turn; True if taken or already held."""
        if self._holding:
            return True
        if self._turn_file is None:
            self._turn_file = os.open(f"{database}-writers", os.O_RDWR | os.O_CREAT, 0o600)
        deadline = time.monotonic() + timeout
        pause = 0.00005
        while True:
            try:
                fcntl.flock(self._turn_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    return False
                time.sleep(pause)
                pause = min(pause * 2, _LONGEST_PAUSE)
            else:
                self._holding = True
                return True

    @property
    def holds_writer_turn(self) -> bool:
        return self._holding

    def _end_turn(self) -> None:
        if self._holding and self._turn_file is not None:
            self._holding = False
            fcntl.flock(self._turn_file, fcntl.LOCK_UN)

    def commit(self) -> None:
        try:
            super().commit()
        finally:
            self._end_turn()

    def rollback(self) -> None:
        try:
            super().rollback()
        finally:
            self._end_turn()

    def close(self) -> None:
        try:
            super().close()
        finally:
            self._end_turn()
            if self._turn_file is not None:
                os.close(self._turn_file)
                self._turn_file = None
