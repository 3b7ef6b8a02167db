"""Issuing a certificate of attendance from a signed-off training record, reading what goes on it, and checking a
verification code.

A certificate is valid while the record it was issued from still exists and still says what it said then (the
same person, course and dates) and the person's details have not been erased. Reopening a register deletes the
records its sign-off made and removing a record deletes it; the certificate's link to the record then goes to
NULL in the database (ON DELETE SET NULL), so no code path that deletes a record has to remember certificates.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from tracker.accounts.models import Role, UserAccount
from tracker.attendance.models import RecordSource, TrainingRecord, last_valid_day
from tracker.certificates.models import Certificate
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import today_london
from tracker.courses.models import Course, SessionTrainer, TrainerPart
from tracker.extensions import db
from tracker.people.models import Organisation, Person

#: RFC 4648 base32: no 0, 1, 8 or 9, so a code read aloud or typed is not mistaken for O, I or B.
CODE_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567"
#: 12 characters of 5 bits: 60 random bits, far beyond guessing at the check page's rate limit.
CODE_LENGTH = 12
#: The parts named as the trainer on a certificate, the lead first.
NAMED_PARTS = (TrainerPart.LEAD, TrainerPart.CO_TRAINER)


class CertificateError(TrackerError):
    """A record a certificate cannot be issued from."""

    code = "no_certificate"


class NotAttendedRecordError(ConflictError):
    code = "record_not_from_a_register"


class NotIssuedError(TrackerError):
    code = "certificate_not_issued"
    status = 404


def new_code() -> str:
    return "".join(secrets.choice(CODE_ALPHABET) for _ in range(CODE_LENGTH))


def normalise_code(text: str) -> str | None:
    """The code as stored, from what someone typed or scanned (any case, spaces and hyphens); None if it cannot be
    one, so nothing else reaches the database."""
    code = "".join(ch for ch in (text or "").upper() if ch not in " -")
    if len(code) != CODE_LENGTH or any(ch not in CODE_ALPHABET for ch in code):
        return None
    return code


def display_code(code: str) -> str:
    """ABCD-EFGH-JKLM: easier to read out and compare than twelve letters in a row."""
    return "-".join(code[i : i + 4] for i in range(0, len(code), 4))


# --- Who may have one --------------------------------------------------------------------------------------


def can_have_certificate(user: UserAccount | None, record: TrainingRecord) -> bool:
    """The person the record is about, and the coordinator: nobody else (not their manager, not the trainer)."""
    if user is None:
        return False
    return user.person_id == record.person_id or user.has_role(Role.COORDINATOR)


# --- Issuing -----------------------------------------------------------------------------------------------


def find_certificate(record: TrainingRecord) -> Certificate | None:
    return db.session.scalar(select(Certificate).where(Certificate.training_record_id == record.id))


def issue_certificate(*, record: TrainingRecord, actor: UserAccount | None) -> tuple[Certificate, bool]:
    """The record's certificate, issued now if it has none. Returns (certificate, newly issued).

    Only a record made by signing off a register (someone attended a session) has one: NotAttendedRecordError
    (409) for imported records and equivalent evidence, which this service did not witness. CertificateError for
    a person whose details were erased.
    """
    existing = find_certificate(record)
    if existing is not None:
        return existing, False
    if record.source != RecordSource.ATTENDANCE or record.session_id is None:
        raise NotAttendedRecordError(
            "Certificates are issued for sessions attended here, not for imported records or evidence",
            field="record",
        )
    if record.person.erased_at is not None:
        raise CertificateError("This person's details have been erased", field="record")
    certificate = Certificate(
        code=new_code(),
        training_record_id=record.id,
        person_id=record.person_id,
        course_id=record.course_id,
        completed_on=record.completed_on,
        expires_on=record.expires_on,
        issued_by_id=actor.person_id if actor is not None else None,
    )
    try:
        with db.session.begin_nested():
            db.session.add(certificate)
    except IntegrityError:  # issued at the same moment by another request: that one stands
        winner = find_certificate(record)
        if winner is None:
            raise
        return winner, False
    record_event(
        "certificate.issued",
        actor=actor,
        object_type="training_record",
        object_id=record.id,
        after={"certificate_id": certificate.id, "person_id": record.person_id, "course_id": record.course_id},
    )
    return certificate, True


# --- What goes on it -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateContent:
    """Everything printed on the PDF."""

    code: str
    full_name: str
    course_name: str
    completed_on: date
    expires_on: date | None
    trainers: list[str]
    organisation: str | None
    issued_at: datetime


def certificate_content(certificate: Certificate) -> CertificateContent:
    """Two statements: the certificate's record, person, organisation and course, then the session's trainers."""
    row = db.session.execute(
        select(Person.first_name, Person.last_name, Organisation.name, Course.name, TrainingRecord.session_id)
        .select_from(Certificate)
        .join(Person, Person.id == Certificate.person_id)
        .outerjoin(Organisation, Organisation.id == Person.organisation_id)
        .join(Course, Course.id == Certificate.course_id)
        .outerjoin(TrainingRecord, TrainingRecord.id == Certificate.training_record_id)
        .where(Certificate.id == certificate.id)
    ).one()
    first_name, last_name, organisation, course_name, session_id = row
    trainers = list(
        db.session.execute(
            select(Person.first_name, Person.last_name)
            .join(SessionTrainer, SessionTrainer.person_id == Person.id)
            .where(SessionTrainer.session_id == session_id, SessionTrainer.part.in_(NAMED_PARTS))
            .order_by(SessionTrainer.part != TrainerPart.LEAD, Person.last_name, Person.first_name)
        )
    )
    return CertificateContent(
        code=certificate.code,
        full_name=f"{first_name} {last_name}",
        course_name=course_name,
        completed_on=certificate.completed_on,
        expires_on=certificate.expires_on,
        trainers=[f"{first} {last}" for first, last in trainers],
        organisation=organisation,
        issued_at=certificate.issued_at,
    )


# --- Checking a code -----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class CertificateCheck:
    """What the public check page may say. When the certificate is withdrawn, only that: no name, no course."""

    code: str
    valid: bool
    holder: str | None = None
    course_name: str | None = None
    completed_on: date | None = None
    expires_on: date | None = None
    expired: bool = False

    @property
    def valid_until(self) -> date | None:
        """The last day the training counts (`attendance.models.last_valid_day`): what every page shows."""
        return last_valid_day(self.expires_on)


def holder_name(first_name: str, last_name: str) -> str:
    """Initial and surname ("P. Rosengard"): enough to match the certificate in hand, not a full name for anyone
    who has only the link."""
    initial = first_name.strip()[:1].upper()
    return f"{initial}. {last_name}" if initial else last_name


def check_code(text: str, *, today: date | None = None) -> CertificateCheck | None:
    """The check of a code (None: no certificate has it). One statement."""
    code = normalise_code(text)
    if code is None:
        return None
    row = db.session.execute(
        select(Certificate, TrainingRecord, Person.first_name, Person.last_name, Person.erased_at, Course.name)
        .join(Person, Person.id == Certificate.person_id)
        .join(Course, Course.id == Certificate.course_id)
        .outerjoin(TrainingRecord, TrainingRecord.id == Certificate.training_record_id)
        .where(Certificate.code == code)
    ).one_or_none()
    if row is None:
        return None
    certificate, record, first_name, last_name, erased_at, course_name = row
    if erased_at is not None or not _still_says_the_same(certificate, record):
        return CertificateCheck(code=code, valid=False)
    today = today or today_london()
    return CertificateCheck(
        code=code,
        valid=True,
        holder=holder_name(first_name, last_name),
        course_name=course_name,
        completed_on=certificate.completed_on,
        expires_on=certificate.expires_on,
        expired=certificate.expires_on is not None and certificate.expires_on <= today,
    )


def is_valid(certificate: Certificate) -> bool:
    record = db.session.get(TrainingRecord, certificate.training_record_id) if certificate.training_record_id else None
    return _still_says_the_same(certificate, record)


def _still_says_the_same(certificate: Certificate, record: TrainingRecord | None) -> bool:
    if record is None:
        return False
    return (record.person_id, record.course_id, record.completed_on, record.expires_on) == (
        certificate.person_id,
        certificate.course_id,
        certificate.completed_on,
        certificate.expires_on,
    )
