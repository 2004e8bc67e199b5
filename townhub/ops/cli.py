"""`backup ...`: back up the database and the instance folder, restore them, list them
(in production, `sudo townhub backup ...`, and nightly by townhub-backup.timer)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import click
from click.decorators import FC
from flask import current_app

from townhub.ops import backup as backups

backup_group = click.Group(
    "backup", help="Back up the database and the instance folder, and restore them."
)


def _folder_option(name: str, help: str) -> Callable[[FC], FC]:
    """The backup folder: TOWNHUB_BACKUP_DIR, or /var/backups/townhub."""
    return click.option(
        name,
        "folder",
        type=click.Path(file_okay=False, path_type=Path),
        envvar="TOWNHUB_BACKUP_DIR",
        default=backups.DEFAULT_FOLDER,
        show_default=True,
        show_envvar=True,
        help=help,
    )


@backup_group.command("create")
@_folder_option("--to", "Folder for backups; made (mode 0700) if missing.")
@click.option(
    "--keep",
    type=click.IntRange(min=1),
    default=backups.DEFAULT_KEEP,
    show_default=True,
    help="How many backups to keep in the folder; older ones are deleted.",
)
def backup_create(folder: Path, keep: int) -> None:
    """Back up the database and the instance folder into one new file.

    Writes townhub-YYYYMMDD-HHMMSSZ.tar (the time in UTC; mode 0600) into the folder,
    holding database.dump (pg_dump's custom format of DATABASE_URL's database),
    instance.tar.gz (the instance folder: secrets.json with the secret and VAPID keys,
    photos/ and the rest) and manifest.json (when, which Townhub, the migration
    revision, a SHA-256 for each part). The file appears only once complete. It holds
    the site's keys and everyone's accounts: keep copies somewhere as safe.

    Then deletes all but the newest --keep backups in the folder: only files named
    townhub-YYYYMMDD-HHMMSSZ.tar, never any other.

    Needs pg_dump (package postgresql-client) of the server's version or newer. On any
    failure, exits non-zero with one line saying why and leaves no new file."""
    try:
        created = backups.create(
            database_url=current_app.config["SQLALCHEMY_DATABASE_URI"],
            instance=Path(current_app.instance_path),
            folder=folder,
            keep=keep,
        )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    click.echo(
        f"Wrote {created.path} ({backups.human_size(created.size)},"
        f" database at migration revision {created.revision})."
    )
    for path in created.deleted:
        click.echo(f"Deleted the old backup {path}.")


@backup_group.command("restore")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Restore without asking first (for scripts).")
def backup_restore(file: Path, yes: bool) -> None:
    """Replace the database and the instance folder with a backup FILE's.

    First checks the file: its manifest, each part's SHA-256, and that this Townhub
    knows the backup's migration revision (a backup from a newer Townhub needs that
    version installed first). If anything is wrong it says so and changes nothing.
    Then, once you confirm:

    \b
    - the database in DATABASE_URL is emptied and loaded from the backup in one
      transaction (a failure leaves it as it was); PostGIS must be enabled in it;
    - the instance folder is replaced by the backup's; the current one is kept
      beside it as <instance>.before-restore-<time>;
    - a backup from an older Townhub is upgraded by running the migrations.

    Stop the web and worker services first and start them afterwards. On a new server,
    create the database (with PostGIS) and run townhub-init-secrets so that this
    command can start; the restore replaces those keys with the backup's."""
    instance = Path(current_app.instance_path)
    database_url = current_app.config["SQLALCHEMY_DATABASE_URI"]
    migrations_folder = current_app.extensions["migrate"].directory
    try:
        with backups.unpacked(
            file, instance=instance, migrations_folder=migrations_folder
        ) as backup:
            manifest = backup.manifest
            click.echo(
                f"{file.name}: taken {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC by Townhub"
                f" {manifest.townhub_version}, database at migration revision"
                f" {manifest.alembic_revision}. Its checksums are right."
            )
            target = backups.Database.from_url(database_url).where
            question = (
                f"Replace everything in the database {target} and the instance folder"
                f" {instance} with this backup?"
            )
            if not yes and not click.confirm(question):
                click.echo("Nothing was changed.")
                raise click.exceptions.Exit(1)
            restored = backups.restore(
                backup,
                database_url=database_url,
                instance=instance,
                migrations_folder=migrations_folder,
            )
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    for line in restored.describe():
        click.echo(line)


@backup_group.command("list")
@_folder_option("--in", "Folder the backups are in.")
def backup_list(folder: Path) -> None:
    """List the backups in a folder, newest first: when each was taken (UTC), its size,
    the database's migration revision and the Townhub that made it."""
    try:
        found = backups.list_backups(folder)
    except backups.BackupError as error:
        raise click.ClickException(str(error)) from None
    if not found:
        click.echo(f"No backups in {folder}.")
        return
    click.echo(f"{'File':<29}  {'Taken (UTC)':<19}  {'Size':>9}  Revision  Townhub")
    for item in found:
        size = backups.human_size(item.size)
        if item.manifest is None:
            click.echo(f"{item.path.name:<29}  {'?':<19}  {size:>9}  {item.problem}")
            continue
        taken = f"{item.manifest.created_at:%Y-%m-%d %H:%M:%S}"
        click.echo(
            f"{item.path.name:<29}  {taken:<19}  {size:>9}"
            f"  {item.manifest.alembic_revision:<8}  {item.manifest.townhub_version}"
        )
