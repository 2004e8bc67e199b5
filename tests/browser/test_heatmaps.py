"""The footfall heat map in real headless Chromium, with axe-core on each state: choosing
another hour with HTMX (JavaScript on) and with plain page loads (JavaScript off)."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import datetime

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import assert_accessible, sign_in
from townhub.common.formatting import LONDON

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

PAGE = "/manage/hubs/south-norwood/heatmap"
DAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def _counted_slot() -> tuple[int, str]:
    """An hour the demo's week of counts covers in the last complete week: today's weekday
    a week ago, late in the evening (after this hour, whatever the time now)."""
    return datetime.now(LONDON).weekday(), "23"


def test_with_javascript_the_heat_map_changes_in_place_and_stays_accessible(page: Page) -> None:
    weekday, hour = _counted_slot()
    sign_in(page)
    page.goto(f"{PAGE}?weekday={weekday}&hour={hour}&weeks=1")
    expect(page.get_by_role("heading", level=1)).to_have_text("Footfall heat map: South Norwood")
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        f"{DAYS[weekday]}s, 23:00 to 00:00"
    )
    expect(
        page.get_by_role("img", name=re.compile("^Footfall around South Norwood"))
    ).to_be_visible()
    expect(
        page.get_by_role("table", name=re.compile("in each hexagon with a sensor"))
    ).to_be_visible()
    assert_accessible(page)

    page.get_by_label("Map footfall by", exact=True).select_option("sensors")
    with page.expect_request(lambda r: "view=sensors" in r.url) as sent:
        page.get_by_role("button", name="Show the heat map").click()
    assert sent.value.headers.get("hx-request") == "true"
    expect(page.get_by_role("table", name=re.compile("at each sensor"))).to_be_visible()
    expect(page).to_have_url(re.compile(r"view=sensors"))
    expect(page.get_by_role("row")).not_to_have_count(0)
    assert_accessible(page)

    week = page.get_by_role("table", name=re.compile("by day and hour"))
    row = week.get_by_role("row").filter(has=page.get_by_role("rowheader", name="12:00 to 13:00"))
    with page.expect_request(lambda r: "hour=12" in r.url) as sent:
        row.get_by_role("link").nth((weekday + 1) % 7).click()
    assert sent.value.headers.get("hx-request") == "true"
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        f"{DAYS[(weekday + 1) % 7]}s, 12:00 to 13:00"
    )
    expect(page.get_by_label("Day of the week", exact=True)).to_have_value(str((weekday + 1) % 7))
    assert_accessible(page)

    page.goto(f"{PAGE}?weekday=1&hour=99")
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link", name="Choose an hour from the list")).to_have_attribute(
        "href", "#hour"
    )
    expect(page).to_have_title(re.compile("^Error: Footfall heat map"))
    assert_accessible(page)


def test_without_javascript_a_manager_chooses_an_hour_with_the_plain_form(
    new_context: Callable[..., BrowserContext],
) -> None:
    # No assert_accessible here: axe-core runs on timers, which never fire with
    # JavaScript off.
    weekday, hour = _counted_slot()
    page = new_context(java_script_enabled=False).new_page()
    sign_in(page)
    page.goto(PAGE)
    expect(page.get_by_label("Average over the last", exact=True)).to_have_value("8")
    page.get_by_label("Day of the week", exact=True).select_option(str(weekday))
    page.get_by_label("Hour (London time)", exact=True).select_option(hour)
    page.get_by_label("Average over the last", exact=True).select_option("1")
    page.get_by_label("Map footfall by", exact=True).select_option("sensors")
    with page.expect_navigation():
        page.get_by_role("button", name="Show the heat map").click()

    expect(page).to_have_url(re.compile(rf"weekday={weekday}&hour=23&weeks=1&view=sensors"))
    expect(page.get_by_role("heading", level=2).first).to_have_text(
        f"{DAYS[weekday]}s, 23:00 to 00:00"
    )
    figures = page.get_by_role("table", name=re.compile("at each sensor"))
    expect(figures.get_by_role("rowheader")).to_have_count(3)
    expect(page.locator("svg.heatmap__map circle.heatmap__sensor")).to_have_count(3)

    page.get_by_role("link", name=re.compile("^[0-9,.]+$")).first.click()
    expect(page.get_by_role("heading", level=2).first).to_contain_text(", ")

    response = page.goto(f"{PAGE}?weeks=500")
    assert response is not None and response.status == 400
    expect(page.get_by_role("alert").get_by_role("link")).to_have_text(
        ["Choose from 1 to 52 weeks"]
    )
