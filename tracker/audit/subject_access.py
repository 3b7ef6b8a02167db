"""A subject access export: everything held about one person, as JSON and as CSV."""

from __future__ import annotations

import csv
import io
from typing import Any

from sqlalchemy import inspect, or_, select

from tracker.accounts.models import AccountLink, ApiToken, ExternalIdentity, LoginSession, UserAccount, UserRole
from tracker.attendance.models import Attendance, AttendanceChange, TrainingRecord
from tracker.booking.models import Booking
from tracker.certificates.models import Certificate
from tracker.checkin.models import CheckIn, CheckInEmailCode
from tracker.common.audit import AuditEvent, record_event
from tracker.courses.models import SessionTrainer, TrainerAccreditation
from tracker.coverage.models import PartnerReturn
from tracker.evaluations.models import EvaluationInvitation
from tracker.extensions import db
from tracker.invites.models import CalendarFeedToken, OutboxMessage
from tracker.people.models import DepartmentManager, Person, Placement
from tracker.refreshers.models import ManagerDigest, RefresherReminder
from tracker.requests.models import TrainingRequest

#: Columns never exported: secrets (hashes of passwords and tokens).
SECRET_COLUMNS = frozenset({"password_hash", "token_hash"})


def _row(obj: Any) -> dict[str, Any]:
    values = {}
    for column in inspect(obj).mapper.column_attrs:
        if column.key in SECRET_COLUMNS:
            continue
        value = getattr(obj, column.key)
        values[column.key] = value.isoformat() if hasattr(value, "isoformat") else value
    return values


def _rows(statement) -> list[dict[str, Any]]:
    return [_row(obj) for obj in db.session.scalars(statement)]


def export_person(person: Person, *, actor) -> dict[str, list[dict[str, Any]]]:
    """Every row about the person, by table; audited as an export. Secrets (hashes) are left out."""
    account = db.session.scalar(select(UserAccount).where(UserAccount.person_id == person.id))
    booking_ids = select(Booking.id).where(Booking.person_id == person.id)
    data: dict[str, list[dict[str, Any]]] = {
        "person": [_row(person)],
        "placement": _rows(select(Placement).where(Placement.person_id == person.id).order_by(Placement.from_date)),
        "department_manager": _rows(select(DepartmentManager).where(DepartmentManager.person_id == person.id)),
        "user_account": [_row(account)] if account else [],
        "user_role": _rows(select(UserRole).where(UserRole.user_id == account.id)) if account else [],
        "login_session": _rows(select(LoginSession).where(LoginSession.user_id == account.id)) if account else [],
        "api_token": _rows(select(ApiToken).where(ApiToken.user_id == account.id)) if account else [],
        "external_identity": _rows(select(ExternalIdentity).where(ExternalIdentity.user_id == account.id))
        if account
        else [],
        "account_link": _rows(select(AccountLink).where(AccountLink.person_id == person.id)),
        "booking": _rows(select(Booking).where(Booking.person_id == person.id).order_by(Booking.id)),
        "attendance": _rows(select(Attendance).where(Attendance.booking_id.in_(booking_ids))),
        "attendance_change": _rows(select(AttendanceChange).where(AttendanceChange.booking_id.in_(booking_ids))),
        "training_record": _rows(select(TrainingRecord).where(TrainingRecord.person_id == person.id)),
        "check_in": _rows(select(CheckIn).where(CheckIn.person_id == person.id)),
        "check_in_email_code": _rows(select(CheckInEmailCode).where(CheckInEmailCode.person_id == person.id)),
        # Feedback asked for; the answers themselves are stored without a person and cannot be told apart.
        "evaluation_invitation": _rows(select(EvaluationInvitation).where(EvaluationInvitation.person_id == person.id)),
        "certificate": _rows(select(Certificate).where(Certificate.person_id == person.id)),
        "refresher_reminder": _rows(select(RefresherReminder).where(RefresherReminder.person_id == person.id)),
        "manager_digest": _rows(select(ManagerDigest).where(ManagerDigest.person_id == person.id)),
        "session_trainer": _rows(select(SessionTrainer).where(SessionTrainer.person_id == person.id)),
        "trainer_accreditation": _rows(select(TrainerAccreditation).where(TrainerAccreditation.person_id == person.id)),
        "calendar_feed_token": _rows(select(CalendarFeedToken).where(CalendarFeedToken.person_id == person.id)),
        "partner_return_submitted": _rows(select(PartnerReturn).where(PartnerReturn.submitted_by_id == person.id)),
        "outbox_message": _rows(select(OutboxMessage).where(OutboxMessage.recipient_email == person.email))
        if person.email
        else [],
        "training_request": _rows(select(TrainingRequest).where(TrainingRequest.email == person.email))
        if person.email
        else [],
        "audit_event": _rows(
            select(AuditEvent)
            .where(
                or_(
                    (AuditEvent.object_type == "person") & (AuditEvent.object_id == person.id),
                    AuditEvent.actor_user_id == (account.id if account else -1),
                )
            )
            .order_by(AuditEvent.at)
        ),
    }
    record_event("person.exported", actor=actor, object_type="person", object_id=person.id)
    return data


def export_as_csv(data: dict[str, list[dict[str, Any]]]) -> str:
    """One CSV with a section per table: `table,field,value` rows (opens in Excel, any shape of data)."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(["table", "row", "field", "value"])
    for table, rows in data.items():
        for index, row in enumerate(rows, start=1):
            for field, value in row.items():
                text = "" if value is None else str(value)
                if text[:1] in ("=", "+", "-", "@"):
                    text = "'" + text
                writer.writerow([table, index, field, text])
    return "\ufeff" + buffer.getvalue()
