"""Places held for organisations on a session (seat quotas): the coordinator's page to hold and release them."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.booking import quotas
from tracker.booking.quota_forms import HoldPlacesForm, ReleasePlacesForm
from tracker.common.errors import TrackerError
from tracker.common.filters import pluralise
from tracker.common.forms import field_error, select_choices
from tracker.common.time import utc_now
from tracker.courses.models import TrainingSession
from tracker.extensions import db
from tracker.people.organisations import get_organisation, organisation_choices

bp = Blueprint("quotas", __name__)


def _session(session_id: int) -> TrainingSession:
    return db.get_or_404(TrainingSession, session_id)


@bp.route("/sessions/<int:session_id>/held-places", methods=["GET", "POST"])
def held_places(session_id: int) -> ResponseReturnValue:
    """The places held for organisations on a session, and a form to hold more."""
    training_session = _session(session_id)
    form = HoldPlacesForm()
    form.organisation.choices = select_choices([("", "Select an organisation"), *organisation_choices()])
    if form.validate_on_submit():
        organisation_id = form.organisation.data
        try:
            quota = quotas.add_quota(
                training_session=training_session,
                organisation=get_organisation(organisation_id) if organisation_id else None,
                places=form.places.data,
                release_on=form.release_on.data,
                actor=current_user,
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
            training_session = _session(session_id)
        else:
            flash(f"{pluralise(quota.places, 'place')} held for {quota.organisation.name}", "success")
            return redirect(url_for("quotas.held_places", session_id=session_id))
    held = quotas.list_quotas(session_id)
    return render_template(
        "booking/held_places.html",
        training_session=training_session,
        form=form,
        release_form=ReleasePlacesForm(),
        held=held,
        now=utc_now(),
    )


@bp.route("/sessions/<int:session_id>/held-places/<int:quota_id>/release", methods=["POST"])
def release_places(session_id: int, quota_id: int) -> ResponseReturnValue:
    """Give an organisation's held places to everyone now (the waiting list first)."""
    quota = quotas.get_quota(session_id, quota_id)
    if quota is None:
        abort(404)
    if not ReleasePlacesForm().validate_on_submit():
        abort(400)
    name = quota.organisation.name
    promoted = quotas.remove_quota(quota=quota, actor=current_user)
    told = f" {len(promoted)} from the waiting list got a place and are told by email." if promoted else ""
    flash(f"Places for {name} released to everyone.{told}", "success")
    return redirect(url_for("quotas.held_places", session_id=session_id))
