"""The sensor webhooks, and ChirpStack v3 and status messages, through the real app."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import make_sensor
from townhub.extensions import db
from townhub.footfall.models import FootfallCount
from townhub.sensors.ingest import parse_chirpstack_uplink
from townhub.sensors.models import Sensor, SensorQuarantine

UPLINKS = Path(__file__).parent / "uplinks"
SECRET = "s" * 40


@pytest.fixture
def sensor(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Sensor:
    monkeypatch.setitem(app.config, "SENSOR_WEBHOOK_SECRET", SECRET)
    return make_sensor(device_id="sn-clock-tower", dev_eui="70B3D57ED0060001")


def post(client: FlaskClient, path: str, body: bytes, secret: str | None = SECRET, **kw: str):  # type: ignore[no-untyped-def]
    headers = {"Content-Type": "application/json"}
    if secret is not None:
        headers["X-Townhub-Secret"] = secret
    return client.post(path, data=body, headers=headers, **kw)


def count_rows() -> int:
    return int(db.session.scalar(select(func.count()).select_from(FootfallCount)) or 0)


def quarantined() -> list[str]:
    return list(db.session.scalars(select(SensorQuarantine.reason).order_by(SensorQuarantine.id)))


def test_a_tts_webhook_uplink_is_counted_once(client: FlaskClient, sensor: Sensor) -> None:
    body = (UPLINKS / "tts_v3_paxcounter.json").read_bytes()

    first = post(client, "/sensors/webhooks/tts", body)
    again = post(client, "/sensors/webhooks/tts", body)

    assert (first.status_code, first.get_json()) == (200, {"outcome": "counted"})
    assert (again.status_code, again.get_json()) == (200, {"outcome": "duplicate"})
    assert count_rows() == 1


def test_a_chirpstack_webhook_uplink_and_status(client: FlaskClient, sensor: Sensor) -> None:
    up = post(
        client,
        "/sensors/webhooks/chirpstack?event=up",
        (UPLINKS / "chirpstack_v4_paxcounter.json").read_bytes(),
    )
    status = post(
        client,
        "/sensors/webhooks/chirpstack?event=status",
        (UPLINKS / "chirpstack_v4_status.json").read_bytes(),
    )
    join = post(client, "/sensors/webhooks/chirpstack?event=join", b"{}")

    assert up.get_json() == {"outcome": "counted"}
    assert status.get_json() == {"outcome": "status"}
    assert join.status_code == 200 and count_rows() == 1
    assert sensor.battery_percent == 81.5
    assert quarantined() == []


def test_the_secret_is_required_and_checked(client: FlaskClient, sensor: Sensor) -> None:
    body = (UPLINKS / "tts_v3_paxcounter.json").read_bytes()

    missing = post(client, "/sensors/webhooks/tts", body, secret=None)
    wrong = post(client, "/sensors/webhooks/tts", body, secret="x" * 40)
    bearer = client.post(
        "/sensors/webhooks/tts", data=body, headers={"Authorization": f"Bearer {SECRET}"}
    )

    assert missing.status_code == 401 and missing.mimetype == "application/problem+json"
    assert wrong.status_code == 403
    assert bearer.get_json() == {"outcome": "counted"}
    assert count_rows() == 1 and quarantined() == []


def test_the_webhooks_are_off_without_a_secret(client: FlaskClient, app: Flask) -> None:
    assert app.config["SENSOR_WEBHOOK_SECRET"] == ""
    answer = post(client, "/sensors/webhooks/tts", b"{}", secret="anything")
    assert answer.status_code == 404 and "not switched on" in answer.get_json()["detail"]


def test_an_unknown_network_is_refused(client: FlaskClient, sensor: Sensor) -> None:
    assert post(client, "/sensors/webhooks/loriot", b"{}").status_code == 404


@pytest.mark.parametrize(
    ("body", "status", "reason"),
    [
        (b"{not json", 400, "not valid JSON"),
        (b"x" * (70 * 1024), 413, "message larger than 64 KB"),
        (b'{"uplink_message": {}, "end_device_ids": {"device_id": "a\\u0000"}}', 202, "NUL"),
    ],
)
def test_bad_webhook_bodies_are_kept_in_quarantine_and_answered(
    client: FlaskClient, sensor: Sensor, body: bytes, status: int, reason: str
) -> None:
    answer = post(client, "/sensors/webhooks/tts", body)

    assert answer.status_code == status
    assert reason in json.dumps(answer.get_json())
    [kept] = db.session.scalars(select(SensorQuarantine)).all()
    assert reason in kept.reason and kept.source == "webhook:tts"
    assert kept.payload_bytes == len(body) and len(kept.payload) <= 64 * 1024
    assert count_rows() == 0


def test_an_unknown_device_is_accepted_into_quarantine(client: FlaskClient, sensor: Sensor) -> None:
    message = json.loads((UPLINKS / "tts_v3_paxcounter.json").read_text())
    message["end_device_ids"] = {"device_id": "stranger"}

    answer = post(client, "/sensors/webhooks/tts", json.dumps(message).encode())

    assert answer.status_code == 202
    assert answer.get_json()["outcome"] == "quarantined"
    assert "unknown device 'stranger'" in answer.get_json()["reason"]


# ---- ChirpStack v3 ----


def test_chirpstack_v3_with_a_hex_eui_and_object() -> None:
    up = parse_chirpstack_uplink((UPLINKS / "chirpstack_v3_hex_eui.json").read_bytes())
    assert (up.device_id, up.dev_eui, up.f_cnt, up.f_port) == (
        "sn-clock-tower",
        "70B3D57ED0060001",
        310,
        1,
    )
    assert up.received_at == datetime(2026, 11, 20, 14, 3, 11, 4127, tzinfo=UTC)
    assert up.decoded == {"pax": 12, "wifi": 7, "ble": 5}
    assert (up.rssi, up.snr) == (-104.0, 3.5)


def test_chirpstack_v3_with_a_base64_eui_and_object_json() -> None:
    up = parse_chirpstack_uplink((UPLINKS / "chirpstack_v3_protobuf_json.json").read_bytes())
    assert up.dev_eui == "70B3D57ED0060001"
    assert up.decoded == {"pax": 12, "wifi": 9, "ble": 3}
    assert (up.rssi, up.snr) == (-110.0, -2.25)
    # Without publishedAt or a gateway time a redelivery is known by counter and payload.
    again = parse_chirpstack_uplink((UPLINKS / "chirpstack_v3_protobuf_json.json").read_bytes())
    assert again.message_id == up.message_id


def test_chirpstack_v3_counts_through_the_webhook(client: FlaskClient, sensor: Sensor) -> None:
    for name in ("chirpstack_v3_hex_eui.json", "chirpstack_v3_protobuf_json.json"):
        body = (UPLINKS / name).read_bytes()
        assert post(client, "/sensors/webhooks/chirpstack?event=up", body).get_json() == {
            "outcome": "counted"
        }
        assert post(client, "/sensors/webhooks/chirpstack?event=up", body).get_json() == {
            "outcome": "duplicate"
        }
    assert count_rows() == 2
