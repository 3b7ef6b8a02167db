"""`flask refreshers send` (daily) and `flask digests send` (weekly): they only call services."""

from __future__ import annotations

import click

from tracker.extensions import db
from tracker.refreshers import digest, reminders

refreshers_cli = click.Group("refreshers", help="Reminders to book a refresher before required training runs out.")
digests_cli = click.Group("digests", help="Managers' weekly digest of their team's training.")


@refreshers_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Say how many reminders are due; queue nothing.")
def send_refreshers_command(dry_run: bool) -> None:
    """Queue a reminder for each required record expiring within a REFRESHER_REMINDER_DAYS threshold, once each."""
    count = reminders.send_refreshers()
    if dry_run:
        db.session.rollback()
        click.echo(f"{count} refresher reminders due (dry run: nothing queued).")
        return
    click.echo(f"Queued {count} refresher reminders.")


@digests_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Say how many digests are due; queue nothing.")
def send_digests_command(dry_run: bool) -> None:
    """Queue each manager's weekly digest, unless it is the same as the last one they were sent."""
    run = digest.send_digests()
    if dry_run:
        db.session.rollback()
        click.echo(f"{run.sent} digests due (dry run: nothing queued).")
        return
    click.echo(f"Queued {run.sent} digests; {run.unchanged} unchanged since the last, {run.empty} with nothing to say.")
