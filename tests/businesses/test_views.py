from __future__ import annotations

import json
import re
from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import (
    PURLEY,
    make_business,
    make_event,
    make_hub,
    make_offer,
    make_roadwork,
)
from tests.support.html import card_titles
from townhub.common import geo
from townhub.common.models import utcnow

ALWAYS = {day: [["00:00", "24:00"]] for day in ("mon", "tue", "wed", "thu", "fri", "sat", "sun")}


def test_search_uses_full_text_with_stemming_and_partcard_titles(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, name="Portland Road Bakery", description="Sourdough loaves and pastries")
    make_business(hub=hub, name="Clocktower Cycles", description="Bike repairs and servicing")
    make_business(hub=hub, name="Norwood Launderette", category="services")

    assert card_titles(client.get("/south-norwood/businesses?q=pastry").get_data(as_text=True)) == [
        "Portland Road Bakery"
    ]
    assert card_titles(client.get("/south-norwood/businesses?q=repair").get_data(as_text=True)) == [
        "Clocktower Cycles"
    ]
    # Half a word still finds a name.
    assert card_titles(client.get("/south-norwood/businesses?q=Laund").get_data(as_text=True)) == [
        "Norwood Launderette"
    ]
    page = client.get("/south-norwood/businesses?q=%25_%5C").get_data(as_text=True)
    assert card_titles(page) == [] and "No businesses match" in page


def test_category_and_open_now_filter_the_list(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, name="Always Open Grocer", category="groceries", opening_hours=ALWAYS)
    make_business(hub=hub, name="Never Open Grocer", category="groceries", opening_hours={})
    make_business(hub=hub, name="Always Open Cafe", category="food-and-drink", opening_hours=ALWAYS)
    make_business(hub=hub, name="Hidden Grocer", category="groceries", status="pending")

    page = client.get("/south-norwood/businesses?category=groceries").get_data(as_text=True)
    assert card_titles(page) == ["Always Open Grocer", "Never Open Grocer"]
    assert "Open now" in page

    page = client.get("/south-norwood/businesses?category=groceries&open_now=y").get_data(
        as_text=True
    )
    assert card_titles(page) == ["Always Open Grocer"]


def test_businesses_next_to_roadworks_get_a_badge(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_roadwork(hub=hub)  # along the High Street by the clock tower
    make_business(hub=hub, name="Next Door Deli")
    make_business(hub=hub, name="Far Away Florist", at=(-0.0700, 51.4008))

    page = client.get("/south-norwood/businesses").get_data(as_text=True)

    deli = page.split("Next Door Deli")[1].split("</li>")[0]
    florist = page.split("Far Away Florist")[1].split("</li>")[0]
    assert "Open during roadworks" in deli
    assert "Open during roadworks" not in florist


def test_nonsense_filters_get_a_clear_message_not_an_error(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, name="Portland Road Bakery")

    response = client.get("/south-norwood/businesses?category=unicorns&page=-4&open_now=maybe")

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page
    assert "Not a valid choice" in page or "Choose" in page
    assert "Portland Road Bakery" in page  # the unfiltered list is still there
    long_query = client.get("/south-norwood/businesses?q=" + "x" * 500)
    assert long_query.status_code == 400
    assert "100 characters or fewer" in long_query.get_data(as_text=True)


def test_htmx_search_swaps_only_the_results(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, name="Portland Road Bakery")

    response = client.get(
        "/south-norwood/businesses?q=bakery",
        headers={"HX-Request": "true", "HX-Target": "business-results"},
    )

    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="business-results"')
    assert "<html" not in body and "Portland Road Bakery" in body


def test_business_page_has_offers_events_contact_access_and_a_map(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    shop = make_business(
        hub=hub,
        slug="portland-road-bakery",
        name="Portland Road Bakery",
        address="12 Portland Road, SE25 4UF",
        phone="020 8123 4567",
        website="https://bakery.example.org/",
        accessibility="Step-free entrance; hearing loop at the counter.",
        opening_hours={"mon": [["08:00", "16:00"]]},
    )
    make_offer(business=shop, title="Half-price croissants")
    make_offer(
        business=shop,
        title="Over",
        ends_at=utcnow() - timedelta(minutes=1),
        starts_at=utcnow() - timedelta(days=3),
    )
    make_event(hub=hub, business_id=shop.id, title="Bread masterclass")

    response = client.get("/south-norwood/businesses/portland-road-bakery")

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    for text in (
        "Half-price croissants",
        "Bread masterclass",
        "12 Portland Road, SE25 4UF",
        'href="tel:02081234567"',
        "Step-free entrance; hearing loop at the counter.",
        "08:00–16:00",
    ):
        assert text in page, text
    assert "Over" not in card_titles(page)
    data = re.search(
        r'<script type="application/json" id="business-map-data">(.*?)</script>', page, re.S
    )
    assert data, "the map's data block"
    features = json.loads(data.group(1))["features"]
    assert features[0]["geometry"] == {
        "type": "Point",
        "coordinates": list(geo.lon_lat(shop.location)),
    }
    assert features[0]["properties"]["label"] == "Portland Road Bakery"


def test_unknown_or_unapproved_business_is_a_helpful_404(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    make_business(hub=hub, slug="waiting", status="pending")
    other = make_hub(
        slug="purley",
        ring=[
            (PURLEY[0] - 0.01, PURLEY[1] - 0.01),
            (PURLEY[0] + 0.01, PURLEY[1] - 0.01),
            (PURLEY[0] + 0.01, PURLEY[1] + 0.01),
        ],
    )
    make_business(hub=other, slug="elsewhere")

    for path in (
        "/south-norwood/businesses/nobody",
        "/south-norwood/businesses/waiting",
        "/south-norwood/businesses/elsewhere",
    ):
        response = client.get(path)
        page = response.get_data(as_text=True)
        assert response.status_code == 404, path
        assert "This hub has no business at this address." in page
        assert 'href="/south-norwood/"' in page  # a way back to the hub


def test_an_htmx_search_with_a_bad_filter_brings_its_own_error_summary(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood")

    response = client.get(
        "/south-norwood/businesses?category=unicorns",
        headers={"HX-Request": "true", "HX-Target": "business-results"},
    )

    body = response.get_data(as_text=True)
    assert response.status_code == 400  # swapped all the same (htmx-config responseHandling)
    assert body.lstrip().startswith('<section id="business-results"')
    assert "Choose a category from the list" in body and 'class="error-summary"' in body
