"""/api/v1/sessions/{id}/attendees (JSON), .csv and .xlsx: a session's bookings and attendance, as on the session
page. For the session's delivering trainers and the coordinator (`can_manage_session`); every download is audited."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import PageArgs, list_schema
from tracker.attendance.attendee_list import AttendeeRow, attendee_statement, list_attendees, to_attendee_row
from tracker.attendance.models import AttendanceOutcome
from tracker.booking.models import BookingStatus
from tracker.common.audit import record_event
from tracker.common.paging import paginate
from tracker.common.permissions import acting_user, require
from tracker.courses import session_queries
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.sessions import attendee_export

blp = Blueprint("api_attendees", __name__, description="Attendee lists: a session's bookings and attendance")


class AttendeeSchema(ma.Schema):
    booking_id = ma.fields.Integer()
    person_id = ma.fields.Integer()
    first_name = ma.fields.String()
    last_name = ma.fields.String()
    email = ma.fields.String(allow_none=True)
    organisation = ma.fields.String(allow_none=True)
    department = ma.fields.String(allow_none=True, metadata={"description": "placement on the session's day"})
    booking_status = ma.fields.Enum(BookingStatus, by_value=True)
    booked_at = ma.fields.DateTime()
    attendance = ma.fields.Enum(
        AttendanceOutcome, by_value=True, allow_none=True, metadata={"description": "null: not marked"}
    )
    walk_in = ma.fields.Boolean()
    signed_off = ma.fields.Boolean()
    record_made = ma.fields.Boolean()


AttendeeList = list_schema(AttendeeSchema, "AttendeeList")
FILE = {"type": "string", "format": "binary"}


def _managed(session_id: int) -> TrainingSession:
    training_session = db.get_or_404(TrainingSession, session_id)
    require(session_queries.can_manage_session(acting_user(), training_session))
    return training_session


def _file(training_session: TrainingSession, file_format: str) -> Response:
    rows = list_attendees(training_session)
    record_event(
        **attendee_export.export_event(training_session, rows=len(rows), file_format=file_format), actor=acting_user()
    )
    if file_format == "csv":
        body, mimetype = attendee_export.attendees_csv(rows), "text/csv"
    else:
        title = f"Attendees: {training_session.display_title}"
        body, mimetype = attendee_export.attendees_xlsx(rows, title=title), attendee_export.XLSX
    name = attendee_export.filename(training_session, file_format)
    return Response(body, mimetype=mimetype, headers={"Content-Disposition": f'attachment; filename="{name}"'})


def _json(row: AttendeeRow) -> dict[str, Any]:
    return {
        "booking_id": row.booking_id,
        "person_id": row.person_id,
        "first_name": row.first_name,
        "last_name": row.last_name,
        "email": row.email,
        "organisation": row.organisation,
        "department": row.department,
        "booking_status": row.booking_status,
        "booked_at": row.booked_at,
        "attendance": row.attendance,
        "walk_in": row.walk_in,
        "signed_off": row.signed_off,
        "record_made": row.record_made,
    }


@blp.route("/sessions/<int:session_id>/attendees")
class SessionAttendees(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, AttendeeList)
    def get(self, args, session_id):
        """Everyone booked on the session (every status), by surname: the department they were in on the session's
        day, when they booked, their mark, whether they walked in, and whether sign-off made them a record."""
        training_session = _managed(session_id)
        page = paginate(
            attendee_statement(training_session),
            number=args["page"],
            per_page=args["per_page"],
            scalars=False,
            clamp_to_last_page=False,
        )
        signed_off = training_session.is_signed_off
        return {
            "items": [_json(to_attendee_row(row, signed_off=signed_off)) for row in page.items],
            "total": page.total,
        }


@blp.route("/sessions/<int:session_id>/attendees.csv")
class SessionAttendeesCsv(MethodView):
    @blp.response(200, FILE, content_type="text/csv")
    def get(self, session_id):
        """The attendee list as CSV (UTF-8 with a BOM; no cell runs as a formula)."""
        return _file(_managed(session_id), "csv")


@blp.route("/sessions/<int:session_id>/attendees.xlsx")
class SessionAttendeesXlsx(MethodView):
    @blp.response(200, FILE, content_type=attendee_export.XLSX)
    def get(self, session_id):
        """The attendee list as an .xlsx workbook (every text cell stored as text)."""
        return _file(_managed(session_id), "xlsx")
