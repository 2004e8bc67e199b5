"""The /open-data page: every dataset with its addresses, formats and fields, the licence
and the OpenAPI document, linked from every page's footer."""

from __future__ import annotations

import re

import pytest
from flask.testing import FlaskClient

from tests.factories import make_hub
from townhub.api.openapi import document
from townhub.api.service import ATTRIBUTION, LICENCE_URL
from townhub.hubs.service import RESERVED_SLUGS


def _links(page: str) -> set[str]:
    return {href.replace("&amp;", "&") for href in re.findall(r'href="([^"]+)"', page)}


def test_the_page_lists_every_dataset_with_the_licence_and_the_openapi_document(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood", name="South Norwood")

    response = client.get("/open-data")

    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "<h1>Open data</h1>" in page
    assert f'<a href="{LICENCE_URL}" rel="license">Open Government Licence v3.0</a>' in page
    assert ATTRIBUTION in page
    links = _links(page)
    assert "/api/v1/openapi.json" in links
    for path in document()["paths"]:
        assert "/api/v1" + path in page, f"{path} is not on the page"
    for dataset in ("businesses", "offers", "events", "events.ics", "roadworks"):
        assert f"/api/v1/hubs/south-norwood/{dataset}" in links
    assert "/api/v1/sensors?hub=south-norwood" in links
    assert any(link.startswith("/api/v1/hubs/south-norwood/footfall.csv?") for link in links)


def test_every_link_on_the_page_works(client: FlaskClient) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    page = client.get("/open-data").get_data(as_text=True)

    for link in _links(page):
        if link.startswith("/api/"):
            response = client.get(link)
            assert response.status_code == 200, f"{link}: {response.get_data(as_text=True)}"


@pytest.mark.parametrize(
    "schema", ["Hub", "Business", "Offer", "Event", "Roadwork", "Sensor", "HubBucket"]
)
def test_the_page_explains_every_field(client: FlaskClient, schema: str) -> None:
    page = client.get("/open-data").get_data(as_text=True)
    fields = document()["components"]["schemas"][schema]["properties"]
    fields = fields["properties"]["properties"] if schema != "HubBucket" else fields

    for name in fields:
        assert f"<code>{name}" in page or f", {name}</code>" in page, f"{schema}.{name}"


def test_every_page_links_to_the_open_data(client: FlaskClient) -> None:
    page = client.get("/").get_data(as_text=True)

    assert '<a href="/open-data">Open data</a>' in page


def test_no_hub_can_take_the_addresses_of_the_open_data() -> None:
    assert {"api", "open-data"} <= RESERVED_SLUGS
