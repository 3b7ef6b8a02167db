"""`flask users create` and `flask tokens create`."""

from __future__ import annotations

import sys

import click
from flask import current_app

from tracker.accounts import links, services
from tracker.accounts.models import Role
from tracker.common.errors import TrackerError
from tracker.people import organisations
from tracker.people.models import OrganisationKind

users_cli = click.Group("users", help="User accounts.")
tokens_cli = click.Group("tokens", help="API tokens.")


@users_cli.command("create")
@click.argument("email")
@click.option("--name", required=True, help='Full name, e.g. "Sam Rosengard".')
@click.option(
    "--role", "roles", multiple=True, required=True, type=click.Choice([r.value for r in Role]), help="Repeatable."
)
@click.option(
    "--organisation",
    help="Organisation of a person not yet known: an existing one, or a new one with --organisation-kind. "
    "A coordinator needs none.",
)
@click.option(
    "--organisation-kind",
    type=click.Choice([k.value for k in OrganisationKind]),
    help="The kind of organisation to make when --organisation names none yet.",
)
@click.option(
    "--password-stdin",
    is_flag=True,
    help="Read the password from standard input. Without it, a set-your-password link is emailed.",
)
def create_user_command(
    email: str,
    name: str,
    roles: tuple[str, ...],
    organisation: str | None,
    organisation_kind: str | None,
    password_stdin: bool,
):
    """Create an account for EMAIL; the person with that email gets it if they exist."""
    password = sys.stdin.readline().rstrip("\n") if password_stdin else None
    first, _, last = name.strip().partition(" ")
    try:
        org = None
        if organisation:
            org = organisations.find_organisation_by_name(organisation)
            if org is None and organisation_kind is None:
                raise click.ClickException(
                    f'No organisation called "{organisation}": add --organisation-kind to make it '
                    f"({', '.join(k.value for k in OrganisationKind)})"
                )
            if org is None:
                org = organisations.create_organisation(
                    name=organisation, kind=OrganisationKind(organisation_kind), actor_label="cli"
                )
        user = services.create_user(
            email=email,
            first_name=first,
            last_name=last,
            roles={Role(r) for r in roles},
            organisation=org,
            password=password,
            actor_label="cli",
        )
        link_sent = password is None and links.send_set_password_link(user=user, actor=None, actor_label="cli")
    except TrackerError as error:
        raise click.ClickException(error.message) from error
    click.echo(f"Created account {user.id} for {user.person.email} with roles {', '.join(sorted(user.roles))}")
    if link_sent:
        days = current_app.config["SET_PASSWORD_LINK_DAYS"]
        click.echo(
            f"Emailed {user.person.email} a link to set their password (it works once, for {days} days; "
            "`outbox work` sends it, or read it on the Outbox page)"
        )


@tokens_cli.command("create")
@click.argument("email")
def create_token_command(email: str):
    """Print a new API token for EMAIL's account, alone on the last line."""
    user = services.find_user_by_email(email)
    if user is None:
        raise click.ClickException(f"No account for {email}")
    token = services.create_api_token(user=user, actor_label="cli")
    click.echo(f"API token for {user.person.email} (shown once; keep it secret):")
    click.echo(token)
