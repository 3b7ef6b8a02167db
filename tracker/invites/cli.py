"""`flask outbox work [--once]`, `flask outbox status` and `flask reminders send`: they only call services."""

from __future__ import annotations

import signal
import threading

import click
from flask import current_app

from tracker.extensions import db
from tracker.invites import heartbeat, outbox, reminders, services

outbox_cli = click.Group("outbox", help="The outbox of emails waiting to be sent.")
reminders_cli = click.Group("reminders", help="Reminders before sessions.")


@outbox_cli.command("work")
@click.option("--once", is_flag=True, help="Send everything due now, then stop.")
@click.option("--batch-size", type=click.IntRange(1, 10_000), help="Messages claimed at a time (default 100).")
@click.option(
    "--sleep",
    "idle_seconds",
    type=click.FloatRange(0.05, 3600),
    default=1.0,
    show_default=True,
    help="Seconds to wait when nothing is due.",
)
def work_command(once: bool, batch_size: int | None, idle_seconds: float) -> None:
    """Send due mail over one SMTP connection; retry temporary failures. Loops until stopped unless --once."""
    if not outbox.mail_configured():
        click.echo("No MAIL_SERVER configured: mail stays in the outbox (the coordinator reads it on the Outbox page).")
        return
    stop = threading.Event()
    previous = {}
    if threading.current_thread() is threading.main_thread():
        for signum in (signal.SIGTERM, signal.SIGINT):
            previous[signum] = signal.signal(signum, lambda *_: stop.set())
    try:
        totals = outbox.work(
            once=once, batch_size=batch_size, idle_seconds=idle_seconds, stop=stop, report=None if once else _report
        )
    finally:
        for signum, handler in previous.items():
            signal.signal(signum, handler)
    click.echo(f"Sent {totals.sent}, to retry {totals.retrying}, failed {totals.failed}.")


def _report(result: outbox.BatchResult) -> None:
    click.echo(f"Sent {result.sent}, to retry {result.retrying}, failed {result.failed}.")


@outbox_cli.command("status")
def status_command() -> None:
    """How many messages are in each state, and whether a worker is alive: exits 1 when mail is configured and
    no worker has beaten for OUTBOX_HEARTBEAT_STALE_SECONDS (for monitoring)."""
    for status, count in services.count_outbox_by_status().items():
        click.echo(f"{status.value:<11} {count}")
    if not outbox.mail_configured():
        click.echo("workers     none needed (no MAIL_SERVER: mail stays in the outbox)")
        return
    stale = int(current_app.config["OUTBOX_HEARTBEAT_STALE_SECONDS"])
    liveness = heartbeat.worker_liveness(stale_seconds=stale)
    if liveness.is_alive:
        click.echo(f"workers     {liveness.alive} alive (last beat {liveness.last_beat_seconds_ago:g} s ago)")
        return
    last = "never" if liveness.last_beat_seconds_ago is None else f"{liveness.last_beat_seconds_ago:g} s ago"
    click.echo(f"workers     none alive: no outbox worker has beaten for {stale} s (last beat: {last})", err=True)
    raise SystemExit(1)


@reminders_cli.command("send")
@click.option("--dry-run", is_flag=True, help="Say how many reminders are due; queue nothing.")
def send_reminders_command(dry_run: bool) -> None:
    """Queue a reminder for each confirmed booking whose session starts within REMINDER_DAYS_BEFORE days."""
    count = reminders.send_reminders()
    if dry_run:
        db.session.rollback()
        click.echo(f"{count} reminders due (dry run: nothing queued).")
        return
    click.echo(f"Queued {count} reminders.")
