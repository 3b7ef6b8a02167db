"""Requests for training from organisations, made on the public form."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tracker.common.time import utc_now
from tracker.common.types import UTCDateTime, enum_column
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind, Person


class RequestStatus(StrEnum):
    NEW = "new"
    CONTACTED = "contacted"
    SCHEDULED = "scheduled"
    CLOSED = "closed"


class TrainingRequest(db.Model):
    __tablename__ = "training_request"

    id: Mapped[int] = mapped_column(primary_key=True)
    organisation_name: Mapped[str] = mapped_column(String(200))
    organisation_kind: Mapped[OrganisationKind] = mapped_column(enum_column(OrganisationKind, "request_org_kind"))
    #: The organisation in the tracker this request turned out to be from (matched or created).
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("organisation.id"))
    contact_name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(40))
    staff_count: Mapped[int]
    preferred_dates: Mapped[str | None] = mapped_column(Text)
    notes: Mapped[str | None] = mapped_column(Text)
    status: Mapped[RequestStatus] = mapped_column(
        enum_column(RequestStatus, "request_status"), default=RequestStatus.NEW
    )
    #: The session created from this request, once scheduled.
    session_id: Mapped[int | None] = mapped_column(ForeignKey("training_session.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, index=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now, onupdate=utc_now)

    organisation: Mapped[Organisation | None] = relationship()
    training_session: Mapped[TrainingSession | None] = relationship()
    events: Mapped[list[TrainingRequestEvent]] = relationship(
        back_populates="training_request", order_by="TrainingRequestEvent.at", cascade="all, delete-orphan"
    )


class TrainingRequestEvent(db.Model):
    """A status change or note on a request, by the coordinator."""

    __tablename__ = "training_request_event"

    id: Mapped[int] = mapped_column(primary_key=True)
    training_request_id: Mapped[int] = mapped_column(ForeignKey("training_request.id"), index=True)
    status: Mapped[RequestStatus | None] = mapped_column(enum_column(RequestStatus, "request_event_status"))
    note: Mapped[str | None] = mapped_column(Text)
    by_id: Mapped[int | None] = mapped_column(ForeignKey("person.id"))
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utc_now)

    training_request: Mapped[TrainingRequest] = relationship(back_populates="events")
    by: Mapped[Person | None] = relationship()
