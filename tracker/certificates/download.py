"""A certificate as a download (pages and API alike), and the address of its check page."""

from __future__ import annotations

from flask import Response, current_app, url_for

from tracker.certificates import services
from tracker.certificates.models import Certificate
from tracker.certificates.pdf import certificate_pdf

SERVICE_NAME = "Prevent training"


def check_url(code: str) -> str:
    """The check page's absolute address, from TRACKER_BASE_URL (never from the request): what the QR code holds."""
    return current_app.config["TRACKER_BASE_URL"].rstrip("/") + url_for("certificates.check", code=code)


def pdf_response(certificate: Certificate) -> Response:
    """The PDF as an attachment named by its code; kept by no cache on the way."""
    content = services.certificate_content(certificate)
    body = certificate_pdf(content, check_url=check_url(certificate.code), service_name=SERVICE_NAME)
    filename = f"certificate-{services.display_code(certificate.code).lower()}.pdf"
    return Response(
        body,
        mimetype="application/pdf",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "private, no-store"},
    )
