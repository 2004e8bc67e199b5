"""Fingerprinted static files in a real browser: the service worker precaches this
release's names, and a page kept from an earlier release keeps its styles and scripts
offline."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import BrowserContext, Page, expect

from tests.browser.conftest import PageProblems, wait_for_service_worker

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

HUB = "/south-norwood/"
FINGERPRINTED = re.compile(r"^/static/.+\.[0-9a-f]{12}\.[a-z0-9]+$")

# Keep a copy of the hub page as an earlier release saw it: every file under another hash.
_KEEP_EARLIER_RELEASES_PAGE = """async (hub) => {
  const html = await (await fetch(hub)).text();
  const earlier = html.replace(/\\.[0-9a-f]{12}\\.(css|js|png)"/g, '.0123456789ab.$1"');
  const cache = await caches.open("townhub-pages");
  await cache.put(hub, new Response(earlier, { headers: { "Content-Type": "text/html" } }));
  return earlier.includes(".0123456789ab.css");
}"""


def test_the_service_worker_precaches_this_releases_names(
    page: Page, page_problems: PageProblems
) -> None:
    page.goto(HUB)
    wait_for_service_worker(page)

    precached: list[str] = page.evaluate(
        "caches.keys().then((keys) => caches.open(keys.find((k) => k.startsWith("
        "'townhub-static-')))).then((cache) => cache.keys())"
        ".then((requests) => requests.map((r) => new URL(r.url).pathname))"
    )
    styles: str = page.evaluate("new URL(document.styleSheets[0].href).pathname")

    static = [path for path in precached if path.startswith("/static/")]
    assert "/offline" in precached and len(static) >= 4
    assert all(FINGERPRINTED.match(path) for path in static), static
    assert FINGERPRINTED.match(styles) and styles in static
    page_problems.assert_none()


def test_a_page_kept_from_an_earlier_release_keeps_its_styles_offline(
    page: Page, context: BrowserContext
) -> None:
    page.goto(HUB)
    wait_for_service_worker(page)
    assert page.evaluate(_KEEP_EARLIER_RELEASES_PAGE, HUB)

    context.set_offline(True)
    page.reload()

    expect(page.get_by_role("heading", level=1)).to_have_text("South Norwood")
    assert ".0123456789ab.css" in page.evaluate("document.styleSheets[0].href")
    # townhub.css hides the announcer; htmx is the earlier release's script tag.
    assert page.evaluate("getComputedStyle(document.getElementById('announcer')).position") == (
        "absolute"
    )
    assert page.evaluate("typeof window.htmx") == "object"
    context.set_offline(False)
