"""The GeoJSON datasets: exactly what residents see on the public pages, for each hub, with
the licence, open to other sites; bad addresses are problem documents."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from icalendar import Calendar

from tests.factories import (
    PURLEY,
    make_business,
    make_event,
    make_hub,
    make_offer,
    make_roadwork,
    make_sensor,
    make_user,
)
from townhub.api.service import ATTRIBUTION, LICENCE_NAME, LICENCE_URL
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.hubs.models import Hub

PURLEY_BOX = [(-0.1200, 51.3340), (-0.1100, 51.3340), (-0.1100, 51.3400), (-0.1200, 51.3400)]


@dataclass
class Town:
    hub: Hub
    other: Hub
    shown: dict[str, list[int]]


@pytest.fixture
def town() -> Town:
    """South Norwood with items residents see and items they must not, and Purley's."""
    hub = make_hub(slug="south-norwood", name="South Norwood")
    other = make_hub(slug="purley", name="Purley", ring=PURLEY_BOX)
    now = utcnow()
    bakery = make_business(
        hub=hub,
        name="Crumbs Bakery",
        phone="020 8653 0000",
        email="hello@crumbs.example",
        website="https://crumbs.example",
        address="1 High Street",
    )
    make_user(email="owner.secret@example.org", businesses=[bakery])
    hidden = make_business(hub=hub, status="hidden", hidden_reason="Abusive reviews reply")
    pending = make_business(hub=hub, status="pending")
    elsewhere = make_business(hub=other, at=PURLEY)

    offer = make_offer(business=bakery, redemption_code="SECRET-CODE-42")
    make_offer(business=bakery, status="hidden", hidden_reason="Misleading claim")
    make_offer(business=bakery, status="draft", title="Draft offer")
    make_offer(business=bakery, status="pending")
    make_offer(business=bakery, starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    make_offer(business=hidden)
    make_offer(business=pending)
    make_offer(business=elsewhere)

    event = make_event(hub=hub, business_id=bakery.id, location=geo.point(-0.0752, 51.3975))
    placeless = make_event(hub=hub)
    make_event(hub=hub, status="draft")
    make_event(hub=hub, status="hidden", hidden_reason="Spam")
    make_event(hub=hub, starts_at=now - timedelta(days=2), ends_at=now - timedelta(days=1))
    make_event(hub=other)

    works = make_roadwork(hub=hub)
    coming = make_roadwork(
        hub=hub, starts_at=now + timedelta(days=5), ends_at=now + timedelta(days=9), diversion=None
    )
    make_roadwork(hub=hub, starts_at=now + timedelta(days=30), ends_at=now + timedelta(days=40))
    make_roadwork(hub=hub, starts_at=now - timedelta(days=9), ends_at=now - timedelta(days=1))
    make_roadwork(hub=other)

    counter = make_sensor(hub=hub, name="Clock tower", placement="On the lamp post")
    counter.last_seen_at = now
    station = make_sensor(hub=hub, name="Station")
    far = make_sensor(hub=other, name="Purley Cross")
    return Town(
        hub,
        other,
        {
            "businesses": [bakery.id],
            "offers": [offer.id],
            "events": [event.id, placeless.id],
            "roadworks": [works.id, coming.id],
            "sensors": [counter.id, station.id],
            "other_sensors": [far.id],
        },
    )


def _collection(client: FlaskClient, path: str) -> dict[str, Any]:
    response = client.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/geo+json"
    body: dict[str, Any] = response.get_json(force=True)
    assert body["type"] == "FeatureCollection"
    return body


def _ids(body: dict[str, Any]) -> list[int]:
    return [feature["properties"]["id"] for feature in body["features"]]


@pytest.mark.parametrize("dataset", ["businesses", "offers", "events", "roadworks"])
def test_each_dataset_has_only_what_residents_see_of_that_hub(
    client: FlaskClient, town: Town, dataset: str
) -> None:
    body = _collection(client, f"/api/v1/hubs/south-norwood/{dataset}")

    assert _ids(body) == town.shown[dataset]
    text = client.get(f"/api/v1/hubs/south-norwood/{dataset}").get_data(as_text=True)
    for secret in ("SECRET-CODE-42", "owner.secret@example.org", "Misleading", "Spam", "Abusive"):
        assert secret not in text
    for feature in body["features"]:
        assert feature["id"] == feature["properties"]["id"]
        assert not {"status", "hidden_reason", "redemption_code", "trusted"} & set(
            feature["properties"]
        )


def test_businesses_carry_their_public_fields(client: FlaskClient, town: Town) -> None:
    (feature,) = _collection(client, "/api/v1/hubs/south-norwood/businesses")["features"]

    assert feature["geometry"] == {"type": "Point", "coordinates": [-0.0752, 51.3975]}
    properties = feature["properties"]
    assert properties["name"] == "Crumbs Bakery"
    assert properties["phone"] == "020 8653 0000"
    assert properties["email"] == "hello@crumbs.example"
    assert properties["opening_hours"] == {"mon": [["09:00", "17:30"]]}
    # Next to the roadworks in force, as the businesses page says.
    assert properties["near_roadworks"] is True
    assert properties["url"].endswith("/south-norwood/businesses/" + properties["slug"])


def test_offers_are_placed_at_their_business_and_say_when_they_run(
    client: FlaskClient, town: Town
) -> None:
    (feature,) = _collection(client, "/api/v1/hubs/south-norwood/offers")["features"]

    properties = feature["properties"]
    assert feature["geometry"]["coordinates"] == [-0.0752, 51.3975]
    assert properties["business_name"] == "Crumbs Bakery"
    assert properties["details"] == "Two for one on sourdough."
    assert properties["starts_at"] < properties["ends_at"]
    assert properties["url"].endswith(f"/south-norwood/offers/{properties['id']}")


def test_events_without_a_place_on_the_map_have_no_geometry(
    client: FlaskClient, town: Town
) -> None:
    located, placeless = _collection(client, "/api/v1/hubs/south-norwood/events")["features"]

    assert located["geometry"] == {"type": "Point", "coordinates": [-0.0752, 51.3975]}
    assert located["properties"]["business_name"] == "Crumbs Bakery"
    assert placeless["geometry"] is None
    assert placeless["properties"]["business_id"] is None
    assert placeless["properties"]["place"] == "Stanley Halls"


def test_roadworks_say_whether_in_force_with_the_diversion_and_businesses_nearby(
    client: FlaskClient, town: Town
) -> None:
    in_force, coming = _collection(client, "/api/v1/hubs/south-norwood/roadworks")["features"]

    assert in_force["geometry"]["type"] == "LineString"
    assert in_force["properties"]["in_force"] is True
    assert in_force["properties"]["diversion"]["type"] == "LineString"
    assert in_force["properties"]["diversion_text"] == "Via Station Road and Portland Road."
    assert [b["id"] for b in in_force["properties"]["businesses_nearby"]] == (
        town.shown["businesses"]
    )
    assert coming["properties"]["in_force"] is False
    assert coming["properties"]["diversion"] is None


def test_hubs_have_their_boundaries_and_links_to_their_datasets(
    client: FlaskClient, town: Town
) -> None:
    body = _collection(client, "/api/v1/hubs")

    purley, south_norwood = body["features"]
    assert purley["properties"]["slug"] == "purley"
    assert south_norwood["geometry"]["type"] == "Polygon"
    links = south_norwood["properties"]["links"]
    assert links["businesses"] == "http://localhost/api/v1/hubs/south-norwood/businesses"
    assert links["sensors"] == "http://localhost/api/v1/sensors?hub=south-norwood"
    assert links["page"] == "http://localhost/south-norwood/"
    for name, url in links.items():
        period = "?from=2025-06-01&to=2025-06-02" if name.startswith("footfall") else ""
        assert client.get(url.removeprefix("http://localhost") + period).status_code == 200


def test_sensors_of_every_hub_or_of_one_without_device_identifiers(
    client: FlaskClient, town: Town
) -> None:
    everything = _collection(client, "/api/v1/sensors")
    one_hub = _collection(client, "/api/v1/sensors?hub=south-norwood")

    assert sorted(_ids(everything)) == sorted(town.shown["sensors"] + town.shown["other_sensors"])
    assert sorted(_ids(one_hub)) == sorted(town.shown["sensors"])
    clock_tower = next(f for f in one_hub["features"] if f["properties"]["name"] == "Clock tower")
    assert clock_tower["properties"]["hub"] == "south-norwood"
    assert clock_tower["properties"]["placement"] == "On the lamp post"
    assert clock_tower["properties"]["kind"] == "paxcounter"
    assert clock_tower["properties"]["last_seen_at"] is not None
    text = client.get("/api/v1/sensors").get_data(as_text=True)
    assert "70B3D57ED" not in text and "test-counter-" not in text


def test_the_calendar_feed_has_the_hubs_coming_events(client: FlaskClient, town: Town) -> None:
    response = client.get("/api/v1/hubs/south-norwood/events.ics")

    assert response.status_code == 200
    assert response.mimetype == "text/calendar"
    assert 'filename="south-norwood-events.ics"' in response.headers["Content-Disposition"]
    calendar = Calendar.from_ical(response.data)
    uids = sorted(str(event["uid"]) for event in calendar.walk("VEVENT"))
    assert uids == sorted(f"event-{n}@localhost" for n in town.shown["events"])
    # The same feed as the hub's own /<hub>/events.ics.
    site = Calendar.from_ical(client.get("/south-norwood/events.ics").data)
    assert uids == sorted(str(event["uid"]) for event in site.walk("VEVENT"))


def test_every_json_document_carries_the_licence(
    app: Flask, client: FlaskClient, town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "COUNCIL_NAME", "London Borough of Croydon")

    metadata = _collection(client, "/api/v1/hubs")["metadata"]

    assert metadata["licence"] == {"name": LICENCE_NAME, "url": LICENCE_URL}
    assert metadata["attribution"] == (
        "Contains public sector information licensed under the Open Government Licence v3.0."
    )
    assert metadata["attribution"] == ATTRIBUTION
    assert metadata["publisher"] == "London Borough of Croydon"
    assert metadata["source"] == "http://localhost/api/v1/hubs"
    assert metadata["generated_at"].endswith("+00:00")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hubs",
        "/api/v1/hubs/south-norwood/offers",
        "/api/v1/hubs/south-norwood/events.ics",
        "/api/v1/sensors",
        "/api/v1/openapi.json",
    ],
)
def test_open_data_may_be_read_from_any_site_and_says_its_licence(
    client: FlaskClient, town: Town, path: str
) -> None:
    response = client.get(path, headers={"Origin": "https://example.org"})

    assert response.status_code == 200
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.headers["Link"] == f'<{LICENCE_URL}>; rel="license"'
    assert response.headers["Cache-Control"].startswith("public, max-age=")


@pytest.mark.parametrize(
    "path",
    [
        "/api/v1/hubs/nowhere/businesses",
        "/api/v1/hubs/nowhere/offers",
        "/api/v1/hubs/nowhere/events",
        "/api/v1/hubs/nowhere/events.ics",
        "/api/v1/hubs/nowhere/roadworks",
        "/api/v1/hubs/nowhere/footfall?from=2025-01-01&to=2025-01-02",
        "/api/v1/hubs/nowhere/footfall.csv?from=2025-01-01&to=2025-01-02",
        "/api/v1/sensors?hub=nowhere",
        "/api/v1/sensors?hub=",
        "/api/v1/no-such-dataset",
    ],
)
def test_an_unknown_hub_or_address_is_a_404_problem(
    client: FlaskClient, town: Town, path: str
) -> None:
    response = client.get(path)

    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 404 and problem["title"] == "Not Found"
    assert problem["type"] == "about:blank" and problem["detail"]
    assert response.headers["Access-Control-Allow-Origin"] == "*"


def test_another_hubs_items_are_not_in_this_hubs_datasets(client: FlaskClient, town: Town) -> None:
    body = _collection(client, "/api/v1/hubs/purley/offers")

    assert len(body["features"]) == 1
    assert body["features"][0]["properties"]["id"] not in town.shown["offers"]


def test_the_api_is_rate_limited_per_address_with_a_problem(
    app: Flask, client: FlaskClient, town: Town, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "API_RATE_LIMIT", "3 per minute")

    statuses = [client.get("/api/v1/hubs").status_code for _ in range(4)]

    assert statuses == [200, 200, 200, 429]
    response = client.get("/api/v1/hubs")
    assert response.mimetype == "application/problem+json"
    assert response.get_json()["status"] == 429
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    # Another address has its own allowance.
    other = client.get("/api/v1/hubs", environ_base={"REMOTE_ADDR": "192.0.2.7"})
    assert other.status_code == 200
