"""The resident's hub page in real headless Chromium, with JavaScript on and off."""

from __future__ import annotations

from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser, Page, expect

from tests.browser.conftest import assert_accessible, watch_for_problems

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]


def test_hub_page_with_javascript_registers_the_service_worker_and_is_accessible(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context()
    problems = watch_for_problems(context)
    page = context.new_page()

    page.goto(f"{live_server}/south-norwood/")

    expect(page.locator("h1")).to_have_text("South Norwood")
    expect(page.locator("#offers-title + ul li").first).to_be_visible()
    expect(page.locator("#events-title + ul li").first).to_be_visible()
    expect(page.locator("#travel-title + ul li").first).to_contain_text("Diversion:")
    scope = page.evaluate("navigator.serviceWorker.ready.then(r => r.scope)")
    assert scope == f"{live_server}/"
    assert page.evaluate("typeof htmx") == "object"  # the vendored copy loaded
    manifest_url = page.locator("link[rel=manifest]").get_attribute("href")
    manifest = page.request.get(f"{live_server}{manifest_url}").json()
    assert manifest["name"] == "South Norwood Town Hub" and manifest["icons"]
    assert_accessible(page)
    problems.assert_none()
    context.close()


def test_hub_page_without_javascript_shows_the_same_facts_from_the_server(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    hosts: set[str] = set()
    page.on("request", lambda request: hosts.add(urlsplit(request.url).hostname or ""))

    page.goto(f"{live_server}/south-norwood/")

    expect(page.locator("h1")).to_have_text("South Norwood")
    assert page.locator("#offers-title + ul li").count() >= 1
    assert page.locator("#events-title + ul li").count() >= 1
    expect(page.locator("#travel-title + ul li").first).to_contain_text("Diversion:")
    assert hosts == {"localhost"}
    context.close()


@pytest.mark.parametrize(
    "path", ["/", "/south-norwood/footfall", "/alerts", "/manage/sign-in", "/offline"]
)
def test_other_pages_have_no_accessibility_violations(
    page: Page, live_server: str, path: str
) -> None:
    page.goto(f"{live_server}{path}")

    assert_accessible(page)


def test_the_first_tab_reaches_the_skip_link_and_it_moves_focus_to_the_content(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/south-norwood/")

    page.keyboard.press("Tab")
    expect(page.locator(":focus")).to_have_text("Skip to main content")
    page.keyboard.press("Enter")
    expect(page.locator(":focus")).to_have_attribute("id", "main")


def test_seen_pages_stay_readable_offline_and_others_get_the_offline_page(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context()
    page = context.new_page()
    page.goto(f"{live_server}/south-norwood/")
    page.evaluate("navigator.serviceWorker.ready")
    page.reload()  # now controlled by the service worker, which keeps a copy

    context.set_offline(True)
    page.goto(f"{live_server}/south-norwood/")
    expect(page.locator("h1")).to_have_text("South Norwood")
    page.goto(f"{live_server}/purley/footfall")
    expect(page.locator("h1")).to_have_text("You are offline")
    context.close()


def test_sign_in_without_javascript_shows_the_error_summary(
    browser: Browser, live_server: str
) -> None:
    context = browser.new_context(java_script_enabled=False)
    page = context.new_page()
    page.goto(f"{live_server}/manage/sign-in")

    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title("Error: Sign in – Town Hub")
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("link", name="Enter your email address")).to_have_attribute(
        "href", "#email"
    )
    context.close()


def test_htmx_refresh_swaps_only_the_readings_and_keeps_the_page(
    page: Page, live_server: str
) -> None:
    page.goto(f"{live_server}/south-norwood/footfall")
    page.evaluate("document.body.dataset.marker = 'still here'")

    page.get_by_role("link", name="Refresh the figures").click()

    expect(page.locator("#footfall-readings")).to_be_visible()
    assert page.evaluate("document.body.dataset.marker") == "still here"  # no full reload
    assert page.locator("#footfall-readings").count() == 1
