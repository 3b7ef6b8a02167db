"""`flask bookings lapse-holds`: release places held for people who did not confirm their email in time;
`flask bookings release-quotas`: give places held for organisations to everyone once their release date comes."""

from __future__ import annotations

import click

from tracker.booking.quotas import release_due_quotas
from tracker.booking.services import lapse_expired_holds

bookings_cli = click.Group("bookings", help="Bookings.")


@bookings_cli.command("lapse-holds")
def lapse_holds_command():
    """Cancel unconfirmed holds past their time, giving each seat to the waiting list (run from cron)."""
    count = lapse_expired_holds()
    click.echo(f"Released {count} unconfirmed {'place' if count == 1 else 'places'}.")


@bookings_cli.command("release-quotas")
def release_quotas_command():
    """Offer the waiting lists the places held for organisations whose release date has come (run from cron)."""
    count = release_due_quotas()
    click.echo(f"Gave {count} released {'place' if count == 1 else 'places'} to the waiting lists.")
