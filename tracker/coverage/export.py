"""The coverage report as CSV that opens cleanly in Excel: UTF-8 with a BOM, CRLF, a header row,
YYYY-MM-DD dates, and no cell that a spreadsheet would run as a formula."""

from __future__ import annotations

import csv
import io
import re

from tracker.coverage.queries import CoverageReport

HEADER = (
    "course",
    "as_of",
    "period_start",
    "organisation",
    "department",
    "required",
    "trained",
    "percent",
    "target_percent",
    "gap_to_target",
    "rag",
    "sessions_delivered",
    "attendees",
)
#: Characters that make Excel, LibreOffice or Sheets treat a cell as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(value: object) -> object:
    """Text starting like a formula gets a leading apostrophe, so it shows as text; numbers pass unchanged."""
    if isinstance(value, str) and value.startswith(FORMULA_STARTS):
        return "'" + value
    return value


def coverage_rows(report: CoverageReport) -> list[tuple[object, ...]]:
    """One tuple per report row, in HEADER order; the department is its full path, empty on total rows."""
    return [
        (
            report.course.code,
            report.as_of.isoformat(),
            report.period_start.isoformat(),
            row.organisation,
            row.department_path or "",
            row.required,
            row.trained,
            "" if row.percent is None else row.percent,
            row.target_percent,
            row.gap,
            row.rag.value if row.rag else "",
            row.sessions_delivered,
            row.attendees,
        )
        for row in report.rows
    ]


def coverage_csv(report: CoverageReport) -> bytes:
    """The report as CSV bytes: BOM, header, CRLF line ends, formula-safe cells."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(HEADER)
    for row in coverage_rows(report):
        writer.writerow([safe_cell(cell) for cell in row])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def export_event(report: CoverageReport, *, actor, organisation_id: int | None = None) -> dict:
    """The audit event of a download of the report (who took which figures out, and when), as arguments for
    `record_event`, made of plain values so it can be recorded after the read transaction has ended."""
    return {
        "action": "coverage.exported",
        "actor_user_id": actor.id,
        "actor_label": actor.person.full_name,
        "object_type": "course",
        "object_id": report.course.id,
        "after": {
            "course": report.course.code,
            "as_of": report.as_of,
            "period_start": report.period_start,
            "organisation_id": organisation_id,
            "rows": len(report.rows),
            "format": "csv",
        },
    }


def csv_filename(report: CoverageReport) -> str:
    code = re.sub(r"[^a-z0-9]+", "-", report.course.code.lower()).strip("-") or "course"
    return f"coverage-{code}-{report.as_of.isoformat()}.csv"
