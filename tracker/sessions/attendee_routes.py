"""A session's attendee list (bookings and attendance) as CSV or .xlsx, for its delivering trainers and the
coordinator."""

from __future__ import annotations

from flask import Blueprint, Response
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.attendance.attendee_list import list_attendees
from tracker.common.audit import record_event
from tracker.common.permissions import require
from tracker.courses import session_queries
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.sessions import attendee_export

bp = Blueprint("attendee_list", __name__)


def _download(body: bytes, mimetype: str, name: str) -> Response:
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "private, no-store"},
    )


def _load(session_id: int) -> TrainingSession:
    training_session = db.get_or_404(TrainingSession, session_id)
    require(session_queries.can_manage_session(current_user, training_session))
    return training_session


@bp.route("/sessions/<int:session_id>/attendees.csv")
def export_csv(session_id: int) -> ResponseReturnValue:
    training_session = _load(session_id)
    rows = list_attendees(training_session)
    record_event(**attendee_export.export_event(training_session, rows=len(rows), file_format="csv"))
    return _download(attendee_export.attendees_csv(rows), "text/csv", attendee_export.filename(training_session, "csv"))


@bp.route("/sessions/<int:session_id>/attendees.xlsx")
def export_xlsx(session_id: int) -> ResponseReturnValue:
    training_session = _load(session_id)
    rows = list_attendees(training_session)
    record_event(**attendee_export.export_event(training_session, rows=len(rows), file_format="xlsx"))
    body = attendee_export.attendees_xlsx(rows, title=f"Attendees: {training_session.display_title}")
    return _download(body, attendee_export.XLSX, attendee_export.filename(training_session, "xlsx"))
