"""The hub dashboard and the council's view on the demo's eight weeks, in real headless
Chromium: the heatwave and the festival are flagged, a comparison is one click away, the
live counts refresh in place, and every page passes axe-core; and without JavaScript the
forms still work and explain bad input."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, ViewportSize, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, sign_in
from townhub.businesses.models import Business
from townhub.common.days import london_today
from townhub.demo import history
from townhub.demo.history import OFFER_BUSINESS
from townhub.demo.seed import seed
from townhub.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.live]

PHONE: ViewportSize = {"width": 390, "height": 844}
DASHBOARD = "/manage/hubs/south-norwood/insights"


@pytest.fixture
def eight_weeks() -> None:
    """The demo with its full history (the other browser tests need only one week)."""
    seed(weeks=8)


@pytest.mark.usefixtures("eight_weeks")
def test_the_dashboard_flags_the_heatwave_and_the_festival_and_compares_them(page: Page) -> None:
    past = history.Past(london_today())
    sign_in(page)
    page.goto(DASHBOARD)
    expect(page.get_by_role("heading", level=1)).to_have_text("Dashboard: South Norwood")
    assert_accessible(page)

    unusual = page.locator("#unusual-title + p + ul")
    festival = f"{past.festival:%A} {past.festival.day} {past.festival:%B %Y}"
    expect(unusual).to_contain_text(f"{festival}: busier than usual")
    first, last = min(past.heatwave), max(past.heatwave)
    heatwave = f"{first:%A} {first.day} {first:%B} to {last:%A} {last.day} {last:%B %Y}"
    expect(unusual).to_contain_text(f"{heatwave}: quieter than usual")
    # The chart's table carries the same flags, for a screen reader.
    table = page.get_by_role("table", name=re.compile("^Figures for: People counted"))
    expect(
        table.get_by_role(
            "row", name=re.compile(f"^{past.festival:%a} {past.festival.day} {past.festival:%b} ")
        )
    ).to_contain_text("Unusual:")

    page.get_by_role("link", name=re.compile("^The quiet days")).click()
    compared = page.get_by_role("table", name="Change from the baseline to the period")
    expect(compared.get_by_role("row", name=re.compile("^South Norwood"))).to_contain_text(
        "quieter"
    )
    expect(page.get_by_label("First day of the period")).to_have_value(first.isoformat())
    assert_accessible(page)

    # The live counts refresh in place: the rest of the page stays as it was.
    page.locator("#insights-live").evaluate("(region) => region.dataset.before = 'yes'")
    page.get_by_role("link", name="Refresh the latest counts").click()
    expect(page.locator("#insights-live")).not_to_have_attribute("data-before", "yes")
    expect(page.get_by_label("First day of the period")).to_have_value(first.isoformat())

    page.get_by_label("Group the counts").select_option("hour")
    page.get_by_label("From", exact=True).fill((london_today() - timedelta(days=1)).isoformat())
    page.get_by_role("button", name="Show footfall").click()
    expect(
        page.get_by_role("table", name=re.compile("^Figures for: People counted"))
    ).to_contain_text(":00")
    assert_accessible(page)


@pytest.mark.usefixtures("eight_weeks")
def test_the_council_sees_every_hub(page: Page) -> None:
    sign_in(page, "admin@example.org")
    page.goto("/manage/insights")
    expect(page.get_by_role("heading", level=1)).to_have_text("All hubs side by side")
    for hub in ("South Norwood", "Thornton Heath", "Purley"):
        expect(page.get_by_role("link", name=hub)).to_be_visible()
    assert_accessible(page)


@pytest.mark.usefixtures("eight_weeks")
def test_without_javascript_the_forms_work_and_explain_bad_input(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page)
    page.goto(DASHBOARD)
    page.get_by_label("Group the counts").select_option("15m")
    page.get_by_label("From", exact=True).fill("2026-01-01")
    page.get_by_label("To", exact=True).fill("2026-02-01")
    page.get_by_role("button", name="Show footfall").click()
    expect(page).to_have_title(re.compile("^Error: Dashboard: South Norwood"))
    summary = page.get_by_role("alert")
    expect(summary.get_by_role("link")).to_have_text(
        "Choose 3 days or fewer, or a coarser grouping"
    )
    expect(page.get_by_label("Group the counts")).to_have_value("15m")
    expect(page.get_by_label("From", exact=True)).to_have_value("2026-01-01")

    page.get_by_label("Group the counts").select_option("week")
    page.get_by_role("button", name="Show footfall").click()
    expect(page).to_have_title("Dashboard: South Norwood – Town Hub")
    expect(
        page.get_by_role("table", name=re.compile("^Figures for: People counted"))
    ).to_contain_text("Week of")


@pytest.mark.usefixtures("eight_weeks")
def test_the_demo_owner_sees_that_the_lunchtime_offer_worked(page: Page) -> None:
    db.session.remove()
    kitchen = db.session.scalar(select(Business.id).where(Business.slug == OFFER_BUSINESS))
    sign_in(page, "owner@example.org")
    page.goto(f"/manage/businesses/{kitchen}/insights")
    effect = page.get_by_role("region", name="Free kelewele with any lunch box", exact=True)
    busier = re.compile(r"(\d+)% busier than the 4 weeks before")
    expect(effect).to_contain_text(busier)
    near = int(busier.search(effect.inner_text()).group(1))  # type: ignore[union-attr]
    elsewhere = re.search(r"away from your shop, the same days were (\d+)%", effect.inner_text())
    assert elsewhere and near >= 8 > int(elsewhere.group(1))
    assert_accessible(page)
