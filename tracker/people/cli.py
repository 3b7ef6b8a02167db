"""`flask people import FILE.csv [--dry-run] [--effective YYYY-MM-DD]`."""

from __future__ import annotations

import sys
from datetime import date

import click

from tracker.common.errors import TrackerError
from tracker.common.time import parse_iso_date
from tracker.extensions import db
from tracker.people import roster, roster_lines

people_cli = click.Group("people", help="People: roster imports.")


def _iso_date(_ctx, _param, value: str | None) -> date | None:
    if value is None:
        return None
    try:
        return parse_iso_date(value)
    except ValueError as error:
        raise click.BadParameter(f'"{value}" is not a date like 2026-04-01 (YYYY-MM-DD)') from error


@people_cli.command("import")
@click.argument("file", type=click.File("rb"))
@click.option("--dry-run", is_flag=True, help="Check every line and show what would change; write nothing.")
@click.option(
    "--effective",
    callback=_iso_date,
    metavar="YYYY-MM-DD",
    help="The day department changes take effect (default: today).",
)
def import_command(file, dry_run: bool, effective: date | None):
    """Import a roster CSV (see README): all of it, or nothing if any line is bad."""
    data = file.read()
    try:
        lines = roster_lines.read_roster(data)
        with click.progressbar(length=len(lines), label=f"Checking {len(lines):,} rows", file=sys.stderr) as bar:
            summary = roster.import_roster(
                lines,
                effective=effective,
                dry_run=dry_run,
                actor_label="cli",
                filename=getattr(file, "name", None),
                progress=bar.update,
            )
    except roster_lines.RosterRefusedError as error:
        for problem in error.problems:
            click.echo(str(problem), err=True)
        raise click.ClickException(error.message) from error
    except TrackerError as error:
        raise click.ClickException(error.message) from error
    if dry_run:
        db.session.rollback()
        click.echo(f"Checked: every line is good. Nothing was written (--dry-run). Effective {summary.effective}:")
    else:
        click.echo(f"Imported. Department changes take effect from {summary.effective}:")
    for label, count in summary.lines():
        click.echo(f"  {label + ':':<30}{count:>8,}")
