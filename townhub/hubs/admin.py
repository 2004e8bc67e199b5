"""Setting up a council's hubs: each high street's boundary from the council's GIS (a
GeoJSON file, as QGIS exports it), its name, and the streets and landmarks residents know
it by. The council's IT officer runs these from the command line; every refusal says what
to fix, in one line, and stores nothing."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, cast

from flask import current_app
from geoalchemy2 import WKBElement
from geoalchemy2.shape import from_shape
from shapely.geometry import Polygon
from shapely.validation import explain_validity
from sqlalchemy import func, select

from townhub.accounts.models import User, hub_managers
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.extensions import db
from townhub.hubs.area import HIGH_STREET_SLACK_M
from townhub.hubs.models import Hub, Place
from townhub.hubs.service import RESERVED_SLUGS, get_hub
from townhub.sensors.models import Sensor

# Roughly the United Kingdom, Northern Ireland and Shetland included (degrees).
UK_LON = (-8.7, 1.9)
UK_LAT = (49.8, 60.9)
# British National Grid (EPSG:27700) eastings and northings, in metres.
BNG_EASTING = (0, 700_000)
BNG_NORTHING = (0, 1_300_000)
# A high street: more than a shop front, less than a borough.
MIN_AREA_M2 = 100
MAX_AREA_M2 = 25_000_000

SLUG = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")
SLUG_MAX = 60
NAME_MAX = 120
PLACE_KINDS = ("street", "landmark")
# Businesses and sensors named when a new boundary would leave some outside.
STRAYS_SHOWN = 5

GEOMETRY_TYPES = frozenset(
    {
        "Point",
        "MultiPoint",
        "LineString",
        "MultiLineString",
        "Polygon",
        "MultiPolygon",
        "GeometryCollection",
    }
)
GEOJSON_TYPES = GEOMETRY_TYPES | {"Feature", "FeatureCollection"}
FIX_IN_QGIS = (
    "fix it in QGIS (Vector > Geometry Tools > Check Validity, then Fix Geometries)"
    " and export it again"
)


class Refused(ValueError):
    """The council's input cannot be used; the message says why and what to do."""


class BadFile(Refused):
    """The file cannot be read as GeoJSON."""


class BadBoundary(Refused):
    """The file holds no usable high street boundary."""


class BadSlug(Refused):
    """The slug is not a usable web address for a hub."""


class BadName(Refused):
    """The hub's name is empty or too long."""


@dataclass(frozen=True)
class Stray:
    """A business or sensor that a new boundary would leave outside the high street."""

    kind: str
    name: str
    metres_outside: float


class LeftOutside(Refused):
    """A new boundary would leave businesses or sensors outside the high street."""

    def __init__(self, strays: list[Stray]) -> None:
        shown = ", ".join(
            f"{s.name} ({s.kind}, {s.metres_outside:,.0f} m outside)" for s in strays[:STRAYS_SHOWN]
        )
        more = f" and {len(strays) - STRAYS_SHOWN} more" if len(strays) > STRAYS_SHOWN else ""
        super().__init__(
            f"The new boundary would leave {len(strays)} business(es) or sensor(s) more than"
            f" {HIGH_STREET_SLACK_M} m outside it: {shown}{more}. Check the file; to change"
            " the boundary anyway, add --force."
        )
        self.strays = strays


@dataclass(frozen=True)
class HubSummary:
    hub: Hub
    area_m2: float
    businesses: int = 0
    managers: list[str] = field(default_factory=list)

    @property
    def hectares(self) -> float:
        return self.area_m2 / 10_000


@dataclass(frozen=True)
class PlacesImport:
    created: list[str]
    updated: list[str]
    skipped: list[str]


# Reading GeoJSON ---------------------------------------------------------------------------


def read_geojson(path: Path) -> Any:
    """The JSON in the file; raises BadFile."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark is harmless
    except UnicodeDecodeError:
        raise BadFile(f"{path.name} is not a GeoJSON file: it is not text.") from None
    except OSError as error:
        raise BadFile(f"Cannot read {path}: {error.strerror or error}.") from None
    try:
        return json.loads(text)
    except json.JSONDecodeError as error:
        raise BadFile(
            f"{path.name} is not JSON ({error.msg} at line {error.lineno}, column"
            f" {error.colno}): export the layer again as GeoJSON."
        ) from None


def read_boundary(path: Path) -> Polygon:
    """The one polygon in a GeoJSON file (a Polygon, a MultiPolygon of one, or a Feature or
    FeatureCollection of one), checked to be a drawable area in the UK in WGS84
    longitude/latitude (RFC 7946). Raises BadFile or BadBoundary."""
    data = read_geojson(path)
    name = path.name
    rings = _polygon_rings(_one_polygon(data, name), name)
    _check_lon_lat(rings, data, name)
    polygon = Polygon(rings[0], rings[1:])
    if not polygon.is_valid:
        reason = explain_validity(polygon)
        match = re.fullmatch(r"(.+)\[(\S+) (\S+)\]", reason)
        where = (
            f" near longitude {float(match[2]):.5f}, latitude {float(match[3]):.5f}"
            if match
            else ""
        )
        if "self-intersection" in reason.lower():
            raise BadBoundary(f"{name}: the boundary crosses itself{where}; {FIX_IN_QGIS}.")
        raise BadBoundary(f"{name}: the boundary is not a valid area ({reason}); {FIX_IN_QGIS}.")
    return polygon


def _one_polygon(data: Any, name: str) -> Any:
    """The coordinates of the file's one polygon."""
    if not isinstance(data, dict) or data.get("type") not in GEOJSON_TYPES:
        raise BadBoundary(
            f"{name} is JSON but not GeoJSON (it has no GeoJSON type): export the boundary"
            " layer as GeoJSON."
        )
    if data["type"] == "FeatureCollection":
        features = data.get("features")
        if not isinstance(features, list):
            raise BadBoundary(f"{name} is not GeoJSON: its features are not a list.")
        if not features:
            raise BadBoundary(f"{name} has no features: it should hold the hub's boundary.")
        if len(features) > 1:
            areas = sum(1 for f in features if _geometry_type(f) in {"Polygon", "MultiPolygon"})
            held = f"{areas} polygons" if areas > 1 else f"{len(features)} features"
            raise BadBoundary(
                f"{name} holds {held}: it should hold only the hub's boundary. In QGIS,"
                " select the high street's polygon and export selected features only."
            )
        data = features[0]
    if isinstance(data, dict) and data.get("type") == "Feature":
        data = data.get("geometry")
    if not isinstance(data, dict) or data.get("type") not in GEOMETRY_TYPES:
        raise BadBoundary(f"{name} is not GeoJSON: its feature has no geometry.")
    kind, coordinates = data["type"], data.get("coordinates")
    if kind == "MultiPolygon" and isinstance(coordinates, list) and len(coordinates) > 1:
        raise BadBoundary(
            f"{name} holds {len(coordinates)} polygons in one shape: a hub's boundary is one"
            " area. Keep only the high street's polygon (or dissolve touching parts in QGIS)."
        )
    if kind == "MultiPolygon" and isinstance(coordinates, list) and len(coordinates) == 1:
        return coordinates[0]
    if kind != "Polygon":
        raise BadBoundary(
            f"{name} holds a {kind}, not a polygon: a hub's boundary is an area. Draw it on"
            " a polygon layer."
        )
    return coordinates


def _geometry_type(feature: Any) -> Any:
    geometry = feature.get("geometry") if isinstance(feature, dict) else None
    return geometry.get("type") if isinstance(geometry, dict) else None


def _position(value: Any) -> tuple[float, float] | None:
    """[x, y] or [x, y, z] as (x, y); None if it is not a position."""
    if not isinstance(value, list) or len(value) not in (2, 3):
        return None
    if not all(isinstance(n, int | float) and not isinstance(n, bool) for n in value):
        return None
    if not all(math.isfinite(n) for n in value):
        return None
    return (float(value[0]), float(value[1]))


def _polygon_rings(coordinates: Any, name: str) -> list[list[tuple[float, float]]]:
    malformed = BadBoundary(
        f"{name} is not well-formed GeoJSON: a polygon is a list of rings, each a list of at"
        " least 4 [longitude, latitude] positions, the first repeated last."
    )
    if not isinstance(coordinates, list) or not coordinates:
        raise malformed
    rings = []
    for ring in coordinates:
        positions = [_position(p) for p in ring] if isinstance(ring, list) else [None]
        if None in positions:
            raise malformed
        points = [p for p in positions if p is not None]
        if points and points[0] != points[-1]:
            points.append(points[0])  # GeoJSON closes rings; be lenient when one is not
        if len(points) < 4:
            raise malformed
        rings.append(points)
    return rings


def _check_lon_lat(rings: list[list[tuple[float, float]]], data: Any, name: str) -> None:
    points = [p for ring in rings for p in ring]
    x, y = points[0]
    if any(abs(lon) > 180 or abs(lat) > 90 for lon, lat in points):
        if all(_between(lon, BNG_EASTING) and _between(lat, BNG_NORTHING) for lon, lat in points):
            raise BadBoundary(
                f"{name}: the coordinates (such as {x:.0f}, {y:.0f}) look like EPSG:27700"
                " (British National Grid eastings and northings); export as WGS84 (EPSG:4326)."
            )
        said = _crs_name(data)
        raise BadBoundary(
            f"{name}: the coordinates (such as {x:g}, {y:g}) are not longitude and latitude in"
            f" degrees{f' (the file says {said})' if said else ''}; export as WGS84"
            " (EPSG:4326)."
        )
    if all(_between(lon, UK_LAT) and _between(lat, UK_LON) for lon, lat in points):
        raise BadBoundary(
            f"{name}: longitude and latitude are swapped (the first position is {x:g}, {y:g}):"
            " GeoJSON gives longitude first. Export it again from QGIS as GeoJSON in WGS84"
            " (EPSG:4326)."
        )
    if not all(_between(lon, UK_LON) and _between(lat, UK_LAT) for lon, lat in points):
        raise BadBoundary(
            f"{name}: the boundary is not in the United Kingdom (it starts at longitude {x:g},"
            f" latitude {y:g}). Check it is the right layer, exported as WGS84 (EPSG:4326)."
        )


def _between(value: float, bounds: tuple[float, float]) -> bool:
    return bounds[0] <= value <= bounds[1]


def _crs_name(data: Any) -> str:
    """The reference system an old-style GeoJSON file names (QGIS writes one when the layer is
    not in WGS84), or ""."""
    crs = data.get("crs") if isinstance(data, dict) else None
    properties = crs.get("properties") if isinstance(crs, dict) else None
    said = properties.get("name") if isinstance(properties, dict) else None
    return said if isinstance(said, str) else ""


# Hubs ---------------------------------------------------------------------------------------


def _reserved_slugs() -> frozenset[str]:
    """Names a hub cannot take: the app's own top-level paths, including any added since the
    list was written."""
    routes = {rule.rule.split("/")[1] for rule in current_app.url_map.iter_rules()}
    return RESERVED_SLUGS | {r for r in routes if r and not r.startswith("<")}


def _checked_slug(slug: str) -> str:
    if not SLUG.fullmatch(slug) or len(slug) > SLUG_MAX:
        raise BadSlug(
            f"The slug {slug!r} cannot be used: it is the hub's web address, so use lowercase"
            f" letters, digits and single hyphens only (at most {SLUG_MAX}), e.g. south-norwood."
        )
    if slug in _reserved_slugs():
        raise BadSlug(
            f"The slug {slug!r} cannot be used: /{slug} is one of Townhub's own addresses."
            " Choose another, such as the high street's name."
        )
    taken = db.session.scalar(select(Hub).where(Hub.slug == slug))
    if taken is not None:
        raise BadSlug(
            f"The slug {slug!r} is taken by the hub {taken.name}. Choose another, or change"
            " that hub's boundary with hubs set-boundary."
        )
    return slug


def _checked_name(name: str) -> str:
    name = name.strip()
    if not name:
        raise BadName('Give the hub a name, such as --name "South Norwood".')
    if len(name) > NAME_MAX:
        raise BadName(f"The name is {len(name)} characters long: at most {NAME_MAX}.")
    return name


def _stored(boundary: Polygon) -> WKBElement:
    return from_shape(boundary, srid=geo.SRID)


def _checked_area(boundary: Polygon) -> float:
    area = float(db.session.scalar(select(geo.area_m2(_stored(boundary)))) or 0)
    if area < MIN_AREA_M2:
        raise BadBoundary(
            f"The boundary covers only {area:,.0f} m²: a high street is at least"
            f" {MIN_AREA_M2} m². Check the file holds the hub's boundary."
        )
    if area > MAX_AREA_M2:
        raise BadBoundary(
            f"The boundary covers {area / 1_000_000:,.1f} km²: a hub is one high street, at most"
            f" {MAX_AREA_M2 // 1_000_000} km². Check the file holds the high street, not a"
            " ward or the borough."
        )
    return area


def create_hub(slug: str, name: str, boundary: Polygon) -> HubSummary:
    """A new hub with this boundary (from read_boundary). Raises BadSlug, BadName or
    BadBoundary (too small or too large). Commits."""
    hub = Hub(slug=_checked_slug(slug), name=_checked_name(name), boundary=_stored(boundary))
    area = _checked_area(boundary)
    db.session.add(hub)
    db.session.commit()
    return HubSummary(hub, area)


def set_boundary(
    slug: str, boundary: Polygon, *, force: bool = False
) -> tuple[HubSummary, list[Stray]]:
    """Give the hub a new boundary; returns it with the businesses and sensors it leaves
    outside the high street (only with force). Raises HubNotFound, BadBoundary or
    LeftOutside. Commits."""
    hub = get_hub(slug)
    area = _checked_area(boundary)
    strays = _left_outside(hub, boundary)
    if strays and not force:
        raise LeftOutside(strays)
    hub.boundary = _stored(boundary)
    db.session.commit()
    return HubSummary(hub, area), strays


def _left_outside(hub: Hub, boundary: Polygon) -> list[Stray]:
    """The hub's businesses and sensors farther than the high street's slack outside the
    boundary, farthest first."""
    area = _stored(boundary)
    strays = []
    for kind, model in (("business", Business), ("sensor", Sensor)):
        rows = db.session.execute(
            select(model.name, geo.distance_m(area, model.location)).where(
                model.hub_id == hub.id,
                ~geo.within_m(area, model.location, HIGH_STREET_SLACK_M),
            )
        )
        strays += [Stray(kind, name, float(metres)) for name, metres in rows]
    return sorted(strays, key=lambda stray: -stray.metres_outside)


def rename_hub(slug: str, name: str) -> Hub:
    """Give the hub a new name (its slug, and so its address, stays). Raises HubNotFound or
    BadName. Commits."""
    hub = get_hub(slug)
    hub.name = _checked_name(name)
    db.session.commit()
    return hub


TARGETS = ("businesses", "installs", "subscribers", "redemptions")
LARGEST_TARGET = 1_000_000


class BadTarget(Refused):
    pass


def set_targets(slug: str, targets: dict[str, int]) -> Hub:
    """Change some of the hub's targets (businesses, installs, subscribers, redemptions).
    Raises HubNotFound, or BadTarget for an unknown measure or a number that is not from 1
    to a million. Commits."""
    hub = get_hub(slug)
    for measure, value in targets.items():
        if measure not in TARGETS:
            raise BadTarget(
                f"There is no target for {measure}: the targets are {', '.join(TARGETS)}."
            )
        if not 1 <= value <= LARGEST_TARGET:
            raise BadTarget(
                f"A target is a whole number from 1 to {LARGEST_TARGET:,}, not {value}."
            )
    for measure, value in targets.items():
        setattr(hub, f"target_{measure}", value)
    db.session.commit()
    return hub


def hub_summaries() -> list[HubSummary]:
    """Every hub by name, with its area, number of businesses and managers' e-mails."""
    businesses = select(func.count(Business.id)).where(Business.hub_id == Hub.id).scalar_subquery()
    managers: dict[int, list[str]] = {}
    for hub_id, email in db.session.execute(
        select(hub_managers.c.hub_id, User.email)
        .join(User, User.id == hub_managers.c.user_id)
        .where(User.role == "hub_manager")
        .order_by(User.email)
    ):
        managers.setdefault(hub_id, []).append(email)
    rows = db.session.execute(select(Hub, geo.area_m2(Hub.boundary), businesses).order_by(Hub.name))
    return [
        HubSummary(hub, float(area), int(count), managers.get(hub.id, []))
        for hub, area, count in rows
    ]


# Places -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class _Place:
    number: int
    name: str
    kind: str
    lon: float
    lat: float


def import_places(slug: str, path: Path) -> PlacesImport:
    """Add or update (by name) the hub's streets and landmarks from a GeoJSON
    FeatureCollection of points with a name and a kind (street or landmark). Features that
    cannot be used, or lie far off the hub, are skipped and reported. Raises HubNotFound,
    BadFile or Refused (not a FeatureCollection, or nothing usable). Commits."""
    hub = get_hub(slug)
    data = read_geojson(path)
    is_collection = isinstance(data, dict) and data.get("type") == "FeatureCollection"
    features = data.get("features") if is_collection else None
    if not isinstance(features, list):
        raise Refused(
            f"{path.name} is not a GeoJSON FeatureCollection: export the layer of streets and"
            " landmarks (points) as GeoJSON."
        )
    skipped: list[tuple[int, str]] = []
    usable: dict[str, _Place] = {}
    for number, feature in enumerate(features, 1):
        place = _read_place(number, feature)
        if isinstance(place, str):
            skipped.append((number, place))
        elif place.name in usable:
            skipped.append(
                (number, f"{place.name}: feature {usable[place.name].number} has that name")
            )
        else:
            usable[place.name] = place
    for place in _far_off(hub, list(usable.values())):
        skipped.append(
            (place.number, f"{place.name}: more than {HIGH_STREET_SLACK_M} m outside the hub")
        )
        del usable[place.name]
    reasons = [f"feature {number}: {reason}" for number, reason in sorted(skipped)]
    if not usable:
        raise Refused(
            f"{path.name}: no streets or landmarks to import"
            + (f" ({'; '.join(reasons)})." if reasons else ".")
        )
    existing = {
        place.name: place
        for place in db.session.scalars(select(Place).where(Place.hub_id == hub.id))
    }
    for place in usable.values():
        stored = existing.get(place.name) or Place(hub_id=hub.id, name=place.name)
        stored.kind = place.kind
        stored.position = cast(Any, geo.point(place.lon, place.lat))
        db.session.add(stored)
    db.session.commit()
    return PlacesImport(
        created=[name for name in usable if name not in existing],
        updated=[name for name in usable if name in existing],
        skipped=reasons,
    )


def _far_off(hub: Hub, places: list[_Place]) -> list[_Place]:
    if not places:
        return []
    beyond = geo.points_beyond(
        hub.boundary, [(place.lon, place.lat) for place in places], HIGH_STREET_SLACK_M
    )
    return [places[index - 1] for index in db.session.scalars(beyond)]


def _read_place(number: int, feature: Any) -> _Place | str:
    """The street or landmark a feature describes, or why it cannot be used."""
    if not isinstance(feature, dict) or feature.get("type") != "Feature":
        return "not a GeoJSON Feature"
    properties = feature.get("properties")
    properties = properties if isinstance(properties, dict) else {}
    name = properties.get("name")
    name = name.strip() if isinstance(name, str) else ""
    kind = properties.get("kind")
    kind = kind.strip().lower() if isinstance(kind, str) else ""
    geometry = feature.get("geometry")
    geometry = geometry if isinstance(geometry, dict) else {}
    shape = geometry.get("type")
    position = _position(geometry.get("coordinates")) if shape == "Point" else None
    if not name:
        return "it has no name"
    if len(name) > NAME_MAX:
        return f"the name is longer than {NAME_MAX} characters"
    if kind not in PLACE_KINDS:
        return f"{name}: its kind must be street or landmark, not {kind or 'empty'!r}"
    if shape != "Point":
        return f"{name}: a {shape or 'missing shape'}, not a point (give a street's middle)"
    if position is None:
        return f"{name}: its coordinates are not a [longitude, latitude] position"
    lon, lat = position
    if not (_between(lon, UK_LON) and _between(lat, UK_LAT)):
        return f"{name}: {lon:g}, {lat:g} is not a longitude and latitude in the UK (WGS84)"
    return _Place(number, name, kind, lon, lat)
