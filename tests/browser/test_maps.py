"""The map component (components/map.html, js/map.js, vendored Leaflet) in real headless
Chromium: what it draws with and without a tile server, keyboard use, axe-core, and that
pages without a map never load Leaflet.

Most tests use a small page of their own, served by a second app with one extra
blueprint, so they know exactly which features are on the map. (The session app cannot
take a new blueprint once it has served a request.)
"""

from __future__ import annotations

import base64
import json
import re
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from flask import Blueprint, Flask, render_template_string, request
from playwright.sync_api import BrowserContext, Page, Route, expect

from tests.browser.conftest import PageProblems, assert_accessible, serving
from tests.conftest import TEST_DATABASE_URL
from townhub import create_app

pytestmark = [pytest.mark.browser]

# A tile server on another origin, as in production; every request to it is answered
# by the test (page.route), so nothing listens there.
TILE_URL = "http://127.0.0.1:9/tiles/{z}/{x}/{y}.png"
TILE_ATTRIBUTION = "Tiles by the test"
# The smallest valid PNG: one transparent pixel.
TILE_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAQAAAC1HAwCAAAAC0lEQVR42mNkYAAAAAYAAjCB0C8AAAAASUVORK5CYII="
)

ROADWORK_RED = "#b3261e"
DIVERSION_BLUE = "#1d70b8"
BUSINESS_BLUE = "#1d3b6f"
# A label as a business owner might type it, trying to get HTML onto the map.
HOSTILE_LABEL = '<img src="/hostile" data-hostile>Half price cake'


def _feature(kind: str, label: str, geometry: dict[str, Any], **extra: str) -> dict[str, Any]:
    return {
        "type": "Feature",
        "geometry": geometry,
        "properties": {"kind": kind, "label": label, **extra},
    }


def _point(lon: float, lat: float) -> dict[str, Any]:
    return {"type": "Point", "coordinates": [lon, lat]}


# Around South Norwood clock tower; the shops beside the street, not on it.
FEATURES: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [
        _feature(
            "hub",
            "South Norwood high street",
            {
                "type": "Polygon",
                "coordinates": [
                    [
                        [-0.0790, 51.3970],
                        [-0.0700, 51.3970],
                        [-0.0700, 51.4010],
                        [-0.0790, 51.4010],
                        [-0.0790, 51.3970],
                    ]
                ],
            },
        ),
        _feature(
            "roadwork",
            "Selhurst Road: lane closure",
            {"type": "LineString", "coordinates": [[-0.0760, 51.3980], [-0.0735, 51.3992]]},
        ),
        _feature(
            "diversion",
            "Diversion: Selhurst Road traffic via Portland Road",
            {
                "type": "MultiLineString",
                "coordinates": [
                    [[-0.0760, 51.3980], [-0.0768, 51.3995]],
                    [[-0.0768, 51.3995], [-0.0735, 51.3992]],
                ],
            },
        ),
        _feature("business", "Norwood Books", _point(-0.0752, 51.3989)),
        _feature("business", "Clocktower Café", _point(-0.0747, 51.3992)),
        _feature("business", "High Street Hardware", _point(-0.0742, 51.3994)),
        _feature("offer", HOSTILE_LABEL, _point(-0.0745, 51.3980), url="/south-norwood/offers"),
        _feature("event", "Makers' market", _point(-0.0738, 51.3983)),
    ],
}
ONE_BUSINESS: dict[str, Any] = {
    "type": "FeatureCollection",
    "features": [_feature("business", "Norwood Books", _point(-0.0752, 51.3984))],
}

# A page like the lead's: a link before the map, the map, its text list, a link after.
FIXTURE_PAGE = """<!doctype html>
{% from "components/map.html" import map_assets, map %}
<html lang="en" dir="{{ 'rtl' if request.args.dir == 'rtl' else 'ltr' }}">
<head>
  <meta charset="utf-8">
  <meta name="viewport" content="width=device-width, initial-scale=1">
  <title>Map fixture – Town Hub</title>
  <link rel="stylesheet" href="{{ url_for('static', filename='css/townhub.css') }}">
  <link rel="icon" href="{{ url_for('static', filename='icons/icon-192.png') }}" type="image/png">
  {{ map_assets() }}
</head>
<body>
  <main id="main" class="container">
    <h1>Map fixture</h1>
    <p><a id="before-map" href="/before">Before the map</a></p>
    {{ map("fixture-map", features, "Map of the fixture", text_id="fixture-list") }}
    <ul id="fixture-list">
      {% for feature in features.features %}
      <li><a href="/item/{{ loop.index }}">{{ feature.properties.label }}</a></li>
      {% endfor %}
    </ul>
    <p><a id="after-list" href="/after">After the list</a></p>
  </main>
</body>
</html>
"""

fixture_pages = Blueprint("map_fixture", __name__)


@fixture_pages.get("/map-fixture")
def map_fixture() -> str:
    features = ONE_BUSINESS if request.args.get("only") == "one" else FEATURES
    return render_template_string(FIXTURE_PAGE, features=features)


@pytest.fixture(scope="module")
def map_app(app: Flask) -> Flask:
    """A second app (after the session app, which sets up the instance folder) with the
    fixture page."""
    second = create_app("test", {"SQLALCHEMY_DATABASE_URI": TEST_DATABASE_URL})
    second.register_blueprint(fixture_pages)
    return second


@pytest.fixture(scope="module")
def map_server(map_app: Flask) -> Iterator[str]:
    """The second app on a free port; yields the fixture page's URL."""
    with serving(map_app) as url:
        yield f"{url}/map-fixture"


@pytest.fixture
def with_tiles(map_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(map_app.config, "TILE_URL", TILE_URL)
    monkeypatch.setitem(map_app.config, "TILE_ATTRIBUTION", TILE_ATTRIBUTION)


@pytest.fixture
def without_tiles(map_app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(map_app.config, "TILE_URL", "")


def _drawn_paths(page: Page) -> list[dict[str, str]]:
    """The stroke, fill, width and dashes of every SVG path Leaflet drew."""
    paths: list[dict[str, str]] = page.locator(".leaflet-overlay-pane svg path").evaluate_all(
        """(paths) => paths.map((path) => ({
            stroke: path.getAttribute("stroke"),
            fill: path.getAttribute("fill"),
            width: path.getAttribute("stroke-width"),
            dashes: path.getAttribute("stroke-dasharray") || "",
        }))"""
    )
    return paths


# Whether an element is drawn inside the map's box. Leaflet empties the path of a
# feature far out of view, so a path with no size counts as out of sight.
_IN_VIEW = """(element) => {
    const map = element.closest(".map").getBoundingClientRect();
    const r = element.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > map.left && r.left < map.right
        && r.bottom > map.top && r.top < map.bottom;
}"""


def _paths_in_view(page: Page, map_id: str) -> int:
    """How many drawn paths show at least in part inside the map's box."""
    in_view: list[bool] = page.locator(f"#{map_id} .leaflet-overlay-pane path").evaluate_all(
        f"(paths) => paths.map({_IN_VIEW})"
    )
    return sum(in_view)


_MAP = "document.getElementById('fixture-map')"
# Roughly what a screen reader would say for the focused element.
_FOCUSED_NAME = """(() => {
    const element = document.activeElement;
    return element.getAttribute("aria-label") || element.textContent.trim();
})()"""


def _serve_tiles(page: Page) -> list[str]:
    """Answer every request to the tile server with a PNG; the URLs asked for."""
    requested: list[str] = []

    def answer(route: Route) -> None:
        requested.append(route.request.url)
        route.fulfill(status=200, content_type="image/png", body=TILE_PNG)

    page.route("http://127.0.0.1:9/**", answer)
    return requested


@pytest.mark.usefixtures("without_tiles")
def test_without_a_tile_server_the_features_are_drawn_and_no_tile_is_asked_for(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))

    page.goto(map_server)

    the_map = page.get_by_role("region", name="Map of the fixture")
    expect(the_map).to_be_visible()
    expect(the_map).to_have_attribute("data-tiles", "")
    paths = _drawn_paths(page)
    assert len(paths) == len(FEATURES["features"])
    roadworks = [p for p in paths if p["stroke"] == ROADWORK_RED]
    assert [(p["width"], p["dashes"]) for p in roadworks] == [("8", "")]
    diversions = [p for p in paths if p["stroke"] == DIVERSION_BLUE]
    assert [(p["width"], p["dashes"]) for p in diversions] == [("5", "10 8")]
    assert len([p for p in paths if p["fill"] == BUSINESS_BLUE]) == 3
    assert _paths_in_view(page, "fixture-map") == len(FEATURES["features"])
    assert page.locator(".leaflet-tile").count() == 0
    other_hosts = {urlsplit(url).netloc for url in requested} - {urlsplit(map_server).netloc}
    assert not other_hosts, f"requests to other hosts: {other_hosts}"
    # The key names only the kinds on this map, in words.
    expect(page.locator("#fixture-map-key li")).to_have_text(
        [
            "Roadworks: solid red line",
            "Diversions: dashed blue line",
            "The high street: outlined area",
            "Businesses: dark blue dot",
            "Offers: green dot",
            "Events: purple dot",
        ]
    )
    page_problems.assert_none()


@pytest.mark.usefixtures("with_tiles")
def test_with_a_tile_server_tiles_come_from_it_with_its_attribution(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    requested = _serve_tiles(page)

    page.goto(map_server)

    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()
    assert requested, "no tile was requested"
    for url in requested:
        assert url.startswith("http://127.0.0.1:9/tiles/"), url
        assert url.endswith(".png"), url
    # Tiles are decoration: the text list carries the facts, so screen readers skip them.
    assert set(page.locator(".leaflet-tile").evaluate_all("(ts) => ts.map((t) => t.alt)")) == {""}
    expect(page.locator(".leaflet-control-attribution")).to_contain_text(TILE_ATTRIBUTION)
    assert len(_drawn_paths(page)) == len(FEATURES["features"])
    page_problems.assert_none()


@pytest.mark.usefixtures("without_tiles")
def test_a_single_place_is_shown_close_up(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    page.goto(f"{map_server}?only=one")

    expect(page.get_by_role("region", name="Map of the fixture")).to_be_visible()
    assert page.evaluate("document.getElementById('fixture-map').townhubMap.getZoom()") == 17
    assert _paths_in_view(page, "fixture-map") == 1
    expect(page.locator("#fixture-map-key li")).to_have_text(["Businesses: dark blue dot"])
    page_problems.assert_none()


@pytest.mark.usefixtures("without_tiles")
def test_labels_show_as_text_and_a_feature_with_a_url_links_to_it(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    hostile_requests: list[str] = []
    page.on(
        "request", lambda req: hostile_requests.append(req.url) if "hostile" in req.url else None
    )
    page.goto(map_server)

    page.locator(".leaflet-overlay-pane path[fill='#1d3b6f']").first.hover()
    expect(page.locator(".leaflet-tooltip")).to_have_text(["Norwood Books"])

    page.locator(".leaflet-overlay-pane path[fill='#00703c']").click()
    popup = page.locator(".leaflet-popup-content")
    expect(popup.get_by_role("link")).to_have_text(HOSTILE_LABEL)
    expect(popup.get_by_role("link")).to_have_attribute("href", "/south-norwood/offers")
    expect(page.get_by_role("button", name="Close")).to_be_visible()
    assert page.locator(".leaflet-container [data-hostile]").count() == 0
    assert not hostile_requests
    page_problems.assert_none()


@pytest.mark.usefixtures("without_tiles")
def test_tab_goes_into_the_map_and_out_again(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    page.goto(map_server)
    page.locator("#before-map").focus()

    page.keyboard.press("Tab")
    skip = page.get_by_role("link", name="Skip the map: the same information as a list")
    expect(skip).to_be_focused()
    page.keyboard.press("Tab")
    the_map = page.get_by_role("region", name="Map of the fixture")
    expect(the_map).to_be_focused()

    # Leaflet's keyboard panning works while the map has focus.
    centre = "document.getElementById('fixture-map').townhubMap.getCenter().lng"
    before = page.evaluate(centre)
    page.keyboard.press("ArrowRight")
    page.wait_for_timeout(400)  # the pan animation
    assert page.evaluate(centre) > before

    # Then each named feature (its tooltip showing), the zoom buttons and the credits;
    # then focus leaves the map for the list.
    stops: list[str] = []
    for _ in range(len(FEATURES["features"]) + 10):
        page.keyboard.press("Tab")
        if not page.evaluate(f"{_MAP}.contains(document.activeElement)"):
            break
        stops.append(page.evaluate(_FOCUSED_NAME))
    else:
        pytest.fail(f"focus never left the map: {stops}")
    expect(page.locator("#fixture-list a").first).to_be_focused()
    # In the order they are painted: the area, the dots, then the lines on top.
    labels = [feature["properties"]["label"] for feature in FEATURES["features"]]
    assert stops == [labels[0], *labels[3:], labels[1], labels[2], "Zoom in", "Zoom out", "Leaflet"]

    page.keyboard.press("Shift+Tab")
    assert page.evaluate(f"{_MAP}.contains(document.activeElement)")
    page_problems.assert_none()


@pytest.mark.usefixtures("without_tiles")
def test_a_focused_feature_shows_its_label_and_enter_follows_its_link(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    page.route(
        "**/south-norwood/offers",
        lambda route: route.fulfill(
            content_type="text/html",
            body="<!doctype html><html lang=en><title>Offers</title><h1>Offers</h1></html>",
        ),
    )
    page.goto(map_server)
    the_map = page.get_by_role("region", name="Map of the fixture")
    business = the_map.get_by_role("img", name="Norwood Books")
    offer = the_map.get_by_role("link", name=HOSTILE_LABEL)

    # Listed in full: a closed tooltip fades out, then leaves.
    business.focus()
    expect(page.locator(".leaflet-tooltip")).to_have_text(["Norwood Books"])
    offer.focus()
    expect(page.locator(".leaflet-tooltip")).to_have_text([HOSTILE_LABEL])
    page.keyboard.press("Enter")

    expect(page).to_have_url(re.compile(r"/south-norwood/offers$"))
    page_problems.assert_none()


@pytest.mark.usefixtures("without_tiles")
def test_a_feature_reached_by_tab_after_panning_away_is_brought_into_view(
    page: Page, map_server: str
) -> None:
    page.goto(map_server)
    page.get_by_role("region", name="Map of the fixture").focus()
    # Leaflet ignores arrow keys while a pan is under way, so press until all is gone.
    for _ in range(40):
        page.keyboard.press("ArrowRight")
        page.wait_for_timeout(200)
        if _paths_in_view(page, "fixture-map") == 0:
            break
    else:
        pytest.fail("the arrow keys never panned the features out of view")

    page.keyboard.press("Tab")

    focused = page.locator("#fixture-map path:focus")
    expect(focused).to_have_attribute("aria-label", FEATURES["features"][0]["properties"]["label"])
    page.wait_for_timeout(500)  # the pan back
    assert focused.evaluate(_IN_VIEW)


@pytest.mark.usefixtures("without_tiles")
def test_skip_link_moves_focus_to_the_list(page: Page, map_server: str) -> None:
    page.goto(map_server)
    page.locator("#before-map").focus()
    page.keyboard.press("Tab")

    page.keyboard.press("Enter")

    expect(page.locator("#fixture-list")).to_be_focused()
    page.keyboard.press("Tab")
    expect(page.locator("#fixture-list a").first).to_be_focused()


@pytest.mark.usefixtures("with_tiles")
def test_map_page_is_accessible_with_the_map_drawn(
    page: Page, page_problems: PageProblems, map_server: str
) -> None:
    _serve_tiles(page)
    page.goto(map_server)
    expect(page.locator(".leaflet-tile-loaded").first).to_be_visible()

    assert_accessible(page)

    # And with a popup open, as after a click on a dot.
    page.locator(".leaflet-overlay-pane path[fill='#00703c']").click()
    expect(page.locator(".leaflet-popup-content")).to_be_visible()
    assert_accessible(page)
    page_problems.assert_none()


@pytest.mark.usefixtures("without_tiles")
@pytest.mark.parametrize("direction", ["ltr", "rtl"])
def test_map_fits_a_narrow_screen_in_either_direction(
    page: Page, page_problems: PageProblems, map_server: str, direction: str
) -> None:
    page.set_viewport_size({"width": 320, "height": 640})

    page.goto(f"{map_server}?dir={direction}")

    expect(page.locator("html")).to_have_attribute("dir", direction)
    the_map = page.get_by_role("region", name="Map of the fixture")
    expect(the_map).to_be_visible()
    assert page.evaluate("document.documentElement.scrollWidth") <= 320
    box = the_map.bounding_box()
    assert box is not None and box["x"] >= 0 and box["x"] + box["width"] <= 320
    assert box["height"] >= 160  # still a usable map, not a strip
    assert _paths_in_view(page, "fixture-map") == len(FEATURES["features"])
    page_problems.assert_none()


def test_without_javascript_there_is_no_empty_map_box(
    new_context: Callable[..., BrowserContext], map_server: str
) -> None:
    page = new_context(java_script_enabled=False).new_page()

    page.goto(map_server)

    expect(page.locator("#fixture-map")).to_be_hidden()
    expect(
        page.get_by_role("link", name="Skip the map: the same information as a list")
    ).to_be_hidden()
    expect(page.locator("#fixture-list a")).to_have_count(len(FEATURES["features"]))
    # The data is there for the script, not for reading: it is never shown.
    expect(page.locator("#fixture-map-data")).to_be_hidden()


@pytest.mark.live
@pytest.mark.usefixtures("demo_hubs")
def test_a_page_without_a_map_loads_no_map_code(
    page: Page, page_problems: PageProblems, live_server: str
) -> None:
    requested: list[str] = []
    page.on("request", lambda req: requested.append(urlsplit(req.url).path))

    page.goto(f"{live_server}/south-norwood/")

    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    assert not [path for path in requested if "leaflet" in path or path.endswith("/map.css")]
    assert not [path for path in requested if path.endswith("/map.js")]
    assert page.evaluate("typeof window.L") == "undefined"
    page_problems.assert_none()


# The lead's pages, on the session app with the demo data.

TRAVEL = "/south-norwood/travel"


def _map_data(page: Page, map_id: str) -> list[dict[str, Any]]:
    """The features the server put in the page for a map."""
    data: dict[str, Any] = json.loads(page.locator(f"#{map_id}-data").text_content() or "{}")
    return list(data["features"])


def _kinds(features: list[dict[str, Any]]) -> Counter[str]:
    return Counter(feature["properties"]["kind"] for feature in features)


@pytest.mark.live
@pytest.mark.usefixtures("demo_hubs")
def test_travel_map_draws_every_roadwork_diversion_and_business_without_tiles(
    page: Page,
    page_problems: PageProblems,
    live_server: str,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "TILE_URL", "")
    requested: list[str] = []
    page.on("request", lambda req: requested.append(req.url))

    page.goto(f"{live_server}{TRAVEL}")

    the_map = page.get_by_role("region", name="Map of roadworks and diversions")
    expect(the_map).to_be_visible()
    kinds = _kinds(_map_data(page, "travel-map"))
    assert kinds["roadwork"] and kinds["diversion"] and kinds["business"], kinds
    paths = _drawn_paths(page)
    assert len([p for p in paths if p["stroke"] == ROADWORK_RED]) == kinds["roadwork"]
    assert len([p for p in paths if p["stroke"] == DIVERSION_BLUE]) == kinds["diversion"]
    assert len([p for p in paths if p["fill"] == BUSINESS_BLUE]) == kinds["business"]
    assert _paths_in_view(page, "travel-map") == sum(kinds.values())
    assert page.locator(".leaflet-tile").count() == 0
    other_hosts = {urlsplit(url).hostname for url in requested} - {"localhost"}
    assert not other_hosts, f"requests to other hosts: {other_hosts}"
    assert_accessible(page)
    page_problems.assert_none()


@pytest.mark.live
@pytest.mark.usefixtures("demo_hubs")
def test_travel_map_takes_tiles_from_the_configured_server(
    page: Page,
    page_problems: PageProblems,
    live_server: str,
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "TILE_URL", TILE_URL)
    monkeypatch.setitem(app.config, "TILE_ATTRIBUTION", TILE_ATTRIBUTION)
    requested = _serve_tiles(page)

    page.goto(f"{live_server}{TRAVEL}")

    expect(page.locator("#travel-map .leaflet-tile-loaded").first).to_be_visible()
    assert requested and all(url.startswith("http://127.0.0.1:9/tiles/") for url in requested)
    expect(page.locator("#travel-map .leaflet-control-attribution")).to_contain_text(
        TILE_ATTRIBUTION
    )
    assert_accessible(page)
    page_problems.assert_none()


@pytest.mark.live
@pytest.mark.usefixtures("demo_hubs")
def test_travel_skip_link_jumps_over_the_map_to_the_list(page: Page, live_server: str) -> None:
    page.goto(f"{live_server}{TRAVEL}")
    skip = page.get_by_role("link", name="Skip the map: the same information as a list")
    skip.focus()

    page.keyboard.press("Enter")

    expect(page.locator("#travel-list")).to_be_focused()
    page.keyboard.press("Tab")
    assert page.evaluate("document.getElementById('travel-list').contains(document.activeElement)")


@pytest.mark.live
@pytest.mark.usefixtures("demo_hubs")
def test_business_page_shows_where_the_business_is(
    page: Page, page_problems: PageProblems, live_server: str
) -> None:
    # A business next to roadworks, found the way a resident would: from the travel map.
    page.goto(f"{live_server}{TRAVEL}")
    business = next(
        feature["properties"]
        for feature in _map_data(page, "travel-map")
        if feature["properties"]["kind"] == "business"
    )

    page.goto(f"{live_server}{business['url']}")

    expect(page.get_by_role("heading", level=1)).to_have_text(business["label"])
    the_map = page.get_by_role("region", name=f"Map showing where {business['label']} is")
    expect(the_map).to_be_visible()
    features = _map_data(page, "business-map")
    assert _kinds(features)["business"] == 1
    expect(the_map.get_by_role("img", name=business["label"])).to_be_visible()
    assert _paths_in_view(page, "business-map") == len(features)
    assert_accessible(page)
    page_problems.assert_none()
