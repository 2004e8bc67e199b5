from __future__ import annotations

import logging
import re

import pytest
from flask.testing import FlaskClient

from tests.factories import PURLEY, make_hub


def _two_hubs() -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    make_hub(
        slug="purley",
        name="Purley",
        ring=[
            (PURLEY[0] - 0.005, PURLEY[1] - 0.005),
            (PURLEY[0] + 0.005, PURLEY[1] - 0.005),
            (PURLEY[0] + 0.005, PURLEY[1] + 0.005),
            (PURLEY[0] - 0.005, PURLEY[1] + 0.005),
        ],
    )


def test_nearest_hub_comes_first_and_the_position_is_not_kept(
    client: FlaskClient, caplog: pytest.LogCaptureFixture
) -> None:
    _two_hubs()
    caplog.set_level(logging.DEBUG)

    response = client.post("/", data={"latitude": "51.3380", "longitude": "-0.1139"})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert re.findall(r'<a href="/([a-z-]+)/">', page.split('id="hub-list"')[1])[:2] == [
        "purley",
        "south-norwood",
    ]
    assert "You are on this high street" in page and "km away" in page
    assert "51.338" not in page and "51.338" not in caplog.text


def test_chooser_has_a_nearest_button_only_for_javascript(client: FlaskClient) -> None:
    _two_hubs()

    page = client.get("/").get_data(as_text=True)

    assert re.search(r"<form[^>]*data-position-form[^>]*hidden", page, re.S)
    assert 'href="/purley/"' in page and 'href="/south-norwood/"' in page


@pytest.mark.parametrize(
    ("latitude", "longitude", "message"),
    [
        ("40.71", "-74.00", "outside the United Kingdom"),
        ("", "", "did not share your position"),
        ("x", "y", "could not be read"),
        ("inf", "-0.1", "could not be read"),
    ],
)
def test_bad_positions_get_a_message_and_the_full_list(
    client: FlaskClient, latitude: str, longitude: str, message: str
) -> None:
    _two_hubs()

    response = client.post("/", data={"latitude": latitude, "longitude": longitude})

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert message in page
    assert 'href="/purley/"' in page and 'href="/south-norwood/"' in page
