"""The audit log page and subject access exports (coordinator)."""

from __future__ import annotations

import json

from flask import Blueprint, Response, render_template, request
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.audit.forms import AuditFilterForm
from tracker.audit.queries import AuditFilter, audit_query
from tracker.audit.subject_access import export_as_csv, export_person
from tracker.common.paging import paginate
from tracker.extensions import db
from tracker.people.models import Person

bp = Blueprint("audit", __name__)
PER_PAGE = 50


@bp.route("/audit")
def audit_log() -> ResponseReturnValue:
    """Who did what and when, newest first, filterable."""
    form = AuditFilterForm(request.args)
    criteria = AuditFilter()
    if request.args and form.validate():
        criteria = AuditFilter(
            action=form.action.data or None,
            actor=form.actor.data or None,
            object_type=form.object_type.data or None,
            object_id=form.object_id.data,
            from_date=form.from_date.data,
            to_date=form.to_date.data,
        )
    page = paginate(audit_query(criteria), per_page=PER_PAGE)
    return render_template("audit/log.html", form=form, page=page)


@bp.route("/people/<int:person_id>/export.json", methods=["POST"])
def export_json(person_id: int) -> ResponseReturnValue:
    """Everything held about one person, as JSON (a subject access request). POST: the export is audited."""
    person = db.get_or_404(Person, person_id)
    data = export_person(person, actor=current_user)
    body = json.dumps({"person_id": person.id, "tables": data}, indent=2, default=str)
    return Response(
        body,
        mimetype="application/json",
        headers={"Content-Disposition": f'attachment; filename="person-{person.id}.json"'},
    )


@bp.route("/people/<int:person_id>/export.csv", methods=["POST"])
def export_csv(person_id: int) -> ResponseReturnValue:
    """Everything held about one person, as CSV (a subject access request)."""
    person = db.get_or_404(Person, person_id)
    data = export_person(person, actor=current_user)
    return Response(
        export_as_csv(data),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="person-{person.id}.csv"'},
    )
