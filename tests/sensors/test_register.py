"""The sensor register, its health and quarantine pages, and the public sensor pages."""

from __future__ import annotations

import io
import json
import re
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from pypdf import PdfReader
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_hub, make_sensor, make_silent_sensor, make_user
from tests.support.forms import sign_in, submit
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.moderation.models import AuditEntry
from townhub.sensors.models import Sensor, SensorQuarantine
from townhub.sensors.register import check_silent_sensors
from townhub.sensors.service import Message, ingest_batch

CLOCK_TOWER = {"latitude": "51.397500", "longitude": "-0.075200"}


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


@pytest.fixture
def manager(client: FlaskClient, hub: Hub) -> FlaskClient:
    user = make_user(role="hub_manager", hubs=[hub])
    sign_in(client, user.email, PASSWORD)
    return client


def fields(**overrides: str) -> dict[str, Any]:
    values = {
        "name": "Clock tower",
        "placement": "Lamp column outside 12 High Street",
        "operator": "Croydon Council",
        "network": "tts",
        "device_id": "sn-clock-tower",
        "dev_eui": "70-B3-D5-7E-D0-06-00-01",
        "kind": "vs133",
        "counts": "cumulative",
        "line": "2",
        "direction": "in",
        "counters": "a+b",
        "encoding": "packed",
        "field": "",
        "period_minutes": "15",
        **CLOCK_TOWER,
    }
    return {**values, **overrides}


def sensors() -> list[Sensor]:
    return list(db.session.scalars(select(Sensor)))


def test_a_manager_registers_a_sensor_with_its_preset(manager: FlaskClient, hub: Hub) -> None:
    answer = submit(manager, "/manage/hubs/south-norwood/sensors/new", fields())

    assert answer.status_code == 303
    [sensor] = sensors()
    assert (sensor.device_id, sensor.dev_eui, sensor.kind) == (
        "sn-clock-tower",
        "70B3D57ED0060001",
        "vs133",
    )
    # Only the options its kind uses are kept.
    assert sensor.mapping == {
        "period_minutes": 15,
        "line": "2",
        "direction": "in",
        "counts": "cumulative",
    }
    page = manager.get("/manage/hubs/south-norwood/sensors").get_data(as_text=True)
    assert "Clock tower" in page and "Never" in page


def test_a_sensor_can_be_changed(manager: FlaskClient, hub: Hub) -> None:
    sensor = make_sensor(hub=hub, location=geo.point(-0.0752, 51.3975))
    path = f"/manage/hubs/south-norwood/sensors/{sensor.id}/edit"
    assert sensor.device_id in manager.get(path).get_data(as_text=True)

    answer = submit(manager, path, fields(device_id=sensor.device_id, dev_eui="", kind="vs121"))

    assert answer.status_code == 303
    assert (sensor.kind, sensor.dev_eui, sensor.mapping) == ("vs121", None, {"period_minutes": 15})


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"dev_eui": "70B3D57ED00600"}, "A DevEUI is 16 hexadecimal characters"),
        ({"device_id": "has spaces in it"}, "A device ID has letters, numbers"),
        ({"latitude": "53.4808", "longitude": "-2.2426"}, "That place is not on South Norwood"),
        ({"latitude": "north"}, "Enter a latitude like 51.3975"),
        ({"kind": "field", "field": ""}, "Enter the decoded field that holds the count"),
        ({"kind": "camera"}, "Choose a kind of counter from the list"),
        ({"line": "7"}, "Choose a line from 1 to 4"),
        ({"period_minutes": "0"}, "Minutes between messages must be from 1 to 1440"),
        ({"name": ""}, "Enter a name, like Clock tower"),
        ({"device_id": "taken-one"}, "Another sensor is registered with this"),
    ],
)
def test_bad_input_gets_a_clear_message_and_saves_nothing(
    manager: FlaskClient, hub: Hub, change: dict[str, str], message: str
) -> None:
    make_sensor(hub=hub, device_id="taken-one", dev_eui=None)

    answer = submit(manager, "/manage/hubs/south-norwood/sensors/new", fields(**change))

    assert answer.status_code == 400
    assert message in answer.get_data(as_text=True)
    assert [s.device_id for s in sensors()] == ["taken-one"]


def test_the_quarantine_shows_the_hubs_and_unknown_devices_messages(
    manager: FlaskClient, hub: Hub
) -> None:
    mine = make_sensor(hub=hub, kind="vs133", mapping={"line": "1"})
    other = make_sensor(hub=make_hub(slug="purley"), kind="vs133", mapping={"line": "1"})

    def uplink(device: str) -> Message:
        body = {
            "end_device_ids": {"device_id": device},
            "received_at": "2026-11-20T10:00:00Z",
            "uplink_message": {"f_cnt": 2, "decoded_payload": {"temperature": 4}},
        }
        return Message("tts", "mqtt:v3/x/devices/y/up", json.dumps(body).encode())

    ingest_batch([uplink(mine.device_id), uplink(other.device_id), uplink("stranger")])

    page = manager.get("/manage/hubs/south-norwood/sensors/quarantine").get_data(as_text=True)
    assert page.count("decoded payload has no") == 1
    assert "unknown device &#39;stranger&#39;" in page
    assert other.device_id not in page
    assert manager.get("/manage/hubs/south-norwood/sensors/quarantine?page=x").status_code == 400
    index = manager.get("/manage/hubs/south-norwood/sensors").get_data(as_text=True)
    assert "2 messages could not be counted" in index


def test_public_pages_say_what_a_sensor_counts_and_does_not_collect(
    client: FlaskClient, hub: Hub
) -> None:
    sensor = make_sensor(hub=hub, kind="vs133", operator="Croydon Council", name="Clock tower")

    listing = client.get("/south-norwood/sensors").get_data(as_text=True)
    page = client.get(f"/south-norwood/sensors/{sensor.id}").get_data(as_text=True)

    assert "Clock tower" in listing
    assert "people walking across a line" in page
    assert "no phone or device identifiers" in page and "Croydon Council" in page
    assert sensor.device_id not in page  # its network identity is not for the public
    assert client.get("/south-norwood/sensors/999999").status_code == 404
    purley = make_hub(slug="purley")
    assert client.get(f"/{purley.slug}/sensors/{sensor.id}").status_code == 404


def test_stickers_link_to_the_public_page(manager: FlaskClient, hub: Hub) -> None:
    sensor = make_sensor(hub=hub, name="Clock tower")
    answer = manager.get(f"/manage/hubs/south-norwood/sensors/{sensor.id}/stickers.pdf")

    assert answer.mimetype == "application/pdf"
    text = PdfReader(io.BytesIO(answer.data)).pages[0].extract_text()
    assert f"/south-norwood/sensors/{sensor.id}" in text.replace("\n", "")
    assert "no cameras" in text


def test_a_silent_sensor_is_flagged_once_and_cleared_when_it_speaks(
    manager: FlaskClient, hub: Hub
) -> None:
    sensor = make_silent_sensor(hub=hub)
    quiet = make_sensor(hub=hub, name="Market", mapping={"period_minutes": 15})
    now = utcnow()
    quiet.last_seen_at = now - timedelta(minutes=20)  # within twice its 15-minute period
    db.session.commit()

    check_silent_sensors({})
    check_silent_sensors({})

    assert sensor.silent_since is not None and quiet.silent_since is None
    entries = db.session.scalars(select(AuditEntry.action)).all()
    assert entries == ["sensor_silent"]
    dashboard = manager.get("/manage/").get_data(as_text=True)
    assert "1 sensor has gone silent" in dashboard and "Clock tower" in dashboard

    ingest_batch(
        [
            Message(
                "tts",
                "test",
                json.dumps(
                    {
                        "end_device_ids": {"device_id": sensor.device_id},
                        "received_at": now.isoformat(),
                        "correlation_ids": ["as:up:back"],
                        "uplink_message": {"f_cnt": 9, "decoded_payload": {"pax": 4}},
                    }
                ).encode(),
            )
        ]
    )
    assert sensor.silent_since is None
    assert db.session.scalar(select(func.count()).select_from(SensorQuarantine)) == 0


def test_the_error_summary_lists_problems_in_the_pages_order(
    manager: FlaskClient, hub: Hub
) -> None:
    answer = submit(
        manager,
        "/manage/hubs/south-norwood/sensors/new",
        fields(name="", dev_eui="70B3", latitude="north", period_minutes="0"),
    )

    summary = (
        answer.get_data(as_text=True).split('class="error-summary__list"')[1].split("</ul>")[0]
    )
    links = re.findall(r'href="#([a-z_]+)"', summary)
    assert links == ["name", "dev_eui", "latitude", "period_minutes"]
