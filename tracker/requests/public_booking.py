"""Booking without an account, for people of third-sector organisations.

The place is *held* (it takes a seat) while the person confirms their email through a link that
leads to a page with a button — never a change on GET, because mail scanners follow links. An
unconfirmed hold lapses after HOLD_HOURS and frees the seat (promoting the waiting list). The same
email is always the same person, however many times they book. Links carry a signed token naming
the booking and its calendar UID, so a link for a cancelled-and-rebooked place cannot act on the new one.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import func, or_, select

from tracker.booking import services as booking_services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import utc_now
from tracker.courses.models import SessionAudience, SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind, Person
from tracker.people.services import create_organisation, find_person_by_email

HOLD_HOURS = 24
TOKEN_SALT = "public-booking"  # noqa: S105 (a salt, not a secret)


class PublicBookingError(TrackerError):
    code = "invalid_public_booking"


class LinkError(TrackerError):
    code = "bad_link"
    status = 404


def _open_to_the_public():
    """Open to everyone, or restricted to audiences that include a third-sector organisation."""
    third_sector_audience = (
        select(SessionAudience.session_id)
        .join(Organisation, Organisation.id == SessionAudience.organisation_id)
        .where(Organisation.kind == OrganisationKind.THIRD_SECTOR)
    )
    return or_(~TrainingSession.audience_restricted, TrainingSession.id.in_(third_sector_audience))


def public_sessions_query(*, now: datetime | None = None):
    """Upcoming published sessions that people without an account may book."""
    return (
        select(TrainingSession)
        .where(
            TrainingSession.status == SessionStatus.PUBLISHED,
            TrainingSession.starts_at > (now or utc_now()),
            _open_to_the_public(),
        )
        .order_by(TrainingSession.starts_at, TrainingSession.id)
    )


def is_public(training_session: TrainingSession) -> bool:
    found = db.session.scalar(
        select(TrainingSession.id).where(TrainingSession.id == training_session.id, _open_to_the_public())
    )
    return found is not None


def third_sector_organisations() -> list[Organisation]:
    return list(
        db.session.scalars(
            select(Organisation)
            .where(Organisation.kind == OrganisationKind.THIRD_SECTOR, ~Organisation.needs_review)
            .order_by(Organisation.name)
        )
    )


def _person_for(*, first_name: str, last_name: str, email: str, organisation: Organisation) -> Person:
    """The person with this email (the same person every time), or a new one in the chosen organisation."""
    person = find_person_by_email(email)
    if person is not None:
        return person
    person = Person(
        organisation_id=organisation.id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
    )
    db.session.add(person)
    db.session.flush()
    record_event(
        "person.created",
        actor_label="public booking",
        object_type="person",
        object_id=person.id,
        after={"organisation_id": organisation.id, "source": "public booking"},
    )
    return person


def hold_place(
    *,
    training_session: TrainingSession,
    first_name: str,
    last_name: str,
    email: str,
    organisation_id: int | None,
    new_organisation_name: str | None,
    now: datetime | None = None,
) -> Booking:
    """Hold a place (or join the waiting list) for someone without an account.

    A new organisation is created as third sector and marked for the coordinator's review.
    Raises PublicBookingError, and the booking service's errors (closed, full audience, already booked).
    """
    now = now or utc_now()
    if not is_public(training_session):
        raise PublicBookingError("This session cannot be booked without an account", field="session")
    if new_organisation_name and new_organisation_name.strip():
        existing = db.session.scalar(
            select(Organisation).where(func.lower(Organisation.name) == " ".join(new_organisation_name.split()).lower())
        )
        organisation = existing or create_organisation(
            name=new_organisation_name, kind=OrganisationKind.THIRD_SECTOR, needs_review=True
        )
    elif organisation_id:
        organisation = db.session.get(Organisation, organisation_id)
        if organisation is None or organisation.kind != OrganisationKind.THIRD_SECTOR:
            raise PublicBookingError("Choose your organisation from the list", field="organisation_id")
    else:
        raise PublicBookingError(
            "Choose your organisation, or enter its name if it is not listed", field="organisation_id"
        )
    person = _person_for(first_name=first_name, last_name=last_name, email=email, organisation=organisation)
    return booking_services.book_place(
        training_session=training_session,
        person=person,
        booked_by=person,
        source=BookingSource.PUBLIC,
        hold_until=now + timedelta(hours=HOLD_HOURS),
        now=now,
    )


# --- Links -----------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt=TOKEN_SALT)


def link_token(booking: Booking) -> str:
    return _serializer().dumps({"b": booking.id, "u": booking.calendar_uid})


def booking_from_token(token: str) -> Booking:
    """The booking a link names. Raises LinkError for a tampered link or one for another booking."""
    try:
        data = _serializer().loads(token)
        booking = db.session.get(Booking, int(data["b"]))
    except (BadSignature, KeyError, TypeError, ValueError):
        booking = None
        data = {}
    if booking is None or booking.calendar_uid != data.get("u"):
        raise LinkError("This link is not valid. Check you copied the whole link from your email.")
    return booking


def confirm_place(*, booking: Booking, now: datetime | None = None) -> Booking:
    """Confirm a held place. Says clearly when it was already confirmed or has lapsed (and changes nothing)."""
    now = now or utc_now()
    booking_services.lapse_expired_holds(session_id=booking.session_id, now=now)
    db.session.refresh(booking)
    if booking.status == BookingStatus.CONFIRMED:
        raise ConflictError(
            "You have already confirmed this place: there is nothing more to do", code="already_confirmed"
        )
    if booking.status == BookingStatus.CANCELLED:
        raise ConflictError(
            "This place was released because it was not confirmed within 24 hours, or it was cancelled. "
            "You can book again if places are left.",
            code="hold_lapsed",
        )
    if booking.status == BookingStatus.WAITLISTED:
        raise ConflictError("You are on the waiting list: we will email you if a place comes up", code="waitlisted")
    return booking_services.confirm_hold(booking=booking, now=now)


def cancel_place(*, booking: Booking, now: datetime | None = None) -> None:
    if booking.status == BookingStatus.CANCELLED:
        raise ConflictError("This booking is already cancelled", code="already_cancelled")
    booking_services.cancel_booking(
        booking=booking, cancelled_by=booking.person, reason="Cancelled from the email link", now=now
    )
