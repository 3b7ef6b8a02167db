"""Asking for training (public, no sign-in) and the coordinator's list of requests."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.common.errors import TrackerError
from tracker.common.forms import field_error
from tracker.common.paging import paginate
from tracker.extensions import db, limiter
from tracker.requests import services
from tracker.requests.forms import TrainingRequestForm, UpdateRequestForm
from tracker.requests.models import RequestStatus, TrainingRequest

bp = Blueprint("requests", __name__)


def _public_limit() -> str:
    return current_app.config["PUBLIC_FORM_LIMIT"]


def _sent(response) -> bool:
    return response.status_code == 302


@bp.route("/request-training", methods=["GET", "POST"])
@limiter.limit(_public_limit, methods=["POST"], deduct_when=_sent)
def request_training() -> ResponseReturnValue:
    """The public form on which any organisation asks for Prevent training."""
    form = TrainingRequestForm()
    if form.validate_on_submit():
        if form.website.data:  # a bot filled in the hidden field: look successful, keep nothing
            return redirect(url_for("requests.request_sent"))
        training_request = services.submit_request(
            organisation_name=form.organisation_name.data,
            organisation_kind=form.organisation_kind.data,
            contact_name=form.contact_name.data,
            email=form.email.data,
            phone=form.phone.data,
            staff_count=form.staff_count.data,
            preferred_dates=form.preferred_dates.data,
            notes=form.notes.data,
        )
        from tracker.requests.emails import queue_acknowledgement

        queue_acknowledgement(training_request)
        return redirect(url_for("requests.request_sent"))
    return render_template("requests/request_training.html", form=form)


@bp.route("/request-training/sent")
def request_sent() -> ResponseReturnValue:
    """Confirmation that a request was received."""
    return render_template("requests/request_sent.html")


@bp.route("/training-requests")
def list_requests() -> ResponseReturnValue:
    """The coordinator's list of requests, newest first, filterable by status."""
    status = request.args.get("status")
    chosen = RequestStatus(status) if status in set(RequestStatus) else None
    page = paginate(services.requests_query(status=chosen), per_page=25)
    return render_template("requests/list.html", page=page, chosen=chosen, counts=services.count_by_status())


@bp.route("/training-requests/<int:request_id>", methods=["GET", "POST"])
def request_detail(request_id: int) -> ResponseReturnValue:
    """One request: the details, its history, and moving it on with a note."""
    training_request = db.get_or_404(TrainingRequest, request_id)
    form = UpdateRequestForm(status=training_request.status.value)
    if form.validate_on_submit():
        try:
            services.change_status(
                training_request=training_request, status=form.status.data, note=form.note.data, actor=current_user
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash("Request updated", "success")
            return redirect(url_for("requests.request_detail", request_id=request_id))
    return render_template("requests/detail.html", training_request=training_request, form=form)


@bp.route("/training-requests/<int:request_id>/schedule", methods=["POST"])
def schedule_session(request_id: int) -> ResponseReturnValue:
    """Start a session for this request: its organisation is found or added, then the session form opens
    restricted to that organisation; saving the session marks the request scheduled."""
    training_request = db.get_or_404(TrainingRequest, request_id)
    services.organisation_for(training_request=training_request, actor=current_user)
    return redirect(url_for("sessions.create_session", request_id=training_request.id))
