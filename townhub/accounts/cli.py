"""`users ...`: accounts made from the command line by the council's IT officer (in
production, `sudo townhub users ...`): the first hub managers and council admins, by a
one-time link to hand over."""

from __future__ import annotations

import click

from townhub.accounts import invites, service
from townhub.common.formatting import LONDON
from townhub.common.mail import link
from townhub.hubs.cli import hubs_named, refusals

users_group = click.Group("users", help="Accounts for businesses, hub managers and admins.")

hub_option = click.option(
    "--hub",
    "hub_slugs",
    multiple=True,
    help="The slug of a hub they run (repeat for more; see hubs list).",
)


@users_group.command("create")
@click.option("--email", required=True)
@click.option("--name", required=True)
@click.option("--role", type=click.Choice(["owner", "hub_manager", "council_admin"]), required=True)
@hub_option
@click.password_option()
def create(email: str, name: str, role: str, hub_slugs: tuple[str, ...], password: str) -> None:
    """Add an account with a password."""
    with refusals():
        hubs = hubs_named(hub_slugs)
        user = service.create_user(email=email, name=name, role=role, password=password, hubs=hubs)
    running = f" running {', '.join(hub.name for hub in hubs)}" if hubs else ""
    click.echo(f"Created {user.role} {user.email}{running}")


@users_group.command("invite")
@click.argument("email")
@click.option("--name", required=True, help="Their name, as it shows to the team.")
@click.option("--role", type=click.Choice(service.STAFF_ROLES), required=True)
@hub_option
def invite(email: str, name: str, role: str, hub_slugs: tuple[str, ...]) -> None:
    """Invite a hub manager (with at least one --hub) or a council admin: prints a link,
    to hand over, with which they choose a password. Run it again for a new link."""
    with refusals():
        hubs = hubs_named(hub_slugs)
        user = service.staff_to_invite(email=email, name=name, role=role, hubs=hubs)
        issued = invites.invite_staff(user)
    hubs = sorted(user.hubs, key=lambda hub: hub.name)
    running = ", ".join(hub.name for hub in hubs) if role == "hub_manager" else "every hub"
    until = issued.invite.expires_at.astimezone(LONDON).strftime("%-d %B %Y, %H:%M")
    click.echo(f"Invited {user.name} <{user.email}> to run {running}.")
    click.echo(
        f"Give them this link. It works once, until {until} (UK time), and any earlier"
        " link for them no longer works:"
    )
    click.echo(f"\n  {link('accounts.accept_invite', token=issued.token)}\n")
    click.echo(
        "With it they choose a password and are signed in. Townhub keeps no copy of the"
        " link, so it cannot show it again: for a new one, run this command again."
    )


@users_group.command("add-hub")
@click.argument("email")
@click.argument("slug")
def add_hub(email: str, slug: str) -> None:
    """Let a hub manager run one more hub."""
    with refusals():
        hub = hubs_named([slug])[0]
        added = service.add_hub(email, hub)
    if not added:
        click.echo(f"{email} already runs {hub.name}.")
        return
    click.echo(f"{email} now runs {hub.name} too.")
