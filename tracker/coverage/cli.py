"""`flask coverage report`: the coverage report as CSV (the same file as the page's export) or a table."""

from __future__ import annotations

from datetime import date

import click
from sqlalchemy import func, select

from tracker.common.errors import TrackerError
from tracker.common.time import parse_iso_date, today_london
from tracker.coverage import export, loading, queries
from tracker.extensions import db
from tracker.people.models import Organisation

coverage_cli = click.Group("coverage", help="Training coverage reports.")


class IsoDate(click.ParamType):
    name = "YYYY-MM-DD"

    def convert(self, value, param, ctx) -> date:
        if isinstance(value, date):
            return value
        try:
            return parse_iso_date(value)
        except ValueError:
            self.fail(f"{value!r} is not a date like 2019-01-01", param, ctx)


@coverage_cli.command("report")
@click.option("--course", "course_code", default="WRAP", show_default=True, help="Course code.")
@click.option("--as-of", type=IsoDate(), help="Count on this day (default: today in London).")
@click.option("--period-start", type=IsoDate(), help="Count sessions from this day (default: a year before).")
@click.option("--organisation", help="Only this organisation (its name).")
@click.option("--format", "output_format", type=click.Choice(["table", "csv"]), default="table", show_default=True)
def report_command(
    course_code: str, as_of: date | None, period_start: date | None, organisation: str | None, output_format: str
):
    """Required, trained, percent, RAG, sessions delivered and attendees per organisation and department."""
    organisation_id = None
    if organisation:
        organisation_id = db.session.scalar(
            select(Organisation.id).where(func.lower(Organisation.name) == organisation.strip().lower())
        )
        if organisation_id is None:
            raise click.ClickException(f'No organisation called "{organisation}"')
    try:
        course = loading.get_course(course_code)
        report = queries.coverage_report(
            course=course,
            as_of=as_of or today_london(),
            period_start=period_start,
            organisation_id=organisation_id,
        )
    except TrackerError as error:
        raise click.ClickException(error.message) from error
    if output_format == "csv":
        click.echo(export.coverage_csv(report), nl=False)  # bytes: BOM and CRLF exactly as exported
    else:
        click.echo(render_table(report))


def render_table(report: queries.CoverageReport) -> str:
    """The report as aligned plain text, departments indented under their organisation's total."""
    header = ("Organisation / department", "Required", "Trained", "%", "Gap", "RAG", "Sessions", "Attendees")
    lines = [
        f"{report.course.name} ({report.course.code}) as of {report.as_of.isoformat()}; "
        f"sessions from {report.period_start.isoformat()}; target {report.target_percent}%",
    ]
    rows = []
    for row in report.rows:
        label = row.organisation if row.is_total else "  " * row.depth + (row.department or "")
        rows.append(
            (
                label,
                f"{row.required:,}",
                f"{row.trained:,}",
                "" if row.percent is None else str(row.percent),
                f"{row.gap:,}",
                row.rag.value if row.rag else "",
                f"{row.sessions_delivered:,}",
                f"{row.attendees:,}",
            )
        )
    widths = [max(len(str(cells[i])) for cells in [header, *rows]) for i in range(len(header))]
    for cells in [header, *rows]:
        lines.append(
            "  ".join(
                str(cell).ljust(widths[i]) if i in (0, 5) else str(cell).rjust(widths[i])
                for i, cell in enumerate(cells)
            ).rstrip()
        )
    return "\n".join(lines)
