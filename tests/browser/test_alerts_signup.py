"""Turning alerts on in real headless Chromium: the explanation first, the permission
prompt only after the tap, the form's reveals and map, iPhone instructions, and the
service worker's notification and renewal.

This Chromium cannot reach a real push service, so where a test needs the browser's
subscription it hands the page one made by the local push-service stand-in; everything
after that (the form post, the stored choices, the encrypted push) is real.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import false, select

from tests.browser.conftest import (
    PageProblems,
    assert_accessible,
    poll_until,
    wait_for_service_worker,
)
from tests.factories import make_offer
from tests.support.push_service import PushServiceStandIn, SubscriberKeys
from townhub.alerts import fanout
from townhub.alerts.models import PushSubscription
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.extensions import db
from townhub.hubs.models import Place
from townhub.jobs.service import enqueue, run_next_job

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    with PushServiceStandIn() as service:
        yield service


def _give_the_page(context: BrowserContext, subscription: dict[str, Any]) -> None:
    """Stand in for the browser's push service: PushManager hands out this subscription."""
    context.add_init_script(
        f"""
        (() => {{
          const made = {json.dumps(subscription)};
          const handed = {{ endpoint: made.endpoint, toJSON: () => made }};
          PushManager.prototype.getSubscription = () => Promise.resolve(null);
          PushManager.prototype.subscribe = () => Promise.resolve(handed);
        }})();
        """
    )


def _rows() -> list[PushSubscription]:
    db.session.remove()
    return list(db.session.scalars(select(PushSubscription)))


def test_the_form_reveals_what_each_choice_needs_and_places_a_point(
    page: Page, page_problems: PageProblems
) -> None:
    page.goto("/alerts?hub=south-norwood")

    expect(page.get_by_text("This browser cannot receive alerts")).to_be_hidden()
    expect(page.get_by_label("South Norwood")).to_be_checked()
    expect(page.get_by_label("Street or place", exact=True)).to_be_hidden()
    expect(page.get_by_label("How far from it?")).to_be_hidden()
    assert_accessible(page)

    page.get_by_label("Near a street or place").check()
    expect(page.get_by_label("Street or place", exact=True)).to_be_visible()
    expect(page.get_by_label("How far from it?")).to_be_visible()
    expect(page.get_by_label("South Norwood")).to_be_hidden()

    page.get_by_label("Near a point I choose on the map").check()
    map_region = page.get_by_role("region", name="Map for choosing the middle of your alert area")
    expect(map_region).to_be_visible()
    box = map_region.bounding_box()
    assert box is not None
    map_region.click(position={"x": box["width"] / 2 + 40, "y": box["height"] / 2 - 30})
    expect(page.get_by_text("Point placed.")).to_be_visible()
    lon = float(page.locator("#point-lon").input_value())
    lat = float(page.locator("#point-lat").input_value())
    assert -0.13 < lon < -0.05 and 51.32 < lat < 51.42
    # Keyboard users move the map with the arrow keys, then use the button.
    use_middle = page.get_by_role("button", name="Use the middle of the map")
    use_middle.click()
    middle = float(page.locator("#point-lon").input_value())
    assert middle != lon
    map_region.focus()
    for _ in range(3):
        page.keyboard.press("ArrowRight")
    use_middle.click()
    assert float(page.locator("#point-lon").input_value()) > middle
    assert_accessible(page)
    page_problems.assert_none()


def test_turning_alerts_on_near_a_station_then_receiving_one(
    new_context: Callable[..., BrowserContext], push_service: PushServiceStandIn
) -> None:
    browser_subscription = push_service.subscription(SubscriberKeys.generate())
    context = new_context(permissions=["notifications"])
    _give_the_page(context, browser_subscription)
    page = context.new_page()
    page.goto("/alerts")

    page.get_by_label("Near a street or place").check()
    page.get_by_label("Street or place", exact=True).select_option(
        label="Norwood Junction station, South Norwood"
    )
    page.get_by_label("How far from it?").select_option("500")
    page.get_by_label("Offers from shops").check()
    page.get_by_label("No alerts at night").check()
    page.get_by_role("button", name="Turn on alerts").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Your alerts")
    expect(page.locator(".notice")).to_contain_text("Alerts are on for this phone")
    (row,) = _rows()
    station = db.session.scalars(select(Place).where(Place.name.startswith("Norwood Junction")))
    assert row.hub.slug == "south-norwood" and row.area_radius_m == 500
    assert geo.lon_lat(row.area_centre) == geo.coarsen(*geo.lon_lat(station.one().position))
    assert row.topics == ["offers"] and row.quiet_from is not None
    # /alerts now shows this phone's choices.
    page.goto("/alerts")
    expect(page.get_by_role("heading", level=1)).to_have_text("Your alerts")

    shop = db.session.scalars(select(Business).where(Business.name.startswith("Platform"))).one()
    offer = make_offer(business=shop, title="Half-price flat white", radius_m=300)
    db.session.commit()
    enqueue("push_item", {"kind": "offer", "id": offer.id})
    db.session.commit()
    with pytest.MonkeyPatch.context() as patch:
        # Outside the resident's quiet hours, whatever the machine's clock says.
        patch.setattr(fanout, "in_quiet_hours", lambda sub, now: false())
        while run_next_job():
            pass
    (push,) = push_service.inbox(browser_subscription["endpoint"].rsplit("/", 1)[1])
    assert push.json()["title"].endswith("Half-price flat white")


def test_a_refused_permission_explains_and_stores_nothing(
    new_context: Callable[..., BrowserContext], push_service: PushServiceStandIn
) -> None:
    context = new_context()
    _give_the_page(context, push_service.subscription(SubscriberKeys.generate()))
    page = context.new_page()
    page.goto("/alerts?hub=purley")
    page.get_by_label("Events").check()

    page.get_by_role("button", name="Turn on alerts").click()

    expect(page.get_by_text("Notifications are blocked for this site.")).to_be_visible()
    assert page.url.endswith("/alerts?hub=purley") and _rows() == []


def test_an_iphone_not_on_the_home_screen_gets_instructions(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(user_agent=IPHONE, viewport={"width": 390, "height": 844}).new_page()
    page.goto("/alerts")

    expect(
        page.get_by_role("heading", name="add Townhub to your Home Screen first")
    ).to_be_visible()
    expect(page.get_by_role("button", name="Turn on alerts")).to_be_hidden()


def test_without_javascript_the_page_says_alerts_need_it(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    page.goto("/alerts")

    expect(page.get_by_text("This browser cannot receive alerts")).to_be_visible()
    expect(page.get_by_role("button", name="Turn on alerts")).to_be_hidden()


def test_the_service_worker_shows_every_push_and_renews_a_replaced_subscription(
    new_context: Callable[..., BrowserContext], push_service: PushServiceStandIn
) -> None:
    first = push_service.subscription(SubscriberKeys.generate())
    context = new_context(permissions=["notifications"])
    _give_the_page(context, first)
    page = context.new_page()
    page.goto("/alerts?hub=thornton-heath")
    wait_for_service_worker(page)
    page.get_by_label("Roadworks and diversions").check()
    page.get_by_role("button", name="Turn on alerts").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your alerts")
    (row,) = _rows()

    # A push arrives (delivered by Chromium's DevTools protocol): a notification is shown,
    # with the button to change or stop alerts.
    message = {
        "title": "Roadworks: Brigstock Road",
        "body": "Lane closed.",
        "url": "/thornton-heath/travel",
        "tag": "roadwork-1",
        "manage": f"/alerts/{row.token}",
        "manage_label": "Change or stop alerts",
    }
    origin = page.url.split("/alerts")[0]
    cdp = context.new_cdp_session(page)
    live: dict[str, bool] = {}  # registration id -> still registered, for this origin

    def on_registrations(event: dict[str, Any]) -> None:
        for registration in event["registrations"]:
            if registration["scopeURL"].startswith(origin):
                live[registration["registrationId"]] = not registration["isDeleted"]

    cdp.on("ServiceWorker.workerRegistrationUpdated", on_registrations)
    cdp.send("ServiceWorker.enable")
    for _ in range(100):
        if any(live.values()):
            break
        page.wait_for_timeout(50)
    shown = (
        "navigator.serviceWorker.ready.then(r => r.getNotifications())"
        ".then(n => n.length === 1 && n[0].title === 'Roadworks: Brigstock Road'"
        " && n[0].actions.length === 1 && n[0].data.manage.startsWith('/alerts/'))"
    )
    # DevTools' push delivery is occasionally dropped while the worker is starting (about 1
    # run in 20 here): deliver again, which the notification's tag makes a replacement.
    for _ in range(4):
        for registration_id, registered in live.items():
            if registered:
                cdp.send(
                    "ServiceWorker.deliverPushMessage",
                    {
                        "origin": origin,
                        "registrationId": registration_id,
                        "data": json.dumps(message),
                    },
                )
        try:
            poll_until(page, shown, attempts=40)
            break
        except AssertionError:
            continue
    poll_until(page, shown)

    # The push service replaced the subscription: the worker tells the server.
    second = push_service.subscription(SubscriberKeys.generate())
    worker = context.service_workers[0]
    status = worker.evaluate(
        "(made) => self.renewSubscription(null, { toJSON: () => made }).then(r => r.status)",
        second,
    )
    assert status == 204
    (renewed,) = _rows()
    assert renewed.id == row.id and renewed.endpoint == second["endpoint"]
    assert renewed.topics == ["travel"]
