"""/api/v1/partner-returns: organisations' own compliance figures."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.accounts.models import Role
from tracker.api.common import ApiDate, PageArgs, id_field, list_schema, page_of
from tracker.common.errors import TrackerError
from tracker.common.permissions import acting_user
from tracker.courses.models import Course
from tracker.courses.services import find_course_by_code
from tracker.coverage import returns
from tracker.extensions import db
from tracker.people.models import Organisation

blp = Blueprint("api_returns", __name__, url_prefix="/partner-returns", description="Partner compliance returns")


class PartnerReturnSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    organisation_id = id_field(
        strict=True, load_default=None, allow_none=True, metadata={"description": "Defaults to your organisation"}
    )
    course_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    period_end = ApiDate(required=True)
    compliant = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=0, max=10_000_000))
    eligible = ma.fields.Integer(required=True, strict=True, validate=ma.validate.Range(min=1, max=10_000_000))
    note = ma.fields.String(load_default=None, allow_none=True, load_only=True, validate=ma.validate.Length(max=2000))
    percent = ma.fields.Integer(dump_only=True, allow_none=True)
    rag = ma.fields.String(dump_only=True, allow_none=True, metadata={"enum": ["green", "amber", "red"]})


class ReturnArgs(PageArgs):
    organisation_id = id_field(load_default=None)
    course = ma.fields.String(load_default=None, metadata={"description": "A course code, e.g. WRAP"})


PartnerReturnList = list_schema(PartnerReturnSchema, "PartnerReturnList")


def _dump(figures: returns.ReturnFigures) -> dict:
    r = figures.partner_return
    return {
        "id": r.id,
        "organisation_id": r.organisation_id,
        "course_code": r.course.code,
        "period_end": r.period_end,
        "compliant": r.compliant,
        "eligible": r.eligible,
        "percent": figures.percent,
        "rag": figures.rag.value if figures.rag else None,
    }


def _course(code: str | None) -> Course | None:
    if code is None:
        return None
    course = find_course_by_code(code)
    if course is None:
        raise TrackerError(f"No course with code {code}", code="unknown_course", field="course_code")
    return course


@blp.route("")
class PartnerReturns(MethodView):
    @blp.arguments(ReturnArgs, location="query")
    @blp.response(200, PartnerReturnList)
    def get(self, args):
        """Returns with percent and RAG. A partner contact's token sees only their organisation's."""
        user = acting_user()
        organisation_id = args["organisation_id"]
        if not user.has_role(Role.COORDINATOR):
            organisation_id = user.person.organisation_id
        course = _course(args["course"])
        statement = returns.returns_query(organisation_id=organisation_id, course_id=course.id if course else None)
        page = page_of(statement, args)
        return {"items": [_dump(returns.with_figures(r)) for r in page["items"]], "total": page["total"]}

    @blp.arguments(PartnerReturnSchema)
    @blp.response(201, PartnerReturnSchema)
    def post(self, data):
        """Submit or resubmit a return (a resubmission for the same period replaces it; the old one is kept)."""
        user = acting_user()
        organisation = db.session.get(Organisation, data["organisation_id"] or user.person.organisation_id)
        if organisation is None:
            raise TrackerError(f"No organisation with id {data['organisation_id']}", field="organisation_id")
        partner_return = returns.submit_return(
            organisation=organisation,
            course=_course(data["course_code"]),
            period_end=data["period_end"],
            compliant=data["compliant"],
            eligible=data["eligible"],
            note=data["note"],
            actor=user,
        )
        return _dump(returns.with_figures(partner_return))
