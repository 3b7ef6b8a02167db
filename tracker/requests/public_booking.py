"""Booking without an account, for people of third-sector organisations.

Nothing is written and no place is taken until the person proves their email address: the form's answer
is the same for every address ("check your email"), and the email carries a signed, timed link holding the
request. The link leads to a page with a button (never a change on GET: mail scanners follow links); the
button books the place, or the waiting list. Someone already booked is told so by email, never on the page.
The same email is always the same person, however many times they book. Links to a booking carry a signed
token naming the booking and its calendar UID, so a link for a cancelled-and-rebooked place cannot act on
the new one. Places held by the earlier way of working (a 24-hour hold) still confirm, cancel and lapse.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import datetime

from flask import current_app
from itsdangerous import BadSignature, SignatureExpired, URLSafeSerializer, URLSafeTimedSerializer
from sqlalchemy import and_, or_, select

from tracker.booking import services as booking_services
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import utc_now
from tracker.courses.models import Course, SessionAudience, SessionStatus, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, OrganisationKind, Person
from tracker.people.organisations import create_organisation, find_organisation_by_name
from tracker.people.services import find_person_by_email

#: How long the emailed link of a booking request works.
REQUEST_HOURS = 24
#: Places held by the way this page worked before (see docs/decisions.md) lapse after this long.
HOLD_HOURS = 24
TOKEN_SALT = "public-booking"  # noqa: S105 (a salt, not a secret)
REQUEST_SALT = "public-booking-request"


class PublicBookingError(TrackerError):
    code = "invalid_public_booking"


class LinkError(TrackerError):
    code = "bad_link"
    status = 404


def _open_to_the_public():
    """Open to third-sector organisations: restricted to audiences that include one, or open to all and of a course
    that counts towards compliance (the awareness training partners are asked to do). An open session of a course
    that does not count (a briefing for the council's own groups, such as the CTLP briefing for the Prevent
    Delivery Group) is not offered without an account unless its audience names a third-sector organisation."""
    third_sector_audience = (
        select(SessionAudience.session_id)
        .join(Organisation, Organisation.id == SessionAudience.organisation_id)
        .where(Organisation.kind == OrganisationKind.THIRD_SECTOR)
    )
    compliance_courses = select(Course.id).where(Course.counts_for_compliance.is_(True))
    return or_(
        and_(~TrainingSession.audience_restricted, TrainingSession.course_id.in_(compliance_courses)),
        TrainingSession.id.in_(third_sector_audience),
    )


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


@dataclass(frozen=True)
class BookingRequest:
    """What the public booking form asked for, carried by the emailed link until the address is proven."""

    session_id: int
    first_name: str
    last_name: str
    email: str
    organisation_id: int | None
    new_organisation_name: str | None


def check_request(
    *,
    training_session: TrainingSession,
    first_name: str,
    last_name: str,
    email: str,
    organisation_id: int | None,
    new_organisation_name: str | None,
) -> BookingRequest:
    """Check a booking request from someone without an account; nothing is written and no place is taken.

    Raises PublicBookingError for a session not open to the public or no organisation chosen. Whether the
    address is already booked is never told here: only its owner learns it, by email.
    """
    if not is_public(training_session):
        raise PublicBookingError("This session cannot be booked without an account", field="session")
    new_name = " ".join((new_organisation_name or "").split()) or None
    if new_name is None:
        organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
        if organisation_id and (organisation is None or organisation.kind != OrganisationKind.THIRD_SECTOR):
            raise PublicBookingError("Choose your organisation from the list", field="organisation_id")
        if organisation is None:
            raise PublicBookingError(
                "Choose your organisation, or enter its name if it is not listed", field="organisation_id"
            )
    return BookingRequest(
        session_id=training_session.id,
        first_name=first_name.strip(),
        last_name=last_name.strip(),
        email=email.strip().lower(),
        organisation_id=None if new_name else organisation_id,
        new_organisation_name=new_name,
    )


def _request_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=REQUEST_SALT)


def request_token(booking_request: BookingRequest) -> str:
    return _request_serializer().dumps(asdict(booking_request))


def request_from_token(token: str) -> BookingRequest:
    """The request an emailed link carries. Raises LinkError for a tampered or expired link."""
    try:
        data = _request_serializer().loads(token, max_age=REQUEST_HOURS * 3600)
        return BookingRequest(**data)
    except SignatureExpired as error:
        raise LinkError(
            f"This link has expired: links work for {REQUEST_HOURS} hours. Book again to get a new one.",
            code="link_expired",
        ) from error
    except (BadSignature, TypeError, ValueError) as error:
        raise LinkError("This link is not valid. Check you copied the whole link from your email.") from error


def active_booking_for(training_session: TrainingSession, email: str) -> Booking | None:
    """The active booking on this session of the person with this email, if any (for their email only)."""
    person = find_person_by_email(email)
    if person is None:
        return None
    return booking_services.active_bookings_by_person(training_session.id, [person.id]).get(person.id)


def book_from_request(*, booking_request: BookingRequest, now: datetime | None = None) -> Booking:
    """Book the place a proven address asked for: confirmed while places are left, else on the waiting list.

    A new organisation is created as third sector and marked for the coordinator's review. Raises
    PublicBookingError, and the booking service's errors (closed, not open to them, already booked).
    """
    training_session = db.session.get(TrainingSession, booking_request.session_id)
    if training_session is None or not is_public(training_session):
        raise PublicBookingError("This session can no longer be booked without an account", field="session")
    if booking_request.new_organisation_name:
        existing = find_organisation_by_name(booking_request.new_organisation_name)
        organisation = existing or create_organisation(
            name=booking_request.new_organisation_name, kind=OrganisationKind.THIRD_SECTOR, needs_review=True
        )
    else:
        organisation = db.session.get(Organisation, booking_request.organisation_id)
        if organisation is None:
            raise PublicBookingError("Your organisation is no longer listed: book again", field="organisation_id")
    person = _person_for(
        first_name=booking_request.first_name,
        last_name=booking_request.last_name,
        email=booking_request.email,
        organisation=organisation,
    )
    return booking_services.book_place(
        training_session=training_session, person=person, booked_by=person, source=BookingSource.PUBLIC, now=now
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
