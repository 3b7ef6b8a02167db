"""Command-line interface: `flask --app wsgi <group> <command>`. Commands only call services; each command is one
unit of work, committed when it returns and rolled back when it fails (a `--dry-run` rolls back itself)."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from importlib import import_module

import click
from flask import Flask
from flask.cli import with_appcontext

from tracker.common.unit_of_work import unit_of_work

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
    ("tracker.refreshers.cli", "refreshers_cli"),
    ("tracker.refreshers.cli", "digests_cli"),
]


def init_app(app: Flask) -> None:
    for module, name in COMMAND_GROUPS:
        group: click.Group = getattr(import_module(module), name)
        for command in group.commands.values():
            if not getattr(command.callback, "in_unit_of_work", False):
                command.callback = _in_unit_of_work(command.callback)
        app.cli.add_command(group)


def _in_unit_of_work(callback: Callable) -> Callable:
    @with_appcontext
    @wraps(callback)
    def run(*args, **kwargs):
        with unit_of_work():
            return callback(*args, **kwargs)

    run.in_unit_of_work = True
    return run
