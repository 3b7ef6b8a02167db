"""`flask demo load`: idempotent demo data."""

from __future__ import annotations

import click

demo_cli = click.Group("demo", help="Demo data.")


@demo_cli.command("load")
def load_command():
    """Load the demo organisations, people, courses, trainers and sessions (safe to run again)."""
    from flask import current_app

    from tracker.demo.data import load_demo

    sign_ins = load_demo()
    # TRACKER_BASE_URL follows PORT in development (`make run PORT=5001`).
    click.echo(f"Demo data loaded. Sign in at {current_app.config['TRACKER_BASE_URL']}/ with any of:")
    for role, email, password in sign_ins:
        click.echo(f"  {role:<12} {email:<45} {password}")
