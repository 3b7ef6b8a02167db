"""Certificates of attendance: issuing one (a button, POST), downloading its PDF, and the public check page."""

from __future__ import annotations

from flask import Blueprint, abort, current_app, redirect, render_template, url_for
from flask.typing import ResponseReturnValue
from flask_login import current_user

from tracker.attendance.models import TrainingRecord
from tracker.certificates import services
from tracker.certificates.download import pdf_response
from tracker.common.permissions import require
from tracker.extensions import db, limiter

bp = Blueprint("certificates", __name__)


def _check_limit() -> str:
    return current_app.config["CERTIFICATE_CHECK_LIMIT"]


@bp.route("/training-records/<int:record_id>/certificate", methods=["POST"])
def issue(record_id: int) -> ResponseReturnValue:
    """Issue the record's certificate if it has none yet, then download it."""
    record = db.get_or_404(TrainingRecord, record_id)
    require(services.can_have_certificate(current_user, record))
    services.issue_certificate(record=record, actor=current_user)
    return redirect(url_for("certificates.download", record_id=record.id), 303)


@bp.route("/training-records/<int:record_id>/certificate.pdf")
def download(record_id: int) -> ResponseReturnValue:
    """The certificate as PDF (404 until it is issued, or once the record it came from is gone)."""
    record = db.get_or_404(TrainingRecord, record_id)
    require(services.can_have_certificate(current_user, record))
    certificate = services.find_certificate(record)
    if certificate is None or not services.is_valid(certificate):
        abort(404)
    return pdf_response(certificate)


@bp.route("/certificates/<code>")
@limiter.limit(_check_limit)
def check(code: str) -> ResponseReturnValue:
    """Public: is this certificate genuine and current? Says only the course, dates and initial and surname."""
    result = services.check_code(code)
    if result is None:
        return render_template("certificates/unknown.html"), 404
    return render_template("certificates/check.html", result=result, shown_code=services.display_code(result.code))
