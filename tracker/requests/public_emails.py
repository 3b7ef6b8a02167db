"""The email asking someone without an account to confirm their held place."""

from __future__ import annotations

from flask import current_app, render_template, url_for

from tracker.booking.models import Booking
from tracker.extensions import db
from tracker.invites.models import OutboxMessage
from tracker.requests.public_booking import HOLD_HOURS, link_token


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["TRACKER_BASE_URL"] + url_for(endpoint, **values)


def queue_hold_confirmation(booking: Booking) -> OutboxMessage:
    token = link_token(booking)
    context = {
        "booking": booking,
        "training_session": booking.training_session,
        "confirm_url": _absolute("public.confirm_place", token=token),
        "cancel_url": _absolute("public.cancel_place", token=token),
        "hold_hours": HOLD_HOURS,
    }
    message = OutboxMessage(
        kind="hold_confirmation",
        booking_id=booking.id,
        recipient_email=booking.person.email,
        recipient_name=booking.person.full_name,
        subject=f"Confirm your place: {booking.training_session.display_title}",
        body_text=render_template("emails/hold_confirmation.txt", **context),
        body_html=render_template("emails/hold_confirmation.html", **context),
    )
    db.session.add(message)
    return message
