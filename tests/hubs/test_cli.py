"""The council's IT officer sets hubs up from the command line: a boundary from a GeoJSON
file as QGIS exports it, a name, streets and landmarks. Every refusal is one line with
exit code 2 and stores nothing."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import (
    CLOCK_TOWER,
    PURLEY,
    SOUTH_NORWOOD_BOX,
    make_business,
    make_hub,
    make_sensor,
    make_user,
)
from townhub.common import geo
from townhub.extensions import db
from townhub.hubs.models import Hub, Place

Ring = list[tuple[float, float]]

PURLEY_BOX = [(-0.1170, 51.3355), (-0.1100, 51.3355), (-0.1100, 51.3400), (-0.1170, 51.3400)]


def _closed(ring: Ring) -> list[list[float]]:
    return [list(point) for point in [*ring, ring[0]]]


def _polygon(ring: Ring = SOUTH_NORWOOD_BOX) -> dict[str, Any]:
    return {"type": "Polygon", "coordinates": [_closed(ring)]}


def _feature(geometry: dict[str, Any], **properties: Any) -> dict[str, Any]:
    return {"type": "Feature", "properties": properties, "geometry": geometry}


def _collection(*features: dict[str, Any]) -> dict[str, Any]:
    return {"type": "FeatureCollection", "features": list(features)}


def _box(lon: float, lat: float, d_lon: float, d_lat: float) -> Ring:
    return [(lon, lat), (lon + d_lon, lat), (lon + d_lon, lat + d_lat), (lon, lat + d_lat)]


def _file(tmp_path: Path, content: Any, name: str = "boundary.geojson") -> str:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content))
    return str(path)


def _run(app: Flask, *args: str) -> Result:
    return app.test_cli_runner().invoke(args=list(args))


def _create(
    app: Flask, boundary: str, slug: str = "south-norwood", name: str = "South Norwood"
) -> Result:
    return _run(app, "hubs", "create", slug, "--name", name, "--boundary", boundary)


def _hubs() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Hub)) or 0)


# Creating a hub ----------------------------------------------------------------------------

# Councils export boundaries from QGIS or their GIS in any of these shapes.
ACCEPTED = {
    "Polygon": _polygon(),
    "MultiPolygon of one": {
        "type": "MultiPolygon",
        "coordinates": [[_closed(SOUTH_NORWOOD_BOX)]],
    },
    "Feature": _feature(_polygon(), name="South Norwood High Street"),
    "FeatureCollection of one, as QGIS writes it": {
        "type": "FeatureCollection",
        "name": "south_norwood",
        "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:OGC:1.3:CRS84"}},
        "features": [
            _feature(
                {
                    "type": "MultiPolygon",
                    "coordinates": [[[[x, y, 0.0] for x, y in _closed(SOUTH_NORWOOD_BOX)]]],
                },
                fid=1,
            )
        ],
    },
}


@pytest.mark.parametrize("shape", ACCEPTED)
def test_a_hub_is_created_from_a_boundary_file(
    app: Flask, client: FlaskClient, tmp_path: Path, shape: str
) -> None:
    boundary = _file(tmp_path, ACCEPTED[shape])

    result = _run(
        app, "hubs", "create", "south-norwood", "--name", "South Norwood", "--boundary", boundary
    )

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Created the hub South Norwood (south-norwood): 38.3 hectares.",
        "Its page: http://localhost:8000/south-norwood/",
    ]
    hub = db.session.scalars(select(Hub)).one()
    assert (hub.slug, hub.name) == ("south-norwood", "South Norwood")
    assert geo.coordinates(hub.boundary) == [*SOUTH_NORWOOD_BOX, SOUTH_NORWOOD_BOX[0]]
    page = client.get("/south-norwood", follow_redirects=True)
    assert page.status_code == 200
    assert "South Norwood" in page.get_data(as_text=True)


def _bow_tie() -> dict[str, Any]:
    (a, b, c, d) = SOUTH_NORWOOD_BOX
    return _polygon([a, c, b, d])


def _grid(lon_lat: Ring) -> Ring:
    """The same box in British National Grid eastings and northings (near enough)."""
    return [(533_900 + (x + 0.079) * 69_600, 168_600 + (y - 51.3955) * 111_000) for x, y in lon_lat]


REFUSED_FILES = {
    "not JSON": ('{"type": "Polygon", ', "boundary.geojson is not JSON (Expecting"),
    "not GeoJSON": ({"boundary": [1, 2]}, "boundary.geojson is JSON but not GeoJSON"),
    "an empty collection": (_collection(), "boundary.geojson has no features"),
    "a line": (
        _feature({"type": "LineString", "coordinates": _closed(SOUTH_NORWOOD_BOX)}),
        "holds a LineString, not a polygon",
    ),
    "a point": ({"type": "Point", "coordinates": [-0.075, 51.397]}, "holds a Point, not a polygon"),
    "two polygons in a MultiPolygon": (
        {
            "type": "MultiPolygon",
            "coordinates": [[_closed(SOUTH_NORWOOD_BOX)], [_closed(PURLEY_BOX)]],
        },
        "holds 2 polygons in one shape: a hub's boundary is one area",
    ),
    "two polygon features": (
        _collection(_feature(_polygon()), _feature(_polygon(PURLEY_BOX))),
        "holds 2 polygons: it should hold only the hub's boundary",
    ),
    "broken coordinates": (
        {"type": "Polygon", "coordinates": [[[-0.079, 51.3955], ["east", 51.3955]]]},
        "is not well-formed GeoJSON: a polygon is a list of rings",
    ),
    "a boundary that crosses itself": (
        _bow_tie(),
        "the boundary crosses itself near longitude -0.07450, latitude 51.39825; fix it in QGIS",
    ),
    "British National Grid": (
        _polygon(_grid(SOUTH_NORWOOD_BOX)),
        "look like EPSG:27700 (British National Grid eastings and northings); export as WGS84"
        " (EPSG:4326).",
    ),
    "Web Mercator": (
        {
            **_collection(
                _feature(_polygon([(-8794, 6690000), (-7800, 6690000), (-7800, 6691000)]))
            ),
            "crs": {"type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::3857"}},
        },
        "are not longitude and latitude in degrees (the file says urn:ogc:def:crs:EPSG::3857)",
    ),
    "latitude and longitude swapped": (
        _polygon([(y, x) for x, y in SOUTH_NORWOOD_BOX]),
        "longitude and latitude are swapped (the first position is 51.3955, -0.079)",
    ),
    "a boundary outside the UK": (
        _polygon(_box(2.3470, 48.8530, 0.006, 0.004)),
        "the boundary is not in the United Kingdom (it starts at longitude 2.347, latitude 48.853)",
    ),
    "a borough, not a high street": (
        _polygon(_box(-0.13, 51.33, 0.1, 0.1)),
        "The boundary covers 77.5 km²: a hub is one high street, at most 25 km².",
    ),
    "a shop front": (
        _polygon(_box(-0.0752, 51.3975, 0.00005, 0.00005)),
        "The boundary covers only 19 m²: a high street is at least 100 m².",
    ),
}


@pytest.mark.parametrize("case", REFUSED_FILES)
def test_a_boundary_that_cannot_be_used_is_refused_in_one_line(
    app: Flask, tmp_path: Path, case: str
) -> None:
    content, message = REFUSED_FILES[case]

    result = _create(app, _file(tmp_path, content))

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert result.output.startswith("Error: ") and result.output.count("\n") == 1
    assert _hubs() == 0


def test_a_file_that_cannot_be_read_is_refused(app: Flask, tmp_path: Path) -> None:
    missing = _create(app, str(tmp_path / "nowhere.geojson"))
    binary = tmp_path / "boundary.shp"
    binary.write_bytes(b"\x00\x00\x27\x0a\xff\xfe\x80")
    shapefile = _create(app, str(binary))

    assert missing.exit_code == 2
    assert "Cannot read " in missing.output and "No such file or directory" in missing.output
    assert shapefile.exit_code == 2
    assert "boundary.shp is not a GeoJSON file: it is not text." in shapefile.output
    assert _hubs() == 0


@pytest.mark.parametrize(
    ("slug", "name", "message"),
    [
        ("South Norwood", "South Norwood", "use lowercase letters, digits and single hyphens"),
        ("south_norwood", "South Norwood", "use lowercase letters, digits and single hyphens"),
        ("norwood-", "South Norwood", "use lowercase letters, digits and single hyphens"),
        ("x" * 61, "South Norwood", "(at most 60)"),
        ("healthz", "Health", "/healthz is one of Townhub's own addresses"),
        ("manage", "Manage", "/manage is one of Townhub's own addresses"),
        ("api", "API", "/api is one of Townhub's own addresses"),
        ("south-norwood", "  ", 'Give the hub a name, such as --name "South Norwood".'),
        ("south-norwood", "x" * 121, "The name is 121 characters long: at most 120."),
    ],
)
def test_a_slug_or_name_that_cannot_be_used_is_refused(
    app: Flask, tmp_path: Path, slug: str, name: str, message: str
) -> None:
    result = _create(app, _file(tmp_path, _polygon()), slug, name)

    assert result.exit_code == 2, result.output
    assert message in result.output
    assert _hubs() == 0


def test_a_slug_that_is_taken_is_refused(app: Flask, tmp_path: Path) -> None:
    make_hub(slug="south-norwood", name="South Norwood", ring=PURLEY_BOX)

    result = _create(app, _file(tmp_path, _polygon()), name="Norwood")

    assert result.exit_code == 2
    assert "The slug 'south-norwood' is taken by the hub South Norwood." in result.output
    assert _hubs() == 1
    assert db.session.scalars(select(Hub)).one().name == "South Norwood"


# Changing a hub ----------------------------------------------------------------------------


def test_a_new_boundary_that_leaves_shops_outside_needs_force(app: Flask, tmp_path: Path) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    make_business(hub=hub, name="Portland Road Bakery", at=CLOCK_TOWER)
    make_sensor(hub=hub, name="Clock tower counter")
    purley = _file(tmp_path, _polygon(PURLEY_BOX))

    refused = _run(app, "hubs", "set-boundary", "south-norwood", "--boundary", purley)

    assert refused.exit_code == 2
    assert (
        "The new boundary would leave 2 business(es) or sensor(s) more than 300 m outside it:"
        in refused.output
    )
    assert "Portland Road Bakery (business, 6," in refused.output
    assert "Clock tower counter (sensor, 6," in refused.output
    assert "add --force" in refused.output
    assert geo.coordinates(hub.boundary)[:4] == SOUTH_NORWOOD_BOX

    forced = _run(app, "hubs", "set-boundary", "south-norwood", "--boundary", purley, "--force")

    assert forced.exit_code == 0, forced.output
    assert "The boundary of South Norwood is changed: 24.4 hectares." in forced.output
    assert "2 business(es) or sensor(s) are now more than 300 m outside it" in forced.output
    db.session.refresh(hub)
    assert geo.coordinates(hub.boundary)[:4] == PURLEY_BOX


def test_a_new_boundary_is_checked_like_a_new_hubs(app: Flask, tmp_path: Path) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, at=CLOCK_TOWER)

    crossed = _run(
        app, "hubs", "set-boundary", "south-norwood", "--boundary", _file(tmp_path, _bow_tie())
    )
    unknown = _run(
        app, "hubs", "set-boundary", "norwood", "--boundary", _file(tmp_path, _polygon())
    )

    assert crossed.exit_code == 2 and "the boundary crosses itself" in crossed.output
    assert unknown.exit_code == 2
    assert "There is no hub norwood. The hubs are: south-norwood." in unknown.output
    assert geo.coordinates(hub.boundary)[:4] == SOUTH_NORWOOD_BOX


def test_a_slightly_smaller_boundary_keeps_shops_on_the_high_street(
    app: Flask, tmp_path: Path
) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, at=(-0.0785, 51.3960))  # in a corner the new boundary leaves out
    smaller = _box(-0.0770, 51.3965, 0.006, 0.004)

    result = _run(
        app,
        "hubs",
        "set-boundary",
        "south-norwood",
        "--boundary",
        _file(tmp_path, _polygon(smaller)),
    )

    assert result.exit_code == 0, result.output
    assert "outside" not in result.output
    db.session.refresh(hub)
    assert geo.coordinates(hub.boundary)[:4] == smaller


def test_a_hub_is_renamed(app: Flask, client: FlaskClient) -> None:
    make_hub(slug="south-norwood", name="South Norwood")

    empty = _run(app, "hubs", "rename", "south-norwood", "--name", " ")
    renamed = _run(app, "hubs", "rename", "south-norwood", "--name", "South Norwood & Woodside")

    assert empty.exit_code == 2 and "Give the hub a name" in empty.output
    assert renamed.exit_code == 0
    assert renamed.output == "The hub south-norwood is now called South Norwood & Woodside.\n"
    page = client.get("/south-norwood/").get_data(as_text=True)
    assert "South Norwood &amp; Woodside" in page


def test_hubs_are_listed_with_area_businesses_and_managers(app: Flask) -> None:
    assert _run(app, "hubs", "list").output == "No hubs yet: create one with hubs create.\n"
    norwood = make_hub(slug="south-norwood", name="South Norwood")
    purley = make_hub(slug="purley", name="Purley", ring=PURLEY_BOX)
    make_business(hub=norwood)
    make_business(hub=norwood)
    make_user(role="hub_manager", hubs=[norwood, purley], email="mo@example.org")
    make_user(role="hub_manager", hubs=[norwood], email="ann@example.org")
    make_user(role="council_admin", email="it@example.gov.uk")

    result = _run(app, "hubs", "list")

    assert result.exit_code == 0
    assert result.output.splitlines() == [
        "purley         Purley         24.4 ha  0 business(es)  mo@example.org",
        "south-norwood  South Norwood  38.3 ha  2 business(es)  ann@example.org, mo@example.org",
    ]


# Streets and landmarks ---------------------------------------------------------------------


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


def test_places_are_imported_and_bad_features_reported(app: Flask, tmp_path: Path) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    db.session.add(
        Place(hub_id=hub.id, name="Clock Tower", kind="street", position=geo.point(0, 51))
    )
    places = _collection(
        _feature(_point(-0.0752, 51.3975), name="Clock Tower", kind="landmark"),
        _feature(_point(-0.0741, 51.3990), name="Station Road", kind="Street"),
        _feature(_point(-0.0760, 51.3969), name="Portland Road", kind="street"),
        _feature(_point(-0.0745, 51.3981), name="Tesco", kind="shop"),
        _feature(
            {"type": "LineString", "coordinates": [[-0.075, 51.397], [-0.074, 51.398]]},
            name="High Street",
            kind="street",
        ),
        _feature(_point(*PURLEY), name="Purley Library", kind="landmark"),
        _feature(_point(-0.0750, 51.3980), kind="landmark"),
        _feature(_point(-0.0742, 51.3991), name="Station Road", kind="street"),
        _feature(_point(534000, 168700), name="Stanley Halls", kind="landmark"),
        {"type": "Point", "coordinates": [-0.075, 51.397]},
    )

    result = _run(app, "hubs", "import-places", "south-norwood", "--from", _file(tmp_path, places))

    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [
        "Imported 3 place(s) on south-norwood: 2 new, 1 updated.",
        "Skipped 7 feature(s):",
        "  feature 4: Tesco: its kind must be street or landmark, not 'shop'",
        "  feature 5: High Street: a LineString, not a point (give a street's middle)",
        "  feature 6: Purley Library: more than 300 m outside the hub",
        "  feature 7: it has no name",
        "  feature 8: Station Road: feature 2 has that name",
        "  feature 9: Stanley Halls: 534000, 168700 is not a longitude and latitude in the UK"
        " (WGS84)",
        "  feature 10: not a GeoJSON Feature",
    ]
    stored = {
        place.name: (place.kind, geo.lon_lat(place.position))
        for place in db.session.scalars(select(Place).where(Place.hub_id == hub.id))
    }
    assert stored == {
        "Clock Tower": ("landmark", (-0.0752, 51.3975)),
        "Station Road": ("street", (-0.0741, 51.399)),
        "Portland Road": ("street", (-0.076, 51.3969)),
    }


def test_places_that_are_all_off_the_hub_are_refused(app: Flask, tmp_path: Path) -> None:
    make_hub(slug="south-norwood")
    elsewhere = _collection(_feature(_point(*PURLEY), name="Purley Library", kind="landmark"))

    off = _run(app, "hubs", "import-places", "south-norwood", "--from", _file(tmp_path, elsewhere))
    not_points = _run(
        app, "hubs", "import-places", "south-norwood", "--from", _file(tmp_path, _polygon())
    )

    assert off.exit_code == 2
    assert (
        "boundary.geojson: no streets or landmarks to import (feature 1: Purley Library: more"
        " than 300 m outside the hub)." in off.output
    )
    assert not_points.exit_code == 2
    assert "boundary.geojson is not a GeoJSON FeatureCollection" in not_points.output
    assert db.session.scalar(select(func.count()).select_from(Place)) == 0


def test_a_hubs_targets_are_changed_and_bad_ones_refused(app: Flask) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    none = _run(app, "hubs", "set-targets", "south-norwood")
    zero = _run(app, "hubs", "set-targets", "south-norwood", "--installs", "0")
    huge = _run(app, "hubs", "set-targets", "south-norwood", "--installs", "5000000")
    unknown = _run(app, "hubs", "set-targets", "north-norwood", "--installs", "1500")
    for refused in (none, zero, huge, unknown):
        assert refused.exit_code == 2
    assert "Give at least one target" in none.output
    assert "A target is a whole number from 1 to 1,000,000, not 0." in zero.output
    assert "There is no hub north-norwood" in unknown.output
    assert (hub.target_installs, hub.target_businesses) == (1000, 20)

    changed = _run(
        app, "hubs", "set-targets", "south-norwood", "--installs", "1500", "--businesses", "25"
    )
    assert changed.exit_code == 0, changed.output
    assert changed.output == (
        "Targets for South Norwood: 25 businesses, 1,500 installs, 500 phones with alerts,"
        " 200 offers redeemed.\n"
    )
    db.session.refresh(hub)
    assert (hub.target_installs, hub.target_businesses) == (1500, 25)
