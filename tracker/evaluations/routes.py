"""The evaluation form reached from the emailed link (signed out: the token is the credential), and the
coordinators' results page."""

from __future__ import annotations

from flask import Blueprint, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from wtforms.fields.choices import SelectChoice

from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.evaluations import results, services
from tracker.evaluations.forms import GiveFeedbackForm, ResultsFilterForm
from tracker.extensions import db

bp = Blueprint("evaluations", __name__)


def _not_valid() -> ResponseReturnValue:
    return render_template("evaluations/link_not_valid.html"), 404


@bp.route("/feedback/<token>", methods=["GET", "POST"])
def give_feedback(token: str) -> ResponseReturnValue:
    """The short evaluation form for one session, once per attendee."""
    try:
        link = services.open_link(token)
    except services.LinkNotValidError:
        return _not_valid()
    if link.answered:
        return render_template("evaluations/already_given.html", training_session=link.training_session)
    form = GiveFeedbackForm()
    if form.validate_on_submit():
        try:
            services.give_feedback(
                token=token,
                confidence_before=form.confidence_before.data,
                confidence_after=form.confidence_after.data,
                usefulness=form.usefulness.data,
                trainer_rating=form.trainer_rating.data,
                comment=form.comment.data,
            )
        except services.AlreadyAnsweredError:
            db.session.rollback()
            return render_template("evaluations/already_given.html", training_session=link.training_session)
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            return redirect(url_for("evaluations.feedback_sent"), 303)
    return render_template("evaluations/give_feedback.html", form=form, training_session=link.training_session)


@bp.route("/feedback/sent")
def feedback_sent() -> ResponseReturnValue:
    return render_template("evaluations/feedback_sent.html")


@bp.route("/evaluations")
def evaluation_results() -> ResponseReturnValue:
    """Results of the post-session evaluation by course and trainer, for a period; no names of who answered."""
    filters = ResultsFilterForm(formdata=request.args or None)
    filters.course_id.choices = [SelectChoice("", "All courses")] + [
        SelectChoice(str(c.id), f"{c.name} ({c.code})") for c in results.list_course_choices()
    ]
    filters.trainer_id.choices = [SelectChoice("", "All trainers")] + [
        SelectChoice(str(person_id), name) for person_id, name in results.list_trainer_choices()
    ]
    found = None
    if not request.args or filters.validate():
        answers = results.EvaluationFilter(
            course_id=filters.course_id.data,
            trainer_id=filters.trainer_id.data,
            date_from=filters.date_from.data,
            date_to=filters.date_to.data,
        )
        try:
            found = results.evaluation_results(answers)
        except results.EvaluationFilterError as error:
            field_error(filters, "date_from", error.message)
    return render_template(
        "evaluations/results.html", filters=filters, results=found, min_responses=results.MIN_RESPONSES
    )
