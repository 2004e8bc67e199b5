"""The production files in deploy/ as the install writes them: systemd units that
systemd-analyze accepts, a Caddy site that Caddy accepts with the promised headers, and a
Mosquitto that refuses anonymous clients and keeps each user to its topics."""

from __future__ import annotations

import json
import re
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.reasoncodes import ReasonCode

from tests.support.network import answers, free_port

ROOT = Path(__file__).resolve().parents[2]
TEMPLATES = ROOT / "deploy" / "templates"
UNITS = [
    "townhub-web.service",
    "townhub-worker.service",
    "townhub-backup.service",
    "townhub-backup.timer",
    "townhub-mqtt-certs.service",
    "townhub-mqtt-certs.timer",
]


def render(name: str, **values: str) -> str:
    text = (TEMPLATES / name).read_text()
    for key, value in values.items():
        text = text.replace(f"@{key}@", value)
    assert not re.search(r"@[A-Z]+@", text), f"{name} has a placeholder left"
    return text


def test_every_unit_passes_systemd_analyze_verify(tmp_path: Path) -> None:
    venv = Path(sys.prefix)
    for name in UNITS:
        (tmp_path / name).write_text(
            render(name, APP=str(ROOT), VENV=str(venv), DOMAIN="townhub.example.gov.uk")
        )

    checked = subprocess.run(
        ["systemd-analyze", "verify", *[str(tmp_path / name) for name in UNITS]],
        capture_output=True,
        text=True,
        timeout=60,
    )

    assert checked.returncode == 0, checked.stderr
    assert checked.stderr == ""


def test_the_services_are_hardened_and_restart(tmp_path: Path) -> None:
    for name in ("townhub-web.service", "townhub-worker.service"):
        unit = render(name, APP="/opt/townhub/app", VENV="/opt/townhub/venv")
        for setting in (
            "User=townhub",
            "Restart=on-failure",
            "NoNewPrivileges=yes",
            "ProtectSystem=strict",
            "ReadWritePaths=/var/lib/townhub",
            "CapabilityBoundingSet=\n",
            "EnvironmentFile=/etc/townhub/townhub.env",
        ):
            assert setting in unit, (name, setting)
    assert "--bind 127.0.0.1:8000" in render("townhub-web.service", APP="a", VENV="v")


def _caddy(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["caddy", *args], capture_output=True, text=True, timeout=60)


def test_the_caddy_site_validates_with_https_headers_and_long_caching(tmp_path: Path) -> None:
    site = tmp_path / "townhub.caddy"
    site.write_text(render("townhub.caddy", DOMAIN="townhub.example.gov.uk", EMAIL="it@ex.org"))
    caddyfile = tmp_path / "Caddyfile"
    caddyfile.write_text(f"import {site}\n")

    validated = _caddy("validate", "--config", str(caddyfile), "--adapter", "caddyfile")
    adapted = _caddy("adapt", "--config", str(caddyfile), "--adapter", "caddyfile")

    assert validated.returncode == 0, validated.stderr
    config = json.loads(adapted.stdout)
    text = json.dumps(config)
    assert "townhub.example.gov.uk" in text and '"encodings"' in text
    assert "max-age=31536000, immutable" in text and "Strict-Transport-Security" in text
    # Only where the app set no Cache-Control (it answers an old release's name no-cache).
    assert '"require": {"headers": {"Cache-Control": null}}' in text
    assert '"upstreams": [{"dial": "127.0.0.1:8000"}]' in text
    (pattern,) = re.findall(r'"pattern": "([^"]+)"', text)
    fingerprinted = re.compile(pattern.encode().decode("unicode_escape"))
    assert fingerprinted.match("/static/css/app.0123456789ab.css")
    assert not fingerprinted.match("/static/css/app.css")


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[int]:
    """Mosquitto with the site's settings, its ACL and a password file, on a free port."""
    port = free_port()
    passwords = tmp_path / "townhub.passwd"
    for user, password in (("townhub", "worker-secret"), ("sensors", "sensors-secret")):
        create = ["-c"] if not passwords.exists() else []
        subprocess.run(
            ["mosquitto_passwd", "-b", *create, str(passwords), user, password], check=True
        )
    acl = tmp_path / "townhub.acl"
    acl.write_text(render("mosquitto.acl"))
    config = render("mosquitto.conf")
    config = config.replace("/etc/mosquitto/townhub.passwd", str(passwords))
    config = config.replace("/etc/mosquitto/townhub.acl", str(acl))
    config = config.replace("listener 1883 127.0.0.1", f"listener {port} 127.0.0.1")
    # As root it would switch to the mosquitto user, who cannot read pytest's folder.
    (tmp_path / "mosquitto.conf").write_text(config + "user root\n")
    with open(tmp_path / "stderr.txt", "wb") as stderr:
        process = subprocess.Popen(
            ["mosquitto", "-c", str(tmp_path / "mosquitto.conf")],
            stdout=subprocess.DEVNULL,
            stderr=stderr,
        )
    deadline = time.monotonic() + 10
    while not answers(port):
        assert process.poll() is None, (tmp_path / "stderr.txt").read_text()
        assert time.monotonic() < deadline, "mosquitto did not start"
        time.sleep(0.05)
    yield port
    process.terminate()
    process.wait(timeout=10)


def _connect(port: int, user: str | None, password: str | None) -> tuple[mqtt.Client, int]:
    """A connected client and the broker's CONNACK reason (0 = accepted)."""
    client = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    answers: list[int] = []
    client.on_connect = lambda c, u, f, reason, p: answers.append(reason.value)
    if user is not None:
        client.username_pw_set(user, password)
    client.connect("127.0.0.1", port)
    client.loop_start()
    deadline = time.monotonic() + 5
    while not answers and time.monotonic() < deadline:
        time.sleep(0.02)
    assert answers, "no CONNACK"
    return client, answers[0]


def test_the_broker_refuses_anonymous_clients_and_wrong_passwords(broker: int) -> None:
    for user, password in ((None, None), ("townhub", "guess"), ("intruder", "x")):
        client, reason = _connect(broker, user, password)
        client.loop_stop()
        client.disconnect()
        assert reason in (134, 135), (user, reason)  # bad user name or password / not authorised


def test_each_user_keeps_to_its_topics(broker: int) -> None:
    worker, reason = _connect(broker, "townhub", "worker-secret")
    assert reason == 0
    received: list[str] = []
    worker.on_message = lambda c, u, message: received.append(message.topic)
    granted: list[list[ReasonCode]] = []
    worker.on_subscribe = lambda c, u, mid, codes, p: granted.append(codes)
    worker.subscribe(
        [
            ("$share/townhub/v3/+/devices/+/up", 1),
            ("application/+/device/+/event/up", 1),
            # Not Townhub's business: Mosquitto 2.0 grants the subscription but delivers
            # nothing the ACL does not let this user read.
            ("application/+/device/+/event/join", 1),
        ]
    )
    deadline = time.monotonic() + 5
    while not granted and time.monotonic() < deadline:
        time.sleep(0.02)
    assert granted, "no SUBACK"

    sensors, reason = _connect(broker, "sensors", "sensors-secret")
    assert reason == 0
    sensors.publish("v3/app@ttn/devices/sn-1/up", b"{}", qos=1).wait_for_publish(5)
    sensors.publish("application/1/device/70b3/event/up", b"{}", qos=1).wait_for_publish(5)
    sensors.publish("application/1/device/70b3/event/join", b"{}", qos=1).wait_for_publish(5)
    # The worker may not publish, so it cannot forge uplinks.
    worker.publish("application/1/device/forged/event/up", b"{}", qos=1).wait_for_publish(5)

    deadline = time.monotonic() + 5
    while len(received) < 2 and time.monotonic() < deadline:
        time.sleep(0.02)
    time.sleep(0.3)  # a forged or forbidden message would have arrived by now
    for client in (worker, sensors):
        client.loop_stop()
        client.disconnect()
    assert sorted(received) == ["application/1/device/70b3/event/up", "v3/app@ttn/devices/sn-1/up"]
