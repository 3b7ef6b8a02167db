"""`flask courses add-defaults` and `flask courses list`."""

from __future__ import annotations

import click

from tracker.courses import services, standard

courses_cli = click.Group("courses", help="Courses.")


@courses_cli.command("add-defaults")
def add_defaults_command() -> None:
    """Add the standard courses not yet known: WRAP (valid 36 months, target 85 %), Basic Awareness of
    Prevent, Home Office Prevent e-learning (counting for both) and the CTLP briefing. Safe to run again."""
    added = standard.add_standard_courses()
    if not added:
        click.echo("Every standard course is already there; nothing added.")
    for course in added:
        click.echo(f"Added {course.code}: {course.name}")


@courses_cli.command("list")
def list_courses_command() -> None:
    """Every course: code, validity in months (blank: never expires), target percent and name."""
    for course in services.list_courses():
        click.echo(f"{course.code}\t{course.validity_months or ''}\t{course.target_percent}\t{course.name}")
