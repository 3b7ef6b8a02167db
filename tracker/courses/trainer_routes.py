"""The trainer pathway pages: who is training to deliver which course, and accrediting them."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tracker.accounts.models import Role
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.common.permissions import require
from tracker.courses import pathway
from tracker.courses.models import Course, TrainerAccreditation
from tracker.courses.services import list_courses
from tracker.courses.trainer_forms import AddTraineeForm
from tracker.extensions import db
from tracker.people.models import Person
from tracker.people.services import find_person_by_email

bp = Blueprint("trainers", __name__, url_prefix="/trainers")


@bp.route("")
def list_trainers() -> ResponseReturnValue:
    """Everyone on the trainer pathway and where they are."""
    return render_template("trainers/list.html", rows=pathway.list_pathway())


@bp.route("/add", methods=["GET", "POST"])
def add_trainee() -> ResponseReturnValue:
    """Put someone on the pathway for a course (they then observe and co-deliver sessions)."""
    form = AddTraineeForm()
    form.course_id.choices = [SelectChoice("0", "Choose a course")] + [
        SelectChoice(str(c.id), f"{c.name} ({c.code})") for c in list_courses()
    ]
    if form.validate_on_submit():
        person = find_person_by_email(form.email.data)
        course = db.session.get(Course, form.course_id.data)
        if person is None:
            field_error(form, "email", "There is nobody with this email address: add them as a person first")
        elif course is None:
            field_error(form, "course_id", "Select a course")
        else:
            try:
                pathway.add_trainee(person=person, course=course, actor=current_user)
            except TrackerError as error:
                db.session.rollback()
                field_error(form, "email", error.message)
            else:
                flash(f"{person.full_name} is now a trainee trainer for {course.code}", "success")
                return redirect(url_for("trainers.list_trainers"))
    return render_template("trainers/add.html", form=form)


@bp.route("/people/<int:person_id>")
def trainer_detail(person_id: int) -> ResponseReturnValue:
    """One person's pathway: sessions observed, co-delivered and led, against what each course needs."""
    person = db.get_or_404(Person, person_id)
    require(current_user.has_role(Role.COORDINATOR) or current_user.person_id == person.id)
    return render_template("trainers/detail.html", person=person, rows=pathway.list_pathway(person_id=person.id))


@bp.route("/accreditations/<int:accreditation_id>/accredit", methods=["POST"])
def accredit(accreditation_id: int) -> ResponseReturnValue:
    """Accredit a trainee who has observed and co-delivered enough sessions to lead the course."""
    accreditation = db.get_or_404(TrainerAccreditation, accreditation_id)
    try:
        pathway.accredit(accreditation=accreditation, actor=current_user)
    except TrackerError as error:
        db.session.rollback()
        flash(error.message, "error")
    else:
        flash("Accredited: they can now lead sessions of this course", "success")
    return redirect(url_for("trainers.trainer_detail", person_id=accreditation.person_id))
