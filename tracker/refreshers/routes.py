"""The manager's choice on My team: get the weekly digest of their team's training, or not."""

from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, request, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.refreshers import digest
from tracker.refreshers.forms import DigestPreferenceForm

bp = Blueprint("refreshers", __name__)


@bp.app_template_global("team_digest_form")
def team_digest_form() -> tuple[DigestPreferenceForm, bool]:
    """For My team: the form and whether the signed-in manager gets the digest now (one statement)."""
    wanted = digest.wants_digest(current_user.person)
    form = DigestPreferenceForm(formdata=None, wanted="no" if wanted else "yes")
    return form, wanted


@bp.route("/my-team/weekly-email", methods=["POST"])
def digest_preference() -> ResponseReturnValue:
    """Stop or start the weekly email about the team."""
    form = DigestPreferenceForm()
    if not form.validate_on_submit():
        abort(400)
    wanted = form.wanted.data == "yes"
    digest.set_opt_out(current_user.person, opted_out=not wanted)
    flash(
        "You will get the weekly email about your team when something changes."
        if wanted
        else "You will no longer get the weekly email about your team.",
        "success",
    )
    course = request.args.get("course")
    return redirect(url_for("coverage.my_team", course=course) if course else url_for("coverage.my_team"))
