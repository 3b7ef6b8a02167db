"""`flask training import FILE.csv [--dry-run]`: historic training records, all or nothing."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from tracker.attendance import imports
from tracker.extensions import db

training_cli = click.Group("training", help="Training records.")


@training_cli.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check every row and report; write nothing.")
def import_command(file: Path, dry_run: bool) -> None:
    """Import training records from FILE (organisation,employee_ref,course_code,completed_on,source).

    Any bad row refuses the whole file: every bad line is listed and nothing is written (exit status 1).
    """
    content = file.read_bytes()
    rows = max(content.count(b"\n"), 1)
    with click.progressbar(length=rows, label="Checking rows", file=sys.stderr) as bar:
        try:
            summary = imports.import_training_records(
                content=content, actor=None, actor_label="cli", dry_run=dry_run, progress=bar.update
            )
        except imports.TrainingImportError as error:
            bar.render_finish()
            for problem in error.problems:
                click.echo(str(problem), err=True)
            raise click.ClickException(error.message) from error
    if dry_run:
        db.session.rollback()
        click.echo(
            f"Checked {summary.rows} rows: {summary.created} records would be added, "
            f"{summary.skipped} already held would be skipped. Nothing was written (--dry-run)."
        )
        return
    click.echo(
        f"Imported {summary.created} training records from {summary.rows} rows; "
        f"{summary.skipped} already held were skipped."
    )
