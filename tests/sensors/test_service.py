"""Turning uplinks into counts or quarantine rows, against the real database."""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

from sqlalchemy import select

from tests.factories import make_sensor
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.footfall.models import FootfallCount
from townhub.sensors.models import SensorQuarantine
from townhub.sensors.service import Outcome, ingest_uplink
from townhub.sensors.simulate import tts_uplink

UPLINKS = Path(__file__).parent / "uplinks"


def _uplink(**overrides: object) -> bytes:
    values = {
        "device_id": "sn-clock-tower",
        "dev_eui": "70B3D57ED0060001",
        "people": 9,
        "f_cnt": 3,
        "at": utcnow(),
    }
    return json.dumps(tts_uplink(**{**values, **overrides})).encode()  # type: ignore[arg-type]


def test_an_uplink_is_counted_once() -> None:
    make_sensor(device_id="sn-clock-tower", dev_eui="70B3D57ED0060001")
    raw = _uplink()

    assert ingest_uplink("tts", "test", raw) is Outcome.COUNTED
    assert ingest_uplink("tts", "test", raw) is Outcome.DUPLICATE
    assert [c.people for c in db.session.scalars(select(FootfallCount))] == [9]


def test_a_time_in_the_future_is_quarantined_with_the_reason() -> None:
    make_sensor(device_id="sn-clock-tower", dev_eui="70B3D57ED0060001")

    outcome = ingest_uplink("tts", "test", _uplink(at=utcnow() + timedelta(days=3)))

    assert outcome is Outcome.QUARANTINED
    reason = db.session.scalars(select(SensorQuarantine.reason)).one()
    assert "in the future" in reason
    assert db.session.scalars(select(FootfallCount)).all() == []


def test_chirpstack_uplinks_are_counted_too() -> None:
    make_sensor(device_id="sn-clock-tower", dev_eui="70B3D57ED0060001")
    message = json.loads((UPLINKS / "chirpstack_v4_paxcounter.json").read_text())
    message["time"] = utcnow().isoformat()

    assert ingest_uplink("chirpstack", "test", json.dumps(message).encode()) is Outcome.COUNTED


def test_every_kind_of_bad_message_is_kept_with_its_reason() -> None:
    make_sensor(device_id="sn-clock-tower", dev_eui="70B3D57ED0060001")
    bad = [
        b"",
        b"\xff\xfe",
        b"[]",
        b"{}",
        b"x" * (70 * 1024),
        _uplink(device_id="stranger", dev_eui=None),
    ]

    outcomes = [ingest_uplink("tts", "test", raw) for raw in bad]

    assert outcomes == [Outcome.QUARANTINED] * len(bad)
    reasons = list(
        db.session.scalars(select(SensorQuarantine.reason).order_by(SensorQuarantine.id))
    )
    assert len(reasons) == len(bad) and all(reasons)
    assert "64 KB" in reasons[4] and "unknown device 'stranger'" in reasons[5]
