"""Turning an uplink into a footfall count, or into a quarantine row with the reason."""

from __future__ import annotations

import enum
from datetime import timedelta

from sqlalchemy import select

from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.footfall.service import record_count
from townhub.sensors.ingest import (
    MAX_MESSAGE_BYTES,
    UnusableUplink,
    Uplink,
    parse_chirpstack_uplink,
    parse_tts_uplink,
    people_count,
)
from townhub.sensors.models import Sensor, SensorQuarantine

DEFAULT_PERIOD_MINUTES = 15
MAX_CLOCK_SKEW = timedelta(minutes=10)


class Outcome(enum.Enum):
    COUNTED = "counted"
    DUPLICATE = "duplicate"
    QUARANTINED = "quarantined"


def network_for_topic(topic: str) -> str:
    """Which network server's JSON a topic carries: The Things Stack v3 or ChirpStack."""
    return "chirpstack" if topic.startswith("application/") else "tts"


def ingest_uplink(network: str, source: str, raw: bytes) -> Outcome:
    """Count one uplink once, or quarantine it with the reason. Never raises on bad input."""
    try:
        uplink = parse_chirpstack_uplink(raw) if network == "chirpstack" else parse_tts_uplink(raw)
        if uplink.received_at > utcnow() + MAX_CLOCK_SKEW:
            raise UnusableUplink(
                f"received_at {uplink.received_at.isoformat()} is in the future: "
                "check the network server's clock"
            )
        sensor = _sensor_for(uplink)
        counted = people_count(uplink, sensor.kind, sensor.mapping)
    except UnusableUplink as problem:
        quarantine(source, problem.reason, raw)
        return Outcome.QUARANTINED
    period = int(sensor.mapping.get("period_minutes", DEFAULT_PERIOD_MINUTES))
    new = record_count(sensor, uplink.received_at, period, counted.people, _uplink_key(uplink))
    return Outcome.COUNTED if new else Outcome.DUPLICATE


def quarantine(source: str, reason: str, raw: bytes) -> None:
    """Keep an unusable message with its reason. Commits."""
    # Keep what we can of an oversized message; the reason says it was cut.
    text = raw[:MAX_MESSAGE_BYTES].decode("utf-8", errors="replace")
    db.session.add(SensorQuarantine(source=source[:300], reason=reason, payload=text))
    db.session.commit()


def _sensor_for(uplink: Uplink) -> Sensor:
    query = select(Sensor).where(Sensor.device_id == uplink.device_id)
    if uplink.dev_eui:
        query = select(Sensor).where(
            (Sensor.device_id == uplink.device_id) | (Sensor.dev_eui == uplink.dev_eui)
        )
    sensor = db.session.scalars(query.limit(1)).first()
    if sensor is None:
        raise UnusableUplink(
            f"unknown device {uplink.device_id!r}"
            + (f" (DevEUI {uplink.dev_eui})" if uplink.dev_eui else "")
            + ": register the sensor first"
        )
    return sensor


def _uplink_key(uplink: Uplink) -> str:
    return f"{uplink.network}:{uplink.message_id}"
