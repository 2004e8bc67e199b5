"""Every spatial SQL call lives here. Stored SRID 4326; geography casts give metres."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from geoalchemy2 import Geometry, WKBElement, WKTElement
from geoalchemy2.shape import to_shape
from sqlalchemy import ARRAY, ColumnElement, Float, Select, bindparam, func, select, type_coerce

SRID = 4326
# British National Grid: Street Manager gives works locations as eastings and northings.
BNG_SRID = 27700
# About 50 m at the latitude of London: alert areas are stored no finer than this.
COARSE_LAT_STEP = 0.00045
COARSE_LON_STEP = 0.0007


def point(lon: float, lat: float) -> WKTElement:
    return WKTElement(f"POINT({lon} {lat})", srid=SRID)


def line(points: Sequence[tuple[float, float]]) -> WKTElement:
    return WKTElement("LINESTRING(" + ", ".join(f"{x} {y}" for x, y in points) + ")", srid=SRID)


def polygon(ring: Sequence[tuple[float, float]]) -> WKTElement:
    closed = list(ring) if ring[0] == ring[-1] else [*ring, ring[0]]
    return WKTElement("POLYGON((" + ", ".join(f"{x} {y}" for x, y in closed) + "))", srid=SRID)


def lon_lat(element: WKBElement | WKTElement) -> tuple[float, float]:
    shape = to_shape(element)
    return (float(shape.x), float(shape.y))


def coordinates(element: WKBElement | WKTElement) -> list[tuple[float, float]]:
    """The coordinates of a line, or of a polygon's outer ring."""
    shape = to_shape(element)
    coords = shape.exterior.coords if shape.geom_type == "Polygon" else shape.coords
    return [(float(x), float(y)) for x, y in coords]


def geojson(element: WKBElement | WKTElement) -> dict[str, Any]:
    mapping: dict[str, Any] = to_shape(element).__geo_interface__
    return {"type": mapping["type"], "coordinates": mapping["coordinates"]}


def coarsen(lon: float, lat: float) -> tuple[float, float]:
    """Snap a resident's chosen point to a grid of about 50 m, so the exact spot is never kept."""
    return (
        round(round(lon / COARSE_LON_STEP) * COARSE_LON_STEP, 5),
        round(round(lat / COARSE_LAT_STEP) * COARSE_LAT_STEP, 5),
    )


def _sql(value: Any) -> Any:
    """A geometry value ready for SQL: an element not yet in the database is bound as a
    geometry (psycopg cannot adapt the element itself); columns pass through."""
    if isinstance(value, WKBElement | WKTElement):
        return type_coerce(value, Geometry(srid=SRID))
    return value


def contains(area: Any, geometry: Any) -> ColumnElement[bool]:
    return func.ST_Covers(_sql(area), _sql(geometry))


def intersects(a: Any, b: Any) -> ColumnElement[bool]:
    return func.ST_Intersects(_sql(a), _sql(b))


def distance_m(a: Any, b: Any) -> ColumnElement[float]:
    return func.ST_Distance(func.geography(_sql(a)), func.geography(_sql(b)))


def area_m2(geometry: Any) -> ColumnElement[float]:
    """The area in square metres (on the geography, so the same anywhere in the country)."""
    return func.ST_Area(func.geography(_sql(geometry)))


def within_m(a: Any, b: Any, metres: float) -> ColumnElement[bool]:
    """True where a and b are within `metres` of each other (geography, index-friendly)."""
    return func.ST_DWithin(func.geography(_sql(a)), func.geography(_sql(b)), metres)


def buffer_m(geometry: Any, metres: float) -> ColumnElement[Any]:
    """The area within `metres` of a point (a circle), line or polygon, buffered on the
    geography so the distance is in metres."""
    return func.geometry(func.ST_Buffer(func.geography(_sql(geometry)), metres))


def in_grid(geometry: Any, srid: int) -> ColumnElement[Any]:
    """The geometry in another reference system, e.g. British National Grid (27700)."""
    return func.ST_Transform(_sql(geometry), srid)


def from_bng_wkt(wkt: str) -> ColumnElement[Any]:
    """Well-known text in British National Grid (EPSG:27700), such as Street Manager's works
    location, as a geometry in SRID 4326."""
    return type_coerce(
        func.ST_Transform(func.ST_GeomFromText(wkt, BNG_SRID), SRID), Geometry(srid=SRID)
    )


def area_around(geometry: Any, metres: float) -> ColumnElement[Any]:
    """`buffer_m`, typed as a geometry so the database hands back an element."""
    return type_coerce(buffer_m(geometry, metres), Geometry(srid=SRID))


def grid_bounds(
    geometry: Any, srid: int
) -> tuple[ColumnElement[float], ColumnElement[float], ColumnElement[float], ColumnElement[float]]:
    """The geometry's bounding box in another reference system: (min x, min y, max x, max y)."""
    grid = in_grid(geometry, srid)
    return (func.ST_XMin(grid), func.ST_YMin(grid), func.ST_XMax(grid), func.ST_YMax(grid))


def same_shape(a: WKBElement | WKTElement, b: WKBElement | WKTElement) -> bool:
    """True when two stored geometries have the same coordinates (to about a millimetre)."""
    return bool(to_shape(a).equals_exact(to_shape(b), 1e-8))


def inside(geometry: Any) -> ColumnElement[Any]:
    """A point surely inside an area (its centroid may not be, for an L-shaped street)."""
    return func.ST_PointOnSurface(_sql(geometry))


def shape_type(element: WKBElement | WKTElement) -> str:
    """The shape's kind, as shapely names it: "LineString", "Polygon", "MultiLineString"..."""
    return str(to_shape(element).geom_type)


def is_valid(geometry: Any) -> ColumnElement[bool]:
    """True when PostGIS accepts the shape as drawn: an area whose edges do not cross, a
    line with two different points."""
    return func.ST_IsValid(_sql(geometry))


def points_beyond(area: Any, points: Sequence[tuple[float, float]], metres: float) -> Select[int]:
    """The places in `points` (counting from 1) of the (lon, lat) points farther than
    `metres` from `area`, in order: all of them checked in one query."""
    given = (
        func.unnest(
            bindparam("lons", [lon for lon, _lat in points], type_=ARRAY(Float)),
            bindparam("lats", [lat for _lon, lat in points], type_=ARRAY(Float)),
        )
        .table_valued("lon", "lat", with_ordinality="place")
        .render_derived(name="given")
    )
    where = func.ST_SetSRID(func.ST_MakePoint(given.c.lon, given.c.lat), SRID)
    return select(given.c.place).where(~within_m(area, where, metres)).order_by(given.c.place)


def hexagon_cells(area: Any, places: Select[Any, Any], side_m: float) -> Select[Any, Any, Any, Any]:
    """Hexagons `side_m` metres a side (ST_HexagonGrid, drawn in British National Grid so
    the sides are metres) over `area` and the points of `places`, a select of (id, point):
    every hexagon that touches the area or holds one of the points, as (i, j, the hexagon
    in SRID 4326, the ids of the points in it or None), north to south, west to east."""
    found = places.subquery("places")
    place_id, place_point = list(found.c)[:2]
    shapes = (
        select(in_grid(area, BNG_SRID).label("shape"))
        .union_all(select(in_grid(place_point, BNG_SRID)))
        .subquery("shapes")
    )
    box = select(func.ST_Envelope(func.ST_Collect(shapes.c.shape))).scalar_subquery()
    grid = func.ST_HexagonGrid(side_m, box).table_valued("geom", "i", "j").render_derived("grid")
    holding = (
        select(func.array_agg(place_id))
        .where(func.ST_Intersects(grid.c.geom, in_grid(place_point, BNG_SRID)))
        .scalar_subquery()
    )
    hexagon = type_coerce(func.ST_Transform(grid.c.geom, SRID), Geometry(srid=SRID))
    return (
        select(grid.c.i, grid.c.j, hexagon.label("hexagon"), holding.label("holding"))
        .where(func.ST_Intersects(grid.c.geom, in_grid(area, BNG_SRID)) | holding.is_not(None))
        .order_by(grid.c.j.desc(), grid.c.i)
    )
