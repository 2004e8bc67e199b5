"""Footfall counts: recording them once and reading them back. Counts carry no identity."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import DateTime, Integer, and_, column, func, select, true, values
from sqlalchemy.dialects.postgresql import insert

from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.footfall.models import FootfallCount
from townhub.hubs.models import Hub
from townhub.sensors.models import Sensor


@dataclass(frozen=True)
class SensorReading:
    sensor_name: str
    device_id: str
    measured_at: datetime | None
    people: int | None


@dataclass(frozen=True)
class Busyness:
    """People counted in the last hour against the same hour in the previous weeks."""

    people: int | None  # None: no sensor reported in the last hour
    usual: float | None  # None: no readings for this hour in the previous weeks
    level: str  # "quieter", "usual", "busier", "unknown" (no reading now) or "new" (no history)


# Within this share of usual, the street is "about as busy as usual".
USUAL_BAND = 0.2
WEEKS_COMPARED = 4


@dataclass(frozen=True)
class HourTotal:
    hour: datetime
    people: int


def record_count(
    sensor: Sensor, measured_at: datetime, period_minutes: int, people: int, uplink_id: str
) -> bool:
    """Store a count unless this uplink was stored before; True when it was new. Commits."""
    inserted = db.session.execute(
        insert(FootfallCount)
        .values(
            sensor_id=sensor.id,
            measured_at=measured_at,
            period_minutes=period_minutes,
            people=people,
            uplink_id=uplink_id,
        )
        .on_conflict_do_nothing(index_elements=["uplink_id"])
        .returning(FootfallCount.id)
    ).scalar()
    db.session.commit()
    return inserted is not None


def latest_readings(hub: Hub) -> list[SensorReading]:
    """Each of the hub's sensors with the count it sent last (or none yet).

    "Last" is the last received, not the latest measured: a delayed uplink still shows up
    here when it arrives.
    """
    latest = (
        select(FootfallCount.measured_at, FootfallCount.people)
        .where(FootfallCount.sensor_id == Sensor.id)
        .order_by(FootfallCount.id.desc())
        .limit(1)
        .lateral()
    )
    rows = db.session.execute(
        select(Sensor.name, Sensor.device_id, latest.c.measured_at, latest.c.people)
        .outerjoin(latest, true())
        .where(Sensor.hub_id == hub.id)
        .order_by(Sensor.name)
    )
    return [SensorReading(*row) for row in rows]


def hourly_totals(hub: Hub, hours: int = 24, now: datetime | None = None) -> list[HourTotal]:
    """People counted across the hub's sensors in each of the last `hours` hours."""
    now = now or utcnow()
    hour = func.date_trunc("hour", FootfallCount.measured_at)
    rows = db.session.execute(
        select(hour.label("hour"), func.sum(FootfallCount.people))
        .join(Sensor, Sensor.id == FootfallCount.sensor_id)
        .where(
            Sensor.hub_id == hub.id,
            FootfallCount.measured_at > now - timedelta(hours=hours),
            FootfallCount.measured_at <= now,
        )
        .group_by(hour)
        .order_by(hour)
    )
    return [HourTotal(hour=row[0], people=int(row[1])) for row in rows]


def busyness(hub: Hub, now: datetime | None = None) -> Busyness:
    """How busy the hub's street was in the last hour compared with the same hour on the
    same weekday in each of the previous four weeks (London wall-clock time, so a clock
    change does not shift "the same hour")."""
    local_now = (now or utcnow()).astimezone(LONDON)
    windows = []
    for weeks_back in range(WEEKS_COMPARED + 1):
        end = local_now - timedelta(weeks=weeks_back)
        windows.append((end - timedelta(hours=1), end))
    # One range per window and sensor, so each is a short walk along the (sensor, time)
    # index rather than a filter over every count the sensor ever sent.
    windows_table = values(
        column("window", Integer),
        column("starts", DateTime(timezone=True)),
        column("ends", DateTime(timezone=True)),
        name="windows",
    ).data([(index, start, end) for index, (start, end) in enumerate(windows)])
    rows = db.session.execute(
        select(windows_table.c.window, func.sum(FootfallCount.people))
        .select_from(windows_table)
        .join(Sensor, Sensor.hub_id == hub.id)
        .join(
            FootfallCount,
            and_(
                FootfallCount.sensor_id == Sensor.id,
                FootfallCount.measured_at > windows_table.c.starts,
                FootfallCount.measured_at <= windows_table.c.ends,
            ),
        )
        .group_by(windows_table.c.window)
    )
    totals = {int(window): int(people) for window, people in rows}
    people = totals.pop(0, None)
    usual = sum(totals.values()) / len(totals) if totals else None
    if people is None:
        level = "unknown"
    elif usual is None:
        level = "new"
    elif people < usual * (1 - USUAL_BAND):
        level = "quieter"
    elif people > usual * (1 + USUAL_BAND):
        level = "busier"
    else:
        level = "usual"
    return Busyness(people, usual, level)
