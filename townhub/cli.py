"""Command-line tasks: `flask --app app <command>`."""

from __future__ import annotations

import logging

import click
from flask import Flask, current_app


def register(app: Flask) -> None:
    @app.cli.command("seed-demo")
    @click.option("--weeks", default=8, show_default=True, help="Weeks of hourly footfall.")
    def seed_demo(weeks: int) -> None:
        """Load three Croydon hubs with businesses, offers, events, roadworks and footfall."""
        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException(
                "seed-demo loads made-up data; it will not run in production."
            )
        from townhub.demo.seed import seed

        summary = seed(weeks=weeks)
        click.echo(summary)

    @app.cli.command("worker")
    @click.option("--no-mqtt", is_flag=True, help="Run jobs only, without the MQTT listener.")
    def worker(no_mqtt: bool) -> None:
        """Run background jobs and the MQTT listener until stopped."""
        from townhub import worker as worker_module

        logging.basicConfig(
            level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s"
        )
        worker_module.run(current_app._get_current_object(), listen=not no_mqtt)  # type: ignore[attr-defined]

    secrets_group = click.Group("secrets", help="Secret key and VAPID keys in the instance folder.")

    @secrets_group.command("init")
    def secrets_init() -> None:
        """Generate the secret key and VAPID keys once; never overwrites existing ones."""
        from townhub.keys import main as init_secrets

        init_secrets([current_app.instance_path])

    app.cli.add_command(secrets_group)

    from townhub.accounts.cli import users_group
    from townhub.hubs.cli import hubs_group

    app.cli.add_command(users_group)
    app.cli.add_command(hubs_group)

    sensors_group = click.Group("sensors", help="Footfall sensors.")

    @sensors_group.command("simulate")
    @click.option("--hub", "hub_slug", default=None, help="Every registered sensor of this hub.")
    @click.option("--device", "device_ids", multiple=True, help="A device id (repeatable).")
    @click.option(
        "--network",
        type=click.Choice(["registered", "tts", "chirpstack"]),
        default="registered",
        show_default=True,
        help="JSON format: each sensor's registered network, or one for all.",
    )
    @click.option("--rounds", type=click.IntRange(1, 100_000), default=1, show_default=True)
    @click.option(
        "--every",
        type=click.IntRange(1, 1440),
        default=15,
        show_default=True,
        help="Minutes between a sensor's uplinks; with --rounds, the last is now.",
    )
    @click.option(
        "--rate",
        type=click.FloatRange(0),
        default=0,
        help="At most this many messages a second (0: as fast as the broker takes them).",
    )
    def sensors_simulate(
        hub_slug: str | None,
        device_ids: tuple[str, ...],
        network: str,
        rounds: int,
        every: int,
        rate: float,
    ) -> None:
        """Publish realistic uplinks to the configured broker, in The Things Stack v3 or
        ChirpStack v4 JSON, in each sensor's own payload shape, following a high street's
        day. For demos (--rounds 96 fills a day) and load (--rate)."""
        from datetime import timedelta

        from sqlalchemy import or_, select

        from townhub.common.models import utcnow
        from townhub.extensions import db
        from townhub.hubs.models import Hub
        from townhub.sensors.models import Sensor
        from townhub.sensors.simulate import SimulatedSensor, connect, publish_all, uplinks

        query = select(Sensor).order_by(Sensor.id)
        if hub_slug:
            query = query.join(Hub).where(Hub.slug == hub_slug)
        if device_ids:
            query = query.where(or_(Sensor.device_id.in_(device_ids)))
        if not hub_slug and not device_ids:
            raise click.UsageError("Name a hub (--hub) or devices (--device).")
        registered = list(db.session.scalars(query))
        unknown = set(device_ids) - {s.device_id for s in registered}
        sensors = [
            SimulatedSensor(
                s.device_id,
                s.dev_eui,
                s.network if network == "registered" else network,
                s.kind,
                dict(s.mapping),
            )
            for s in registered
        ] + [SimulatedSensor(d, None, "tts", "paxcounter", {}) for d in sorted(unknown)]
        if unknown:
            click.echo(f"Not registered (they will be quarantined): {', '.join(sorted(unknown))}")
        if not sensors:
            raise click.ClickException("No sensors found: register one first.")
        step = timedelta(minutes=every)
        start = utcnow() - step * (rounds - 1)
        messages = ((topic, payload) for topic, payload, _ in uplinks(sensors, start, step, rounds))
        client = connect(current_app.config)
        try:
            sent = publish_all(client, messages, rate)
        finally:
            client.disconnect()
            client.loop_stop()
        click.echo(f"Published {sent} uplink(s) for {len(sensors)} sensor(s).")

    @sensors_group.command("demo-feed")
    @click.option("--every", type=click.FloatRange(1, 3600), default=900, show_default=True)
    def sensors_demo_feed(every: float) -> None:
        """Send the demo sensors' counts over MQTT until stopped (development only)."""
        import contextlib
        import threading

        from townhub.demo.feed import run

        if current_app.config["ENV_NAME"] == "production":
            raise click.ClickException("The demo feed is for development only.")
        click.echo(f"Sending demo footfall every {every:g} s. Ctrl+C stops.")
        with contextlib.suppress(KeyboardInterrupt):  # Ctrl+C is the way to stop it
            run(current_app.config["MQTT_URL"], threading.Event(), every)

    app.cli.add_command(sensors_group)

    roadworks_group = click.Group("roadworks", help="Roadworks from outside sources.")

    @roadworks_group.command("import-street-manager")
    @click.argument("files", nargs=-1, required=True, type=click.Path(exists=True, dir_okay=False))
    def roadworks_import_street_manager(files: tuple[str, ...]) -> None:
        """Import DfT Street Manager permits near a hub: notifications (.json: one message,
        in its SNS envelope or not, or a list) or the monthly permit file (.csv)."""
        from pathlib import Path

        from flask_babel import force_locale

        from townhub.roadworks.service import import_permits
        from townhub.roadworks.streetmanager import read_file

        # No request to take a language from: the site's default.
        with force_locale(current_app.config["BABEL_DEFAULT_LOCALE"]):
            for name in files:
                summary = import_permits(read_file(Path(name)))
                click.echo(f"{name}:")
                for line in summary.describe():
                    click.echo(f"  {line}")

    app.cli.add_command(roadworks_group)

    from pathlib import Path

    from townhub.ops import backup as backups

    backup_group = click.Group(
        "backup", help="Back up the database and the instance folder, and restore them."
    )
    folder_type = click.Path(file_okay=False, path_type=Path)

    @backup_group.command("create")
    @click.option(
        "--to",
        "folder",
        type=folder_type,
        envvar="TOWNHUB_BACKUP_DIR",
        default=backups.DEFAULT_FOLDER,
        show_default=True,
        show_envvar=True,
        help="Folder for backups; made (mode 0700) if missing.",
    )
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
    @click.option(
        "--in",
        "folder",
        type=folder_type,
        envvar="TOWNHUB_BACKUP_DIR",
        default=backups.DEFAULT_FOLDER,
        show_default=True,
        show_envvar=True,
        help="Folder the backups are in.",
    )
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

    app.cli.add_command(backup_group)
