"""Command-line interface: `flask --app wsgi <group> <command>`. Commands only call services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.accounts.cli import tokens_cli, users_cli
    from tracker.attendance.cli import training_cli
    from tracker.audit.cli import retention_cli
    from tracker.demo.cli import demo_cli
    from tracker.invites.cli import outbox_cli, reminders_cli
    from tracker.people.cli import people_cli

    for group in (users_cli, tokens_cli, demo_cli, retention_cli, outbox_cli, reminders_cli, training_cli, people_cli):
        app.cli.add_command(group)
