"""The resident's journeys in a real browser, with JavaScript on and off: the hub page,
the service worker and offline reading, keyboard use, and axe-core on every page."""

from __future__ import annotations

import os
import re
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urljoin, urlsplit

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PageProblems, assert_accessible, wait_for_service_worker
from townhub.hubs import service

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

HUB = "/south-norwood/"


def _expected_home() -> dict[str, list[str]]:
    """The card headings the server should render for South Norwood right now."""
    home = service.hub_home(service.get_hub("south-norwood"))
    return {
        "offers": [offer.title for offer in home.offers],
        "events": [event.title for event in home.events],
        "travel": [roadwork.street for roadwork in home.roadworks],
    }


def _rendered_home(page: Page) -> dict[str, list[str]]:
    return {
        section: page.locator(
            f"section[aria-labelledby='{section}-title'] .card h3"
        ).all_inner_texts()
        for section in ("offers", "events", "travel")
    }


def test_hub_page_with_javascript(
    page: Page, page_problems: PageProblems, live_server: str
) -> None:
    page.goto(HUB)

    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    expected = _expected_home()
    assert all(expected.values()), f"the demo data should fill every section: {expected}"
    assert _rendered_home(page) == expected
    assert "Free pastry with any coffee before 9am" in expected["offers"]

    scope = wait_for_service_worker(page)
    assert scope == f"{live_server}/"
    assert page.evaluate("navigator.serviceWorker.controller.state") == "activated"

    manifest_href = page.locator("link[rel=manifest]").get_attribute("href")
    assert manifest_href
    response = page.request.get(urljoin(page.url, manifest_href))
    assert response.ok
    manifest = response.json()
    assert manifest["name"] == "South Norwood Town Hub"
    assert manifest["start_url"].startswith(HUB)
    assert {"192x192", "512x512"} <= {icon["sizes"] for icon in manifest["icons"]}
    for icon in manifest["icons"]:
        assert page.request.get(urljoin(page.url, icon["src"])).ok, icon["src"]

    assert_accessible(page)
    page_problems.assert_none()


def test_hub_page_without_javascript_shows_the_same_content(
    new_context: Callable[..., BrowserContext], live_server: str
) -> None:
    context = new_context(java_script_enabled=False)
    page = context.new_page()
    requested: list[str] = []
    page.on("request", lambda request: requested.append(request.url))

    response = page.goto(HUB)

    assert response is not None and response.ok
    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    expected = _expected_home()
    assert all(expected.values())
    assert _rendered_home(page) == expected
    assert page.locator(".card--roadwork", has_text="Diversion").count() == len(expected["travel"])
    foreign = [url for url in requested if urlsplit(url).hostname != "localhost"]
    assert not foreign, f"requests to other hosts: {foreign}"
    # axe needs script timers, which a JavaScript-off page does not run; the hub page's
    # markup is the same either way and test_hub_page_with_javascript checks it.


def test_skip_link_is_the_first_stop_and_moves_focus_to_main(page: Page) -> None:
    page.goto(HUB)

    page.keyboard.press("Tab")
    skip_link = page.get_by_role("link", name="Skip to main content")
    expect(skip_link).to_be_focused()
    expect(skip_link).to_be_in_viewport()

    page.keyboard.press("Enter")
    expect(page.locator("#main")).to_be_focused()


@pytest.mark.parametrize(
    ("path", "heading"),
    [
        ("/", "Choose your high street"),
        ("/south-norwood/footfall", "How busy is South Norwood?"),
        ("/alerts", "Alerts"),
        ("/manage/sign-in", "Sign in"),
        ("/offline", "You are offline"),
    ],
)
def test_page_is_accessible(
    page: Page, page_problems: PageProblems, path: str, heading: str
) -> None:
    page.goto(path)

    expect(page.get_by_role("heading", level=1)).to_have_text(heading)
    assert_accessible(page)
    page_problems.assert_none()


def test_visited_hub_page_can_be_read_offline(page: Page, context: BrowserContext) -> None:
    page.goto(HUB)
    wait_for_service_worker(page)
    page.reload()  # now through the service worker, which keeps a copy
    offers = page.locator("section[aria-labelledby='offers-title'] .card h3").all_inner_texts()
    assert offers

    context.set_offline(True)
    page.reload()

    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    assert (
        page.locator("section[aria-labelledby='offers-title'] .card h3").all_inner_texts() == offers
    )
    page.goto("/purley/footfall")
    expect(page.get_by_role("heading", level=1)).to_have_text("You are offline")


def test_first_page_opened_can_be_read_offline(page: Page, context: BrowserContext) -> None:
    page.goto(HUB)
    wait_for_service_worker(page)

    context.set_offline(True)
    page.reload()

    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood", timeout=2000)


def test_sign_in_without_javascript_shows_the_error_summary(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/manage/sign-in")

    page.get_by_role("button", name="Sign in").click()

    expect(page).to_have_title(re.compile(r"^Error: Sign in"))
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("heading", level=2)).to_have_text("There is a problem")
    links = summary.get_by_role("link")
    expect(links).to_have_text(["Enter your email address", "Enter your password"])
    assert [links.nth(i).get_attribute("href") for i in range(links.count())] == [
        "#email",
        "#password",
    ]
    expect(page.get_by_label("Email address")).to_have_attribute("aria-invalid", "true")
    links.first.click()
    expect(page.get_by_label("Email address")).to_be_focused()


@pytest.mark.parametrize(("width", "height"), [(390, 844), (1280, 800)])
def test_hub_page_fits_the_screen(
    new_context: Callable[..., BrowserContext], width: int, height: int
) -> None:
    """No sideways scrolling on a phone or a laptop. Set TOWNHUB_SCREENSHOTS to a folder
    to keep a full-page screenshot of each for a look by eye."""
    page = new_context(viewport={"width": width, "height": height}).new_page()
    page.goto(HUB)

    assert page.evaluate("document.documentElement.scrollWidth") <= width
    # The last card keeps clear of the footer's rule.
    gap = page.evaluate(
        """document.querySelector("footer").getBoundingClientRect().top
        - [...document.querySelectorAll("main .card")].at(-1).getBoundingClientRect().bottom"""
    )
    assert gap >= 24
    if folder := os.environ.get("TOWNHUB_SCREENSHOTS"):
        Path(folder).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=Path(folder) / f"south-norwood-{width}x{height}.png", full_page=True)
