"""The board report as downloads: one CSV (sections one after another) and one .xlsx workbook (a sheet per table).

Both are built from the same `ExportTable`s, so they always agree with each other and with the page.
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
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter

from tracker.common.time import to_london
from tracker.coverage.board_rows import BoardReport
from tracker.coverage.export import safe_cell

#: Excel's limit on a column's width is 255; past this a column is harder to read than to wrap.
MAX_WIDTH = 60
MIN_WIDTH = 8
ALL_ORGANISATIONS = "All organisations"
ALL_COURSES = "All courses"
TOTAL = "Total"


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


def export_tables(report: BoardReport) -> list[ExportTable]:
    """Every table of the report, in the order of the page."""
    returns = ExportTable(
        "Partner returns (the seed's Tables 1 to 4)",
        "Partner returns",
        ("organisation", "course", "period_end", "compliant", "eligible", "percent", "target_percent", "rag"),
        [
            (t.organisation, t.course_code, r.period_end, r.compliant, r.eligible, r.percent, t.target_percent, r.rag)
            for t in report.return_tables
            for r in t.rows
        ],
    )
    departments = ExportTable(
        f"Council departments: {report.course.code} on {report.date_to.isoformat()}, "
        f"sessions from {report.date_from.isoformat()} (Table 5)",
        "Council departments",
        (
            "organisation",
            "department",
            "staff_requiring_training",
            "staff_trained",
            "percent",
            "target_percent",
            "rag",
            "sessions_delivered",
            "attendees",
        ),
        [
            (
                row.organisation,
                TOTAL if row.is_total else row.department,
                row.required,
                row.trained,
                row.percent,
                row.target_percent,
                row.rag,
                row.sessions_delivered,
                row.attendees,
            )
            for row in report.department_rows
        ],
    )
    delivered_by = f", delivered by {report.trainer.name}" if report.trainer else ""
    deliveries = ExportTable(
        f"Sessions delivered by organisation{delivered_by} (section 1.18)",
        "Sessions delivered",
        ("organisation", "organisation_kind", "course", "sessions", "attendees"),
        [
            (
                row.organisation if not row.is_total else ALL_ORGANISATIONS,
                row.organisation_kind,
                row.course_code or ALL_COURSES,
                row.sessions,
                row.attendees,
            )
            for row in report.deliveries
        ],
    )
    periods = ExportTable(
        "Percent by period (the chart's figures)",
        "Percent by period",
        ("organisation", "course", "period_end", "source", "numerator", "denominator", "percent", "target_percent"),
        [
            (
                p.organisation,
                p.course_code,
                p.period_end,
                p.source,
                p.numerator,
                p.denominator,
                p.percent,
                p.target_percent,
            )
            for p in report.period_points
        ],
    )
    counts = ExportTable(
        "Training requests received in the period, by status",
        "Requests by status",
        ("status", "requests"),
        [(status, count) for status, count in report.request_counts.items()],
    )
    requests = ExportTable(
        "Training requests received in the period",
        "Training requests",
        ("received_on", "organisation", "organisation_kind", "contact", "staff_count", "status", "session_date"),
        [
            (
                to_london(r.received_at).date(),
                r.organisation_name,
                r.organisation_kind,
                r.contact_name,
                r.staff_count,
                r.status,
                to_london(r.session_starts_at).date() if r.session_starts_at else None,
            )
            for r in report.requests
        ],
    )
    return [returns, departments, deliveries, periods, counts, requests]


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
            "from",
            report.date_from.isoformat(),
            "to",
            report.date_to.isoformat(),
            "course",
            _csv_cell(report.course.code),
            "delivered_by",
            _csv_cell(report.trainer.name if report.trainer else ""),
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
