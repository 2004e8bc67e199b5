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

    from townhub.ops.cli import backup_group

    app.cli.add_command(backup_group)
