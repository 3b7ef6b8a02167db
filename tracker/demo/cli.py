"""`flask demo load`: idempotent demo data."""

from __future__ import annotations

import click

demo_cli = click.Group("demo", help="Demo data.")


@demo_cli.command("load")
def load_command():
    """Load the demo organisations, people, courses, trainers and sessions (safe to run again)."""
    from tracker.demo.data import load_demo

    sign_ins = load_demo()
    click.echo("Demo data loaded. Sign in at http://127.0.0.1:5000 with any of:")
    for role, email, password in sign_ins:
        click.echo(f"  {role:<12} {email:<45} {password}")
