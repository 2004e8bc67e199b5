"""Posting roadworks in real headless Chromium, as the high street team does on a phone:
drawing the works by tapping the map and by keyboard, the diversion too, then seeing them
on the travel page; the same form with JavaScript off, typing the points; axe-core on the
form, its errors and its preview."""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, sign_in, watch_for_problems
from townhub.common import geo
from townhub.common.days import london_today
from townhub.extensions import db
from townhub.roadworks.models import Roadwork

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

NEW = "/manage/hubs/south-norwood/roadworks/new"
PHONE = {"width": 390, "height": 844}
WORKS_LABEL = "Points along the works, one per line, as latitude, longitude"
DIVERSION_LABEL = (
    "Points along the diversion, one per line, as latitude, longitude (if there is one)"
)


def _about_the_works(page: Page, street: str) -> None:
    today = london_today()
    page.get_by_label("Street", exact=True).fill(street)
    page.get_by_label("What is happening").fill("Thames Water is replacing a water main.")
    page.get_by_label("First day of the works").fill(today.isoformat())
    page.get_by_label("Last day of the works").fill((today + timedelta(days=4)).isoformat())
    page.get_by_label("Road closed").check()


def _lines(page: Page, label: str) -> list[str]:
    return [line for line in page.get_by_label(label).input_value().splitlines() if line]


def _stored(street: str) -> Roadwork:
    db.session.remove()
    return db.session.scalars(select(Roadwork).where(Roadwork.street == street)).one()


def _announced(page: Page) -> str:
    return page.locator("#announcer").inner_text()


def test_a_manager_draws_the_works_on_a_phone_by_tapping_and_by_keyboard(
    new_context: Callable[..., BrowserContext],
) -> None:
    context = new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    problems = watch_for_problems(context)
    page = context.new_page()
    sign_in(page)
    page.goto(NEW)
    expect(page.get_by_role("heading", level=1)).to_have_text("Post roadworks for South Norwood")
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert_accessible(page)

    _about_the_works(page, "Station Road")
    map_region = page.get_by_role("region", name="Map for drawing the works and the diversion")
    map_region.scroll_into_view_if_needed()
    expect(map_region).to_be_visible()
    box = map_region.bounding_box()
    assert box is not None and box["width"] <= PHONE["width"]
    # Tapping: three points along the works, then one taken away again.
    for dx, dy in ((-60, 20), (0, 0), (60, -20)):
        map_region.tap(position={"x": box["width"] / 2 + dx, "y": box["height"] / 2 + dy})
    assert len(_lines(page, WORKS_LABEL)) == 3
    expect(page.locator("#announcer")).to_have_text("Point 3 added to the works.")
    page.get_by_role("button", name="Undo last point").tap()
    assert len(_lines(page, WORKS_LABEL)) == 2
    expect(page.locator("[data-draw-counts]")).to_have_text(
        "Points along the works: 2. Points along the diversion: 0."
    )
    # A mistaken "Clear" can be undone.
    drawn = _lines(page, WORKS_LABEL)
    page.get_by_role("button", name="Clear").tap()
    assert _lines(page, WORKS_LABEL) == []
    expect(page.locator("#announcer")).to_contain_text("All the points of the works are cleared.")
    page.get_by_role("button", name="Undo last point").tap()
    assert _lines(page, WORKS_LABEL) == drawn

    # Keyboard: choose the diversion, move the map with the arrow keys, add its middle.
    page.get_by_label("The diversion", exact=True).focus()
    page.keyboard.press("Space")
    middle = page.get_by_role("button", name="Add the middle of the map")
    middle.focus()
    page.keyboard.press("Enter")
    map_region.focus()
    for _ in range(3):
        page.keyboard.press("ArrowDown")
    page.wait_for_timeout(400)  # the pan animation
    middle.focus()
    page.keyboard.press("Enter")
    diversion = _lines(page, DIVERSION_LABEL)
    assert len(diversion) == 2 and diversion[0] != diversion[1]
    assert float(diversion[1].split(",")[0]) < float(diversion[0].split(",")[0])  # south
    expect(page.locator("#announcer")).to_have_text("Point 2 added to the diversion.")
    assert len(_lines(page, WORKS_LABEL)) == 2
    page.get_by_label("The diversion in words").fill("Follow the signs via Portland Road.")

    # The box is the source of truth: typing in it redraws the map.
    works_box = page.get_by_label(WORKS_LABEL)
    drawn = works_box.input_value()
    counts = page.locator("[data-draw-counts]")
    works_box.fill(drawn + "\n51.3985, -0.0745")
    expect(counts).to_contain_text("Points along the works: 3.")
    works_box.fill(drawn)
    expect(counts).to_contain_text("Points along the works: 2.")

    page.get_by_role("button", name="Post the roadworks").tap()

    expect(page.get_by_role("heading", level=1)).to_have_text("Roadworks in South Norwood")
    expect(page.get_by_text("The roadworks on Station Road are posted")).to_be_visible()
    roadwork = _stored("Station Road")
    assert geo.shape_type(roadwork.geometry) == "LineString"
    assert len(geo.coordinates(roadwork.geometry)) == 2
    assert roadwork.diversion is not None and len(geo.coordinates(roadwork.diversion)) == 2
    page.get_by_role("link", name="See the travel page as residents do").tap()
    card = page.locator(f"#roadwork-{roadwork.id}")
    expect(card).to_contain_text("Station Road")
    expect(card).to_contain_text("Follow the signs via Portland Road.")

    # The works finished early: the manager ends them from the change page.
    page.goto("/manage/hubs/south-norwood/roadworks")
    page.get_by_role(
        "link", name=re.compile(r"^Change or end these roadworks\W+Station Road")
    ).tap()
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Change the roadworks on Station Road"
    )
    expect(page.get_by_label("Street", exact=True)).to_have_value("Station Road")
    expect(page.locator("[data-draw-counts]")).to_have_text(
        "Points along the works: 2. Points along the diversion: 2."
    )
    assert_accessible(page)
    page.get_by_role("button", name="The works have finished").tap()
    expect(page.get_by_text("The roadworks on Station Road have ended.")).to_be_visible()
    page.goto("/south-norwood/travel")
    expect(page.locator(f"#roadwork-{roadwork.id}")).to_have_count(0)
    problems.assert_none()


def test_errors_and_the_preview_are_accessible_and_keep_what_was_typed(
    new_context: Callable[..., BrowserContext],
) -> None:
    context = new_context(viewport=PHONE)
    problems = watch_for_problems(context)
    page = context.new_page()
    sign_in(page)
    page.goto(NEW)
    # "What else happens to traffic?" is asked only after "Something else".
    other = page.get_by_label("What else happens to traffic?")
    expect(other).to_be_hidden()
    page.get_by_label("Something else").check()
    expect(other).to_be_visible()
    _about_the_works(page, "Selhurst Road")
    expect(other).to_be_hidden()
    page.get_by_label(WORKS_LABEL).fill("51.3975, -0.0752\n53.4808, -2.2426")
    page.get_by_label(DIVERSION_LABEL).fill("51.3975, -0.0752\n51.3990, -0.0770")

    page.get_by_role("button", name="Post the roadworks").click()

    expect(page).to_have_title("Error: Post roadworks for South Norwood – Town Hub")
    summary = page.locator(".error-summary")
    expect(summary.get_by_role("link")).to_have_text(
        [
            "Line 2 of the points along the works (53.4808, -2.2426) is more than 500 metres"
            " from South Norwood. Check the numbers, or draw the works on the map.",
            "Say where the diversion goes, like: Follow the signs via Station Road",
        ]
    )
    expect(page.get_by_label("Street", exact=True)).to_have_value("Selhurst Road")
    assert_accessible(page)
    summary.get_by_role("link").first.click()
    expect(page.get_by_label(WORKS_LABEL)).to_be_focused()

    page.get_by_label(WORKS_LABEL).fill("51.3975, -0.0752\n51.3990, -0.0735")
    page.get_by_label("The diversion in words").fill("Via Portland Road.")
    page.get_by_role("button", name="Preview").click()

    preview = page.get_by_role(
        "region", name="Preview: how residents will see it on the travel page"
    )
    expect(preview).to_be_focused()
    expect(preview.get_by_role("heading", name="Selhurst Road")).to_be_visible()
    expect(preview).to_contain_text("Via Portland Road.")
    assert_accessible(page)
    db.session.remove()
    assert (
        db.session.scalars(select(Roadwork).where(Roadwork.street == "Selhurst Road")).all() == []
    )
    problems.assert_none()


def test_without_javascript_the_works_are_posted_by_typing_the_points(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    sign_in(page)
    page.goto(NEW)

    expect(
        page.get_by_role("region", name="Map for drawing the works and the diversion")
    ).to_be_hidden()
    expect(page.get_by_role("button", name="Undo last point")).to_be_hidden()
    page.get_by_text("How to draw the works").click()
    expect(page.get_by_text("Without the map: find each point in a map app")).to_be_visible()
    _about_the_works(page, "Portland Road")
    page.get_by_label("An area (the last point joins back to the first)").check()
    page.get_by_label(WORKS_LABEL).fill("51.3975, -0.0752")
    page.get_by_role("button", name="Post the roadworks").click()

    expect(page.locator(".error-summary")).to_contain_text(
        "An area needs at least 3 points along its edge"
    )
    expect(page.get_by_label("Street", exact=True)).to_have_value("Portland Road")
    page.get_by_label(WORKS_LABEL).fill(
        "51.3970, -0.0760\n51.3970, -0.0740\n51.3980, -0.0740\n51.3980, -0.0760"
    )
    page.get_by_role("button", name="Post the roadworks").click()

    expect(page.get_by_role("heading", level=1)).to_have_text("Roadworks in South Norwood")
    roadwork = _stored("Portland Road")
    assert geo.shape_type(roadwork.geometry) == "Polygon"
    page.goto("/south-norwood/travel")
    expect(page.locator(f"#roadwork-{roadwork.id}")).to_contain_text("Portland Road")
