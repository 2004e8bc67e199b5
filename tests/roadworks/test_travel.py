from __future__ import annotations

import json
import re
from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import make_business, make_hub, make_roadwork
from townhub.common.models import utcnow


def test_travel_page_says_in_words_what_the_map_shows(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_roadwork(
        hub=hub,
        street="High Street",
        description="Gas main replacement.",
        traffic_management="Road closure",
        diversion_text="Via Station Road and Portland Road.",
    )
    make_roadwork(
        hub=hub,
        street="Selhurst Road",
        description="Resurfacing.",
        starts_at=utcnow() + timedelta(days=5),
        ends_at=utcnow() + timedelta(days=8),
        diversion=None,
        diversion_text="",
    )
    make_roadwork(
        hub=hub,
        street="Long finished",
        starts_at=utcnow() - timedelta(days=30),
        ends_at=utcnow() - timedelta(days=1),
    )
    make_business(hub=hub, name="Next Door Deli")
    make_business(hub=hub, name="Far Away Florist", at=(-0.0700, 51.4008))

    response = client.get("/south-norwood/travel")

    page = response.get_data(as_text=True)
    now, coming = page.split('id="coming-title"')
    assert (
        "High Street" in now
        and "Road closure" in now
        and "Via Station Road and Portland Road." in now
    )
    assert "Next Door Deli" in now and "Far Away Florist" not in now
    assert "Selhurst Road" in coming and "No diversion" in coming
    assert "Long finished" not in page
    data = re.search(
        r'<script type="application/json" id="travel-map-data">(.*?)</script>', page, re.S
    )
    assert data
    kinds = [f["properties"]["kind"] for f in json.loads(data.group(1))["features"]]
    assert kinds.count("roadwork") == 2 and kinds.count("diversion") == 1
    assert kinds.count("business") == 1
    assert 'href="#travel-list"' in page  # the map can be skipped to the same facts in words


def test_no_roadworks_means_no_map_and_a_plain_sentence(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    page = client.get("/south-norwood/travel").get_data(as_text=True)

    assert "No roadworks on the high street today." in page
    assert "leaflet" not in page
