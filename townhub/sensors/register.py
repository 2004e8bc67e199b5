"""The sensor register: adding and changing sensors, their health, and the quarantine."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any, cast

from flask_babel import format_datetime
from flask_babel import gettext as _
from sqlalchemy import func, or_, select, text
from sqlalchemy.exc import IntegrityError

from townhub.common import geo, mail
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.area import on_high_street
from townhub.hubs.models import Hub
from townhub.jobs.service import every
from townhub.sensors import presets
from townhub.sensors.models import Sensor, SensorQuarantine

log = logging.getLogger(__name__)
QUARANTINE_PAGE = 50
# Uplink gaps looked at to learn how often a sensor usually speaks.
GAPS_LOOKED_AT = 24


class TooFarAway(ValueError):
    """The position is not on the hub's high street."""


class DeviceTaken(ValueError):
    """Another sensor has this device ID or DevEUI."""

    def __init__(self, field: str) -> None:
        super().__init__(field)
        self.field = field


class SensorNotFound(LookupError):
    pass


@dataclass(frozen=True)
class SensorDetails:
    name: str
    placement: str
    operator: str
    network: str
    device_id: str
    dev_eui: str | None
    kind: str
    mapping: dict[str, Any]
    lon: float
    lat: float


@dataclass(frozen=True)
class Health:
    sensor: Sensor
    usual_seconds: int  # how often it usually sends
    silent: bool  # nothing for twice as long as that


def sensor_in(hub: Hub, sensor_id: int) -> Sensor:
    sensor = db.session.get(Sensor, sensor_id)
    if sensor is None or sensor.hub_id != hub.id:
        raise SensorNotFound(sensor_id)
    return sensor


def save(hub: Hub, details: SensorDetails, sensor: Sensor | None = None) -> Sensor:
    """Add a sensor to the hub, or change one. Raises TooFarAway, DeviceTaken. Commits."""
    lon, lat = round(details.lon, 6), round(details.lat, 6)
    if not on_high_street(hub.id, lon, lat):
        raise TooFarAway((lon, lat))
    position = geo.point(lon, lat)
    taken = db.session.scalars(
        select(Sensor).where(
            or_(Sensor.device_id == details.device_id, Sensor.dev_eui == details.dev_eui),
            Sensor.id != (sensor.id if sensor else -1),
        )
    ).first()
    if taken is not None:
        raise DeviceTaken("device_id" if taken.device_id == details.device_id else "dev_eui")
    sensor = sensor or Sensor(hub_id=hub.id)
    for name in ("name", "placement", "operator", "network", "device_id", "dev_eui", "kind"):
        setattr(sensor, name, getattr(details, name))
    sensor.mapping = details.mapping
    sensor.location = cast(Any, position)
    db.session.add(sensor)
    try:
        db.session.commit()
    except IntegrityError:  # registered by someone else at the same moment
        db.session.rollback()
        raise DeviceTaken("device_id") from None
    return sensor


def hub_sensors(hub: Hub) -> list[Sensor]:
    return list(
        db.session.scalars(select(Sensor).where(Sensor.hub_id == hub.id).order_by(Sensor.name))
    )


def health(sensors: list[Sensor], now: datetime | None = None) -> list[Health]:
    """How often each sensor usually speaks (the median gap between its recent uplinks, or
    its set period when it has too few), and whether it has now been silent for twice that."""
    now = now or utcnow()
    usual = _usual_gaps([s.id for s in sensors])
    found = []
    for sensor in sensors:
        seconds = usual.get(sensor.id) or presets.period_minutes(sensor.mapping) * 60
        silent = sensor.last_seen_at is not None and (
            now - sensor.last_seen_at > timedelta(seconds=2 * seconds)
        )
        found.append(Health(sensor, seconds, silent))
    return found


def _usual_gaps(sensor_ids: list[int]) -> dict[int, int]:
    if not sensor_ids:
        return {}
    rows = db.session.execute(
        text(
            """
            SELECT s.id, percentile_cont(0.5) WITHIN GROUP (ORDER BY gap)
            FROM unnest(CAST(:ids AS integer[])) AS s (id)
            CROSS JOIN LATERAL (
                SELECT extract(
                    epoch FROM measured_at - lag(measured_at) OVER (ORDER BY measured_at)
                ) AS gap
                FROM (
                    SELECT measured_at FROM footfall_counts c
                    WHERE c.sensor_id = s.id ORDER BY measured_at DESC LIMIT :n
                ) recent
            ) gaps
            WHERE gap > 0
            GROUP BY s.id
            HAVING count(*) >= 3
            """
        ),
        {"ids": sensor_ids, "n": GAPS_LOOKED_AT + 1},
    )
    return {sensor_id: max(60, round(gap)) for sensor_id, gap in rows}


@every("check_silent_sensors", timedelta(minutes=5))
def check_silent_sensors(payload: dict[str, Any]) -> None:
    """Flag sensors that went silent, once each time, for their hub's dashboard and the
    audit log the council reads."""
    from townhub.moderation.models import AuditEntry

    now = utcnow()
    sensors = list(
        db.session.scalars(
            select(Sensor).where(Sensor.last_seen_at.is_not(None), Sensor.silent_since.is_(None))
        )
    )
    for found in health(sensors, now):
        if not found.silent:
            continue
        sensor = found.sensor
        sensor.silent_since = now
        log.warning("sensor %s (%s) has gone silent", sensor.device_id, sensor.name)
        _tell_managers(sensor, found.usual_seconds)
        db.session.add(
            AuditEntry(
                actor_id=None,
                actor_name="Townhub",
                action="sensor_silent",
                hub_id=sensor.hub_id,
                subject_kind="sensor",
                subject_id=sensor.id,
                subject_title=sensor.name,
                reason=f"nothing since {sensor.last_seen_at:%Y-%m-%d %H:%M} UTC",
            )
        )
    db.session.commit()


def _tell_managers(sensor: Sensor, usual_seconds: int | None) -> None:
    """E-mail each of the hub's managers that the sensor went silent (usual_seconds: how
    often it usually speaks) or, with None, that it is heard again. In the caller's
    transaction."""
    from townhub.accounts.service import managers_of

    hub = db.session.get(Hub, sensor.hub_id)
    assert hub is not None
    facts = {
        "name": sensor.name,
        "device": sensor.device_id,
        "hub": hub.name,
        "last_heard": format_datetime(sensor.last_seen_at, "d MMMM y, HH:mm"),
        "url": mail.link("sensors.index", hub_slug=hub.slug),
    }
    if usual_seconds is not None:
        subject = _("%(hub)s: the sensor “%(name)s” has gone silent", **facts)
        body = _(
            "Townhub has heard nothing from the people counter “%(name)s” (device"
            " %(device)s) on %(hub)s since %(last_heard)s. It usually sends every"
            " %(minutes)d minutes.\n\n"
            "Its battery and signal when last heard, and any messages that could not be"
            " counted, are on the sensor register:\n%(url)s\n\n"
            "Check the sensor and its network server. Townhub will e-mail again when it"
            " is heard.",
            minutes=max(1, usual_seconds // 60),
            **facts,
        )
    else:
        subject = _("%(hub)s: the sensor “%(name)s” is heard again", **facts)
        body = _(
            "The people counter “%(name)s” (device %(device)s) on %(hub)s is sending again:"
            " Townhub heard it at %(last_heard)s.\n\n%(url)s",
            **facts,
        )
    footer = _("You get this e-mail because you manage %(hub)s on Townhub.", hub=hub.name)
    for manager in managers_of(hub):
        mail.queue(manager.email, subject, f"{body}\n\n-- \n{footer}\n")


def heard_again(sensor: Sensor) -> None:
    """A silent sensor spoke: clear its flag and tell the hub's managers. In the caller's
    transaction."""
    sensor.silent_since = None
    _tell_managers(sensor, None)


def silent_in(hub: Hub) -> list[Sensor]:
    return list(
        db.session.scalars(
            select(Sensor)
            .where(Sensor.hub_id == hub.id, Sensor.silent_since.is_not(None))
            .order_by(Sensor.name)
        )
    )


def quarantine_for(hub: Hub, page: int = 1) -> tuple[list[SensorQuarantine], int]:
    """The hub's quarantined messages, and those from devices no one registered (they may
    be this hub's, waiting for a register entry), newest first; and how many in all."""
    mine = or_(SensorQuarantine.hub_id == hub.id, SensorQuarantine.hub_id.is_(None))
    total = db.session.scalar(select(func.count()).where(mine)) or 0
    rows = db.session.scalars(
        select(SensorQuarantine)
        .where(mine)
        .order_by(SensorQuarantine.received_at.desc(), SensorQuarantine.id.desc())
        .limit(QUARANTINE_PAGE)
        .offset((page - 1) * QUARANTINE_PAGE)
    )
    return list(rows), int(total)
