"""`flask organisations create NAME --kind KIND` and `flask organisations list`: an empty database gets its
organisations from documented commands, before any roster names them."""

from __future__ import annotations

import click

from tracker.common.errors import TrackerError
from tracker.people import organisations
from tracker.people.models import OrganisationKind

organisations_cli = click.Group("organisations", help="Organisations: the council, NHS trusts, schools, charities.")


@organisations_cli.command("create")
@click.argument("name")
@click.option("--kind", required=True, type=click.Choice([k.value for k in OrganisationKind]), help="What it is.")
def create_organisation_command(name: str, kind: str) -> None:
    """Add the organisation NAME (rosters and requirements then name it)."""
    try:
        organisation = organisations.create_organisation(name=name, kind=OrganisationKind(kind), actor_label="cli")
    except TrackerError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created organisation {organisation.id}: {organisation.name} ({organisation.kind.label})")


@organisations_cli.command("list")
def list_organisations_command() -> None:
    """Every organisation: id, kind and name, one a line."""
    for organisation in organisations.list_organisations():
        click.echo(f"{organisation.id}\t{organisation.kind.value}\t{organisation.name}")
