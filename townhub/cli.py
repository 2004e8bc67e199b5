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

    users_group = click.Group("users", help="Accounts for businesses, hub managers and admins.")

    @users_group.command("create")
    @click.option("--email", required=True)
    @click.option("--name", required=True)
    @click.option(
        "--role", type=click.Choice(["owner", "hub_manager", "council_admin"]), required=True
    )
    @click.password_option()
    def users_create(email: str, name: str, role: str, password: str) -> None:
        """Add an account with a password."""
        from townhub.accounts.service import create_user

        user = create_user(email=email, name=name, role=role, password=password)
        click.echo(f"Created {user.role} {user.email}")

    app.cli.add_command(users_group)

    sensors_group = click.Group("sensors", help="Footfall sensors.")

    @sensors_group.command("simulate")
    @click.option("--device", "device_id", required=True, help="A registered device id.")
    @click.option(
        "--people",
        type=click.IntRange(0, 100_000),
        default=None,
        help="People to report (default: a plausible random number).",
    )
    @click.option("--messages", type=click.IntRange(1, 100_000), default=1, show_default=True)
    def sensors_simulate(device_id: str, people: int | None, messages: int) -> None:
        """Publish The Things Stack v3 uplinks for a sensor to the configured broker."""
        import json
        import random
        from datetime import UTC, datetime

        from sqlalchemy import select

        from townhub.extensions import db
        from townhub.sensors.models import Sensor
        from townhub.sensors.simulate import TTS_TOPIC, publish, tts_uplink

        sensor = db.session.scalar(select(Sensor).where(Sensor.device_id == device_id))
        dev_eui = sensor.dev_eui if sensor else None
        if sensor is None:
            click.echo(
                f"Note: no sensor {device_id!r} is registered; the uplink will be quarantined."
            )
        topic = TTS_TOPIC.format(application="townhub-footfall", tenant="ttn", device=device_id)
        payloads = [
            json.dumps(
                tts_uplink(
                    device_id=device_id,
                    dev_eui=dev_eui,
                    people=people if people is not None else random.randint(5, 60),  # noqa: S311
                    f_cnt=n + 1,
                    at=datetime.now(UTC),
                )
            ).encode()
            for n in range(messages)
        ]
        publish(current_app.config["MQTT_URL"], topic, payloads)
        click.echo(f"Published {messages} uplink(s) to {topic}")

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
