"""Booking and session events, sent synchronously inside the transaction that makes the change.

Receivers (the invites outbox, the audit log) add rows to the same database session, so a rollback
takes their work away too: nothing is announced that did not happen.
"""

from blinker import Namespace

_signals = Namespace()

#: sender: Booking — a seat is now confirmed for the person (new booking, or a confirmed hold).
booking_confirmed = _signals.signal("booking-confirmed")
#: sender: Booking — joined the waiting list.
booking_waitlisted = _signals.signal("booking-waitlisted")
#: sender: Booking — moved from the waiting list to a confirmed seat.
booking_promoted = _signals.signal("booking-promoted")
#: sender: Booking; kwargs: was_status (the status before) — the booking is cancelled.
booking_cancelled = _signals.signal("booking-cancelled")
#: sender: Booking — a place held for someone without an account, awaiting their email confirmation.
booking_held = _signals.signal("booking-held")

#: sender: TrainingSession; kwargs: changes (dict of field -> (before, after)) — time, venue or link moved.
session_moved = _signals.signal("session-moved")
#: sender: TrainingSession — published for the first time.
session_published = _signals.signal("session-published")
#: sender: TrainingSession; kwargs: reason — the session is cancelled.
session_cancelled = _signals.signal("session-cancelled")
#: sender: SessionTrainer — a trainer was added to a session.
trainer_added = _signals.signal("trainer-added")
#: sender: SessionTrainer — a trainer was removed from a session (the row is deleted after this).
trainer_removed = _signals.signal("trainer-removed")
