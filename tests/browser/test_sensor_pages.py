"""The sensor register, its quarantine and the public sensor pages in real headless
Chromium on a phone, with axe-core on each."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import assert_accessible
from townhub.demo.seed import DEMO_PASSWORD
from townhub.sensors.service import Message, ingest_batch

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

PHONE = {"width": 390, "height": 844}
SENSORS = "/manage/hubs/south-norwood/sensors"


def _sign_in(page: Page) -> None:
    page.goto("/manage/sign-in")
    page.get_by_label("Email address").fill("manager@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).not_to_have_text("Sign in")


def test_the_register_and_public_pages_are_accessible_on_a_phone(page: Page) -> None:
    page.set_viewport_size(PHONE)
    ingest_batch([Message("tts", "mqtt:v3/x/devices/y/up", b"{not json")])
    _sign_in(page)
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
