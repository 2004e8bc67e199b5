"""What the database holds of the uplinks a test sent: counts, roll-ups, quarantine."""

from __future__ import annotations

from sqlalchemy import func, select

from townhub.extensions import db
from townhub.footfall.models import FootfallCount, FootfallRollup
from townhub.sensors.models import Sensor, SensorQuarantine


def stored() -> int:
    """Footfall rows stored, as other connections have committed them."""
    db.session.remove()
    return int(db.session.scalar(select(func.count()).select_from(FootfallCount)) or 0)


def quarantined() -> list[tuple[str, str]]:
    """(source, reason) of each quarantined message."""
    rows = db.session.execute(select(SensorQuarantine.source, SensorQuarantine.reason))
    return [(source, reason) for source, reason in rows]


def counts_by_sensor() -> dict[str, tuple[int, int]]:
    """Each sensor's stored rows and the people they add up to."""
    query = (
        select(Sensor.device_id, func.count(FootfallCount.id), func.sum(FootfallCount.people))
        .join(FootfallCount, FootfallCount.sensor_id == Sensor.id)
        .group_by(Sensor.device_id)
    )
    return {device: (int(rows), int(people)) for device, rows, people in db.session.execute(query)}


def rollups_by_sensor() -> dict[tuple[str, str], tuple[int, int]]:
    """Each sensor's roll-ups per grain: the uplinks they count and the people."""
    query = (
        select(
            Sensor.device_id,
            FootfallRollup.grain,
            func.sum(FootfallRollup.readings),
            func.sum(FootfallRollup.people),
        )
        .join(FootfallRollup, FootfallRollup.sensor_id == Sensor.id)
        .group_by(Sensor.device_id, FootfallRollup.grain)
    )
    return {
        (device, grain): (int(readings), int(people))
        for device, grain, readings, people in db.session.execute(query)
    }
