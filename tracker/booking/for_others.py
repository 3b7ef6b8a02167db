"""Booking other people: a manager their team, the coordinator anyone, a partner contact their organisation's people (adding those not yet known); each through the capacity rule in services."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from email_validator import EmailNotValidError, validate_email
from sqlalchemy import (
    func,
    or_,
    select,
)
from sqlalchemy.orm import joinedload

from tracker.accounts.models import UserAccount
from tracker.booking.models import Booking
from tracker.booking.services import AlreadyBookedError, BookingError, book_place, can_book_for, source_for
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, NotAllowedError, TrackerError
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people import services as people
from tracker.people.models import Organisation, Person


def book_for(
    *, actor: UserAccount, training_session: TrainingSession, person: Person, now: datetime | None = None
) -> Booking:
    """Book `person` as `actor` (themselves, their team, their organisation, or anyone for the coordinator).

    Raises NotAllowedError when the actor may not book for that person, then what `book_place` raises.
    """
    if not can_book_for(actor, person):
        raise NotAllowedError(f"You cannot book a place for {person.full_name}", field="person")
    return book_place(
        training_session=training_session,
        person=person,
        booked_by=actor.person,
        source=source_for(actor, person),
        now=now,
    )


@dataclass(frozen=True)
class BookingOutcome:
    """What happened when one person of several was booked."""

    person: Person
    #: confirmed, waitlisted, held, already_booked, or refused (see message).
    result: str
    booking: Booking | None = None
    message: str | None = None


def book_people(
    *, actor: UserAccount, training_session: TrainingSession, people_to_book: list[Person], now: datetime | None = None
) -> list[BookingOutcome]:
    """Book several people at once (a manager's team); each person's result is reported, none stops the rest.

    Raises NotAllowedError before booking anyone if the actor may not book one of them.
    """
    for person in people_to_book:
        if not can_book_for(actor, person):
            raise NotAllowedError(f"You cannot book a place for {person.full_name}", field="people")
    outcomes = []
    for person in people_to_book:
        try:
            booking = book_for(actor=actor, training_session=training_session, person=person, now=now)
        except AlreadyBookedError as error:
            outcomes.append(BookingOutcome(person, "already_booked", message=error.message))
        except BookingError as error:
            outcomes.append(BookingOutcome(person, "refused", message=error.message))
        else:
            outcomes.append(BookingOutcome(person, str(booking.status), booking=booking))
    return outcomes


def search_people(query: str, *, limit: int = 25) -> list[Person]:
    """People whose name or email contains `query` (ignoring case), by name; at most `limit`."""
    words = query.strip().lower().split()
    if not words:
        return []
    full_name = func.lower(Person.first_name + " " + Person.last_name)
    conditions = [
        or_(full_name.contains(word, autoescape=True), Person.email.contains(word, autoescape=True)) for word in words
    ]
    return list(
        db.session.scalars(
            select(Person)
            .options(joinedload(Person.organisation))
            .where(Person.erased_at.is_(None), *conditions)
            .order_by(Person.last_name, Person.first_name, Person.id)
            .limit(limit)
        )
    )


class EmailInOtherOrganisationError(ConflictError):
    code = "email_in_other_organisation"


def add_partner_attendee(
    *, organisation: Organisation, first_name: str, last_name: str, email: str, actor: UserAccount
) -> Person:
    """The attendee a partner contact names: the person with that email if they belong to the
    organisation, else a new person in it. Raises TrackerError for missing or bad details, and
    EmailInOtherOrganisationError when the email belongs to someone elsewhere."""
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    email = email.strip().lower()
    if not first_name:
        raise TrackerError("Enter the attendee's first name", field="first_name")
    if not last_name:
        raise TrackerError("Enter the attendee's last name", field="last_name")
    if len(first_name) > 100 or len(last_name) > 100:
        raise TrackerError("Names must be 100 characters or fewer", field="first_name")
    if not email:
        raise TrackerError("Enter the attendee's email address", field="email")
    try:
        email = validate_email(email, check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise TrackerError(
            "Enter an email address in the correct format, like name@organisation.example", field="email"
        ) from error
    existing = people.find_person_by_email(email)
    if existing is not None:
        if existing.organisation_id != organisation.id:
            raise EmailInOtherOrganisationError(
                f"{email} belongs to someone in another organisation, so you cannot book them. "
                "Ask the Prevent coordinator if they have moved to your organisation.",
                field="email",
            )
        return existing
    person = Person(organisation_id=organisation.id, first_name=first_name, last_name=last_name, email=email)
    db.session.add(person)
    db.session.flush()
    record_event(
        "person.created",
        actor=actor,
        object_type="person",
        object_id=person.id,
        after={"organisation_id": organisation.id, "email": email, "added_by": "partner"},
    )
    return person
