"""/api/v1/coverage: the coverage report as JSON (coordinators see everything, managers their departments)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ApiDate, id_field
from tracker.common.permissions import acting_user
from tracker.common.time import today_london
from tracker.coverage import loading, queries

blp = Blueprint("api_coverage", __name__, url_prefix="/coverage", description="Training coverage")


class CoverageArgs(ma.Schema):
    course = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    as_of = ApiDate(format="%Y-%m-%d", load_default=None)
    period_start = ApiDate(format="%Y-%m-%d", load_default=None)
    organisation_id = id_field(load_default=None)


class CoverageRowSchema(ma.Schema):
    organisation_id = ma.fields.Integer(required=True)
    organisation = ma.fields.String(required=True)
    department_id = ma.fields.Integer(allow_none=True, metadata={"description": "null on an organisation's total row"})
    department = ma.fields.String(allow_none=True, metadata={"description": "The department's full path"})
    required = ma.fields.Integer(required=True)
    trained = ma.fields.Integer(required=True)
    percent = ma.fields.Integer(allow_none=True, metadata={"description": "Rounded half up; null if none required"})
    rag = ma.fields.String(allow_none=True, validate=ma.validate.OneOf(["green", "amber", "red"]))
    sessions_delivered = ma.fields.Integer(required=True)
    attendees = ma.fields.Integer(required=True)


class CoverageSchema(ma.Schema):
    course = ma.fields.String(required=True)
    as_of = ApiDate(required=True)
    period_start = ApiDate(required=True)
    target_percent = ma.fields.Integer(required=True)
    rows = ma.fields.List(ma.fields.Nested(CoverageRowSchema), required=True)


@blp.route("")
class Coverage(MethodView):
    @blp.arguments(CoverageArgs, location="query")
    @blp.response(200, CoverageSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    def get(self, args):
        """Coverage of a course as of a day: one row per department and one total per organisation.

        A manager's token sees only the departments they manage (and beneath), without totals.
        Defaults: as_of today (London), period_start a year before as_of.
        """
        user = acting_user()
        course = loading.get_course(args["course"])
        report = queries.coverage_report(
            course=course,
            as_of=args["as_of"] or today_london(),
            period_start=args["period_start"],
            organisation_id=args["organisation_id"],
            scope=loading.scope_for(user),
        )
        return {
            "course": course.code,
            "as_of": report.as_of,
            "period_start": report.period_start,
            "target_percent": report.target_percent,
            "rows": [
                {
                    "organisation_id": row.organisation_id,
                    "organisation": row.organisation,
                    "department_id": row.department_id,
                    "department": row.department_path,
                    "required": row.required,
                    "trained": row.trained,
                    "percent": row.percent,
                    "rag": row.rag.value if row.rag else None,
                    "sessions_delivered": row.sessions_delivered,
                    "attendees": row.attendees,
                }
                for row in report.rows
            ],
        }
