"""The emails of booking without an account: the link that books a requested place, or, to someone already
booked, a note saying so."""

from __future__ import annotations

from flask import current_app, url_for

from tracker.courses.models import TrainingSession
from tracker.invites.emails import booking_link
from tracker.invites.facts import session_heading
from tracker.invites.models import OutboxMessage
from tracker.invites.services import queue_email
from tracker.requests.public_booking import REQUEST_HOURS, BookingRequest, active_booking_for, request_token


def _absolute(endpoint: str, **values) -> str:
    return current_app.config["TRACKER_BASE_URL"] + url_for(endpoint, **values)


def queue_booking_request(booking_request: BookingRequest, training_session: TrainingSession) -> OutboxMessage | None:
    """Email the address that asked: a link that books the place, or, if that address is already booked on
    the session, a note saying so with a link to the booking (the page that asked tells nobody either way)."""
    existing = active_booking_for(training_session, booking_request.email)
    if existing is not None:
        return queue_email(
            to_email=existing.person.email,
            to_name=existing.person.full_name,
            template="public_already_booked",
            context={
                "session": session_heading(training_session),
                "waitlisted": existing.status == "waitlisted",
                "booking_url": booking_link(existing),
            },
            subject=f"You are already booked: {training_session.display_title}",
            booking=existing,
            supersede_older=False,
            kind="public_already_booked",
        )
    name = f"{booking_request.first_name} {booking_request.last_name}".strip()
    return queue_email(
        to_email=booking_request.email,
        to_name=name,
        template="booking_request",
        context={
            "name": name,
            "session": session_heading(training_session),
            "confirm_url": _absolute("public.confirm_request", token=request_token(booking_request)),
            "request_hours": REQUEST_HOURS,
        },
        subject=f"Book your place: {training_session.display_title}",
        kind="public_booking_request",
    )
