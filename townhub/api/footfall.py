"""Footfall as open data: checking what was asked for, then writing the figures as JSON or
CSV a chunk at a time, straight from the database's cursor (townhub.footfall.figures)."""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from itertools import groupby
from operator import attrgetter
from typing import Any

from flask_babel import gettext as _

from townhub.api.service import iso
from townhub.common.downloads import csv_text
from townhub.common.formatting import LONDON
from townhub.footfall import figures as stored
from townhub.footfall.figures import GRAINS
from townhub.hubs.models import Hub
from townhub.sensors.models import Sensor

AGGREGATES = ("sensor", "hub")
# What from and to may look like: a date, or a date and time (seconds, fractions of a second
# and an offset optional). The OpenAPI document gives the same pattern.
ISO_8601 = (
    r"^[0-9]{4}-[0-9]{2}-[0-9]{2}"
    r"([T ][0-9]{2}:[0-9]{2}(:[0-9]{2}(\.[0-9]{1,6})?)?(Z|[+-][0-9]{2}:[0-9]{2})?)?$"
)
DEFAULT_INTERVAL = "hour"
# The longest period each interval may cover, as ISO 8601 durations for the problem
# documents; the day limit is in calendar years.
LIMITS = {"15min": "P31D", "hour": "P366D", "day": "P5Y"}
_SPANS = {"15min": timedelta(days=31), "hour": timedelta(days=366)}
_DAY_YEARS = 5
# Times outside these years are refused (far beyond any count, and beyond what dates can
# be moved by a clock change or a five-year limit).
FIRST_YEAR, LAST_YEAR = 1900, 9990
# About how much is written at a time (characters).
CHUNK = 64 * 1024

SENSOR_COLUMNS = ("bucket_start", "bucket_end", "sensor_id", "sensor_name", "people", "readings")
HUB_COLUMNS = ("bucket_start", "bucket_end", "people", "readings", "sensors_reporting")


class BadParameter(ValueError):
    """A query parameter that cannot be used; `limit` is the longest period, when that was it."""

    def __init__(self, name: str, reason: str, limit: str | None = None) -> None:
        super().__init__(reason)
        self.name = name
        self.reason = reason
        self.limit = limit


class UnknownSensors(LookupError):
    """Sensor ids that are not this hub's."""

    def __init__(self, ids: list[int]) -> None:
        super().__init__(", ".join(map(str, ids)))
        self.ids = ids


@dataclass(frozen=True)
class FootfallQuery:
    hub: Hub
    interval: str
    aggregate: str
    start: datetime
    end: datetime
    sensors: list[Sensor]

    @property
    def grain(self) -> str:
        return GRAINS[self.interval]

    @property
    def file_name(self) -> str:
        days = f"{self.start.astimezone(LONDON):%Y%m%d}-{self.end.astimezone(LONDON):%Y%m%d}"
        return f"{self.hub.slug}-footfall-{self.interval}-{self.aggregate}-{days}.csv"


def _moment(name: str, text: str | None) -> datetime:
    example = _(
        "Give %(name)s as an ISO 8601 date or time, such as 2025-06-01 or 2025-06-01T09:00:00Z.",
        name=name,
    )
    if not text:
        missing = _("%(name)s is missing.", name=name)
        raise BadParameter(name, f"{missing} {example}")
    try:
        if not re.match(ISO_8601, text):
            raise ValueError(text)
        moment = datetime.fromisoformat(text)
        if moment.tzinfo is None:  # a time without an offset is London's
            moment = moment.replace(tzinfo=LONDON)
        year = moment.astimezone(UTC).year
    except (ValueError, OverflowError):
        reason = _("%(name)s is not a date or time.", name=name)
        raise BadParameter(name, f"{reason} {example}") from None
    if not FIRST_YEAR <= year <= LAST_YEAR:
        raise BadParameter(
            name,
            _(
                "%(name)s must be in the years %(first)d to %(last)d.",
                name=name,
                first=FIRST_YEAR,
                last=LAST_YEAR,
            ),
        )
    return moment


def _years_later(moment: datetime, years: int) -> datetime:
    """The same date and time `years` on (29 February becomes 1 March)."""
    try:
        return moment.replace(year=moment.year + years)
    except ValueError:
        return moment.replace(year=moment.year + years, month=3, day=1)


def _check_span(interval: str, start: datetime, end: datetime) -> None:
    if start >= end:
        raise BadParameter("to", _("to must be later than from."))
    if interval == "day":
        too_long = end > _years_later(start, _DAY_YEARS)
        longest = _("5 years")
    else:
        too_long = end - start > _SPANS[interval]
        longest = _("31 days") if interval == "15min" else _("366 days")
    if too_long:
        raise BadParameter(
            "to",
            _(
                "With interval=%(interval)s, from and to may be at most %(longest)s apart: "
                "ask for a shorter period, or a longer interval.",
                interval=interval,
                longest=longest,
            ),
            LIMITS[interval],
        )


def _sensor_ids(texts: Sequence[str]) -> list[int]:
    ids: list[int] = []
    for text in texts:
        for part in text.split(","):
            # ASCII digits only (str.isdigit takes "²"), and no longer than a bigint.
            if not re.fullmatch(r"[0-9]{1,18}", part.strip()):
                raise BadParameter(
                    "sensor", _("sensor must be sensor ids (whole numbers), such as sensor=12.")
                )
            ids.append(int(part.strip()))
    return ids


def footfall_query(
    hub: Hub,
    sensors: list[Sensor],
    *,
    start: str | None,
    end: str | None,
    interval: str | None,
    aggregate: str | None,
    sensor_ids: Sequence[str] = (),
) -> FootfallQuery:
    """Check a request for the hub's footfall. `sensors` are the hub's; `sensor_ids` chooses
    some of them (all when empty). Raises BadParameter, or UnknownSensors for ids that are
    not the hub's."""
    interval = DEFAULT_INTERVAL if interval is None else interval
    if interval not in GRAINS:
        raise BadParameter("interval", _("interval must be 15min, hour or day."))
    aggregate = "sensor" if aggregate is None else aggregate
    if aggregate not in AGGREGATES:
        raise BadParameter("aggregate", _("aggregate must be sensor or hub."))
    first, last = _moment("from", start), _moment("to", end)
    _check_span(interval, first, last)
    chosen = _sensor_ids(sensor_ids)
    known = {sensor.id: sensor for sensor in sensors}
    unknown = sorted({sensor_id for sensor_id in chosen if sensor_id not in known})
    if unknown:
        raise UnknownSensors(unknown)
    picked = [known[sensor_id] for sensor_id in sorted(set(chosen))] if chosen else sensors
    return FootfallQuery(hub, interval, aggregate, first, last, picked)


def _sensor_buckets(
    query: FootfallQuery,
) -> Iterator[tuple[datetime, list[stored.SensorFigure]]]:
    each = stored.sensor_figures(
        [sensor.id for sensor in query.sensors], query.grain, query.start, query.end
    )
    for start, group in groupby(each, key=attrgetter("bucket_start")):
        yield start, list(group)


def _hub_figures(query: FootfallQuery) -> Iterator[stored.HubFigure]:
    return stored.hub_figures(
        [sensor.id for sensor in query.sensors], query.grain, query.start, query.end
    )


def _bucket_times(query: FootfallQuery, start: datetime) -> tuple[str, str]:
    return iso(start), iso(stored.bucket_end(start, query.grain))


def _json_buckets(query: FootfallQuery) -> Iterator[dict[str, Any]]:
    if query.aggregate == "hub":
        for total in _hub_figures(query):
            start, end = _bucket_times(query, total.bucket_start)
            yield {
                "start": start,
                "end": end,
                "people": total.people,
                "readings": total.readings,
                "sensors_reporting": total.sensors_reporting,
            }
        return
    for bucket_start, figures in _sensor_buckets(query):
        start, end = _bucket_times(query, bucket_start)
        yield {
            "start": start,
            "end": end,
            "people": sum(figure.people for figure in figures),
            "readings": sum(figure.readings for figure in figures),
            "sensors": [
                {"id": figure.sensor_id, "people": figure.people, "readings": figure.readings}
                for figure in figures
            ],
        }


def _batches(items: Iterable[str], size: int) -> Iterator[list[str]]:
    """The items in lists of about `size` characters."""
    batch: list[str] = []
    length = 0
    for item in items:
        batch.append(item)
        length += len(item)
        if length >= size:
            yield batch
            batch, length = [], 0
    if batch:
        yield batch


def json_chunks(query: FootfallQuery, metadata: dict[str, Any]) -> Iterator[str]:
    """The JSON document, a chunk of buckets at a time."""
    head = {
        "metadata": metadata,
        "hub": {"id": query.hub.id, "slug": query.hub.slug, "name": query.hub.name},
        "interval": query.interval,
        "aggregate": query.aggregate,
        "from": iso(query.start),
        "to": iso(query.end),
        "sensors": [
            {"id": sensor.id, "name": sensor.name, "placement": sensor.placement}
            for sensor in query.sensors
        ],
    }
    yield json.dumps(head)[:-1] + ', "buckets": ['
    first = True
    for batch in _batches((json.dumps(bucket) for bucket in _json_buckets(query)), CHUNK):
        yield ("" if first else ",") + ",".join(batch)
        first = False
    yield "]}\n"


def _csv_rows(query: FootfallQuery) -> Iterator[tuple[Any, ...]]:
    if query.aggregate == "hub":
        yield HUB_COLUMNS
        for total in _hub_figures(query):
            start, end = _bucket_times(query, total.bucket_start)
            yield (start, end, total.people, total.readings, total.sensors_reporting)
        return
    yield SENSOR_COLUMNS
    names = {sensor.id: csv_text(sensor.name) for sensor in query.sensors}
    for bucket_start, figures in _sensor_buckets(query):
        start, end = _bucket_times(query, bucket_start)
        for figure in figures:
            yield (
                start,
                end,
                figure.sensor_id,
                names[figure.sensor_id],
                figure.people,
                figure.readings,
            )


def csv_chunks(query: FootfallQuery) -> Iterator[str]:
    """The CSV file (a header row, then one row a bucket, or a sensor and bucket), a chunk
    of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    for row in _csv_rows(query):
        writer.writerow(row)
        if buffer.tell() >= CHUNK:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue()
