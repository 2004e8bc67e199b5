"""The onboarding journey in real headless Chromium at phone size: a hub manager adds a
business and shows the owner a QR code; the owner opens the link on their own phone, sets
a password, adds a photo that carries a GPS position (gone after upload), posts an offer
that waits; the manager approves the business and the offer; residents see it. axe-core
runs on every management page on the way; the same forms work with JavaScript off."""

from __future__ import annotations

import io
import re
from collections.abc import Callable
from datetime import timedelta

import pytest
from PIL import Image
from playwright.sync_api import BrowserContext, Page, expect
from sqlalchemy import select

from tests.browser.conftest import assert_accessible, watch_for_problems
from townhub.businesses.models import Business
from townhub.businesses.profile import photo_folder
from townhub.common.days import london_today
from townhub.demo.seed import DEMO_PASSWORD
from townhub.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.live, pytest.mark.usefixtures("demo_hubs")]

PHONE = {"width": 390, "height": 844}


def _photo_with_gps() -> bytes:
    image = Image.new("RGB", (2400, 1600), (30, 120, 60))
    exif = image.getexif()
    exif.get_ifd(0x8825).update({1: "N", 2: (51.0, 23.0, 50.0), 3: "W", 4: (0.0, 4.0, 30.0)})
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def _sign_in_as_manager(page: Page) -> None:
    page.goto("/manage/sign-in")
    page.get_by_label("Email address").fill("manager@example.org")
    page.get_by_label("Password").fill(DEMO_PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Your high streets")


def _phone(new_context: Callable[..., BrowserContext]) -> Page:
    context = new_context(viewport=PHONE, has_touch=True, is_mobile=True)
    problems = watch_for_problems(context)
    page = context.new_page()
    page.problems = problems  # type: ignore[attr-defined]
    return page


def test_a_business_joins_posts_an_offer_and_goes_live(
    new_context: Callable[..., BrowserContext],
) -> None:
    manager = _phone(new_context)
    _sign_in_as_manager(manager)
    manager.get_by_role("link", name="Add a business and invite its owner").first.click()
    manager.get_by_role("button", name="Add the business and make a link").click()
    expect(manager.locator(".error-summary")).to_be_focused()
    assert_accessible(manager)
    manager.get_by_label("Name of the business").fill("Norwood Greens")
    manager.get_by_label("What kind of business is it?").select_option("groceries")
    manager.get_by_label("Address", exact=True).fill("5 Station Road, South Norwood, SE25 5AH")
    manager.get_by_label("Owner’s name").fill("Ada Green")
    manager.get_by_label("Owner’s email address").fill("ada@example.org")
    manager.get_by_role("button", name="Add the business and make a link").click()
    expect(manager.get_by_role("heading", level=1)).to_have_text("Invitation for Ada Green")
    expect(manager.get_by_role("img", name="QR code of the link below")).to_be_visible()
    assert_accessible(manager)
    link = manager.locator(".link-to-copy a").get_attribute("href")
    assert link and re.search(r"/manage/welcome/[\w-]{40,}$", link)

    owner = _phone(new_context)
    owner.goto(link)
    expect(owner.get_by_role("heading", level=1)).to_have_text("Welcome to Townhub")
    assert_accessible(owner)
    owner.get_by_label("Create a password").fill("green kettle bicycle")
    owner.get_by_label("Type the password again").fill("green kettle bicycle")
    owner.get_by_role("button", name="Save the password").click()
    expect(owner.get_by_role("heading", level=1)).to_have_text("Your business")

    owner.get_by_role("link", name="Your page: details, hours, photo").click()
    assert_accessible(owner)
    owner.get_by_role("link", name="Change photo").click()
    owner.get_by_label("Choose a photo").set_input_files(
        {"name": "IMG_2041.jpg", "mimeType": "image/jpeg", "buffer": _photo_with_gps()}
    )
    owner.get_by_label("What does the photo show?").fill("Green shop front with fruit outside")
    owner.get_by_role("button", name="Save the photo").click()
    expect(owner.get_by_role("img", name="Green shop front with fruit outside")).to_be_visible()
    business = db.session.scalars(select(Business).where(Business.name == "Norwood Greens")).one()
    stored = (photo_folder() / f"{business.photo}-large.jpg").read_bytes()
    assert not Image.open(io.BytesIO(stored)).getexif() and b"Exif" not in stored

    owner.get_by_role("link", name="Post an offer").first.click()
    owner.get_by_label("What is the offer?").fill("Free bag of apples with any box")
    today = london_today()
    owner.get_by_label("First day of the offer").fill(today.isoformat())
    owner.get_by_label("Last day of the offer").fill((today + timedelta(days=6)).isoformat())
    owner.get_by_role("button", name="Preview").click()
    expect(owner.get_by_role("heading", name="Preview: how residents will see it")).to_be_visible()
    assert_accessible(owner)
    owner.get_by_role("button", name="Publish the offer").click()
    expect(owner.get_by_role("cell", name="Waiting for approval")).to_be_visible()

    manager.goto("/manage/")
    manager.get_by_role("link", name=re.compile(r"items? wait")).first.click()
    assert_accessible(manager)
    manager.get_by_role("button", name="Approve “Norwood Greens”").click()
    manager.get_by_role("button", name="Approve “Free bag of apples with any box”").click()
    expect(manager.get_by_text("is approved and residents can see it")).to_be_visible()

    resident = _phone(new_context)
    resident.goto("/south-norwood/offers")
    expect(resident.get_by_role("link", name="Free bag of apples with any box")).to_be_visible()
    for page in (manager, owner, resident):
        page.problems.assert_none()  # type: ignore[attr-defined]


def test_hiding_with_a_reason_works_without_javascript(
    new_context: Callable[..., BrowserContext],
) -> None:
    page = new_context(viewport=PHONE, java_script_enabled=False).new_page()
    _sign_in_as_manager(page)
    business = db.session.scalars(
        select(Business).where(Business.status == "approved").order_by(Business.id)
    ).first()
    assert business
    page.goto(f"/manage/hubs/{business.hub.slug}/moderation/business/{business.id}/hide")
    page.get_by_role("button", name="Hide it").click()
    expect(page).to_have_title(re.compile("^Error:"))
    expect(page.get_by_role("link", name=re.compile("Say why you are hiding it"))).to_be_visible()
    page.get_by_label("Why are you hiding it?").fill("Closed for refurbishment until spring")
    page.get_by_role("button", name="Hide it").click()
    expect(page.get_by_text("is hidden. The business sees your reason.")).to_be_visible()
    db.session.refresh(business)
    assert business.status == "hidden"
