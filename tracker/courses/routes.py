"""Courses, their equivalents and requirements: the coordinator's pages (sessions are in tracker.courses.sessions)."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.common.errors import TrackerError
from tracker.common.forms import field_error, id_arg, select_choices
from tracker.common.paging import paginate
from tracker.courses import services, standard
from tracker.courses.forms import CourseForm, EquivalentForm, RequirementForm
from tracker.courses.models import Course, Requirement
from tracker.extensions import db
from tracker.people import organisations
from tracker.people.models import Department, Organisation

bp = Blueprint("courses", __name__)

COURSE_FORM_FIELDS = services.COURSE_FIELDS


def _actor():
    return current_user._get_current_object()


@bp.route("/courses")
def list_courses() -> ResponseReturnValue:
    """Every course, with validity, target and equivalents."""
    return render_template(
        "courses/courses.html", courses=services.list_courses(), missing_standard=standard.missing_standard_courses()
    )


@bp.route("/courses/standard", methods=["POST"])
def add_standard_courses() -> ResponseReturnValue:
    """Add the standard Prevent courses not yet known (WRAP, Basic Awareness, e-learning, CTLP briefing)."""
    added = standard.add_standard_courses(actor=_actor())
    flash(f"Added {', '.join(c.code for c in added)}" if added else "Every standard course is already here", "success")
    return redirect(url_for("courses.list_courses"))


@bp.route("/courses/new", methods=["GET", "POST"])
def new_course() -> ResponseReturnValue:
    """Add a course."""
    if request.method == "GET":
        form = CourseForm(
            data={
                "duration_minutes": 90,
                "counts_for_compliance": True,
                "target_percent": 85,
                "required_observations": 2,
                "required_co_deliveries": 1,
            }
        )
    else:
        form = CourseForm()
    if form.validate_on_submit():
        try:
            course = services.create_course(
                **{name: getattr(form, name).data for name in COURSE_FORM_FIELDS}, actor=_actor()
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{course.code} added", "success")
            return redirect(url_for("courses.course", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=None)


def _render_course(course: Course, form: EquivalentForm | None = None) -> str:
    form = form or EquivalentForm(formdata=None)
    current = {c.id for c in course.equivalents}
    form.equivalent.choices = select_choices(
        [("", "Choose a course")]
        + [(i, label) for i, label in services.course_choices() if i != course.id and i not in current]
    )
    return render_template(
        "courses/course.html",
        course=course,
        form=form,
        requirements=list(db.session.scalars(services.requirements_query(course_id=course.id))),
    )


@bp.route("/courses/<int:course_id>")
def course(course_id: int) -> ResponseReturnValue:
    """A course: its settings, the courses that also count for it, and who must complete it."""
    return _render_course(db.get_or_404(Course, course_id))


@bp.route("/courses/<int:course_id>/edit", methods=["GET", "POST"])
def edit_course(course_id: int) -> ResponseReturnValue:
    """Change a course's settings."""
    course = db.get_or_404(Course, course_id)
    form = CourseForm(obj=course) if request.method == "GET" else CourseForm()
    if form.validate_on_submit():
        try:
            services.update_course(
                course=course, actor=_actor(), **{name: getattr(form, name).data for name in COURSE_FORM_FIELDS}
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{course.code} saved", "success")
            return redirect(url_for("courses.course", course_id=course.id))
    return render_template("courses/course_form.html", form=form, course=course)


@bp.route("/courses/<int:course_id>/equivalents", methods=["POST"])
def add_equivalent(course_id: int) -> ResponseReturnValue:
    """Another course's completion will also satisfy this one."""
    course = db.get_or_404(Course, course_id)
    form = EquivalentForm()
    form.equivalent.choices = select_choices([("", "Choose a course"), *services.course_choices()])
    if form.validate_on_submit():
        try:
            services.add_equivalent(
                course=course, equivalent=db.get_or_404(Course, form.equivalent.data), actor=_actor()
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, "equivalent", error.message)
        else:
            flash("Equivalent course added", "success")
            return redirect(url_for("courses.course", course_id=course.id))
    db.session.rollback()
    return _render_course(course, form)


@bp.route("/courses/<int:course_id>/equivalents/<int:equivalent_id>/remove", methods=["POST"])
def remove_equivalent(course_id: int, equivalent_id: int) -> ResponseReturnValue:
    """Stop counting another course's completion for this one."""
    course = db.get_or_404(Course, course_id)
    services.remove_equivalent(course=course, equivalent=db.get_or_404(Course, equivalent_id), actor=_actor())
    flash("Equivalent course removed", "success")
    return redirect(url_for("courses.course", course_id=course.id))


@bp.route("/requirements")
def list_requirements() -> ResponseReturnValue:
    """Which courses are required of whom, from when."""
    page = paginate(services.requirements_query(), per_page=100)
    return render_template("courses/requirements.html", page=page, pager=page.pagination())


@bp.route("/requirements/new", methods=["GET", "POST"])
def new_requirement() -> ResponseReturnValue:
    """Require a course of an organisation's people (chosen first), optionally a department and job titles."""
    organisation_id = id_arg("organisation_id")
    organisation = db.session.get(Organisation, organisation_id) if organisation_id else None
    if organisation is None:
        return render_template("courses/choose_organisation.html", organisations=organisations.organisation_choices())
    form = RequirementForm()
    if request.method == "GET" and id_arg("course_id"):
        form.course.data = id_arg("course_id")
    form.course.choices = select_choices([("", "Choose a course"), *services.course_choices()])
    form.department_id.choices = select_choices(
        [("", "Every department"), *organisations.department_choices(organisation.id)]
    )
    if form.validate_on_submit():
        try:
            requirement = services.create_requirement(
                course=db.get_or_404(Course, form.course.data),
                organisation=organisation,
                department=db.session.get(Department, form.department_id.data) if form.department_id.data else None,
                job_titles=(form.job_titles.data or "").splitlines(),
                from_date=form.from_date.data,
                actor=_actor(),
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"{requirement.course.code} is now required at {organisation.name}", "success")
            return redirect(url_for("courses.list_requirements"))
    return render_template("courses/requirement_form.html", form=form, organisation=organisation)


@bp.route("/requirements/<int:requirement_id>/remove", methods=["POST"])
def remove_requirement(requirement_id: int) -> ResponseReturnValue:
    """Remove a requirement (audited)."""
    requirement = db.get_or_404(Requirement, requirement_id)
    services.remove_requirement(requirement=requirement, actor=_actor())
    flash("Requirement removed", "success")
    return redirect(url_for("courses.list_requirements"))
