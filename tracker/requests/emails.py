"""The acknowledgement a requester gets, queued in the same transaction as the request."""

from __future__ import annotations

from tracker.invites.models import OutboxMessage
from tracker.invites.services import queue_email
from tracker.requests.models import TrainingRequest


def queue_acknowledgement(training_request: TrainingRequest) -> OutboxMessage | None:
    return queue_email(
        to_email=training_request.email,
        to_name=training_request.contact_name,
        template="request_acknowledgement",
        context={
            "training_request": {
                "id": training_request.id,
                "contact_name": training_request.contact_name,
                "organisation_name": training_request.organisation_name,
                "staff_count": training_request.staff_count,
                "preferred_dates": training_request.preferred_dates,
            }
        },
        subject="We have received your request for Prevent training",
        kind="request_acknowledgement",
    )
