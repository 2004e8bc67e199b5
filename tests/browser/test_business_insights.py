"""A shop owner's insights page in real Chromium: reached from the business's page, a
period chosen with the form, a bad period told in an error summary, with JavaScript on
and off; axe-core finds nothing on any of them. The demo's figures change as the demo
grows, so only the page's working and its accessibility are checked here."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from playwright.sync_api import BrowserContext, Page, Route, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, sign_in
from townhub.accounts.models import User
from townhub.common.days import london_today
from townhub.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]


def _owned_business() -> tuple[int, str]:
    owner = db.session.scalar(select(User).where(User.email == "owner@example.org"))
    assert owner is not None and owner.businesses
    business = owner.businesses[0]
    return business.id, business.name


def _check_page(page: Page, name: str) -> None:
    expect(page.get_by_role("heading", level=1)).to_have_text(f"How {name} is doing")
    for heading in ("At a glance", "Footfall near your shop", "Did my offer work?"):
        expect(page.get_by_role("heading", level=2, name=heading)).to_be_visible()
    # Every chart is also a table with the same figures.
    charts = page.locator("figure.chart")
    assert charts.count() >= 2
    assert page.locator("figure.chart table").count() == charts.count()
    expect(
        page.get_by_role("img", name="Views of your business’s page, day by day")
    ).to_be_visible()


def _ask_for_a_period_back_to_front(page: Page) -> None:
    today = london_today()
    page.get_by_label("From").fill(today.isoformat())
    page.get_by_label("To").fill(today.replace(day=1).replace(year=today.year - 1).isoformat())
    page.get_by_role("button", name="Show these days").click()
    summary = page.locator(".error-summary")
    expect(summary).to_contain_text("The last day must be the same as or after the first day")
    assert page.title().startswith("Error: How ")


def test_the_owner_sees_how_the_business_is_doing(page: Page) -> None:
    business_id, name = _owned_business()
    sign_in(page, "owner@example.org")
    page.goto(f"/manage/businesses/{business_id}")
    page.get_by_role("link", name="How your business is doing").click()
    _check_page(page, name)
    assert_accessible(page)

    page.get_by_label("From").fill((london_today().replace(day=1)).isoformat())
    page.get_by_label("To").fill(london_today().isoformat())
    page.get_by_role("button", name="Show these days").click()
    _check_page(page, name)
    assert "from=" in page.url

    _ask_for_a_period_back_to_front(page)
    assert_accessible(page)


def test_the_page_works_without_javascript(new_context: Callable[..., BrowserContext]) -> None:
    business_id, name = _owned_business()
    plain = new_context(java_script_enabled=False).new_page()
    sign_in(plain, "owner@example.org")
    plain.goto(f"/manage/businesses/{business_id}/insights")
    _check_page(plain, name)
    _ask_for_a_period_back_to_front(plain)

    # axe-core needs JavaScript; run it on the page as it is without the page's own
    # scripts (they are refused), which is what a browser with JavaScript off shows.
    context = new_context()

    def refuse(route: Route) -> None:
        route.abort()

    context.route("**/*.js", refuse)
    page = context.new_page()
    sign_in(page, "owner@example.org")
    for query in ("", "?from=2000-01-01&to=2030-01-01"):
        page.goto(f"/manage/businesses/{business_id}/insights{query}")
        _check_page(page, name)
        assert_accessible(page)
