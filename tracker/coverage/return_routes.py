"""Partner returns: partner contacts submit their organisation's compliance figures; the coordinator sees all."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user
from wtforms.fields.choices import SelectChoice

from tracker.accounts.models import Role
from tracker.common.errors import TrackerError
from tracker.common.forms import field_error, id_arg
from tracker.common.permissions import require
from tracker.courses.models import Course
from tracker.courses.services import list_courses
from tracker.coverage import returns
from tracker.coverage.models import PartnerReturn
from tracker.coverage.return_forms import PartnerReturnForm
from tracker.extensions import db
from tracker.people.models import Organisation
from tracker.people.organisations import list_organisations

bp = Blueprint("returns", __name__, url_prefix="/partner-returns")


def _is_coordinator() -> bool:
    return current_user.has_role(Role.COORDINATOR)


@bp.route("")
def list_returns() -> ResponseReturnValue:
    """Returns with percent and RAG: a partner sees their organisation's, the coordinator everyone's."""
    organisation_id = id_arg("organisation_id") if _is_coordinator() else None
    if not _is_coordinator():
        organisation_id = current_user.person.organisation_id
    rows = returns.list_returns(organisation_id=organisation_id)
    organisations = list_organisations(partners_only=True) if _is_coordinator() else []
    return render_template("returns/list.html", rows=rows, organisations=organisations, organisation_id=organisation_id)


@bp.route("/new", methods=["GET", "POST"])
def submit_return() -> ResponseReturnValue:
    """Submit a return (or resubmit: it replaces the earlier one for the same period, which is kept)."""
    form = PartnerReturnForm()
    courses = list_courses(counted_for_compliance=True)
    form.course_id.choices = [SelectChoice(str(c.id), f"{c.name} ({c.code})") for c in courses]
    if _is_coordinator():
        organisations = list_organisations()
        form.organisation_id.choices = [SelectChoice(str(o.id), o.name) for o in organisations]
    else:
        own = current_user.person.organisation
        form.organisation_id.choices = [SelectChoice(str(own.id), own.name)]
    if form.validate_on_submit():
        organisation = db.session.get(Organisation, form.organisation_id.data)
        course = db.session.get(Course, form.course_id.data)
        try:
            partner_return = returns.submit_return(
                organisation=organisation,
                course=course,
                period_end=form.period_end.data,
                compliant=form.compliant.data,
                eligible=form.eligible.data,
                note=form.note.data,
                actor=current_user,
            )
        except TrackerError as error:
            db.session.rollback()
            field_error(form, error.field, error.message)
        else:
            flash(f"Return for {course.code}, period ending {form.period_end.data.isoformat()}, saved", "success")
            return redirect(url_for("returns.return_detail", return_id=partner_return.id))
    return render_template("returns/submit.html", form=form, coordinator=_is_coordinator())


@bp.route("/<int:return_id>")
def return_detail(return_id: int) -> ResponseReturnValue:
    """One return with every earlier version it replaced."""
    partner_return = db.get_or_404(PartnerReturn, return_id)
    require(returns.can_submit_for(current_user, partner_return.organisation))
    return render_template(
        "returns/detail.html",
        figures=returns.with_figures(partner_return),
        versions=returns.list_versions(partner_return),
    )
