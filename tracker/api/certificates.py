"""/api/v1/training-records/{id}/certificate: a certificate of attendance from a signed-off training record.

POST issues it (201; 200 when it already was), GET tells its code, check address and whether it is still valid, and
GET .../certificate.pdf downloads it. For the person the record is about and the coordinator (403 otherwise); a
record not made by a register is a 409, a certificate not issued (or withdrawn with its record) a 404.
"""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from tracker.attendance.models import TrainingRecord
from tracker.certificates import services
from tracker.certificates.download import check_url, pdf_response
from tracker.certificates.models import Certificate
from tracker.common.permissions import acting_user, require
from tracker.extensions import db

blp = Blueprint("api_certificates", __name__, description="Certificates of attendance")


class CertificateSchema(ma.Schema):
    record_id = ma.fields.Integer()
    code = ma.fields.String(metadata={"description": "12 characters of base32, printed in groups of four"})
    check_url = ma.fields.String(metadata={"description": "the public page that confirms the certificate"})
    valid = ma.fields.Boolean()
    issued_at = ma.fields.DateTime()


def _record(record_id: int) -> TrainingRecord:
    record = db.get_or_404(TrainingRecord, record_id)
    require(services.can_have_certificate(acting_user(), record))
    return record


def _issued(record: TrainingRecord) -> Certificate:
    certificate = services.find_certificate(record)
    if certificate is None:
        raise services.NotIssuedError("No certificate has been issued for this record: POST to issue one")
    return certificate


def _json(record: TrainingRecord, certificate: Certificate) -> dict[str, Any]:
    return {
        "record_id": record.id,
        "code": certificate.code,
        "check_url": check_url(certificate.code),
        "valid": services.is_valid(certificate),
        "issued_at": certificate.issued_at,
    }


@blp.route("/training-records/<int:record_id>/certificate")
class RecordCertificate(MethodView):
    @blp.response(200, CertificateSchema)
    @blp.alt_response(403, response="FORBIDDEN", description="Not your record (and you are not the coordinator)")
    def get(self, record_id):
        """The record's certificate: its code, check address, and whether it is valid (404: not issued)."""
        record = _record(record_id)
        return _json(record, _issued(record))

    @blp.response(201, CertificateSchema)
    @blp.alt_response(403, response="FORBIDDEN", description="Not your record (and you are not the coordinator)")
    @blp.alt_response(200, schema=CertificateSchema, description="Already issued: the same certificate")
    @blp.alt_response(409, response="CONFLICT", description="The record was not made by a signed-off register")
    @blp.alt_response(422, response="UNPROCESSABLE_ENTITY", description="The person's details were erased")
    def post(self, record_id):
        """Issue the record's certificate (once: asking again answers the same one with 200)."""
        record = _record(record_id)
        certificate, issued = services.issue_certificate(record=record, actor=acting_user())
        return _json(record, certificate), 201 if issued else 200


@blp.route("/training-records/<int:record_id>/certificate.pdf")
class RecordCertificatePdf(MethodView):
    @blp.response(200, {"type": "string", "format": "binary"}, content_type="application/pdf")
    @blp.alt_response(403, response="FORBIDDEN", description="Not your record (and you are not the coordinator)")
    def get(self, record_id):
        """The certificate as a one-page PDF (404: not issued, or withdrawn with its record)."""
        record = _record(record_id)
        certificate = _issued(record)
        if not services.is_valid(certificate):
            raise services.NotIssuedError(
                "This certificate was withdrawn: its training record was corrected or removed"
            )
        return pdf_response(certificate)
