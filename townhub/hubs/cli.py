"""`hubs ...`: the council's IT officer sets up each high street from the command line (in
production, `sudo townhub hubs ...`). A refusal is one line, exits with code 2 and stores
nothing."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

import click

from townhub.accounts.service import AccountRefused
from townhub.common.mail import link
from townhub.hubs import admin
from townhub.hubs.area import HIGH_STREET_SLACK_M
from townhub.hubs.models import Hub
from townhub.hubs.service import HubNotFound, get_hub, list_hubs

hubs_group = click.Group("hubs", help="High street hubs: their boundaries, names and places.")


class Refused(click.ClickException):
    """Input the command cannot use: the message says what to fix."""

    exit_code = 2


@contextmanager
def refusals() -> Iterator[None]:
    """Turn the services' refusals into one-line messages with exit code 2."""
    try:
        yield
    except (admin.Refused, AccountRefused) as error:
        raise Refused(str(error)) from None
    except HubNotFound as error:
        known = ", ".join(hub.slug for hub in list_hubs()) or "none yet"
        raise Refused(f"There is no hub {error}. The hubs are: {known}.") from None


def hubs_named(slugs: Sequence[str]) -> list[Hub]:
    """The hubs with these slugs; raises HubNotFound for the first unknown one."""
    return [get_hub(slug) for slug in dict.fromkeys(slugs)]


boundary_option = click.option(
    "--boundary",
    "boundary_file",
    required=True,
    type=click.Path(path_type=Path),
    help="GeoJSON file with the one polygon of the boundary, in WGS84 (EPSG:4326).",
)


@hubs_group.command("create")
@click.argument("slug")
@click.option("--name", required=True, help='What people call it, e.g. "South Norwood".')
@boundary_option
def create(slug: str, name: str, boundary_file: Path) -> None:
    """Create a hub from its boundary.

    SLUG is its web address: lowercase letters, digits and hyphens, e.g. south-norwood for
    /south-norwood/. The boundary is a GeoJSON file holding one polygon, as QGIS saves it
    (Export > Save Features As..., format GeoJSON, CRS EPSG:4326 - WGS 84)."""
    with refusals():
        summary = admin.create_hub(slug, name, admin.read_boundary(boundary_file))
    hub = summary.hub
    click.echo(f"Created the hub {hub.name} ({hub.slug}): {summary.hectares:,.1f} hectares.")
    click.echo(f"Its page: {link('hubs.home', hub_slug=hub.slug)}")


@hubs_group.command("set-boundary")
@click.argument("slug")
@boundary_option
@click.option(
    "--force",
    is_flag=True,
    help="Change it even if businesses or sensors end up outside the high street.",
)
def set_boundary(slug: str, boundary_file: Path, force: bool) -> None:
    """Give a hub a new boundary, checked as for a new hub.

    Refused if it would leave the hub's businesses or sensors more than 300 m outside,
    unless --force."""
    with refusals():
        summary, strays = admin.set_boundary(slug, admin.read_boundary(boundary_file), force=force)
    click.echo(f"The boundary of {summary.hub.name} is changed: {summary.hectares:,.1f} hectares.")
    if strays:
        click.echo(
            f"{len(strays)} business(es) or sensor(s) are now more than"
            f" {HIGH_STREET_SLACK_M} m outside it; move them on the map:"
        )
        for stray in strays:
            click.echo(f"  {stray.name} ({stray.kind}, {stray.metres_outside:,.0f} m outside)")


@hubs_group.command("rename")
@click.argument("slug")
@click.option("--name", required=True, help="The new name. The web address stays the same.")
def rename(slug: str, name: str) -> None:
    """Give a hub a new name (its web address stays the same)."""
    with refusals():
        hub = admin.rename_hub(slug, name)
    click.echo(f"The hub {hub.slug} is now called {hub.name}.")


@hubs_group.command("set-targets")
@click.argument("slug")
@click.option("--businesses", type=int, help="Businesses signed up (the pilot's: 20).")
@click.option("--installs", type=int, help="Installs on home screens (the pilot's: 1,000).")
@click.option("--subscribers", type=int, help="Phones with alerts (default 500).")
@click.option("--redemptions", type=int, help="Offers redeemed (default 200).")
def set_targets(slug: str, **targets: int | None) -> None:
    """Change the targets the hub dashboard measures progress against."""
    given = {measure: value for measure, value in targets.items() if value is not None}
    if not given:
        raise Refused("Give at least one target, e.g. --installs 1500.")
    with refusals():
        hub = admin.set_targets(slug, given)
    click.echo(
        f"Targets for {hub.name}: {hub.target_businesses:,} businesses,"
        f" {hub.target_installs:,} installs, {hub.target_subscribers:,} phones with alerts,"
        f" {hub.target_redemptions:,} offers redeemed."
    )


@hubs_group.command("list")
def list_() -> None:
    """Every hub: slug, name, area, businesses and managers."""
    summaries = admin.hub_summaries()
    if not summaries:
        click.echo("No hubs yet: create one with hubs create.")
        return
    rows = [
        (
            s.hub.slug,
            s.hub.name,
            f"{s.hectares:,.1f} ha",
            f"{s.businesses} business(es)",
            ", ".join(s.managers) or "no manager",
        )
        for s in summaries
    ]
    widths = [max(len(row[column]) for row in rows) for column in range(4)]
    for row in rows:
        padded = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        click.echo("  ".join([*padded, row[4]]))


@hubs_group.command("import-places")
@click.argument("slug")
@click.option(
    "--from",
    "places_file",
    required=True,
    type=click.Path(path_type=Path),
    help="GeoJSON FeatureCollection of points with properties name and kind (street or"
    " landmark), in WGS84 (EPSG:4326).",
)
def import_places(slug: str, places_file: Path) -> None:
    """Add a hub's streets and landmarks, which residents pick for alerts. A place with the
    name of one already there replaces it."""
    with refusals():
        result = admin.import_places(slug, places_file)
    click.echo(
        f"Imported {len(result.created) + len(result.updated)} place(s) on {slug}:"
        f" {len(result.created)} new, {len(result.updated)} updated."
    )
    if result.skipped:
        click.echo(f"Skipped {len(result.skipped)} feature(s):")
        for reason in result.skipped:
            click.echo(f"  {reason}")
