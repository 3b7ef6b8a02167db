"""Session events, sent synchronously inside the transaction that makes the change (tracker.courses.sessions).

Receivers add rows to the same database session, so a rollback takes their work away too: nothing is
announced that did not happen. Two kinds:

- what the places on a session must follow, answered by the booking package (its session_events module)
  before the session's change is announced: `session_moving`, `session_capacity_changed`, `session_cancelling`;
- the announcements, which the invites outbox turns into email: the rest.
"""

from blinker import Namespace

_signals = Namespace()

#: sender: TrainingSession — the time, venue or link of a published session changed: the places on it take a
#: new SEQUENCE. Sent before `session_moved`.
session_moving = _signals.signal("session-moving")
#: sender: TrainingSession (locked, its new capacity flushed); kwargs: before (the old capacity), now — a
#: receiver refuses a capacity below the seats taken (raises), and gives new seats to the waiting list.
session_capacity_changed = _signals.signal("session-capacity-changed")
#: sender: TrainingSession (locked); kwargs: cancelled_by_id, reason, now — the session is being cancelled: the
#: receiver cancels every active place and returns (places cancelled, those among them that held a seat).
#: Sent before `session_cancelled`.
session_cancelling = _signals.signal("session-cancelling")

#: sender: TrainingSession; kwargs: changes (dict of field -> (before, after)) — time, venue or link moved.
session_moved = _signals.signal("session-moved")
#: sender: TrainingSession — published for the first time.
session_published = _signals.signal("session-published")
#: sender: TrainingSession; kwargs: reason, bookings (the cancelled places that held a seat) — cancelled.
session_cancelled = _signals.signal("session-cancelled")
#: sender: SessionTrainer — a trainer was added to a session.
trainer_added = _signals.signal("trainer-added")
#: sender: SessionTrainer — a trainer was removed from a session (the row is deleted after this).
trainer_removed = _signals.signal("trainer-removed")
