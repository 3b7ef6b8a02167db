"""The board report as downloads: one CSV (sections one after another) and one .xlsx workbook (a sheet per table).

Both are built from the same `ExportTable`s, so they always agree with each other and with the page, and
speak as the page does (headings, "Third sector", "Amber"), so a board officer can paste them into a paper;
codes and snake_case names are the JSON API's.
CSV: UTF-8 with a BOM, CRLF, a heading row before each section's header row, a blank row between
sections, and no cell a spreadsheet would run as a formula (`export.safe_cell`). Workbook: a header row
in bold, frozen; numbers as numbers, dates as dates; every text cell stored as text (never a formula);
column widths set to fit.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.common.time import format_date, to_london
from tracker.coverage.board_rows import FROM_REGISTERS, FROM_RETURN, BoardReport
from tracker.coverage.export import safe_cell
from tracker.coverage.rag import Rag
from tracker.evaluations.results import GroupFigures
from tracker.people.models import OrganisationKind
from tracker.requests.models import RequestStatus

#: Excel's limit on a column's width is 255; past this a column is harder to read than to wrap.
MAX_WIDTH = 60
MIN_WIDTH = 8
ALL_ORGANISATIONS = "All organisations"
ALL_COURSES = "All courses"
NONE_REQUIRED = "None required"
SOURCES = {FROM_RETURN: "Partner's return", FROM_REGISTERS: "Counted from registers"}


@dataclass(frozen=True)
class ExportTable:
    #: The heading row of the section in the CSV.
    title: str
    #: The worksheet's name (Excel allows 31 characters).
    sheet: str
    header: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def _value(value: Any) -> Any:
    """Enums as their value; everything else as it is (None stays an empty cell)."""
    return getattr(value, "value", value)


def _course(code: str | None, name: str | None) -> str:
    """A course as the page names it: "Workshop to Raise Awareness of Prevent (WRAP)"."""
    if not code:
        return ALL_COURSES
    name = name or code
    return name if code in name else f"{name} ({code})"


def _rag(value: Rag | None) -> str:
    return value.label if value else NONE_REQUIRED


def _status(value: RequestStatus) -> str:
    return value.value.capitalize()


def _kind(value: OrganisationKind | None) -> str:
    return value.label if value else ""


def export_tables(report: BoardReport) -> list[ExportTable]:
    """Every table of the report, in the order of the page, headed and worded as the page is (codes and
    snake_case stay in the JSON API)."""
    period = f"{format_date(report.date_from)} to {format_date(report.date_to)}"
    course = _course(report.course.code, report.course.name)
    course_names = {t.course_code: t.course_name for t in report.return_tables}
    course_names[report.course.code] = report.course.name
    returns = ExportTable(
        f"1. Partner organisations' compliance: returns for periods ending {period}",
        "Partner compliance",
        ("Organisation", "Course", "Period ending", "Compliant", "Eligible", "Compliant (%)", "Target (%)", "RAG"),
        [
            (
                t.organisation,
                _course(t.course_code, t.course_name),
                r.period_end,
                r.compliant,
                r.eligible,
                r.percent,
                t.target_percent,
                _rag(r.rag),
            )
            for t in report.return_tables
            for r in t.rows
        ],
    )
    departments = ExportTable(
        f"2. Council departments: {course}, trained on {format_date(report.date_to)}, sessions delivered {period}",
        "Council departments",
        (
            "Organisation",
            "Department",
            "Required",
            "Trained",
            "Coverage (%)",
            "Target (%)",
            "RAG",
            "Sessions delivered",
            "Attendees",
        ),
        [
            (
                row.organisation,
                f"Total for {row.organisation}" if row.is_total else row.department,
                row.required,
                row.trained,
                row.percent,
                row.target_percent,
                _rag(row.rag),
                row.sessions_delivered,
                row.attendees,
            )
            for row in report.department_rows
        ],
    )
    delivered_by = f", delivered by {report.trainer.name}" if report.trainer else ""
    deliveries = ExportTable(
        f"3. Sessions delivered by organisation{delivered_by}, {period}",
        "Sessions delivered",
        ("Organisation", "Organisation type", "Course", "Sessions", "Attendees"),
        [
            (
                row.organisation if not row.is_total else ALL_ORGANISATIONS,
                _kind(row.organisation_kind),
                _course(row.course_code, row.course_name),
                row.sessions,
                row.attendees,
            )
            for row in report.deliveries
        ],
    )
    periods = ExportTable(
        "4. Coverage at each period end (the figures of the charts)",
        "Coverage over time",
        (
            "Organisation",
            "Course",
            "Period ending",
            "Source",
            "Trained or compliant",
            "Required or eligible",
            "Coverage (%)",
            "Target (%)",
        ),
        [
            (
                p.organisation,
                _course(p.course_code, course_names.get(p.course_code)),
                p.period_end,
                SOURCES.get(p.source, p.source),
                p.numerator,
                p.denominator,
                p.percent,
                p.target_percent,
            )
            for p in report.period_points
        ],
    )
    counts = ExportTable(
        f"5. Training requests received {period}, by status now",
        "Requests by status",
        ("Status", "Requests"),
        [(_status(status), count) for status, count in report.request_counts.items()],
    )
    requests = ExportTable(
        f"5. Training requests received {period}",
        "Training requests",
        ("Received", "Organisation", "Organisation type", "Contact", "Staff", "Status", "Session date"),
        [
            (
                to_london(r.received_at).date(),
                r.organisation_name,
                _kind(r.organisation_kind),
                r.contact_name,
                r.staff_count,
                _status(r.status),
                to_london(r.session_starts_at).date() if r.session_starts_at else None,
            )
            for r in report.requests
        ],
    )
    feedback = ExportTable(
        f"6. What attendees said: anonymous feedback on sessions from {format_date(report.date_from)} to "
        f"{format_date(report.date_to)}",
        "What attendees said",
        (
            "Course",
            "Responses",
            "Average confidence before (1 to 5)",
            "Average confidence after (1 to 5)",
            "Found it useful (%)",
        ),
        [_feedback(group) for group in report.evaluations]
        + ([_feedback(report.evaluation_total)] if report.evaluation_total else []),
    )
    return [returns, departments, deliveries, periods, counts, requests, feedback]


def _feedback(group: GroupFigures) -> tuple[Any, ...]:
    """A course's feedback (or all courses') as the page shows it: when suppressed, why in words and no figures."""
    course = _course(group.code, group.label)
    if group.suppressed:
        return (course, group.not_shown, None, None, None)
    return (course, group.responses, group.confidence_before, group.confidence_after, group.useful_percent)


def _csv_cell(value: Any) -> Any:
    value = _value(value)
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return safe_cell(value)


def board_csv(report: BoardReport) -> bytes:
    """The report as one CSV file: a line naming the report, then each section with its heading row."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(
        [
            "Board report",
            "From",
            report.date_from.isoformat(),
            "To",
            report.date_to.isoformat(),
            "Course",
            _csv_cell(_course(report.course.code, report.course.name)),
            "Sessions delivered by",
            _csv_cell(report.trainer.name if report.trainer else "Anyone"),
        ]
    )
    for table in export_tables(report):
        writer.writerow([])
        writer.writerow([table.title])
        writer.writerow(table.header)
        for row in table.rows:
            writer.writerow([_csv_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def board_xlsx(report: BoardReport) -> bytes:
    """The report as an .xlsx workbook with one sheet per table."""
    workbook = Workbook()
    workbook.remove(workbook.active)
    workbook.properties.title = f"Board report {report.date_from.isoformat()} to {report.date_to.isoformat()}"
    workbook.properties.creator = "Prevent Training Tracker"
    bold = Font(bold=True)
    for table in export_tables(report):
        sheet = workbook.create_sheet(table.sheet)
        widths = [len(name) for name in table.header]
        for column, name in enumerate(table.header, start=1):
            cell = sheet.cell(row=1, column=column, value=name)
            cell.font = bold
        for row_number, row in enumerate(table.rows, start=2):
            for column, raw in enumerate(row, start=1):
                value = _value(raw)
                cell = sheet.cell(row=row_number, column=column, value=value)
                if isinstance(value, str):
                    cell.data_type = "s"  # text, even when it starts with "=": never a formula
                    widths[column - 1] = max(widths[column - 1], len(value))
                elif isinstance(value, date):
                    cell.number_format = "yyyy-mm-dd"
                    widths[column - 1] = max(widths[column - 1], 10)
                elif isinstance(value, Decimal):
                    cell.number_format = "0.0"  # an average to one place: 2.0, as the page shows it
                    widths[column - 1] = max(widths[column - 1], len(f"{value:,}"))
                elif value is not None:
                    widths[column - 1] = max(widths[column - 1], len(f"{value:,}"))
        for column, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(column)].width = min(max(width + 2, MIN_WIDTH), MAX_WIDTH)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def filename(report: BoardReport, extension: str) -> str:
    return f"board-report-{report.date_from.isoformat()}-to-{report.date_to.isoformat()}.{extension}"
