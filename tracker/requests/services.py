"""Training requests from organisations: received on a public form, worked by the coordinator."""

from __future__ import annotations

from sqlalchemy import Select, func, select

from tracker.common.audit import record_event
from tracker.common.errors import TrackerError
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind
from tracker.people.organisations import create_organisation, find_organisation_by_name
from tracker.requests.models import RequestStatus, TrainingRequest, TrainingRequestEvent

#: Where a request may go next. Closed can be reopened (back to contacted) if the organisation returns.
NEXT_STATUSES = {
    RequestStatus.NEW: (RequestStatus.CONTACTED, RequestStatus.SCHEDULED, RequestStatus.CLOSED),
    RequestStatus.CONTACTED: (RequestStatus.SCHEDULED, RequestStatus.CLOSED),
    RequestStatus.SCHEDULED: (RequestStatus.CLOSED, RequestStatus.CONTACTED),
    RequestStatus.CLOSED: (RequestStatus.CONTACTED,),
}


class RequestError(TrackerError):
    code = "invalid_request"


def submit_request(
    *,
    organisation_name: str,
    organisation_kind: OrganisationKind,
    contact_name: str,
    email: str,
    phone: str | None,
    staff_count: int,
    preferred_dates: str | None,
    notes: str | None,
) -> TrainingRequest:
    """Record a request from the public form, matched to a known organisation by name where there is one."""
    name = " ".join(organisation_name.split())
    organisation = find_organisation_by_name(name)
    training_request = TrainingRequest(
        organisation_name=name,
        organisation_kind=OrganisationKind(organisation_kind),
        organisation_id=organisation.id if organisation else None,
        contact_name=contact_name.strip(),
        email=email.strip().lower(),
        phone=(phone or "").strip() or None,
        staff_count=staff_count,
        preferred_dates=(preferred_dates or "").strip() or None,
        notes=(notes or "").strip() or None,
    )
    db.session.add(training_request)
    db.session.flush()
    record_event(
        "training_request.received",
        actor_label="public",
        object_type="training_request",
        object_id=training_request.id,
        after={"organisation": name, "staff_count": staff_count},
    )
    return training_request


def change_status(
    *, training_request: TrainingRequest, status: RequestStatus, note: str | None, actor, session_id: int | None = None
) -> TrainingRequest:
    """Move a request on (new → contacted → scheduled → closed) with an optional note; audited.

    Raises RequestError for a move the flow does not allow.
    """
    status = RequestStatus(status)
    if status != training_request.status and status not in NEXT_STATUSES[training_request.status]:
        raise RequestError(f"A {training_request.status} request cannot become {status}", field="status")
    before = training_request.status
    training_request.status = status
    if session_id is not None:
        training_request.session_id = session_id
    training_request.events.append(
        TrainingRequestEvent(
            status=status if status != before else None,
            note=(note or "").strip() or None,
            by_id=actor.person_id if actor else None,
        )
    )
    record_event(
        "training_request.updated",
        actor=actor,
        object_type="training_request",
        object_id=training_request.id,
        before={"status": before},
        after={"status": status, "note": note},
    )
    return training_request


def organisation_for(*, training_request: TrainingRequest, actor) -> Organisation:
    """The request's organisation in the tracker: the one matched by name, or a new one of the kind given."""
    if training_request.organisation is not None:
        return training_request.organisation
    existing = find_organisation_by_name(training_request.organisation_name)
    organisation = existing or create_organisation(
        name=training_request.organisation_name, kind=training_request.organisation_kind
    )
    training_request.organisation_id = organisation.id
    record_event(
        "training_request.matched",
        actor=actor,
        object_type="training_request",
        object_id=training_request.id,
        after={"organisation_id": organisation.id},
    )
    return organisation


def schedule_with_session(*, training_request: TrainingRequest, training_session: TrainingSession, actor) -> None:
    """Link the session created for this request and mark the request scheduled."""
    change_status(
        training_request=training_request,
        status=RequestStatus.SCHEDULED,
        note=f"Session on {training_session.starts_at:%Y-%m-%d} created for this request",
        actor=actor,
        session_id=training_session.id,
    )


def requests_query(*, status: RequestStatus | None = None) -> Select:
    statement = select(TrainingRequest)
    if status is not None:
        statement = statement.where(TrainingRequest.status == status)
    return statement.order_by(TrainingRequest.created_at.desc(), TrainingRequest.id.desc())


def count_by_status() -> dict[RequestStatus, int]:
    rows = db.session.execute(select(TrainingRequest.status, func.count()).group_by(TrainingRequest.status))
    counts = dict.fromkeys(RequestStatus, 0)
    counts.update(dict(rows.all()))
    return counts
