"""Signing a register off (its attendance becomes training records) and reopening it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import delete

from tracker.accounts.models import UserAccount
from tracker.attendance.models import (
    RecordSource,
    RegisterEvent,
    RegisterEventKind,
    TrainingRecord,
)
from tracker.attendance.services import (
    RegisterError,
    RegisterNotOpenError,
    RegisterNotSignedOffError,
    RegisterSignedOffError,
    UnmarkedAttendeesError,
    _person_id,
    earns_record,
    expiry_for,
    list_register_lines,
    session_london_date,
    sign_off_problem,
    summarise_register,
)
from tracker.attendance.signals import register_signed_off
from tracker.attendance.trained import leave_waiting_lists
from tracker.attendance.training_records import list_session_records
from tracker.common.audit import record_event
from tracker.common.time import utc_now
from tracker.courses.locking import lock_session
from tracker.courses.models import TrainingSession
from tracker.extensions import db


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
    register_signed_off.send(locked, lines=lines, now=now)
    leave_waiting_lists(records, now=now)
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
