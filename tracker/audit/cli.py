"""`flask retention purge [--dry-run]`."""

from __future__ import annotations

import click
from flask import current_app

from tracker.audit.retention import purge_leavers
from tracker.extensions import db

retention_cli = click.Group("retention", help="Retention of personal details.")


@retention_cli.command("purge")
@click.option("--dry-run", is_flag=True, help="Count who would be erased; change nothing.")
@click.option("--months", type=int, default=None, help="Override RETENTION_MONTHS.")
def purge_command(dry_run: bool, months: int | None):
    """Erase the personal details of people who left more than RETENTION_MONTHS ago."""
    months = months if months is not None else current_app.config["RETENTION_MONTHS"]
    result = purge_leavers(months=months, dry_run=dry_run)
    if dry_run:
        db.session.rollback()
        click.echo(f"Dry run: {result.people} leavers who left before {result.cutoff} would be erased.")
    else:
        click.echo(f"Erased the personal details of {result.people} leavers who left before {result.cutoff}.")
