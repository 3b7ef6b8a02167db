"""Command-line interface: `flask --app wsgi <group> <command>`. Commands only call services."""

from __future__ import annotations

from importlib import import_module

from flask import Flask

#: (module, click group) for every command group, one line each.
COMMAND_GROUPS = [
    ("tracker.accounts.cli", "users_cli"),
    ("tracker.accounts.cli", "tokens_cli"),
    ("tracker.demo.cli", "demo_cli"),
    ("tracker.people.organisation_cli", "organisations_cli"),
    ("tracker.people.cli", "people_cli"),
    ("tracker.courses.cli", "courses_cli"),
    ("tracker.attendance.cli", "training_cli"),
    ("tracker.coverage.cli", "coverage_cli"),
    ("tracker.invites.cli", "outbox_cli"),
    ("tracker.invites.cli", "reminders_cli"),
    ("tracker.audit.cli", "retention_cli"),
    ("tracker.booking.cli", "bookings_cli"),
]


def init_app(app: Flask) -> None:
    for module, name in COMMAND_GROUPS:
        app.cli.add_command(getattr(import_module(module), name))
