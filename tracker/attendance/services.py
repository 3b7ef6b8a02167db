"""Registers: their rules and errors, who may mark or see one, reading a register, and marking it. Walk-ins
(`walk_ins`), sign-off and reopening (`sign_off`) and records by hand (`training_records`) are modules of their
own.

Every write to a register first locks the training session row (`tracker.courses.locking.lock_session`), so
marks, walk-ins, sign-off and reopening of one register are serialised with each other and with
bookings (on SQLite the transaction already holds the write lock: see docs/decisions.md).

Records made by sign-off are deleted when the register is reopened and made again when it is signed
off again; coverage (which reads TrainingRecord) therefore never counts a register that is open.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from tracker.accounts.models import Role, UserAccount
from tracker.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceOutcome,
    RegisterEvent,
    RegisterEventKind,
)
from tracker.booking.models import Booking, BookingSource, BookingStatus
from tracker.common.audit import record_event
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import add_months, format_date, to_london, utc_now
from tracker.courses.locking import lock_session
from tracker.courses.models import Course, SessionStatus, SessionTrainer, TrainerPart, TrainingSession
from tracker.extensions import db
from tracker.people.models import Organisation, Person

#: Parts on a session whose holders run its register. An observer (a trainee watching) may open the
#: register and print the sign-in sheet, but does not mark or sign off: see docs/decisions.md.
DELIVERING_PARTS = frozenset({TrainerPart.LEAD, TrainerPart.CO_TRAINER})
#: The longest evidence description kept (the column's size).
EVIDENCE_MAX_LENGTH = 500
#: How many names an "unmarked" message lists before saying "and N more".
NAMES_IN_MESSAGE = 10


# --- Errors ------------------------------------------------------------------------------------------


class RegisterError(TrackerError):
    """A register rule said no."""


class RegisterSignedOffError(ConflictError):
    code = "register_signed_off"


class RegisterNotSignedOffError(ConflictError):
    code = "register_not_signed_off"


class RegisterNotOpenError(RegisterError):
    """The session is cancelled, or its day has not come."""

    code = "register_not_open"


class UnmarkedAttendeesError(RegisterError):
    code = "unmarked_attendees"

    def __init__(self, names: list[str]) -> None:
        shown = ", ".join(names[:NAMES_IN_MESSAGE])
        more = f" and {len(names) - NAMES_IN_MESSAGE} more" if len(names) > NAMES_IN_MESSAGE else ""
        noun = "person is" if len(names) == 1 else "people are"
        super().__init__(
            f"Mark everyone before signing off: {len(names)} {noun} not marked ({shown}{more})", field="register"
        )
        self.names = names


class NotOnRegisterError(RegisterError):
    code = "not_on_register"
    status = 404


class UnknownPeopleError(RegisterError):
    code = "unknown_people"


class PersonErasedError(RegisterError):
    code = "person_erased"


class DuplicateRecordError(ConflictError):
    code = "duplicate_record"


class RecordFromRegisterError(ConflictError):
    code = "record_from_register"


# --- Pure rules ----------------------------------------------------------------------------------------


def session_london_date(training_session: TrainingSession) -> date:
    """The day the session happened, in London: the completion date of its records."""
    return to_london(training_session.starts_at).date()


def expiry_for(course: Course, completed_on: date) -> date | None:
    """When a completion of `course` on `completed_on` stops being valid (None: never).

    A record is valid at D when completed_on <= D < expires_on, so the expiry day itself is not covered.
    """
    if not course.validity_months:
        return None
    return add_months(completed_on, course.validity_months)


def earns_record(outcome: AttendanceOutcome | None, course: Course) -> bool:
    """Attended always earns a record at sign-off; partial only when the course says so."""
    if outcome == AttendanceOutcome.ATTENDED:
        return True
    return outcome == AttendanceOutcome.PARTIAL and course.partial_counts


def _person_id(actor: UserAccount | None) -> int | None:
    return actor.person_id if actor is not None else None


# --- Permissions (object level) --------------------------------------------------------------------


def find_trainer_part(*, session_id: int, person_id: int) -> TrainerPart | None:
    return db.session.scalar(
        select(SessionTrainer.part).where(
            SessionTrainer.session_id == session_id, SessionTrainer.person_id == person_id
        )
    )


def can_mark_register(user: UserAccount | None, training_session: TrainingSession) -> bool:
    """A coordinator marks any register; a trainer only one of a session they lead or co-deliver."""
    if user is None:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.TRAINER):
        return False
    return find_trainer_part(session_id=training_session.id, person_id=user.person_id) in DELIVERING_PARTS


def can_view_register(user: UserAccount | None, training_session: TrainingSession) -> bool:
    """Whoever may mark it, and a trainer observing the session (who sees it but does not mark)."""
    if user is None:
        return False
    if user.has_role(Role.COORDINATOR):
        return True
    if not user.has_role(Role.TRAINER):
        return False
    return find_trainer_part(session_id=training_session.id, person_id=user.person_id) is not None


def can_reopen_register(user: UserAccount | None) -> bool:
    return user is not None and user.has_role(Role.COORDINATOR)


def can_manage_records(user: UserAccount | None) -> bool:
    """Adding evidence, importing and removing training records is the coordinator's."""
    return user is not None and user.has_role(Role.COORDINATOR)


# --- Reads ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class RegisterLine:
    """One person on a register: their confirmed booking, organisation, and current mark (if any)."""

    booking: Booking
    person: Person
    organisation_name: str
    attendance: Attendance | None

    @property
    def outcome(self) -> AttendanceOutcome | None:
        return self.attendance.outcome if self.attendance else None

    @property
    def is_walk_in(self) -> bool:
        return self.booking.source == BookingSource.WALK_IN

    @property
    def anchor(self) -> str:
        return f"booking-{self.booking.id}"


def _register_statement(session_id: int):
    return (
        select(Booking, Person, Organisation.name, Attendance)
        .join(Person, Person.id == Booking.person_id)
        .join(Organisation, Organisation.id == Person.organisation_id)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(Booking.session_id == session_id, Booking.status == BookingStatus.CONFIRMED)
    )


def list_register_lines(training_session: TrainingSession) -> list[RegisterLine]:
    """Everyone with a confirmed booking (walk-ins included), by name, with their mark: one query."""
    rows = db.session.execute(
        _register_statement(training_session.id).order_by(
            func.lower(Person.last_name), func.lower(Person.first_name), Booking.id
        )
    ).all()
    return [
        RegisterLine(booking, person, organisation, attendance) for booking, person, organisation, attendance in rows
    ]


@dataclass(frozen=True)
class RegisterSummary:
    total: int
    attended: int
    partial: int
    absent: int
    excused: int
    unmarked: int
    #: How many records sign-off would make (attended, and partial when the course allows it).
    records: int

    @property
    def attendees(self) -> int:
        return self.attended + self.partial


def summarise_register(lines: Sequence[RegisterLine], course: Course) -> RegisterSummary:
    counts = {outcome: 0 for outcome in AttendanceOutcome}
    for line in lines:
        if line.outcome is not None:
            counts[line.outcome] += 1
    return RegisterSummary(
        total=len(lines),
        attended=counts[AttendanceOutcome.ATTENDED],
        partial=counts[AttendanceOutcome.PARTIAL],
        absent=counts[AttendanceOutcome.ABSENT],
        excused=counts[AttendanceOutcome.EXCUSED],
        unmarked=sum(1 for line in lines if line.outcome is None),
        records=sum(1 for line in lines if earns_record(line.outcome, course)),
    )


def list_register_history(training_session: TrainingSession) -> list[AttendanceChange]:
    """Every mark and change on the register, newest first, with who was marked and by whom (one query)."""
    return list(
        db.session.scalars(
            select(AttendanceChange)
            .join(Booking, Booking.id == AttendanceChange.booking_id)
            .where(Booking.session_id == training_session.id)
            .options(
                joinedload(AttendanceChange.changed_by),
                joinedload(AttendanceChange.booking).joinedload(Booking.person),
            )
            .order_by(AttendanceChange.changed_at.desc(), AttendanceChange.id.desc())
        )
    )


def list_register_events(training_session: TrainingSession) -> list[RegisterEvent]:
    """Sign-offs and reopenings of the register, newest first."""
    return list(
        db.session.scalars(
            select(RegisterEvent)
            .where(RegisterEvent.session_id == training_session.id)
            .options(joinedload(RegisterEvent.by))
            .order_by(RegisterEvent.at.desc(), RegisterEvent.id.desc())
        )
    )


def find_reopen_reason(training_session: TrainingSession) -> str | None:
    """The reason the register was last reopened, while it stays open; None if it was never signed off."""
    if training_session.is_signed_off:
        return None
    latest = db.session.execute(
        select(RegisterEvent.kind, RegisterEvent.reason)
        .where(RegisterEvent.session_id == training_session.id)
        .order_by(RegisterEvent.at.desc(), RegisterEvent.id.desc())
        .limit(1)
    ).first()
    if latest is None or latest.kind != RegisterEventKind.REOPENED:
        return None
    return latest.reason


def marking_problem(training_session: TrainingSession, *, now: datetime | None = None) -> str | None:
    """Why the register cannot be marked now, or None (signed-off registers are refused separately)."""
    now = now or utc_now()
    if training_session.status == SessionStatus.CANCELLED:
        return "This session was cancelled, so its register cannot be marked"
    if today_london_at(now) < session_london_date(training_session):
        return f"The register can be marked from the day of the session, {format_date(training_session.starts_at)}"
    return None


def sign_off_problem(training_session: TrainingSession, *, now: datetime | None = None) -> str | None:
    """Why the register cannot be signed off now (apart from unmarked people), or None."""
    now = now or utc_now()
    if training_session.is_signed_off:
        return "This register has already been signed off"
    if training_session.status == SessionStatus.CANCELLED:
        return "This session was cancelled, so its register cannot be signed off"
    if now < training_session.starts_at:
        return "The register can be signed off once the session has started"
    return None


def today_london_at(now: datetime) -> date:
    return to_london(now).date()


def list_organisation_choices() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


# --- Writes: marking -------------------------------------------------------------------------------------


def _lock_open_register(training_session: TrainingSession, *, now: datetime) -> TrainingSession:
    """Lock the session row and check its register takes marks now; returns the locked session.

    Raises RegisterSignedOffError (409) or RegisterNotOpenError.
    """
    locked = lock_session(training_session.id)
    if locked.is_signed_off:
        raise RegisterSignedOffError(
            "This register has been signed off: a coordinator must reopen it before it can be changed",
            field="register",
        )
    problem = marking_problem(locked, now=now)
    if problem:
        raise RegisterNotOpenError(problem, field="register")
    return locked


def _apply_mark(
    *,
    booking: Booking,
    attendance: Attendance | None,
    outcome: AttendanceOutcome,
    actor: UserAccount | None,
    now: datetime,
    reason: str | None,
) -> AttendanceChange | None:
    """Set one booking's outcome; record the change. The same outcome again changes nothing (None)."""
    before = attendance.outcome if attendance else None
    if before == outcome:
        return None
    if attendance is None:
        attendance = Attendance(booking_id=booking.id, outcome=outcome)
        db.session.add(attendance)
    attendance.outcome = outcome
    attendance.marked_by_id = _person_id(actor)
    attendance.marked_at = now
    change = AttendanceChange(
        booking_id=booking.id,
        before=before,
        after=outcome,
        changed_by_id=_person_id(actor),
        changed_at=now,
        reason=reason,
    )
    db.session.add(change)
    return change


def _audit_marks(
    session_id: int, changes: list[tuple[Booking, AttendanceChange]], actor: UserAccount | None, reason: str | None
) -> None:
    """Every change of marks is audited, one event per request: "attendance.marked" with each person's mark
    before and after; changes to a register that was signed off before as "register.changed_after_reopen",
    with the reopen reason."""
    if not changes:
        return
    if reason is None:
        record_event(
            "attendance.marked",
            actor=actor,
            object_type="training_session",
            object_id=session_id,
            before={"marks": [{"booking_id": b.id, "person_id": b.person_id, "outcome": c.before} for b, c in changes]},
            after={"marks": [{"booking_id": b.id, "person_id": b.person_id, "outcome": c.after} for b, c in changes]},
        )
        return
    record_event(
        "register.changed_after_reopen",
        actor=actor,
        object_type="training_session",
        object_id=session_id,
        after={
            "reason": changes[0][1].reason,
            "changes": [
                {"booking_id": booking.id, "person_id": booking.person_id, "before": c.before, "after": c.after}
                for booking, c in changes
            ],
        },
    )


def mark_attendance(
    *,
    training_session: TrainingSession,
    booking: Booking,
    outcome: AttendanceOutcome,
    actor: UserAccount | None,
    now: datetime | None = None,
) -> AttendanceChange | None:
    """Mark one person on the register. Returns the change made, or None if they already had that mark.

    Raises RegisterSignedOffError (409), RegisterNotOpenError, NotOnRegisterError (404).
    Authorisation is the caller's: see `can_mark_register`.
    """
    now = now or utc_now()
    outcome = AttendanceOutcome(outcome)
    locked = _lock_open_register(training_session, now=now)
    row = db.session.execute(
        select(Booking, Attendance)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(Booking.id == booking.id, Booking.session_id == locked.id, Booking.status == BookingStatus.CONFIRMED)
    ).first()
    if row is None:
        raise NotOnRegisterError("This person is not on the register", field="booking_id")
    reason = find_reopen_reason(locked)
    change = _apply_mark(booking=row[0], attendance=row[1], outcome=outcome, actor=actor, now=now, reason=reason)
    db.session.flush()
    if change is not None:
        _audit_marks(locked.id, [(row[0], change)], actor, reason)
    return change


def mark_everyone_attended(
    *, training_session: TrainingSession, actor: UserAccount | None, now: datetime | None = None
) -> int:
    """Mark everyone on the register who has no mark yet as attended. Returns how many were marked.

    Raises RegisterSignedOffError (409), RegisterNotOpenError.
    """
    now = now or utc_now()
    locked = _lock_open_register(training_session, now=now)
    reason = find_reopen_reason(locked)
    changes = []
    for line in list_register_lines(locked):
        if line.attendance is None:
            change = _apply_mark(
                booking=line.booking,
                attendance=None,
                outcome=AttendanceOutcome.ATTENDED,
                actor=actor,
                now=now,
                reason=reason,
            )
            if change is not None:
                changes.append((line.booking, change))
    db.session.flush()
    _audit_marks(locked.id, changes, actor, reason)
    return len(changes)
