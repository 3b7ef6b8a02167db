"""The acknowledgement a requester gets, written to the outbox in the same transaction as the request."""

from __future__ import annotations

from flask import current_app, render_template

from tracker.extensions import db
from tracker.invites.models import OutboxMessage
from tracker.requests.models import TrainingRequest


def queue_acknowledgement(training_request: TrainingRequest) -> OutboxMessage:
    context = {"training_request": training_request, "base_url": current_app.config["TRACKER_BASE_URL"]}
    message = OutboxMessage(
        kind="request_acknowledgement",
        recipient_email=training_request.email,
        recipient_name=training_request.contact_name,
        subject="We have received your request for Prevent training",
        body_text=render_template("emails/request_acknowledgement.txt", **context),
        body_html=render_template("emails/request_acknowledgement.html", **context),
    )
    db.session.add(message)
    return message
