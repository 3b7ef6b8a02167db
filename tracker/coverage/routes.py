"""Coverage pages: the report (with its chart and CSV), drilling down to a department, and My team."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import Blueprint, Response, abort, flash, redirect, render_template, request, session, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.common.audit import record_event
from tracker.common.forms import field_error, parse_id
from tracker.common.permissions import require
from tracker.common.time import today_london
from tracker.courses.models import Course
from tracker.coverage import export, loading, people_to_train, queries, team, trend
from tracker.coverage.forms import BookUntrainedForm, CoverageFilterForm, TeamCourseForm
from tracker.coverage.loading import CoverageError, CoverageScope, DepartmentTree
from tracker.extensions import db
from tracker.people.models import Department

bp = Blueprint("coverage", __name__)

DEFAULT_COURSE = "WRAP"
PEOPLE_PER_PAGE = 50
TEAM_PER_PAGE = 50


def _default_course_code(courses: list[Course]) -> str | None:
    codes = [c.code for c in courses]
    return DEFAULT_COURSE if DEFAULT_COURSE in codes else (codes[0] if codes else None)


def _course_from(courses: list[Course], code: str | None) -> Course | None:
    return next((c for c in courses if c.code == code), None)


@dataclass(frozen=True)
class _Filters:
    course: Course
    as_of: date
    period_start: date
    organisation_id: int | None


def _filter_form(courses: list[Course], tree: DepartmentTree, scope: CoverageScope) -> CoverageFilterForm:
    form = CoverageFilterForm(formdata=request.args if request.args else None)
    form.course.choices = [(c.code, f"{c.name} ({c.code})") for c in courses]
    if scope.everything:
        form.organisation_id.choices = [("", "All organisations")] + [
            (str(o), name) for o, name in sorted(tree.organisations.items(), key=lambda item: item[1].casefold())
        ]
    else:
        del form.organisation_id
    if not form.course.data:
        form.course.data = _default_course_code(courses)
    return form


def _read_filters(form: CoverageFilterForm, courses: list[Course]) -> _Filters | None:
    """The filters asked for, with defaults (WRAP, today in London, a year before); None if the form is wrong."""
    if request.args and not form.validate():
        return None
    course = _course_from(courses, form.course.data)
    if course is None:
        return None
    as_of = form.as_of.data or today_london()
    period_start = form.period_start.data or queries.default_period_start(as_of)
    form.as_of.data, form.period_start.data = as_of, period_start
    organisation_id = form.organisation_id.data if "organisation_id" in form else None
    return _Filters(course, as_of, period_start, organisation_id)


def _query_args(filters: _Filters, **extra) -> dict:
    args = {
        "course": filters.course.code,
        "as_of": filters.as_of.isoformat(),
        "period_start": filters.period_start.isoformat(),
    }
    if filters.organisation_id is not None:
        args["organisation_id"] = filters.organisation_id
    return {**args, **extra}


@bp.route("/coverage")
def coverage_report() -> ResponseReturnValue:
    """Trained against required per organisation and department, sessions delivered, and percent by quarter."""
    scope = loading.scope_for(current_user)
    tree = loading.load_tree()
    courses = loading.list_courses()
    form = _filter_form(courses, tree, scope)
    filters = _read_filters(form, courses)
    report = quarterly = None
    if filters is not None:
        context = loading.load_context(course=filters.course, scope=scope, tree=tree)
        try:
            report = queries.coverage_report(
                course=filters.course,
                as_of=filters.as_of,
                period_start=filters.period_start,
                organisation_id=filters.organisation_id,
                context=context,
            )
        except CoverageError as error:
            field_error(form, error.field, error.message)
        else:
            quarterly = trend.quarterly_coverage(
                course=filters.course,
                as_of=filters.as_of,
                organisation_id=filters.organisation_id,
                context=context,
                organisation_ids=[o.organisation_id for o in report.organisations],
            )
    return render_template(
        "coverage/report.html",
        form=form,
        courses=courses,
        report=report,
        quarterly=quarterly,
        scope=scope,
        args=_query_args(filters) if filters and report else {},
    )


@bp.route("/coverage/export.csv")
def export_csv() -> ResponseReturnValue:
    """The coverage report as a CSV file for Excel (same filters as the page)."""
    scope = loading.scope_for(current_user)
    tree = loading.load_tree()
    courses = loading.list_courses()
    form = _filter_form(courses, tree, scope)
    filters = _read_filters(form, courses)
    if filters is None:
        return redirect(url_for("coverage.coverage_report", **request.args))
    context = loading.load_context(course=filters.course, scope=scope, tree=tree)
    try:
        report = queries.coverage_report(
            course=filters.course,
            as_of=filters.as_of,
            period_start=filters.period_start,
            organisation_id=filters.organisation_id,
            context=context,
        )
    except CoverageError:
        return redirect(url_for("coverage.coverage_report", **request.args))
    body, filename = export.coverage_csv(report), export.csv_filename(report)
    event = export.export_event(report, actor=current_user, organisation_id=filters.organisation_id)
    record_event(**event)
    return Response(
        body,
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


@bp.route("/coverage/departments/<int:department_id>")
def department_detail(department_id: int) -> ResponseReturnValue:
    """One department and its teams: their coverage, and the people not trained or expiring within 90 days."""
    department = db.get_or_404(Department, department_id)
    scope = loading.scope_for(current_user)
    tree = loading.load_tree()
    require(queries.can_view_department(scope, department, tree=tree))
    courses = loading.list_courses()
    form = _filter_form(courses, tree, scope)
    if "organisation_id" in form:
        del form.organisation_id
    filters = _read_filters(form, courses)
    report = people = None
    if filters is not None:
        context = loading.load_context(course=filters.course, scope=scope, tree=tree)
        try:
            report = queries.coverage_report(
                course=filters.course,
                as_of=filters.as_of,
                period_start=filters.period_start,
                department_id=department.id,
                context=context,
            )
        except CoverageError as error:
            field_error(form, error.field, error.message)
        else:
            page = max(1, request.args.get("page", 1, type=int) or 1)
            people = people_to_train.list_people_to_train(
                context=context, department_id=department.id, as_of=filters.as_of, page=page, per_page=PEOPLE_PER_PAGE
            )
    # Breadcrumbs: the departments above this one that the user may open.
    visible = None if scope.everything else tree.subtree(scope.managed_department_ids)
    ancestors = []
    parent_id = department.parent_id
    while parent_id is not None and parent_id in tree.departments:
        if visible is None or parent_id in visible:
            ancestors.insert(0, tree.departments[parent_id])
        parent_id = tree.departments[parent_id].parent_id
    return render_template(
        "coverage/department.html",
        form=form,
        department=department,
        organisation_name=tree.organisations.get(department.organisation_id, ""),
        ancestors=ancestors,
        report=report,
        people=people,
        scope=scope,
        args=_query_args(filters) if filters and report else {},
    )


@bp.route("/my-team")
def my_team() -> ResponseReturnValue:
    """The manager's team: each member's standing on a course, the team's percent, and who needs booking."""
    courses = loading.list_courses()
    form = TeamCourseForm(formdata=request.args if request.args else None)
    form.course.choices = [(c.code, f"{c.name} ({c.code})") for c in courses]
    if not form.course.data:
        form.course.data = _default_course_code(courses)
    status = None
    if not request.args or form.validate():
        course = _course_from(courses, form.course.data)
        if course is not None:
            status = team.team_status(manager=current_user.person, course=course)
    page = max(1, request.args.get("page", 1, type=int) or 1)
    pages = max(1, -(-len(status.members) // TEAM_PER_PAGE)) if status else 1
    page = min(page, pages)
    members = status.members[(page - 1) * TEAM_PER_PAGE : page * TEAM_PER_PAGE] if status else []
    return render_template("coverage/my_team.html", form=form, status=status, members=members, page=page, pages=pages)


#: Where the POST of "book the untrained" leaves, for the page it redirects to, what it did (Post/Redirect/Get).
BOOKED_UNTRAINED_KEY = "booked_untrained"


@bp.route("/my-team/book-untrained", methods=["GET", "POST"])
def book_untrained() -> ResponseReturnValue:
    """Confirm, then book each untrained team member onto the earliest session of the course with a place."""
    courses = loading.list_courses()
    course = _course_from(courses, request.args.get("course") or _default_course_code(courses))
    if course is None:
        abort(404)
    form = BookUntrainedForm()
    if form.validate_on_submit():
        person_ids = [i for i in map(parse_id, request.form.getlist("person_id")) if i is not None]
        outcomes = team.book_untrained(manager=current_user.person, course=course, person_ids=person_ids)
        if not outcomes:
            flash("Nobody needed booking: nothing was changed.", "info")
            return redirect(url_for("coverage.my_team", course=course.code))
        session[BOOKED_UNTRAINED_KEY] = {
            "course": course.code,
            "bookings": [o.booking.id for o in outcomes if o.booking is not None],
            "not_placed": [[o.person.id, o.problem] for o in outcomes if o.booking is None],
        }
        return redirect(url_for("coverage.booked_untrained", course=course.code))
    groups, stranded = team.group_plan(team.plan_untrained_bookings(manager=current_user.person, course=course))
    return render_template("coverage/book_untrained.html", form=form, course=course, groups=groups, stranded=stranded)


@bp.route("/my-team/book-untrained/done")
def booked_untrained() -> ResponseReturnValue:
    """What "book the untrained" just did: who has a place on which session, and who could not be placed."""
    done = session.pop(BOOKED_UNTRAINED_KEY, None)
    courses = loading.list_courses()
    course = _course_from(courses, (done or {}).get("course") or request.args.get("course"))
    if not done or course is None:
        return redirect(url_for("coverage.my_team", course=course.code if course else None))
    booked, missed = team.list_booked_outcomes(
        manager=current_user.person,
        booking_ids=[i for i in done.get("bookings", []) if isinstance(i, int)],
        not_placed=[(int(p), str(why)) for p, why in done.get("not_placed", []) if isinstance(p, int)],
    )
    return render_template("coverage/booked_untrained.html", course=course, booked=booked, missed=missed)
