"""Reading the roll-ups back: each sensor's, or the sensors' combined, totals per bucket
over a period, read from the database a batch at a time (a server-side cursor), so a year
of hourly figures for every sensor is never held in memory at once. For open data and the
insights alike. Read-only."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from datetime import datetime, timedelta
from typing import NamedTuple

from sqlalchemy import ColumnElement, func, select

from townhub.common.days import at_london
from townhub.common.formatting import LONDON
from townhub.extensions import db
from townhub.footfall.models import FootfallRollup

# The open-data names of the roll-up grains.
GRAINS = {"15min": "15m", "hour": "1h", "day": "1d"}
# Rows fetched from the server-side cursor at a time: about 1 MB of Python objects.
BATCH_ROWS = 2000


class SensorFigure(NamedTuple):
    """People counted by one sensor in one bucket, and how many uplinks made the total."""

    bucket_start: datetime
    sensor_id: int
    people: int
    readings: int


class HubFigure(NamedTuple):
    """People counted by all the chosen sensors together in one bucket."""

    bucket_start: datetime
    people: int
    readings: int
    sensors_reporting: int


def bucket_end(start: datetime, grain: str) -> datetime:
    """Where a bucket ends: 15 minutes or an hour on, or the next London midnight (a day is
    23 or 25 hours long when the clocks change)."""
    if grain == "15m":
        return start + timedelta(minutes=15)
    if grain == "1h":
        return start + timedelta(hours=1)
    return at_london(start.astimezone(LONDON).date() + timedelta(days=1))


def _in_range(
    sensor_ids: Sequence[int], grain: str, start: datetime, end: datetime
) -> list[ColumnElement[bool]]:
    return [
        FootfallRollup.sensor_id.in_(sensor_ids),
        FootfallRollup.grain == grain,
        FootfallRollup.bucket_start >= start,
        FootfallRollup.bucket_start < end,
    ]


def sensor_figures(
    sensor_ids: Sequence[int], grain: str, start: datetime, end: datetime
) -> Iterator[SensorFigure]:
    """Each sensor's total per bucket starting in [start, end), by bucket then sensor.
    Buckets with no readings are absent. Streams: call within the request or app context."""
    if not sensor_ids:
        return
    statement = (
        select(
            FootfallRollup.bucket_start,
            FootfallRollup.sensor_id,
            FootfallRollup.people,
            FootfallRollup.readings,
        )
        .where(*_in_range(sensor_ids, grain, start, end))
        .order_by(FootfallRollup.bucket_start, FootfallRollup.sensor_id)
    )
    result = db.session.execute(statement, execution_options={"yield_per": BATCH_ROWS})
    try:
        for row in result:
            yield SensorFigure(row[0], row[1], int(row[2]), int(row[3]))
    finally:  # also when the download is abandoned half way: free the server's cursor
        result.close()


def hub_figures(
    sensor_ids: Sequence[int], grain: str, start: datetime, end: datetime
) -> Iterator[HubFigure]:
    """The sensors' combined total per bucket starting in [start, end), in time order.
    Buckets in which none of them had readings are absent."""
    if not sensor_ids:
        return
    statement = (
        select(
            FootfallRollup.bucket_start,
            func.sum(FootfallRollup.people),
            func.sum(FootfallRollup.readings),
            func.count(),
        )
        .where(*_in_range(sensor_ids, grain, start, end))
        .group_by(FootfallRollup.bucket_start)
        .order_by(FootfallRollup.bucket_start)
    )
    result = db.session.execute(statement, execution_options={"yield_per": BATCH_ROWS})
    try:
        for row in result:
            yield HubFigure(row[0], int(row[1]), int(row[2]), int(row[3]))
    finally:
        result.close()
