"""The board report (one printable page for a period, with CSV and .xlsx downloads), demand planning, and the
organisations not yet reached (whom the board asked to offer training to)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue

from tracker.common.audit import record_event
from tracker.common.forms import field_error
from tracker.common.time import today_london
from tracker.courses.models import Course
from tracker.coverage import board, board_chart, board_export, board_rows, demand, loading, outreach
from tracker.coverage.board_forms import BoardReportForm, DemandPlanningForm
from tracker.coverage.loading import CoverageError
from tracker.evaluations.results import MIN_RESPONSES

bp = Blueprint("board", __name__)

#: The service names fields as the API does; the page's form calls the dates date_from and date_to.
FORM_FIELDS = {"from": "date_from", "to": "date_to"}
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _default_course_code(courses: list[Course]) -> str | None:
    codes = [c.code for c in courses]
    return board.DEFAULT_COURSE if board.DEFAULT_COURSE in codes else (codes[0] if codes else None)


@dataclass(frozen=True)
class _Question:
    date_from: date
    date_to: date
    course: Course
    trainer_id: int | None

    def args(self) -> dict:
        args = {"from": self.date_from.isoformat(), "to": self.date_to.isoformat(), "course": self.course.code}
        if self.trainer_id is not None:
            args["trainer_id"] = self.trainer_id
        return args


def _report_form(courses: list[Course], trainers: list[board_rows.TrainerChoice], formdata) -> BoardReportForm:
    form = BoardReportForm(formdata=formdata or None)
    form.course.choices = [(c.code, f"{c.name} ({c.code})") for c in courses]
    form.trainer_id.choices = [("", "Anyone")] + [(str(t.person_id), t.name) for t in trainers]
    if not form.course.data:
        form.course.data = _default_course_code(courses)
    return form


def _read_question(form: BoardReportForm, courses: list[Course], formdata) -> _Question | None:
    """The period asked for, with defaults (the last 12 months, WRAP); None when the form has errors."""
    if formdata and not form.validate():
        return None
    course = next((c for c in courses if c.code == form.course.data), None)
    if course is None:
        return None
    form.date_to.data = form.date_to.data or today_london()
    form.date_from.data = form.date_from.data or board.default_period(form.date_to.data)[0]
    return _Question(form.date_from.data, form.date_to.data, course, form.trainer_id.data)


def _build(formdata) -> tuple[BoardReportForm, _Question | None, board_rows.BoardReport | None]:
    courses = loading.list_courses()
    form = _report_form(courses, board.list_trainers(), formdata)
    question = _read_question(form, courses, formdata)
    report = None
    if question is not None:
        try:
            report = board.board_report(
                date_from=question.date_from,
                date_to=question.date_to,
                course=question.course,
                trainer_id=question.trainer_id,
                courses=courses,
            )
        except board.BoardReportError as error:
            field_error(form, FORM_FIELDS.get(error.field or "", error.field), error.message)
    return form, question, report


@bp.route("/board-report")
def board_report() -> ResponseReturnValue:
    """The Health and Wellbeing Board report for a period: returns, council departments, sessions, chart, requests."""
    form, question, report = _build(request.args)
    return render_template(
        "board/report.html",
        form=form,
        report=report,
        charts=board_chart.draw_charts(report) if report else [],
        args=question.args() if question and report else {},
        evaluation_min_responses=MIN_RESPONSES,
    )


def _export(extension: str) -> ResponseReturnValue:
    """Build the report from the posted fields, audit the download, and send the file."""
    _form, question, report = _build(request.form)
    if report is None or question is None:
        args = {key: value for key, value in request.form.items() if key != "csrf_token"}
        return redirect(url_for("board.board_report", **args))
    if extension == "csv":
        body, mimetype = board_export.board_csv(report), "text/csv"
    else:
        body, mimetype = board_export.board_xlsx(report), XLSX_MIMETYPE
    record_event(
        "board_report.exported",
        object_type="board_report",
        after={"format": extension, **question.args()},
    )
    return Response(
        body,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="{board_export.filename(report, extension)}"'},
    )


@bp.route("/board-report/export.csv", methods=["POST"])
def export_csv() -> ResponseReturnValue:
    """The board report as one CSV file (POST: downloads are audited)."""
    return _export("csv")


@bp.route("/board-report/export.xlsx", methods=["POST"])
def export_xlsx() -> ResponseReturnValue:
    """The board report as an .xlsx workbook with one sheet per table (POST: downloads are audited)."""
    return _export("xlsx")


def _default_target(today: date) -> date:
    """The next 31 March (the end of the financial year, when NHS England's target falls due)."""
    year = today.year if today < date(today.year, 3, 31) else today.year + 1
    return date(year, 3, 31)


@bp.route("/demand-planning")
def demand_planning() -> ResponseReturnValue:
    """Per department: who to train to reach the target by a date, and how many sessions that takes."""
    courses = loading.list_courses()
    tree = loading.load_tree()
    form = DemandPlanningForm(formdata=request.args or None)
    form.course.choices = [(c.code, f"{c.name} ({c.code})") for c in courses]
    form.organisation_id.choices = [("", "All organisations")] + [
        (str(o), name) for o, name in sorted(tree.organisations.items(), key=lambda item: item[1].casefold())
    ]
    if not form.course.data:
        form.course.data = _default_course_code(courses)
    if not request.args:
        form.target_date.data = _default_target(today_london())
    plan = None
    course = next((c for c in courses if c.code == form.course.data), None)
    if course is not None and (not request.args or form.validate()):
        try:
            plan = demand.demand_plan(
                course=course,
                target_date=form.target_date.data,
                organisation_id=form.organisation_id.data,
                fill_percent=form.fill_percent.data,
                no_show_percent=form.no_show_percent.data,
                places=form.places.data,
                tree=tree,
            )
        except (demand.DemandError, CoverageError) as error:
            field_error(form, error.field, error.message)
    return render_template("board/demand.html", form=form, plan=plan, courses=courses)


@bp.route("/organisations-not-reached")
def not_reached() -> ResponseReturnValue:
    """Partner organisations with nobody at a session and no compliance return in the last 12 months."""
    return render_template("requests/not_reached.html", reach=outreach.organisations_not_reached())
