"""A new resident's journey in real headless Chromium, as issue 3 describes it: scan a
poster, browse, open an offer, add an event to a calendar, read travel news, switch to
Urdu, go offline and reload a seen page. Then the same with JavaScript off, and with the
keyboard alone; axe-core on every page visited."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from urllib.parse import urlsplit

import pytest
from icalendar import Calendar
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PageProblems, assert_accessible, wait_for_service_worker
from tests.factories import make_subscription
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.engagement import service as engagement
from townhub.extensions import db
from townhub.hubs import service as hubs

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

POSTER = "/south-norwood/?ref=platform-one-coffee"
OFFER = "Free pastry with any coffee before 9am"
EVENT = "Local history evening: the Croydon Canal"


def _tallies() -> dict[tuple[str, str], int]:
    hub = hubs.get_hub("south-norwood")
    today: date = utcnow().astimezone(LONDON).date()
    totals: dict[tuple[str, str], int] = {}
    for tally in engagement.tallies(hub, today):
        key = (tally.kind, tally.ref)
        totals[key] = totals.get(key, 0) + tally.count
    return totals


def _calendar_from_download(page: Page, link_name: str) -> Calendar:
    with page.expect_download() as download:
        page.get_by_role("link", name=link_name).click()
    path = download.value.path()
    with open(path, "rb") as ics:
        return Calendar.from_ical(ics.read())


def test_new_resident_journey_with_javascript(
    page: Page, context: BrowserContext, page_problems: PageProblems
) -> None:
    page.goto(POSTER)
    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    wait_for_service_worker(page)
    assert_accessible(page)

    # Browse: search the businesses; HTMX swaps the results, moves focus, announces.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Businesses").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Businesses")
    assert_accessible(page)
    page.evaluate("document.body.dataset.marker = 'same page'")
    page.get_by_label("Search by name or what they sell").fill("coffee")
    page.get_by_role("button", name="Search").click()
    results_heading = page.locator("#business-results-title")
    expect(results_heading).to_have_text("1 business")
    expect(results_heading).to_be_focused()
    expect(page.locator("#announcer")).to_have_text("1 business")
    assert page.evaluate("document.body.dataset.marker") == "same page"
    assert "q=coffee" in page.url  # the address is shareable and Back works
    page.get_by_role("link", name="Platform One Coffee").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Platform One Coffee")
    expect(page.locator("#business-map path.leaflet-interactive").first).to_be_attached()
    assert_accessible(page)

    # Open the offer, show the code at the till, save it.
    page.get_by_role("link", name=OFFER).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFER)
    assert_accessible(page)
    page.get_by_role("button", name="Show the code").click()
    expect(page.locator("#redemption-code")).to_have_text("SN-PASTRY")
    expect(
        page.get_by_role("img", name="QR code for the till, containing the code SN-PASTRY")
    ).to_be_visible()
    page.get_by_role("button", name="Save this offer").click()
    expect(page.get_by_role("button", name="Remove from saved offers")).to_be_visible()
    offer_url = page.url.split("#")[0]
    assert_accessible(page)

    # Add an event to a calendar.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Events").click()
    assert_accessible(page)
    page.get_by_role("link", name=EVENT).click()
    expect(page.get_by_role("heading", level=1)).to_have_text(EVENT)
    assert_accessible(page)
    calendar = _calendar_from_download(page, "Add to your calendar")
    (event,) = calendar.walk("VEVENT")
    assert str(event["SUMMARY"]) == EVENT
    assert event["DTSTART"].params["TZID"] == "Europe/London"

    # Travel news: the map and the same facts in words.
    page.get_by_role("navigation", name="Main").get_by_role("link", name="Travel").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Travel news")
    expect(page.locator("#travel-list .card--roadwork").first).to_contain_text("Diversion")
    expect(page.locator("#travel-map path.leaflet-interactive").first).to_be_attached()
    assert_accessible(page)

    # Switch to Urdu: right to left, remembered on the next page.
    page.get_by_role("link", name="اردو").click()
    expect(page.locator("html")).to_have_attribute("lang", "ur")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)
    page.goto("/south-norwood/")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")
    assert_accessible(page)

    # Offline: a seen page and the saved offer still open.
    context.set_offline(True)
    page.reload()
    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    page.goto(offer_url)
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFER)
    expect(page.locator("#redemption-code")).to_have_text("SN-PASTRY")
    page.goto("/thornton-heath/travel")  # never seen
    expect(page.locator("h1")).not_to_have_text("Travel news")
    context.set_offline(False)

    page_problems.assert_none()
    tallies = _tallies()
    assert tallies[("visit", "platform-one-coffee")] == 1
    assert tallies[("offer_redeem", "")] == 1
    assert tallies[("offer_save", "")] == 1
    assert tallies[("event_calendar", "")] == 1


def test_the_same_journey_without_javascript(
    new_context: Callable[..., BrowserContext], page: Page
) -> None:
    plain = new_context(java_script_enabled=False).new_page()
    visited: list[str] = []

    def visit(link: str, heading: str) -> None:
        plain.get_by_role("link", name=link).first.click()
        expect(plain.get_by_role("heading", level=1)).to_have_text(heading)
        visited.append(plain.url)

    plain.goto(POSTER)
    visited.append(plain.url)
    visit("Businesses", "Businesses")
    plain.get_by_label("Search by name or what they sell").fill("coffee")
    plain.get_by_role("button", name="Search").click()
    expect(plain.locator("#business-results-title")).to_have_text("1 business")
    visited.append(plain.url)
    visit("Platform One Coffee", "Platform One Coffee")
    # No map without JavaScript, and no empty box: the address says where it is.
    box = plain.locator("#business-map").bounding_box()
    assert box is None or box["height"] == 0
    visit(OFFER, OFFER)
    plain.get_by_role("button", name="Show the code").click()
    expect(plain.locator("#redemption-code")).to_have_text("SN-PASTRY")
    plain.get_by_role("button", name="Save this offer").click()
    expect(plain.get_by_role("button", name="Remove from saved offers")).to_be_visible()
    visit("Saved", "Saved offers")
    expect(plain.get_by_role("link", name=OFFER)).to_be_visible()
    visit("Events", "Events")
    visit(EVENT, EVENT)
    calendar = _calendar_from_download(plain, "Add to your calendar")
    assert str(calendar.walk("VEVENT")[0]["SUMMARY"]) == EVENT
    visit("Travel", "Travel news")
    expect(plain.locator("#travel-list")).to_contain_text("Diversion")
    plain.get_by_role("link", name="Cymraeg").click()
    expect(plain.locator("html")).to_have_attribute("lang", "cy")
    assert urlsplit(plain.url).path == "/south-norwood/travel"
    visited.append(plain.url)

    # axe-core needs scripts, so each page this journey saw is checked again with them on
    # (the markup is the same; only enhancements differ).
    page.context.add_cookies([{"name": "lang", "value": "en", "url": visited[0]}])
    for url in visited:
        page.goto(url)
        assert_accessible(page)


def _tab_to(page: Page, name: str, limit: int = 120) -> None:
    """Press Tab until the focused element's accessible text is `name`."""
    for _ in range(limit):
        page.keyboard.press("Tab")
        focused = page.evaluate(
            "(document.activeElement.getAttribute('aria-label')"
            " || document.activeElement.innerText || '').trim()"
        )
        if focused == name:
            return
    raise AssertionError(f"Tab never reached {name!r}")


def test_the_same_journey_with_the_keyboard_alone(page: Page, page_problems: PageProblems) -> None:
    page.goto(POSTER)

    _tab_to(page, "Offers")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Offers")
    _tab_to(page, OFFER)
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text(OFFER)
    _tab_to(page, "Show the code")
    page.keyboard.press("Enter")
    expect(page.locator("#redemption-code")).to_have_text("SN-PASTRY")

    _tab_to(page, "Travel")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Travel news")
    # Tab goes into the map and out again to the list below it: no keyboard trap.
    _tab_to(page, "Map of roadworks and diversions")
    _tab_to(page, "اردو")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("dir", "rtl")

    _tab_to(page, "English")
    page.keyboard.press("Enter")
    expect(page.locator("html")).to_have_attribute("lang", "en")
    _tab_to(page, "Businesses")
    page.keyboard.press("Enter")
    expect(page.get_by_role("heading", level=1)).to_have_text("Businesses")
    _tab_to(page, "")  # the search box: an input has no inner text
    expect(page.get_by_label("Search by name or what they sell")).to_be_focused()
    page.keyboard.type("barber")
    page.keyboard.press("Enter")
    expect(page.locator("#business-results-title")).to_be_focused()
    expect(page.locator("#business-results-title")).to_have_text("1 business")
    page_problems.assert_none()


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/south-norwood/",
        "/south-norwood/businesses",
        "/south-norwood/businesses/platform-one-coffee",
        "/south-norwood/offers",
        "/south-norwood/events",
        "/south-norwood/travel",
        "/south-norwood/saved",
        "/south-norwood/footfall",
        "/alerts",
    ],
)
def test_resident_pages_reflow_at_320_pixels(
    new_context: Callable[..., BrowserContext], path: str
) -> None:
    page = new_context(viewport={"width": 320, "height": 640}).new_page()
    page.goto(path)

    assert page.evaluate("document.documentElement.scrollWidth") <= 320


def test_nearest_hub_uses_the_position_once_and_never_in_the_address(
    new_context: Callable[..., BrowserContext],
) -> None:
    context = new_context(
        geolocation={"latitude": 51.3378, "longitude": -0.1142}, permissions=["geolocation"]
    )
    page = context.new_page()
    posts: list[tuple[str, str]] = []
    page.on(
        "request",
        lambda r: posts.append((r.url, r.post_data or "")) if r.method == "POST" else None,
    )
    page.goto("/")

    page.get_by_role("button", name="Find my nearest high street").click()

    expect(page.locator("#hub-list-title")).to_have_text("High streets nearest to you")
    expect(page.locator("#hub-list .card a").first).to_have_text("Purley")
    ((url, body),) = posts
    assert urlsplit(url).query == "" and "latitude=51.33780" in body
    # The form's fields are emptied again, so the position is not left in the page.
    assert page.locator("input[name=latitude]").input_value() == ""
    assert_accessible(page)


def test_installing_is_counted_for_the_poster_that_brought_the_resident(page: Page) -> None:
    page.goto(POSTER)
    page.goto("/south-norwood/events")  # the poster is remembered on the phone only

    page.evaluate("window.dispatchEvent(new Event('appinstalled'))")

    for _ in range(50):
        if _tallies().get(("install", "platform-one-coffee")):
            break
        page.wait_for_timeout(100)
    assert _tallies()[("install", "platform-one-coffee")] == 1


@pytest.mark.parametrize(
    ("path", "status", "text"),
    [
        ("/atlantis/", 404, "There is no high street hub at this address."),
        ("/south-norwood/offers/999999", 404, "This hub has no offer at this address."),
        ("/south-norwood/businesses?category=%3Cscript%3E&page=zz", 400, "There is a problem"),
    ],
)
def test_bad_addresses_get_a_helpful_page(page: Page, path: str, status: int, text: str) -> None:
    response = page.goto(path)

    assert response is not None and response.status == status
    expect(page.locator("main")).to_contain_text(text)
    assert_accessible(page)


def test_a_phones_alerts_page_is_accessible_and_works_without_javascript(
    page: Page, new_context: Callable[..., BrowserContext]
) -> None:
    token = make_subscription(hub=hubs.get_hub("south-norwood")).token
    db.session.commit()
    page.goto(f"/alerts/{token}")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your alerts")
    assert_accessible(page)

    plain = new_context(java_script_enabled=False).new_page()
    plain.goto(f"/alerts/{token}")
    plain.get_by_label("Events").check()
    plain.get_by_role("button", name="Save my choices").click()
    expect(plain.locator(".notice")).to_contain_text("Your alert choices are saved.")
    expect(plain.get_by_label("Events")).to_be_checked()
