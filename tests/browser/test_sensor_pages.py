"""The sensor register, its quarantine and the public sensor pages in real headless
Chromium on a phone, with axe-core on each; registering a sensor with JavaScript off."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, sign_in
from townhub.common import geo
from townhub.extensions import db
from townhub.sensors.models import Sensor
from townhub.sensors.service import Message, ingest_batch

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

PHONE: ViewportSize = {"width": 390, "height": 844}
SENSORS = "/manage/hubs/south-norwood/sensors"
REGISTER = "Register the sensor"
# Outside Petal & Stem, 44 High Street (the demo seed); Purley Cross is another hub's.
FLORIST = ("51.398299", "-0.076353")
PURLEY_CROSS = ("51.33665", "-0.1179")


def test_the_register_and_public_pages_are_accessible_on_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    ingest_batch([Message("tts", "mqtt:v3/x/devices/y/up", b"{not json")])
    sign_in(page)
    page.goto(SENSORS)
    expect(page.get_by_role("heading", level=1)).to_have_text("Sensors on South Norwood")
    assert_accessible(page)
    page.get_by_role("link", name="1 message could not be counted: see why").click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text("not valid JSON")
    assert_accessible(page)
    page.goto(SENSORS)
    page.get_by_role("link", name="Public page").first.click()
    expect(page.get_by_text("no phone or device identifiers")).to_be_visible()
    assert_accessible(page)
    page.get_by_role("link", name="All people counters on South Norwood").click()
    assert_accessible(page)


def _stored(device_id: str) -> dict[str, Any] | None:
    """The sensor with this device ID as committed, read in a transaction of its own: the
    test thread keeps nothing open while the server thread works."""
    db.session.remove()
    try:
        sensor = db.session.scalars(select(Sensor).where(Sensor.device_id == device_id)).first()
        if sensor is None:
            return None
        return {
            "hub": sensor.hub.slug,
            "name": sensor.name,
            "placement": sensor.placement,
            "operator": sensor.operator,
            "network": sensor.network,
            "dev_eui": sensor.dev_eui,
            "kind": sensor.kind,
            "mapping": sensor.mapping,
            "lat_lon": geo.lon_lat(sensor.location)[::-1],
        }
    finally:
        db.session.remove()


def _submit(page: Page, status: int) -> None:
    with page.expect_response(lambda r: r.request.method == "POST") as response:
        page.get_by_role("button", name=REGISTER).click()
    assert response.value.status == status


def _position(page: Page, latitude: str, longitude: str) -> None:
    page.get_by_label("Latitude").fill(latitude)
    page.get_by_label("Longitude").fill(longitude)


def test_without_javascript_a_manager_registers_a_people_counter_by_typing_its_position(
    new_context: Callable[..., BrowserContext],
) -> None:
    # No assert_accessible here: axe-core runs on timers, which never fire with
    # JavaScript off, so it would wait for ever.
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page)
    page.goto(SENSORS)
    page.get_by_role("link", name="Register a sensor").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Register a sensor on South Norwood")

    typed = {
        "Name": "High Street outside the florist",
        "Where it is (optional)": "On the lamp column outside 44 High Street",
        "Who runs it": "South Norwood Business Association",
        "Device ID": "sn-florist",
        "DevEUI (optional)": "70B3D57ED00600G4",
        "Latitude": "fifty-one point four",
        "Longitude": FLORIST[1],
        "Minutes between messages": "10",
    }
    for label, value in typed.items():
        page.get_by_label(label, exact=True).fill(value)
    chosen = {
        "Network server": "chirpstack",
        "Kind of counter": "vs133",
        "What its numbers are": "cumulative",
        "Line (Milesight)": "2",
        "Direction (Milesight)": "in",
    }
    for label, value in chosen.items():
        page.get_by_label(label, exact=True).select_option(value)
    _submit(page, 400)

    expect(page).to_have_title(re.compile("^Error: Register a sensor on South Norwood"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    problems = {
        "dev_eui": "A DevEUI is 16 hexadecimal characters, like 70B3D57ED0060001",
        "latitude": "Enter a latitude like 51.3975",
    }
    expect(summary.get_by_role("listitem")).to_have_count(len(problems))
    for field_id, message in problems.items():
        expect(summary.get_by_role("link", name=message)).to_have_attribute("href", f"#{field_id}")
        expect(page.locator(f"#{field_id}-error")).to_have_text(f"Error: {message}")
        expect(page.locator(f"#{field_id}")).to_have_attribute("aria-invalid", "true")
    for label, value in typed.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    for label, value in chosen.items():
        expect(page.get_by_label(label, exact=True)).to_have_value(value)
    assert _stored("sn-florist") is None

    page.get_by_label("DevEUI (optional)").fill("70B3D57ED0060044")
    _position(page, *PURLEY_CROSS)
    _submit(page, 400)

    expect(summary.get_by_role("link")).to_have_text(
        ["That place is not on South Norwood. Check the latitude and longitude."]
    )
    expect(page.get_by_label("Latitude")).to_have_value(PURLEY_CROSS[0])
    expect(page.get_by_label("DevEUI (optional)")).to_have_value("70B3D57ED0060044")
    assert _stored("sn-florist") is None

    _position(page, *FLORIST)
    _submit(page, 303)

    expect(page.get_by_role("heading", level=1)).to_have_text("Sensors on South Norwood")
    expect(page.get_by_text("“High Street outside the florist” is saved.")).to_be_visible()
    expect(page.get_by_role("alert")).to_have_count(0)
    row = page.get_by_role("row").filter(
        has=page.get_by_role("link", name="High Street outside the florist")
    )
    expect(row).to_contain_text("sn-florist · Milesight VS133 people counter (line crossing)")
    assert _stored("sn-florist") == {
        "hub": "south-norwood",
        "name": "High Street outside the florist",
        "placement": "On the lamp column outside 44 High Street",
        "operator": "South Norwood Business Association",
        "network": "chirpstack",
        "dev_eui": "70B3D57ED0060044",
        "kind": "vs133",
        "mapping": {"period_minutes": 10, "line": "2", "direction": "in", "counts": "cumulative"},
        "lat_lon": (float(FLORIST[0]), float(FLORIST[1])),
    }
