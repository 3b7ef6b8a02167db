"""booking: places on training sessions. Importing the package connects its receivers of the session events
(tracker.booking.session_events): a session never changes without the places on it following."""

from tracker.booking import session_events  # noqa: F401
