"""/api/v1/evaluations: post-session evaluation results by course and by trainer, for a period (coordinator only;
nothing names or could identify a respondent, and no comments)."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.api.common import ApiDate, PageArgs, id_field
from tracker.common.errors import TrackerError
from tracker.courses.services import find_course_by_code
from tracker.evaluations import results

blp = Blueprint("api_evaluations", __name__, url_prefix="/evaluations", description="Post-session evaluation results")


class UnknownCourseError(TrackerError):
    code = "unknown_course"
    status = 404


class EvaluationArgs(PageArgs):
    course = ma.fields.String(
        load_default=None,
        validate=ma.validate.Length(min=1, max=40),
        metadata={"description": "A course code, e.g. WRAP; all courses without it"},
    )
    trainer_id = id_field(load_default=None, metadata={"description": "Only sessions this person led or co-delivered"})
    date_from = ApiDate(
        data_key="from", format="%Y-%m-%d", load_default=None, metadata={"description": "Sessions from, YYYY-MM-DD"}
    )
    date_to = ApiDate(
        data_key="to", format="%Y-%m-%d", load_default=None, metadata={"description": "Sessions to, YYYY-MM-DD"}
    )


SUPPRESSED = "null when `suppressed`"


class FiguresSchema(ma.Schema):
    suppressed = ma.fields.Boolean(
        required=True,
        metadata={
            "description": f"Fewer than {results.MIN_RESPONSES} responses, or (`overall`) a total that would give away"
            " such a course by subtraction: no figures shown"
        },
    )
    responses = ma.fields.Integer(allow_none=True, metadata={"description": SUPPRESSED})
    confidence_before = ma.fields.Float(allow_none=True, metadata={"description": f"Average 1–5; {SUPPRESSED}"})
    confidence_after = ma.fields.Float(allow_none=True, metadata={"description": f"Average 1–5; {SUPPRESSED}"})
    confidence_rise = ma.fields.Float(allow_none=True, metadata={"description": "After less before"})
    usefulness = ma.fields.Float(allow_none=True, metadata={"description": "Average 1–5"})
    useful_percent = ma.fields.Integer(allow_none=True, metadata={"description": "Answered 4 or 5 on usefulness"})
    trainer_rating = ma.fields.Float(allow_none=True, metadata={"description": "Average 1–5"})


class CourseFiguresSchema(FiguresSchema):
    course_code = ma.fields.String(required=True)
    course_name = ma.fields.String(required=True)


class TrainerFiguresSchema(FiguresSchema):
    trainer_id = ma.fields.Integer(required=True, metadata={"description": "The trainer's person id"})
    trainer_name = ma.fields.String(required=True)


class EvaluationResultsSchema(ma.Schema):
    items = ma.fields.List(ma.fields.Nested(CourseFiguresSchema), required=True)
    total = ma.fields.Integer(required=True, metadata={"description": "Courses with responses"})
    overall = ma.fields.Nested(FiguresSchema, required=True)
    by_trainer = ma.fields.List(
        ma.fields.Nested(TrainerFiguresSchema),
        required=True,
        metadata={
            "description": "Each trainer who led or co-delivered a session with responses (observers are not rated), "
            "by name; not paged. A session with two trainers counts for both."
        },
    )


def _number(value):
    return float(value) if value is not None else None


def _figures(group: results.GroupFigures) -> dict:
    return {
        "suppressed": group.suppressed,
        "responses": None if group.suppressed else group.responses,
        "confidence_before": _number(group.confidence_before),
        "confidence_after": _number(group.confidence_after),
        "confidence_rise": _number(group.confidence_rise),
        "usefulness": _number(group.usefulness),
        "useful_percent": group.useful_percent,
        "trainer_rating": _number(group.trainer_rating),
    }


@blp.route("")
class Evaluations(MethodView):
    @blp.arguments(EvaluationArgs, location="query")
    @blp.response(200, EvaluationResultsSchema)
    @blp.alt_response(404, response="NOT_FOUND")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY")
    def get(self, args):
        """Averages per course (confidence to recognise and refer a Prevent concern before and after, usefulness,
        trainer rating) of the sessions starting in the period; `overall` for all of them; `by_trainer` per trainer.

        `from` and `to` are London dates, both included; `from` after `to` is a 422 naming `from`; an unknown
        course is a 404. Courses and trainers with fewer than 3 responses show `suppressed` and no figures.
        With `trainer_id`, `by_trainer` also lists whoever delivered those sessions with them.
        """
        course_id = None
        if args["course"] is not None:
            course = find_course_by_code(args["course"])
            if course is None:
                raise UnknownCourseError(f"No course with code {args['course']}", field="course")
            course_id = course.id
        answers = results.EvaluationFilter(
            course_id=course_id, trainer_id=args["trainer_id"], date_from=args["date_from"], date_to=args["date_to"]
        )
        answers.check()
        groups = results.figures_by_course(answers)
        start = (args["page"] - 1) * args["per_page"]
        items = [
            {"course_code": g.code, "course_name": g.label, **_figures(g)}
            for g in groups[start : start + args["per_page"]]
        ]
        by_trainer = [
            {"trainer_id": g.key, "trainer_name": g.label, **_figures(g)} for g in results.figures_by_trainer(answers)
        ]
        return {
            "items": items,
            "total": len(groups),
            "overall": _figures(results.overall_of(groups, "All sessions")),
            "by_trainer": by_trainer,
        }
