"""/api/v1/courses and /api/v1/requirements (reading: any token; adding: coordinator)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ApiDate, PageArgs, StrictBoolean, id_field, list_schema, page_of
from tracker.common.errors import TrackerError
from tracker.common.permissions import acting_user
from tracker.courses import services
from tracker.courses.models import Requirement
from tracker.extensions import db
from tracker.people.models import Department, Organisation

blp = Blueprint("api_courses", __name__, url_prefix="", description="Courses and who must complete them")


class CourseSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    code = ma.fields.String(
        required=True,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "e.g. WRAP; stored upper-case."},
    )
    name = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=200))
    validity_months = ma.fields.Integer(
        allow_none=True,
        load_default=None,
        validate=ma.validate.Range(min=1, max=600),
        metadata={"description": "Months a completion stays valid; null: it never expires."},
    )
    target_percent = ma.fields.Integer(load_default=85, validate=ma.validate.Range(min=0, max=100))
    counts_for_compliance = StrictBoolean(load_default=True)


class RequirementSchema(ma.Schema):
    id = ma.fields.Integer(dump_only=True)
    course_code = ma.fields.String(required=True, validate=ma.validate.Length(min=1, max=40))
    organisation_id = id_field(required=True, strict=True)
    department_id = id_field(
        strict=True,
        allow_none=True,
        load_default=None,
        metadata={"description": "The requirement covers this department and every team inside it; null: all."},
    )
    job_titles = ma.fields.List(
        ma.fields.String(validate=ma.validate.Length(min=1, max=200)),
        load_default=list,
        validate=ma.validate.Length(max=200),
        metadata={"description": "Compared ignoring case; empty: every job title."},
    )
    from_date = ApiDate(required=True)


class RequirementArgs(PageArgs):
    course_code = ma.fields.String(validate=ma.validate.Length(max=40))
    organisation_id = id_field()


CourseList = list_schema(CourseSchema, "CourseList")
RequirementList = list_schema(RequirementSchema, "RequirementList")


def requirement_record(requirement: Requirement) -> dict[str, Any]:
    return {
        "id": requirement.id,
        "course_code": requirement.course.code,
        "organisation_id": requirement.organisation_id,
        "department_id": requirement.department_id,
        "job_titles": list(requirement.job_titles or []),
        "from_date": requirement.from_date,
    }


@blp.route("/courses")
class Courses(MethodView):
    @blp.arguments(PageArgs, location="query")
    @blp.response(200, CourseList)
    def get(self, args):
        """List courses, by code."""
        return page_of(services.courses_query(), args)

    @blp.arguments(CourseSchema)
    @blp.response(201, CourseSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Add a course (coordinator). 409 if the code is taken."""
        course = services.create_course(**data, actor=acting_user())
        return course


@blp.route("/requirements")
class Requirements(MethodView):
    @blp.arguments(RequirementArgs, location="query")
    @blp.response(200, RequirementList)
    def get(self, args):
        """List requirements: which course is required of whom, from when."""
        course_id = organisation_id = None
        if args.get("course_code"):
            course = services.find_course_by_code(args["course_code"])
            course_id = course.id if course else -1
        organisation_id = args.get("organisation_id")
        page = page_of(services.requirements_query(course_id=course_id, organisation_id=organisation_id), args)
        return {"items": [requirement_record(r) for r in page["items"]], "total": page["total"]}

    @blp.arguments(RequirementSchema)
    @blp.response(201, RequirementSchema)
    @blp.alt_response(409, response="CONFLICT")
    def post(self, data):
        """Require a course of an organisation's people (coordinator), optionally narrowed to a department
        subtree and job titles, from a date. 409 for the same requirement twice."""
        course = services.find_course_by_code(data["course_code"])
        if course is None:
            raise TrackerError(f"There is no course with the code {data['course_code']}", field="course_code")
        organisation = db.session.get(Organisation, data["organisation_id"])
        if organisation is None:
            raise TrackerError(f"There is no organisation with id {data['organisation_id']}", field="organisation_id")
        department = None
        if data["department_id"] is not None:
            department = db.session.get(Department, data["department_id"])
            if department is None:
                raise TrackerError(f"There is no department with id {data['department_id']}", field="department_id")
        try:
            requirement = services.create_requirement(
                course=course,
                organisation=organisation,
                department=department,
                job_titles=data["job_titles"],
                from_date=data["from_date"],
                actor=acting_user(),
            )
        except TrackerError as error:
            error.field = {"course": "course_code"}.get(error.field or "", error.field)
            raise
        return requirement_record(requirement)
