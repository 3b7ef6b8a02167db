"""`flask bookings lapse-holds`: release places held for people who did not confirm their email in time."""

from __future__ import annotations

import click

from tracker.booking.services import lapse_expired_holds

bookings_cli = click.Group("bookings", help="Bookings.")


@bookings_cli.command("lapse-holds")
def lapse_holds_command():
    """Cancel unconfirmed holds past their time, giving each seat to the waiting list (run from cron)."""
    count = lapse_expired_holds()
    click.echo(f"Released {count} unconfirmed {'place' if count == 1 else 'places'}.")
