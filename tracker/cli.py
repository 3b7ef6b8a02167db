"""Command-line interface: `flask --app wsgi <group> <command>`. Commands only call services."""

from __future__ import annotations

from flask import Flask


def init_app(app: Flask) -> None:
    from tracker.accounts.cli import tokens_cli, users_cli
    from tracker.coverage.cli import coverage_cli
    from tracker.demo.cli import demo_cli

    for group in (users_cli, tokens_cli, demo_cli, coverage_cli):
        app.cli.add_command(group)
