"""The one-page certificate of attendance as PDF (ReportLab), with a QR code (segno) of its check page's address.

Text is set in Bitstream Vera, which ships inside ReportLab (so every server has it) and is embedded as a subset
with its Unicode map: names such as "Zoë O’Brien" print and can be copied or searched. The QR code is a PNG of one
pixel per module, scaled up by the PDF, so the image in the file is exactly segno's matrix.
"""

from __future__ import annotations

import io
from functools import cache

import segno
from reportlab.lib.colors import HexColor
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen import canvas

from tracker.attendance.models import last_valid_day
from tracker.certificates.services import CertificateContent, display_code
from tracker.common.time import format_date

FONT, BOLD = "CertificateVera", "CertificateVeraBold"
#: Quiet zone around the QR code, in modules (the standard's minimum).
QR_BORDER = 4
QR_SIZE = 40 * mm
INK = HexColor("#0b0c0c")
RULE = HexColor("#1d70b8")


@cache
def _register_fonts() -> None:
    pdfmetrics.registerFont(TTFont(FONT, "Vera.ttf"))
    pdfmetrics.registerFont(TTFont(BOLD, "VeraBd.ttf"))


def qr_code(url: str) -> segno.QRCode:
    """The QR code printed for `url` (error correction M: survives a crease or a smudge)."""
    return segno.make(url, error="m", micro=False)


def _qr_png(url: str) -> io.BytesIO:
    buffer = io.BytesIO()
    qr_code(url).save(buffer, kind="png", scale=1, border=QR_BORDER)
    buffer.seek(0)
    return buffer


def _centred(pdf: canvas.Canvas, y: float, text: str, font: str, size: float) -> None:
    pdf.setFont(font, size)
    width, _ = A4
    # Long course or organisation names shrink to fit the page rather than run off it.
    while size > 8 and pdf.stringWidth(text, font, size) > width - 40 * mm:
        size -= 1
        pdf.setFont(font, size)
    pdf.drawCentredString(width / 2, y, text)


def certificate_pdf(content: CertificateContent, *, check_url: str, service_name: str) -> bytes:
    """The certificate as PDF bytes: who, what, when, by whom, for which organisation, until when, and how to check."""
    _register_fonts()
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, pagesize=A4, invariant=True)
    pdf.setTitle(f"Certificate of attendance: {content.course_name}")
    pdf.setAuthor(service_name)
    pdf.setSubject(f"Verification code {display_code(content.code)}")
    width, height = A4
    pdf.setStrokeColor(RULE)
    pdf.setLineWidth(3)
    pdf.rect(15 * mm, 15 * mm, width - 30 * mm, height - 30 * mm)
    pdf.setFillColor(INK)

    y = height - 50 * mm
    _centred(pdf, y, "Certificate of attendance", BOLD, 28)
    y -= 20 * mm
    _centred(pdf, y, "This is to certify that", FONT, 13)
    y -= 14 * mm
    _centred(pdf, y, content.full_name, BOLD, 24)
    y -= 9 * mm
    if content.organisation:
        _centred(pdf, y, content.organisation, FONT, 13)
    y -= 14 * mm
    _centred(pdf, y, "attended", FONT, 13)
    y -= 12 * mm
    _centred(pdf, y, content.course_name, BOLD, 18)
    y -= 10 * mm
    _centred(pdf, y, f"on {format_date(content.completed_on)}", FONT, 13)
    y -= 16 * mm

    facts = [
        ("Trainer" if len(content.trainers) == 1 else "Trainers", ", ".join(content.trainers) or "Not recorded"),
        ("Completed", format_date(content.completed_on)),
        ("Valid until", format_date(last_valid_day(content.expires_on)) if content.expires_on else "Does not expire"),
        ("Verification code", display_code(content.code)),
    ]
    for label, value in facts:
        pdf.setFont(BOLD, 12)
        pdf.drawRightString(width / 2 - 3 * mm, y, f"{label}:")
        pdf.setFont(FONT, 12)
        pdf.drawString(width / 2 + 3 * mm, y, value)
        y -= 8 * mm

    qr_x, qr_y = (width - QR_SIZE) / 2, 40 * mm
    pdf.drawImage(ImageReader(_qr_png(check_url)), qr_x, qr_y, QR_SIZE, QR_SIZE)
    pdf.setFont(FONT, 10)
    pdf.drawCentredString(width / 2, qr_y - 6 * mm, "Check this certificate by scanning the code or at")
    pdf.drawCentredString(width / 2, qr_y - 11 * mm, check_url)
    pdf.setFont(FONT, 9)
    pdf.drawCentredString(width / 2, 22 * mm, f"Issued by {service_name} on {format_date(content.issued_at)}")
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()
