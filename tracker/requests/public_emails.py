"""The email asking someone without an account to confirm their held place."""

from __future__ import annotations

from flask import current_app, url_for

from tracker.booking.models import Booking
from tracker.invites.models import OutboxMessage
from tracker.invites.services import queue_email
from tracker.requests.public_booking import HOLD_HOURS, link_token


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["TRACKER_BASE_URL"] + url_for(endpoint, **values)


def queue_hold_confirmation(booking: Booking) -> OutboxMessage | None:
    token = link_token(booking)
    context = {
        "booking": booking,
        "training_session": booking.training_session,
        "confirm_url": _absolute("public.confirm_place", token=token),
        "cancel_url": _absolute("public.cancel_place", token=token),
        "hold_hours": HOLD_HOURS,
    }
    return queue_email(
        to_email=booking.person.email,
        to_name=booking.person.full_name,
        template="hold_confirmation",
        context=context,
        subject=f"Confirm your place: {booking.training_session.display_title}",
        booking=booking,
        kind="hold_confirmation",
    )
