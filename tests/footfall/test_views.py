from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import make_hub, make_sensor
from townhub.common.models import utcnow
from townhub.footfall.service import record_count


def test_footfall_page_shows_latest_readings_and_the_last_day(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    sensor = make_sensor(hub=hub, name="Station Road corner")
    make_sensor(hub=hub, name="Silent counter")
    record_count(sensor, utcnow() - timedelta(hours=2), 60, 310, "test:1")
    record_count(sensor, utcnow() - timedelta(minutes=5), 15, 1234, "test:2")

    page = client.get("/south-norwood/footfall").get_data(as_text=True)

    assert "Station Road corner" in page and "1,234" in page
    assert "Silent counter" in page and "No counts yet" in page


def test_the_same_uplink_recorded_twice_counts_once() -> None:
    sensor = make_sensor()
    when = utcnow()

    assert record_count(sensor, when, 15, 5, "tts:as:up:X") is True
    assert record_count(sensor, when, 15, 5, "tts:as:up:X") is False


def test_htmx_refresh_gets_only_the_readings_region(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    response = client.get(
        "/south-norwood/footfall", headers={"HX-Request": "true", "HX-Target": "footfall-readings"}
    )

    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="footfall-readings">')
    assert "<html" not in body


def test_a_late_uplink_shows_as_the_sensors_latest_reading(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    sensor = make_sensor(hub=hub)
    record_count(sensor, utcnow() - timedelta(minutes=10), 15, 40, "test:recent")
    record_count(sensor, utcnow() - timedelta(days=1), 15, 777, "test:held-up-in-the-network")

    page = client.get("/south-norwood/footfall").get_data(as_text=True)

    assert ">777</td>" in page
