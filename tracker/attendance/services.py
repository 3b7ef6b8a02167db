"""Registers and training records: who may mark a register, marks, walk-ins, sign-off, reopening,
equivalent evidence and removing a wrongly entered record.

Every write to a register first locks the training session row (`booking.services.lock_session`), so
marks, walk-ins, sign-off and reopening of one register are serialised with each other and with
bookings (on SQLite the transaction already holds the write lock: see docs/decisions.md).

Records made by sign-off are deleted when the register is reopened and made again when it is signed
off again; coverage (which reads TrainingRecord) therefore never counts a register that is open.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from functools import cache

from sqlalchemy import Row, Select, bindparam, delete, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased, joinedload

from tracker.accounts.models import Role, UserAccount
from tracker.attendance.models import (
    Attendance,
    AttendanceChange,
    AttendanceOutcome,
    RecordSource,
    RegisterEvent,
    RegisterEventKind,
    TrainingRecord,
)
from tracker.booking.models import ACTIVE_STATUSES, Booking, BookingSource, BookingStatus
from tracker.booking.services import lock_session
from tracker.common.audit import record_event
from tracker.common.database import read_rows
from tracker.common.errors import ConflictError, TrackerError
from tracker.common.time import add_months, format_date, to_london, today_london, utc_now
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


def search_people(query: str, *, limit: int = 20) -> list[Person]:
    """People whose name or email contains every word of `query` (case-insensitive), by name."""
    words = [w for w in query.lower().split() if w][:5]
    if not words:
        return []
    statement = select(Person).options(joinedload(Person.organisation)).where(Person.erased_at.is_(None))
    for word in words:
        pattern = f"%{_escape_like(word)}%"
        statement = statement.where(
            or_(
                func.lower(Person.first_name).like(pattern, escape="\\"),
                func.lower(Person.last_name).like(pattern, escape="\\"),
                func.lower(Person.email).like(pattern, escape="\\"),
            )
        )
    statement = statement.order_by(func.lower(Person.last_name), func.lower(Person.first_name), Person.id)
    return list(db.session.scalars(statement.limit(limit)))


def _escape_like(value: str) -> str:
    return value.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


def booked_person_ids(training_session: TrainingSession, person_ids: Iterable[int]) -> set[int]:
    """Which of these people already have a confirmed place on the session."""
    ids = list(person_ids)
    if not ids:
        return set()
    return set(
        db.session.scalars(
            select(Booking.person_id).where(
                Booking.session_id == training_session.id,
                Booking.status == BookingStatus.CONFIRMED,
                Booking.person_id.in_(ids),
            )
        )
    )


@cache
def _person_records_statement() -> Select:
    """Built once (parameter person_id): "My training" runs it on every visit."""
    session_course = aliased(Course)
    session = TrainingSession
    return (
        select(
            TrainingRecord.id,
            TrainingRecord.course_id,
            Course.name.label("course_name"),
            Course.code.label("course_code"),
            TrainingRecord.completed_on,
            TrainingRecord.expires_on,
            TrainingRecord.source,
            TrainingRecord.evidence,
            TrainingRecord.session_id,
            TrainingSession.display_title_column(session, session_course).label("session_title"),
            session.starts_at.label("session_starts_at"),
        )
        .join(Course, Course.id == TrainingRecord.course_id)
        .outerjoin(session, session.id == TrainingRecord.session_id)
        .outerjoin(session_course, session_course.id == session.course_id)
        .where(TrainingRecord.person_id == bindparam("person_id"))
        .order_by(TrainingRecord.completed_on.desc(), TrainingRecord.id.desc())
    )


def list_person_records(person: Person) -> list[Row]:
    """A person's training records, newest completion first, as rows (one statement, built once): id,
    course_id, course_name, course_code, completed_on, expires_on, source, evidence, and for a record made
    by a register, session_id, session_title and session_starts_at (else None). Columns rather than entities:
    "My training" lists them on every visit."""
    return read_rows(_person_records_statement(), {"person_id": person.id})


def list_evidence_courses() -> list[Course]:
    """Courses a completion can be recorded against, by name."""
    return list(db.session.scalars(select(Course).where(Course.is_active.is_(True)).order_by(Course.name, Course.id)))


def list_organisation_choices() -> list[Organisation]:
    return list(db.session.scalars(select(Organisation).order_by(Organisation.name, Organisation.id)))


def list_session_records(training_session: TrainingSession) -> list[TrainingRecord]:
    """Records made by this session's sign-off."""
    return list(
        db.session.scalars(
            select(TrainingRecord)
            .where(TrainingRecord.session_id == training_session.id, TrainingRecord.source == RecordSource.ATTENDANCE)
            .order_by(TrainingRecord.id)
        )
    )


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


# --- Writes: walk-ins --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class WalkIn:
    booking: Booking
    #: False when the person already had a confirmed place (they are simply marked attended).
    is_new: bool


def _find_active_booking(session_id: int, person_id: int) -> Booking | None:
    return db.session.scalar(
        select(Booking).where(
            Booking.session_id == session_id, Booking.person_id == person_id, Booking.status.in_(ACTIVE_STATUSES)
        )
    )


def _seat_walk_in(
    locked: TrainingSession, person: Person, existing: Booking | None, *, actor: UserAccount | None, now: datetime
) -> WalkIn:
    """A confirmed place for someone physically present, whatever the capacity or booking window.

    An existing waitlisted or held place is confirmed; a confirmed one is kept. Sends no booking
    signal: the person is already in the room, so no invitation is due.
    """
    if person.erased_at is not None:
        raise PersonErasedError("This person's details have been erased", field="person_id")
    if existing is not None and existing.status == BookingStatus.CONFIRMED:
        return WalkIn(existing, is_new=False)
    if existing is not None:
        was = existing.status
        existing.status = BookingStatus.CONFIRMED
        existing.confirmed_at = now
        existing.hold_expires_at = None
        existing.sequence += 1
        record_event(
            "booking.walked_in",
            actor=actor,
            object_type="booking",
            object_id=existing.id,
            before={"status": was},
            after={"status": "confirmed"},
        )
        return WalkIn(existing, is_new=True)
    booking = Booking(
        session_id=locked.id,
        person_id=person.id,
        status=BookingStatus.CONFIRMED,
        source=BookingSource.WALK_IN,
        booked_by_id=_person_id(actor),
        created_at=now,
        confirmed_at=now,
    )
    try:
        with db.session.begin_nested():
            db.session.add(booking)
    except IntegrityError as error:  # a racing booking for the same person got in first
        raise ConflictError(
            f"{person.full_name} was booked on this session at the same moment: try again", code="already_booked"
        ) from error
    record_event(
        "booking.created",
        actor=actor,
        object_type="booking",
        object_id=booking.id,
        after={"session_id": locked.id, "person_id": person.id, "status": "confirmed", "source": "walk_in"},
    )
    return WalkIn(booking, is_new=True)


def add_walk_in(
    *, training_session: TrainingSession, person: Person, actor: UserAccount | None, now: datetime | None = None
) -> WalkIn:
    """Put someone who turned up on the register and mark them attended.

    A walk-in is a confirmed booking (source walk_in) made even after booking has closed, once the
    session has started, and when the session is full: the capacity rule governs places booked in
    advance, not people in the room. Raises RegisterSignedOffError (409), RegisterNotOpenError,
    PersonErasedError.
    """
    now = now or utc_now()
    locked = _lock_open_register(training_session, now=now)
    walk_in = _seat_walk_in(locked, person, _find_active_booking(locked.id, person.id), actor=actor, now=now)
    db.session.flush()
    attendance = db.session.scalar(select(Attendance).where(Attendance.booking_id == walk_in.booking.id))
    reason = find_reopen_reason(locked)
    change = _apply_mark(
        booking=walk_in.booking,
        attendance=attendance,
        outcome=AttendanceOutcome.ATTENDED,
        actor=actor,
        now=now,
        reason=reason,
    )
    db.session.flush()
    if change is not None:
        _audit_marks(locked.id, [(walk_in.booking, change)], actor, reason)
    return walk_in


class PersonEmailTakenError(ConflictError):
    code = "email_taken"


def add_new_walk_in(
    *,
    training_session: TrainingSession,
    first_name: str,
    last_name: str,
    email: str | None,
    organisation: Organisation,
    actor: UserAccount | None,
    now: datetime | None = None,
) -> WalkIn:
    """Add a person not yet known (names, optional email, organisation) and put them on as a walk-in.

    Raises PersonEmailTakenError when the email belongs to someone already (search for them instead),
    and what `add_walk_in` raises.
    """
    now = now or utc_now()
    first_name, last_name = " ".join(first_name.split()), " ".join(last_name.split())
    if not first_name:
        raise RegisterError("Enter their first name", field="first_name")
    if not last_name:
        raise RegisterError("Enter their last name", field="last_name")
    email = (email or "").strip().lower() or None
    _lock_open_register(training_session, now=now)  # refuse before adding anyone to a closed register
    if email is not None and db.session.scalar(select(Person.id).where(Person.email == email)) is not None:
        raise PersonEmailTakenError(
            "Someone with this email address is already known: search for them instead", field="email"
        )
    person = Person(organisation_id=organisation.id, first_name=first_name, last_name=last_name, email=email)
    db.session.add(person)
    db.session.flush()
    record_event(
        "person.created",
        actor=actor,
        object_type="person",
        object_id=person.id,
        after={"organisation_id": organisation.id, "name": person.full_name, "email": email, "how": "walk_in"},
    )
    return add_walk_in(training_session=training_session, person=person, actor=actor, now=now)


# --- Writes: the API's whole-register update ------------------------------------------------------------


@dataclass(frozen=True)
class MarkedLine:
    person_id: int
    booking: Booking
    outcome: AttendanceOutcome
    #: True when the person was not booked and became a walk-in.
    walked_in: bool
    #: True when this call changed their mark.
    changed: bool


def record_attendance(
    *,
    training_session: TrainingSession,
    records: Sequence[tuple[int, AttendanceOutcome]],
    actor: UserAccount | None,
    now: datetime | None = None,
) -> list[MarkedLine]:
    """Set several people's marks at once (the API): a person with no confirmed place becomes a walk-in.

    `records` are (person_id, outcome) pairs. Raises RegisterSignedOffError (409), RegisterNotOpenError,
    UnknownPeopleError naming the index of the first unknown or repeated person (`records.N.person_id`).
    """
    now = now or utc_now()
    locked = _lock_open_register(training_session, now=now)
    first_index: dict[int, int] = {}
    for index, (person_id, _) in enumerate(records):
        if person_id in first_index:
            raise RegisterError(
                f"Person {person_id} appears twice (records {first_index[person_id]} and {index})",
                code="duplicate_person",
                field=f"records.{index}.person_id",
            )
        first_index[person_id] = index
    people = {
        p.id: p
        for p in db.session.scalars(select(Person).where(Person.id.in_(list(first_index)), Person.erased_at.is_(None)))
    }
    unknown = [index for index, (person_id, _) in enumerate(records) if person_id not in people]
    if unknown:
        listed = ", ".join(f"records {i} (person {records[i][0]})" for i in unknown[:NAMES_IN_MESSAGE])
        raise UnknownPeopleError(f"No such person at {listed}", field=f"records.{unknown[0]}.person_id")

    rows = db.session.execute(
        select(Booking, Attendance)
        .outerjoin(Attendance, Attendance.booking_id == Booking.id)
        .where(
            Booking.session_id == locked.id,
            Booking.status.in_(ACTIVE_STATUSES),
            Booking.person_id.in_(list(first_index)),
        )
    ).all()
    active = {booking.person_id: (booking, attendance) for booking, attendance in rows}
    reason = find_reopen_reason(locked)
    results: list[MarkedLine] = []
    changes: list[tuple[Booking, AttendanceChange]] = []
    for person_id, outcome in records:
        outcome = AttendanceOutcome(outcome)
        booking, attendance = active.get(person_id, (None, None))
        walked_in = booking is None or booking.status != BookingStatus.CONFIRMED
        if walked_in:
            booking = _seat_walk_in(locked, people[person_id], booking, actor=actor, now=now).booking
            db.session.flush()
        change = _apply_mark(
            booking=booking, attendance=attendance, outcome=outcome, actor=actor, now=now, reason=reason
        )
        if change is not None:
            changes.append((booking, change))
        results.append(MarkedLine(person_id, booking, outcome, walked_in, change is not None))
    db.session.flush()
    _audit_marks(locked.id, changes, actor, reason)
    return results


# --- Writes: sign-off and reopening ---------------------------------------------------------------------


def sign_off_register(
    *, training_session: TrainingSession, actor: UserAccount | None, now: datetime | None = None
) -> list[TrainingRecord]:
    """Lock the register and turn its attendance into training records. Returns the records made.

    Attended always makes a record, partial only if the course allows it; completed on the session's
    London date, expiring after the course's validity (never, without one). Raises
    RegisterSignedOffError (409), RegisterNotOpenError (cancelled, or not started),
    UnmarkedAttendeesError (someone with a confirmed place has no mark).
    """
    now = now or utc_now()
    locked = lock_session(training_session.id)
    if locked.is_signed_off:
        raise RegisterSignedOffError("This register has already been signed off", field="register")
    problem = sign_off_problem(locked, now=now)
    if problem:
        raise RegisterNotOpenError(problem, field="register")
    lines = list_register_lines(locked)
    unmarked = [line.person.full_name for line in lines if line.outcome is None]
    if unmarked:
        raise UnmarkedAttendeesError(unmarked)

    course = locked.course
    completed_on = session_london_date(locked)
    expires_on = expiry_for(course, completed_on)
    # None should exist (reopening withdraws them); clearing first makes a second sign-off unable to duplicate.
    db.session.execute(
        delete(TrainingRecord).where(
            TrainingRecord.session_id == locked.id, TrainingRecord.source == RecordSource.ATTENDANCE
        )
    )
    records = [
        TrainingRecord(
            person_id=line.person.id,
            course_id=course.id,
            completed_on=completed_on,
            expires_on=expires_on,
            source=RecordSource.ATTENDANCE,
            session_id=locked.id,
            created_by_id=_person_id(actor),
            created_at=now,
        )
        for line in lines
        if earns_record(line.outcome, course)
    ]
    db.session.add_all(records)
    locked.register_signed_off_at = now
    locked.register_signed_off_by_id = _person_id(actor)
    db.session.add(
        RegisterEvent(session_id=locked.id, kind=RegisterEventKind.SIGNED_OFF, by_id=_person_id(actor), at=now)
    )
    db.session.flush()
    summary = summarise_register(lines, course)
    record_event(
        "register.signed_off",
        actor=actor,
        object_type="training_session",
        object_id=locked.id,
        after={
            "attended": summary.attended,
            "partial": summary.partial,
            "absent": summary.absent,
            "excused": summary.excused,
            "records": len(records),
            "completed_on": completed_on,
            "expires_on": expires_on,
        },
    )
    return records


def reopen_register(
    *, training_session: TrainingSession, actor: UserAccount | None, reason: str, now: datetime | None = None
) -> int:
    """Reopen a signed-off register (coordinator, with a reason) and withdraw the records its sign-off made.

    Returns how many records were withdrawn. Raises RegisterNotSignedOffError (409) and RegisterError
    (no reason). Authorisation is the caller's: see `can_reopen_register`.
    """
    now = now or utc_now()
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError("Enter the reason for reopening the register", field="reason")
    locked = lock_session(training_session.id)
    if not locked.is_signed_off:
        raise RegisterNotSignedOffError("This register is not signed off, so it is already open", field="register")
    withdrawn = list_session_records(locked)
    db.session.execute(
        delete(TrainingRecord).where(
            TrainingRecord.session_id == locked.id, TrainingRecord.source == RecordSource.ATTENDANCE
        )
    )
    before = {
        "signed_off_at": locked.register_signed_off_at,
        "signed_off_by_id": locked.register_signed_off_by_id,
        "records": [
            {"id": r.id, "person_id": r.person_id, "completed_on": r.completed_on, "expires_on": r.expires_on}
            for r in withdrawn
        ],
    }
    locked.register_signed_off_at = None
    locked.register_signed_off_by_id = None
    db.session.add(
        RegisterEvent(
            session_id=locked.id, kind=RegisterEventKind.REOPENED, by_id=_person_id(actor), at=now, reason=reason
        )
    )
    db.session.flush()
    record_event(
        "register.reopened",
        actor=actor,
        object_type="training_session",
        object_id=locked.id,
        before=before,
        after={"reason": reason, "records_withdrawn": len(withdrawn)},
    )
    return len(withdrawn)


# --- Writes: records by hand ---------------------------------------------------------------------------


def add_equivalent_evidence(
    *,
    person: Person,
    course: Course,
    completed_on: date | None,
    evidence: str,
    actor: UserAccount | None,
    today: date | None = None,
) -> TrainingRecord:
    """Record that a person completed `course` elsewhere (e.g. Home Office e-learning), with the evidence seen.

    Raises RegisterError (no date, a future date, no evidence, evidence too long, erased person) and
    DuplicateRecordError (the person already has a record of this course on that date).
    """
    today = today or today_london()
    if person.erased_at is not None:
        raise PersonErasedError("This person's details have been erased", field="course")
    if completed_on is None:
        raise RegisterError("Enter the date the course was completed", field="completed_on")
    if completed_on > today:
        raise RegisterError("The date the course was completed must be today or in the past", field="completed_on")
    evidence = " ".join((evidence or "").split())
    if not evidence:
        raise RegisterError('Describe the evidence, for example "Certificate seen by Sam Rosengard"', field="evidence")
    if len(evidence) > EVIDENCE_MAX_LENGTH:
        raise RegisterError(f"Evidence must be {EVIDENCE_MAX_LENGTH} characters or fewer", field="evidence")
    duplicate = db.session.scalar(
        select(TrainingRecord.id).where(
            TrainingRecord.person_id == person.id,
            TrainingRecord.course_id == course.id,
            TrainingRecord.completed_on == completed_on,
        )
    )
    if duplicate is not None:
        raise DuplicateRecordError(
            f"{person.full_name} already has a record of {course.name} completed on {format_date(completed_on)}",
            field="completed_on",
        )
    record = TrainingRecord(
        person_id=person.id,
        course_id=course.id,
        completed_on=completed_on,
        expires_on=expiry_for(course, completed_on),
        source=RecordSource.EQUIVALENT_EVIDENCE,
        evidence=evidence,
        created_by_id=_person_id(actor),
    )
    db.session.add(record)
    db.session.flush()
    record_event(
        "training_record.created",
        actor=actor,
        object_type="training_record",
        object_id=record.id,
        after={
            "person_id": person.id,
            "course": course.code,
            "completed_on": completed_on,
            "expires_on": record.expires_on,
            "source": record.source,
            "evidence": evidence,
        },
    )
    return record


def remove_training_record(*, record: TrainingRecord, actor: UserAccount | None, reason: str) -> None:
    """Delete a wrongly entered record (import or evidence), audited with everything it held.

    Records from a signed-off register change only by reopening the register: RecordFromRegisterError.
    Raises RegisterError when no reason is given.
    """
    reason = (reason or "").strip()
    if not reason:
        raise RegisterError("Enter why this record is being removed", field="reason")
    if record.source == RecordSource.ATTENDANCE and record.session_id is not None:
        raise RecordFromRegisterError(
            "This record comes from a signed-off register: reopen the register to change it", field="reason"
        )
    before = {
        "person_id": record.person_id,
        "course_id": record.course_id,
        "completed_on": record.completed_on,
        "expires_on": record.expires_on,
        "source": record.source,
        "session_id": record.session_id,
        "evidence": record.evidence,
        "created_by_id": record.created_by_id,
        "created_at": record.created_at,
    }
    record_id = record.id
    db.session.delete(record)
    db.session.flush()
    record_event(
        "training_record.removed",
        actor=actor,
        object_type="training_record",
        object_id=record_id,
        before=before,
        after={"reason": reason},
    )
