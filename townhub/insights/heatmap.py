"""Footfall heat maps: how many people each sensor counted, on average, in one London hour
of one weekday over recent weeks, added up over a hexagon grid or shown sensor by sensor,
and the same figures for every hour of the week.

Insights only read footfall: the figures come from the hourly roll-ups (grain '1h').
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import ROUND_CEILING, ROUND_HALF_UP, Decimal

from sqlalchemy import (
    ColumnElement,
    Date,
    Integer,
    cast,
    extract,
    func,
    literal,
    literal_column,
    null,
    select,
    union_all,
)

from townhub.common import geo
from townhub.common.days import at_london, london_today
from townhub.extensions import db
from townhub.footfall.models import FootfallRollup
from townhub.hubs.models import Hub
from townhub.sensors.models import Sensor

VIEWS = ("hexagons", "sensors")
DEFAULT_WEEKS = 8
MOST_WEEKS = 52
CLASSES = 5
# A sequential scale, light to dark (ColorBrewer "Blues"); each hexagon also carries its
# figure in words, so colour is never the only way to read it.
PALETTE = ("#eff3ff", "#bdd7e7", "#6baed6", "#3182bd", "#08519c")
# Hexagon sides: about a fourteenth of the hub's longer side (a 1 km high street gets
# hexagons of 70 m a side, ten or so along it), so any hub gets a grid of about a hundred;
# in steps of 5 m, and no smaller than a shop front or two.
HEXAGONS_ACROSS = 14
SMALLEST_SIDE_M = 20
# The SVG's box; its height follows the hub's shape, up to TALLEST.
WIDTH = 640
TALLEST = 560
PADDING = 16
# Sensor circles in the "sensors" view, in SVG units.
SMALLEST_CIRCLE = 6.0
LARGEST_CIRCLE = 24.0
# The wall clock of the high street, spelt out (not a bound parameter) so PostgreSQL sees
# the same expression in SELECT and GROUP BY.
_LONDON: ColumnElement[str] = literal_column("'Europe/London'")
_TENTH = Decimal("0.1")


@dataclass(frozen=True)
class Slot:
    """An hour of the week (weekday 0 = Monday, London wall-clock hour) over `weeks` weeks."""

    weekday: int
    hour: int
    weeks: int


@dataclass(frozen=True)
class SensorFigure:
    id: int
    number: int  # its label on the map: 1, 2, 3... in name order
    name: str
    lon: float
    lat: float
    people: Decimal | None  # average people in the hour; None: it counted nobody then
    days: int  # how many of the weeks it has counts for that hour
    readings: int  # uplinks behind those counts


@dataclass(frozen=True)
class Hexagon:
    ring: list[tuple[float, float]]  # (lon, lat)
    sensors: list[SensorFigure]  # empty: no sensor in this hexagon (not zero people)
    number: int  # 1, 2, 3... for hexagons with sensors, north to south; 0 for none

    @property
    def people(self) -> Decimal | None:
        """The sum of its sensors' averages; None when none of them counted anyone."""
        counted = [s.people for s in self.sensors if s.people is not None]
        return _tenth(sum(counted, Decimal(0))) if counted else None

    @property
    def readings(self) -> int:
        return sum(s.readings for s in self.sensors)


@dataclass(frozen=True)
class FigureClass:
    low: Decimal
    high: Decimal
    last: bool  # the top class includes its high end


@dataclass(frozen=True)
class HeatMap:
    hub: Hub
    slot: Slot
    first_day: date  # the first and last of the chosen weekday in the weeks
    last_day: date
    sensors: list[SensorFigure]
    hexagons: list[Hexagon]
    side_m: int  # 0 when there are no hexagons
    # week[weekday][hour]: people an hour across the hub's sensors, on average.
    week: list[list[Decimal | None]]

    @property
    def counted(self) -> bool:
        return any(s.people is not None for s in self.sensors)


def _tenth(value: Decimal) -> Decimal:
    return value.quantize(_TENTH, rounding=ROUND_HALF_UP)


def window(weeks: int, today: date | None = None) -> tuple[date, date]:
    """The last `weeks` complete weeks (Monday to Sunday) before this one: first and last day."""
    today = today or london_today()
    monday = today - timedelta(days=today.weekday())
    return monday - timedelta(weeks=weeks), monday - timedelta(days=1)


def hexagon_side(hub: Hub) -> int:
    """The side of the hub's hexagons in metres, from the size of its boundary."""
    min_x, min_y, max_x, max_y = db.session.execute(
        select(*geo.grid_bounds(Hub.boundary, geo.BNG_SRID)).where(Hub.id == hub.id)
    ).one()
    longest = max(float(max_x) - float(min_x), float(max_y) - float(min_y))
    return int(max(round(longest / HEXAGONS_ACROSS / 5) * 5, SMALLEST_SIDE_M))


def _figures(
    sensor_ids: Sequence[int], slot: Slot, first_day: date, last_day: date
) -> tuple[dict[int, tuple[Decimal, int, int]], list[list[Decimal | None]]]:
    """In one query: for each sensor that counted in the slot's London hour, the average
    people in that hour across the days, the days, and the uplinks; and for every hour of
    the week, those averages added up over the sensors. An hour that happens twice
    (clocks going back) is one hour of that day, with both halves' people.

    The database does the adding up (by sensor, day and hour, then by sensor, weekday and
    hour, then by weekday and hour), reading the hourly roll-ups through their primary key
    (sensor_id, grain, bucket_start): the sensors are named by id, not joined, so it looks
    up each sensor's stretch of hours rather than reading every roll-up. Only the hours of
    the week and one row a sensor come back."""
    chosen: dict[int, tuple[Decimal, int, int]] = {}
    hours: list[list[Decimal | None]] = [[None] * 24 for _weekday in range(7)]
    if not sensor_ids:
        return chosen, hours
    local = func.timezone(_LONDON, FootfallRollup.bucket_start)
    day = cast(local, Date)
    weekday = cast(extract("isodow", local), Integer) - 1
    hour = cast(extract("hour", local), Integer)
    daily = (
        select(
            FootfallRollup.sensor_id,
            day.label("day"),
            weekday.label("weekday"),
            hour.label("hour"),
            func.sum(FootfallRollup.people).label("people"),
            func.sum(FootfallRollup.readings).label("readings"),
        )
        .where(
            FootfallRollup.sensor_id.in_(sensor_ids),
            FootfallRollup.grain == "1h",
            FootfallRollup.bucket_start >= at_london(first_day),
            FootfallRollup.bucket_start < at_london(last_day + timedelta(days=1)),
        )
        .group_by(FootfallRollup.sensor_id, day, weekday, hour)
        .subquery("daily")
    )
    # Used twice below, so PostgreSQL works it out once.
    averages = (
        select(
            daily.c.sensor_id,
            daily.c.weekday,
            daily.c.hour,
            func.avg(daily.c.people).label("people"),
            func.count().label("days"),
            func.sum(daily.c.readings).label("readings"),
        )
        .group_by(daily.c.sensor_id, daily.c.weekday, daily.c.hour)
        .cte("averages")
    )
    in_slot = select(
        averages.c.sensor_id,
        averages.c.weekday,
        averages.c.hour,
        averages.c.people,
        averages.c.days,
        averages.c.readings,
    ).where(averages.c.weekday == slot.weekday, averages.c.hour == slot.hour)
    week = select(
        null().label("sensor_id"),
        averages.c.weekday,
        averages.c.hour,
        func.sum(averages.c.people),
        literal(0),
        literal(0),
    ).group_by(averages.c.weekday, averages.c.hour)
    for sensor_id, weekday_, hour_, people, days, readings in db.session.execute(
        union_all(in_slot, week)
    ):
        if sensor_id is None:
            hours[weekday_][hour_] = _tenth(Decimal(people))
        else:
            chosen[sensor_id] = (Decimal(people), int(days), int(readings))
    return chosen, hours


def _hexagons(hub: Hub, sensors: Sequence[SensorFigure], side_m: int) -> list[Hexagon]:
    """The hub's hexagon grid, each hexagon with the sensors in it. A sensor on the edge
    between two hexagons counts in the first only."""
    by_id = {s.id: s for s in sensors}
    places = select(Sensor.id, Sensor.location).where(Sensor.hub_id == hub.id)
    area = select(Hub.boundary).where(Hub.id == hub.id).scalar_subquery()
    placed: set[int] = set()
    hexagons: list[Hexagon] = []
    number = 0
    for _i, _j, shape, holding in db.session.execute(geo.hexagon_cells(area, places, side_m)):
        inside = [by_id[i] for i in sorted(holding or []) if i not in placed and i in by_id]
        placed.update(s.id for s in inside)
        if inside:
            number += 1
        hexagons.append(
            Hexagon(
                ring=geo.coordinates(shape),
                sensors=sorted(inside, key=lambda s: s.number),
                number=number if inside else 0,
            )
        )
    return hexagons


def heat_map(hub: Hub, slot: Slot, *, hexagons: bool = True, today: date | None = None) -> HeatMap:
    """The hub's footfall in the slot, sensor by sensor and (with `hexagons`) over a
    hexagon grid, and every hour of the week over the same weeks. Raises nothing: a hub
    with no sensors or no counts has empty figures."""
    first_monday, last_sunday = window(slot.weeks, today)
    rows = list(
        db.session.scalars(
            select(Sensor).where(Sensor.hub_id == hub.id).order_by(Sensor.name, Sensor.id)
        )
    )
    chosen, week = _figures([s.id for s in rows], slot, first_monday, last_sunday)
    sensors = []
    for number, sensor in enumerate(rows, start=1):
        lon, lat = geo.lon_lat(sensor.location)
        people, days, readings = chosen.get(sensor.id, (None, 0, 0))
        sensors.append(
            SensorFigure(
                sensor.id,
                number,
                sensor.name,
                lon,
                lat,
                None if people is None else _tenth(people),
                days,
                readings,
            )
        )
    side = hexagon_side(hub) if hexagons and sensors else 0
    return HeatMap(
        hub=hub,
        slot=slot,
        first_day=first_monday + timedelta(days=slot.weekday),
        last_day=last_sunday - timedelta(days=6 - slot.weekday),
        sensors=sensors,
        hexagons=_hexagons(hub, sensors, side) if hexagons and sensors else [],
        side_m=side,
        week=week,
    )


# ---- drawing ----


@dataclass(frozen=True)
class DrawnHexagon:
    points: str  # "x,y x,y ..." for an SVG polygon
    x: float  # where its figure goes: the middle, a little above the centre
    y: float
    people: Decimal | None
    figure_class: int | None  # None: no sensor, or no counts
    has_sensors: bool


@dataclass(frozen=True)
class DrawnSensor:
    sensor: SensorFigure
    x: float
    y: float
    radius: float
    figure_class: int | None


@dataclass(frozen=True)
class Drawing:
    width: int
    height: int
    boundary: str
    hexagons: list[DrawnHexagon]
    sensors: list[DrawnSensor]
    classes: list[FigureClass]
    palette: tuple[str, ...] = PALETTE


def figure_classes(figures: Sequence[Decimal]) -> list[FigureClass]:
    """Five classes of equal width from 0 to just past the highest figure, in whole numbers
    (tenths when the figures are below 5); none when nobody was counted."""
    top = max(figures, default=Decimal(0))
    if top <= 0:
        return []
    if top >= CLASSES:
        step = Decimal(math.ceil(top / CLASSES))
    else:
        step = (top / CLASSES).quantize(_TENTH, rounding=ROUND_CEILING)
    return [FigureClass(step * n, step * (n + 1), n == CLASSES - 1) for n in range(CLASSES)]


def class_of(value: Decimal | None, classes: Sequence[FigureClass]) -> int | None:
    if value is None or not classes:
        return None
    for n, figure_class in enumerate(classes[:-1]):
        if value < figure_class.high:
            return n
    return len(classes) - 1


class _Projection:
    """Longitude and latitude to the SVG box: equirectangular, longitudes shrunk by the
    cosine of the middle latitude so the street keeps its shape."""

    def __init__(self, points: Sequence[tuple[float, float]]) -> None:
        lons = [lon for lon, _lat in points]
        lats = [lat for _lon, lat in points]
        self.squeeze = math.cos(math.radians((min(lats) + max(lats)) / 2))
        self.west, self.north = min(lons), max(lats)
        across = max((max(lons) - self.west) * self.squeeze, 1e-9)
        down = max(self.north - min(lats), 1e-9)
        self.scale = min((WIDTH - 2 * PADDING) / across, (TALLEST - 2 * PADDING) / down)
        self.height = math.ceil(down * self.scale + 2 * PADDING)
        self.left = (WIDTH - across * self.scale) / 2

    def xy(self, lon: float, lat: float) -> tuple[float, float]:
        x = self.left + (lon - self.west) * self.squeeze * self.scale
        y = PADDING + (self.north - lat) * self.scale
        return round(x, 1), round(y, 1)

    def points(self, ring: Sequence[tuple[float, float]]) -> str:
        return " ".join("{},{}".format(*self.xy(lon, lat)) for lon, lat in ring)


def draw(heat: HeatMap, view: str) -> Drawing:
    """Where the boundary, hexagons and sensors go in the SVG, and each one's class."""
    boundary = geo.coordinates(heat.hub.boundary)
    everything = list(boundary) + [(s.lon, s.lat) for s in heat.sensors]
    for hexagon in heat.hexagons:
        everything.extend(hexagon.ring)
    projection = _Projection(everything)
    if view == "hexagons":
        figures = [h.people for h in heat.hexagons if h.people is not None]
    else:
        figures = [s.people for s in heat.sensors if s.people is not None]
    classes = figure_classes(figures)
    hexagons = []
    for hexagon in heat.hexagons:
        corners = [projection.xy(lon, lat) for lon, lat in hexagon.ring[:-1]]
        ys = [y for _x, y in corners]
        hexagons.append(
            DrawnHexagon(
                points=projection.points(hexagon.ring),
                x=round(sum(x for x, _y in corners) / len(corners), 1),
                # Above the centre, leaving the middle to a sensor standing there.
                y=round(min(ys) + (max(ys) - min(ys)) * 0.32, 1),
                people=hexagon.people,
                figure_class=class_of(hexagon.people, classes),
                has_sensors=bool(hexagon.sensors),
            )
        )
    top = max(figures, default=Decimal(0))
    sensors = []
    for sensor in heat.sensors:
        x, y = projection.xy(sensor.lon, sensor.lat)
        radius = SMALLEST_CIRCLE
        if view == "sensors" and sensor.people is not None and top > 0:
            share = math.sqrt(float(sensor.people / top))
            radius = SMALLEST_CIRCLE + (LARGEST_CIRCLE - SMALLEST_CIRCLE) * share
        figure_class = class_of(sensor.people, classes) if view == "sensors" else None
        sensors.append(DrawnSensor(sensor, x, y, round(radius, 1), figure_class))
    return Drawing(
        width=WIDTH,
        height=projection.height,
        boundary=projection.points(boundary),
        hexagons=hexagons,
        sensors=sensors,
        classes=classes,
    )


def busiest(heat: HeatMap, view: str) -> Hexagon | SensorFigure | None:
    """The hexagon (in the "hexagons" view) or sensor with the highest figure, if any."""
    places: list[Hexagon | SensorFigure] = list(
        heat.hexagons if view == "hexagons" else heat.sensors
    )
    counted = [place for place in places if place.people is not None]
    return max(counted, key=lambda place: place.people or 0) if counted else None
