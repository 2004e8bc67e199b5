"""The /open-data page in real headless Chromium: no axe-core violations, and a keyboard
user reaches the OpenAPI document from it."""

from __future__ import annotations

import pytest
from playwright.sync_api import Page, expect

from tests.browser.conftest import PageProblems, assert_accessible
from tests.factories import make_hub
from townhub.extensions import db

pytestmark = [pytest.mark.browser, pytest.mark.live]


def test_the_open_data_page_is_accessible_and_leads_to_the_openapi_document(
    page: Page,
    page_problems: PageProblems,
) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    make_hub(slug="purley", name="Purley")
    db.session.commit()

    page.goto("/")
    page.get_by_role("link", name="Open data").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Open data")
    assert_accessible(page)

    page.get_by_role("link", name="OpenAPI document").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/api/v1/openapi.json")
    assert '"openapi": "3.1.0"' in page.content()
    page_problems.assert_none()
