"""A session's attendee list as CSV (UTF-8 with a BOM, CRLF, opens cleanly in Excel) and as an .xlsx workbook.
No cell is ever run as a formula: CSV text starting like one gets a leading apostrophe (`coverage.export.safe_cell`,
the project's one rule for it), and every text cell of the workbook is stored as text."""

from __future__ import annotations

import csv
import io
import re
from datetime import datetime

from openpyxl import Workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.attendance.attendee_list import AttendeeRow
from tracker.common.time import to_london
from tracker.courses.models import TrainingSession
from tracker.coverage.export import safe_cell

HEADER = (
    "name",
    "email",
    "organisation",
    "department",
    "booking_status",
    "booked_at",
    "attendance",
    "walk_in",
    "signed_off",
    "record_made",
)
MAX_WIDTH = 50
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _booked_at(value: datetime) -> datetime:
    """London wall-clock time, to the minute, without a zone (spreadsheets have none)."""
    return to_london(value).replace(tzinfo=None, second=0, microsecond=0)


def _attendance(row: AttendeeRow) -> str:
    if row.attendance is not None:
        return row.attendance.value
    return "not marked" if row.booking_status == "confirmed" else ""


def _yes_no(value: bool) -> str:
    return "yes" if value else "no"


def attendee_values(row: AttendeeRow) -> tuple:
    """One row in HEADER order: text, and the booking time as a datetime."""
    return (
        row.name,
        row.email or "",
        row.organisation or "",
        row.department or "",
        row.booking_status.value,
        _booked_at(row.booked_at),
        _attendance(row),
        _yes_no(row.walk_in),
        _yes_no(row.signed_off),
        _yes_no(row.record_made),
    )


def attendees_csv(rows: list[AttendeeRow]) -> bytes:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in rows:
        writer.writerow(
            [
                value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else safe_cell(value)
                for value in attendee_values(row)
            ]
        )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def attendees_xlsx(rows: list[AttendeeRow], *, title: str) -> bytes:
    workbook = Workbook()
    sheet = workbook.active
    sheet.title = "Attendees"
    workbook.properties.title = title
    workbook.properties.creator = "Prevent Training Tracker"
    widths = [len(name) for name in HEADER]
    bold = Font(bold=True)
    for column, name in enumerate(HEADER, start=1):
        sheet.cell(row=1, column=column, value=name).font = bold
    for row_number, row in enumerate(rows, start=2):
        for column, value in enumerate(attendee_values(row), start=1):
            if isinstance(value, datetime):
                cell = sheet.cell(row=row_number, column=column, value=value)
                cell.number_format = "yyyy-mm-dd hh:mm"
                widths[column - 1] = max(widths[column - 1], 16)
            else:
                text = ILLEGAL_CHARACTERS_RE.sub("", value)
                cell = sheet.cell(row=row_number, column=column, value=text)
                cell.data_type = "s"  # text, even when it starts with "=": never a formula
                widths[column - 1] = max(widths[column - 1], len(text))
    for column, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(column)].width = min(width + 2, MAX_WIDTH)
    sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(training_session: TrainingSession, extension: str) -> str:
    code = re.sub(r"[^a-z0-9]+", "-", training_session.course.code.lower()).strip("-") or "session"
    day = to_london(training_session.starts_at).date().isoformat()
    return f"attendees-{code}-{day}-session-{training_session.id}.{extension}"


def export_event(training_session: TrainingSession, *, rows: int, file_format: str) -> dict:
    """The audit event of a download (personal data leaving the service), as arguments for `record_event`."""
    return {
        "action": "session.attendees_exported",
        "object_type": "training_session",
        "object_id": training_session.id,
        "after": {"rows": rows, "format": file_format},
    }
