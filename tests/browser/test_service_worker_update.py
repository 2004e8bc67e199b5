"""A new release replaces the service worker cleanly: the new one takes over open pages,
the old release's static cache is deleted, and seen pages and saved offers are kept."""

from __future__ import annotations

import pytest
from flask import Flask
from playwright.sync_api import Page

from tests.browser.conftest import poll_until, wait_for_service_worker
from townhub.pwa import views

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]


def _static_caches(page: Page) -> list[str]:
    keys: list[str] = page.evaluate("caches.keys()")
    return sorted(key for key in keys if key.startswith("townhub-static-"))


def test_a_new_release_takes_over_and_drops_the_old_static_cache(
    page: Page, monkeypatch: pytest.MonkeyPatch, app: Flask
) -> None:
    page.goto("/south-norwood/")
    wait_for_service_worker(page)
    (old_cache,) = _static_caches(page)
    old_script = page.evaluate("navigator.serviceWorker.controller.scriptURL")

    # Deploy: the same worker with another version, as a change to any static file makes.
    source = views._service_worker(app.static_folder or "static")
    monkeypatch.setattr(
        views, "_service_worker", lambda folder: source.replace(old_cache[15:], "nextrelease1")
    )
    # Not awaited here: evaluate() would wait for the promise it returned.
    page.evaluate(
        "() => { window.__replaced = new Promise((resolve) => navigator.serviceWorker"
        ".addEventListener('controllerchange', () => resolve(true))); }"
    )
    page.evaluate("navigator.serviceWorker.getRegistration().then((r) => r.update())")
    replaced = "Promise.race([window.__replaced, new Promise((r) => setTimeout(r, 10000))])"
    assert page.evaluate(replaced) is True, "the new worker never took over the page"

    poll_until(page, "caches.keys().then((keys) => keys.includes('townhub-static-nextrelease1'))")
    poll_until(page, f"caches.keys().then((keys) => !keys.includes('{old_cache}'))")
    assert _static_caches(page) == ["townhub-static-nextrelease1"]
    assert page.evaluate("navigator.serviceWorker.controller.scriptURL") == old_script
    assert page.evaluate("caches.has('townhub-pages')")
