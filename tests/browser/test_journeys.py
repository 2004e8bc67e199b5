"""HTMX enhancements in real headless Chromium (the rest of the hub page: test_hub_page.py)."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]


def test_htmx_refresh_swaps_only_the_readings_and_keeps_the_page(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/south-norwood/footfall")
    page.evaluate("document.body.dataset.marker = 'still here'")

    page.get_by_role("link", name="Refresh the figures").click()

    expect(page.locator("#footfall-readings")).to_be_visible()
    assert page.evaluate("document.body.dataset.marker") == "still here"  # no full reload
    assert page.locator("#footfall-readings").count() == 1
