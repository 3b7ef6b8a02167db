"""Booking events, sent synchronously inside the transaction that makes the change (session events are
declared by courses: tracker.courses.signals).

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
