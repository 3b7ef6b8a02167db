"""Register events, sent synchronously inside the transaction that makes the change.

Receivers (post-session evaluation requests, tracker.evaluations) add rows to the same database session, so a
rollback takes their work away too. Attendance knows nothing of its receivers: they connect themselves.
"""

from blinker import Namespace

_signals = Namespace()

#: sender: TrainingSession (locked for the transaction); kwargs: lines (the register's RegisterLines, each with
#: its outcome), now — the register has just been signed off.
register_signed_off = _signals.signal("register-signed-off")
