"""A resident answers the three optional questions in real Chromium, with JavaScript off
and on; axe-core checks the form, its errors, the thanks, and the figures the high
street team and the council see."""

from __future__ import annotations

import random
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, sign_in
from townhub.common.days import london_today
from townhub.demographics import service
from townhub.demographics.models import DemographicTally
from townhub.extensions import db
from townhub.hubs.models import Hub

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

FORM = "/south-norwood/about-you"


def _answer_with_a_mistake_then_rightly(page: Page) -> None:
    page.goto(FORM)
    expect(page.get_by_role("heading", level=1)).to_have_text("Tell us about you")
    page.get_by_role("radio", name="25 to 34").check()
    page.get_by_label("The first part of your home postcode (optional)").fill("SE25 4AB")
    page.get_by_role("button", name="Send my answers").click()

    expect(page).to_have_title(re.compile(r"^Error: Tell us about you"))
    summary = page.get_by_role("alert")
    expect(summary).to_contain_text("Enter only the first part of your postcode")
    expect(page.get_by_role("radio", name="25 to 34")).to_be_checked()


def _tallies() -> list[tuple[str, str, int]]:
    """This month's counts: the demo's answers are all from months that have ended."""
    db.session.remove()
    this_month = london_today().replace(day=1)
    return [
        (t.question, t.answer, t.count)
        for t in db.session.scalars(
            select(DemographicTally)
            .where(DemographicTally.month == this_month)
            .order_by(DemographicTally.question)
        )
    ]


def test_a_resident_answers_without_javascript(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(java_script_enabled=False).new_page()
    _answer_with_a_mistake_then_rightly_plain(page)
    assert _tallies() == [
        ("age_band", "25-34", 1),
        ("postcode_district", "SE25", 1),
        ("travel_mode", "bus", 1),
    ]

    # The same phone again: thanked, not asked.
    page.goto(FORM)
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for answering")


def _answer_with_a_mistake_then_rightly_plain(page: Page) -> None:
    page.goto("/south-norwood/")
    page.get_by_role(
        "link", name="Help the high street team: three optional questions about you"
    ).click()
    _answer_with_a_mistake_then_rightly(page)
    page.get_by_label("The first part of your home postcode (optional)").fill("se25")
    page.get_by_role("radio", name="Bus").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for answering")


def test_a_resident_answers_with_javascript_and_every_page_is_accessible(page: Page) -> None:
    page.goto(FORM)
    assert_accessible(page)
    _answer_with_a_mistake_then_rightly(page)
    assert_accessible(page)
    page.get_by_label("The first part of your home postcode (optional)").fill("CR7")
    page.get_by_role("radio", name="Walked").check()
    page.get_by_role("button", name="Send my answers").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Thank you for answering")
    assert_accessible(page)
    assert ("postcode_district", "CR7", 1) in _tallies()


def _last_months_answers() -> None:
    """Answers in the month that has just ended, so that there is something to publish."""
    last_month = london_today().replace(day=1) - timedelta(days=3)
    rng = random.Random(3)
    for hub in db.session.scalars(select(Hub).order_by(Hub.id)):
        for _ in range(rng.randint(15, 40)):
            service.record(
                hub,
                service.Answers(
                    age_band=rng.choice(service.AGE_BANDS),
                    postcode_district=rng.choice(["SE25", "CR7", "CR8"]),
                    travel_mode=rng.choice(["walk", "bus", "car_van", "cycle"]),
                ),
                today=last_month,
            )


def test_the_figures_pages_are_accessible_and_hide_small_numbers(page: Page) -> None:
    _last_months_answers()

    sign_in(page, "manager@example.org")
    page.goto("/manage/hubs/south-norwood/residents")
    expect(page.get_by_role("heading", level=1)).to_have_text(
        "Residents of South Norwood who answered"
    )
    expect(page.get_by_role("cell", name="hidden", exact=True).first).to_be_visible()
    assert_accessible(page)

    page.goto("/manage/sign-in")
    page.context.clear_cookies()
    sign_in(page, "admin@example.org")
    page.goto("/manage/residents")
    expect(page.get_by_role("heading", level=1)).to_have_text("Residents who answered, every hub")
    assert_accessible(page)
