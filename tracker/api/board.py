"""/api/v1/board-report: the board report's tables for a period as JSON (coordinator only)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ApiDate, id_field
from tracker.common.time import to_london
from tracker.coverage import board, board_rows, loading

blp = Blueprint("api_board", __name__, url_prefix="/board-report", description="The Health and Wellbeing Board report")

RAG = ma.validate.OneOf(["green", "amber", "red"])


class BoardReportArgs(ma.Schema):
    date_from = ApiDate(
        data_key="from", format="%Y-%m-%d", required=True, metadata={"description": "First day, YYYY-MM-DD"}
    )
    date_to = ApiDate(data_key="to", format="%Y-%m-%d", required=True, metadata={"description": "Last day, YYYY-MM-DD"})
    course = ma.fields.String(
        load_default=board.DEFAULT_COURSE,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "Course of the council departments' table (default WRAP)"},
    )
    trainer_id = id_field(
        load_default=None,
        metadata={"description": "Only sessions this person led or co-delivered, in sessions_delivered"},
    )


class PartnerReturnRowSchema(ma.Schema):
    organisation_id = ma.fields.Integer(required=True)
    organisation = ma.fields.String(required=True)
    course_code = ma.fields.String(required=True)
    period_end = ma.fields.Date(required=True)
    compliant = ma.fields.Integer(required=True)
    eligible = ma.fields.Integer(required=True)
    percent = ma.fields.Integer(allow_none=True)
    target_percent = ma.fields.Integer(required=True)
    rag = ma.fields.String(allow_none=True, validate=RAG)


class DepartmentRowSchema(ma.Schema):
    organisation_id = ma.fields.Integer(required=True)
    organisation = ma.fields.String(required=True)
    department_id = ma.fields.Integer(allow_none=True, metadata={"description": "null on the organisation's total"})
    department = ma.fields.String(allow_none=True)
    required = ma.fields.Integer(required=True, metadata={"description": "Staff requiring training on `to`"})
    trained = ma.fields.Integer(required=True, metadata={"description": "Staff trained on `to`"})
    percent = ma.fields.Integer(allow_none=True)
    target_percent = ma.fields.Integer(required=True)
    rag = ma.fields.String(allow_none=True, validate=RAG)
    sessions_delivered = ma.fields.Integer(required=True, metadata={"description": "Between `from` and `to`"})
    attendees = ma.fields.Integer(required=True)


class DeliveryRowSchema(ma.Schema):
    organisation_id = ma.fields.Integer(allow_none=True, metadata={"description": "null: all organisations"})
    organisation = ma.fields.String(allow_none=True)
    organisation_kind = ma.fields.String(allow_none=True)
    course_code = ma.fields.String(allow_none=True, metadata={"description": "null: all courses"})
    sessions = ma.fields.Integer(required=True)
    attendees = ma.fields.Integer(required=True, metadata={"description": "Attended or partly attended"})


class PeriodPointSchema(ma.Schema):
    organisation_id = ma.fields.Integer(required=True)
    organisation = ma.fields.String(required=True)
    course_code = ma.fields.String(required=True)
    period_end = ma.fields.Date(required=True)
    source = ma.fields.String(
        required=True, validate=ma.validate.OneOf([board_rows.FROM_RETURN, board_rows.FROM_REGISTERS])
    )
    numerator = ma.fields.Integer(required=True, metadata={"description": "Compliant, or trained"})
    denominator = ma.fields.Integer(required=True, metadata={"description": "Eligible, or required"})
    percent = ma.fields.Integer(allow_none=True)
    target_percent = ma.fields.Integer(required=True)


class RequestRowSchema(ma.Schema):
    id = ma.fields.Integer(required=True)
    received_on = ma.fields.Date(required=True, metadata={"description": "London date"})
    organisation = ma.fields.String(required=True)
    organisation_kind = ma.fields.String(required=True)
    contact_name = ma.fields.String(required=True)
    staff_count = ma.fields.Integer(required=True)
    status = ma.fields.String(required=True)
    session_id = ma.fields.Integer(allow_none=True)
    session_starts_at = ma.fields.DateTime(allow_none=True)


class TrainingRequestsSchema(ma.Schema):
    by_status = ma.fields.Dict(keys=ma.fields.String(), values=ma.fields.Integer(), required=True)
    items = ma.fields.List(ma.fields.Nested(RequestRowSchema), required=True)


class BoardReportSchema(ma.Schema):
    date_from = ma.fields.Date(data_key="from", required=True)
    date_to = ma.fields.Date(data_key="to", required=True)
    course = ma.fields.String(required=True)
    target_percent = ma.fields.Integer(required=True)
    trainer_id = ma.fields.Integer(allow_none=True)
    partner_returns = ma.fields.List(ma.fields.Nested(PartnerReturnRowSchema), required=True)
    departments = ma.fields.List(ma.fields.Nested(DepartmentRowSchema), required=True)
    sessions_delivered = ma.fields.List(ma.fields.Nested(DeliveryRowSchema), required=True)
    percent_by_period = ma.fields.List(ma.fields.Nested(PeriodPointSchema), required=True)
    training_requests = ma.fields.Nested(TrainingRequestsSchema, required=True)


def _value(value):
    return getattr(value, "value", value)


def dump(report: board_rows.BoardReport) -> dict:
    """The report as the API's plain data (the same tables as the page and the downloads)."""
    return {
        "date_from": report.date_from,
        "date_to": report.date_to,
        "course": report.course.code,
        "target_percent": report.course.target_percent,
        "trainer_id": report.trainer.person_id if report.trainer else None,
        "partner_returns": [
            {
                "organisation_id": r.organisation_id,
                "organisation": r.organisation,
                "course_code": r.course_code,
                "period_end": r.period_end,
                "compliant": r.compliant,
                "eligible": r.eligible,
                "percent": r.percent,
                "target_percent": r.target_percent,
                "rag": _value(r.rag),
            }
            for table in report.return_tables
            for r in table.rows
        ],
        "departments": [
            {
                "organisation_id": row.organisation_id,
                "organisation": row.organisation,
                "department_id": row.department_id,
                "department": row.department,
                "required": row.required,
                "trained": row.trained,
                "percent": row.percent,
                "target_percent": row.target_percent,
                "rag": _value(row.rag),
                "sessions_delivered": row.sessions_delivered,
                "attendees": row.attendees,
            }
            for row in report.department_rows
        ],
        "sessions_delivered": [
            {
                "organisation_id": row.organisation_id,
                "organisation": row.organisation,
                "organisation_kind": _value(row.organisation_kind),
                "course_code": row.course_code,
                "sessions": row.sessions,
                "attendees": row.attendees,
            }
            for row in report.deliveries
        ],
        "percent_by_period": [
            {
                "organisation_id": p.organisation_id,
                "organisation": p.organisation,
                "course_code": p.course_code,
                "period_end": p.period_end,
                "source": p.source,
                "numerator": p.numerator,
                "denominator": p.denominator,
                "percent": p.percent,
                "target_percent": p.target_percent,
            }
            for p in report.period_points
        ],
        "training_requests": {
            "by_status": {status.value: count for status, count in report.request_counts.items()},
            "items": [
                {
                    "id": r.id,
                    "received_on": to_london(r.received_at).date(),
                    "organisation": r.organisation_name,
                    "organisation_kind": r.organisation_kind.value,
                    "contact_name": r.contact_name,
                    "staff_count": r.staff_count,
                    "status": r.status.value,
                    "session_id": r.session_id,
                    "session_starts_at": to_london(r.session_starts_at) if r.session_starts_at else None,
                }
                for r in report.requests
            ],
        },
    }


@blp.route("")
class BoardReport(MethodView):
    @blp.arguments(BoardReportArgs, location="query")
    @blp.response(200, BoardReportSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """The board report for a period: partner returns (Tables 1–4), council departments (Table 5),
        sessions delivered by organisation (section 1.18), percent by period (the chart), training requests.

        `from` and `to` are London dates, both included; `from` after `to` is a 422 naming `from`; an unknown course is a 404.
        """
        report = board.board_report(
            date_from=args["date_from"],
            date_to=args["date_to"],
            course=loading.get_course(args["course"]),
            trainer_id=args["trainer_id"],
        )
        return dump(report)
