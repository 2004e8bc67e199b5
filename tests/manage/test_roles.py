"""Every management route against every role that must not reach it: a business owner
of another hub's business, and another hub's manager, each get 403 on every page and
every form post of South Norwood's management, and nothing in the database changes.
Signed-out visitors are sent to sign in."""

from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import (
    PASSWORD,
    make_business,
    make_hub,
    make_offer,
    make_roadwork,
    make_sensor,
    make_tracked,
    make_user,
)
from tests.support.forms import csrf_token, sign_in
from townhub.accounts.invites import NewBusiness, add_business
from townhub.extensions import db
from townhub.moderation.models import Report

# Routes anyone signed in may use, or that belong to the signed-in user themselves.
OPEN_TO_EVERY_ROLE = {
    "/manage/",
    "/manage/sign-in",
    "/manage/sign-out",
    "/manage/welcome/<token>",
    "/manage/links/<int:invite_id>",  # only the link's maker sees it: 404 for others
    "/manage/offers/new",  # lists only the user's own businesses
    "/manage/events/new",
}


def _table_counts() -> dict[str, int]:
    return {
        table.name: int(db.session.scalar(sa.select(sa.func.count()).select_from(table)) or 0)
        for table in db.metadata.sorted_tables
    }


@pytest.fixture
def south_norwood(app: Flask) -> dict[str, str]:
    """South Norwood with one of everything a management URL can name."""
    hub = make_hub(slug="south-norwood", name="South Norwood")
    shop = make_business(hub=hub)
    owner = make_user(businesses=[shop])
    manager = make_user(role="hub_manager", hubs=[hub])
    offer = make_offer(business=shop)
    roadwork = make_roadwork(hub=hub)
    tracked = make_tracked(hub=hub)
    sensor = make_sensor(hub=hub)
    _business, issued = add_business(
        manager,
        hub,
        NewBusiness("New shop", "groceries", "1 High St", "Nia", "nia@example.org"),
    )
    assert issued is not None
    report = Report(hub_id=hub.id, subject_kind="offer", subject_id=offer.id, reason="wrong")
    db.session.add(report)
    db.session.flush()
    return {
        "hub_slug": hub.slug,
        "business_id": str(shop.id),
        "user_id": str(owner.id),
        "kind": "offer",
        "item_id": str(offer.id),
        "roadwork_id": str(roadwork.id),
        "entry_id": str(tracked.id),
        "report_id": str(report.id),
        "invite_id": str(issued.invite.id),
        "sensor_id": str(sensor.id),
    }


def _management_urls(app: Flask, values: dict[str, str]) -> list[tuple[str, str]]:
    urls = []
    for rule in app.url_map.iter_rules():
        if not rule.rule.startswith("/manage/") or rule.rule in OPEN_TO_EVERY_ROLE:
            continue
        path = rule.rule
        for name in rule.arguments:
            path = re.sub(rf"<[^>]*\b{name}>", values[name], path)
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            urls.append((method, path))
    return urls


def _outsiders() -> list[tuple[str, object]]:
    purley = make_hub(slug="purley", name="Purley")
    return [
        ("owner of a Purley business", make_user(businesses=[make_business(hub=purley)])),
        ("Purley's hub manager", make_user(role="hub_manager", hubs=[purley])),
    ]


def test_outsiders_are_refused_everywhere_and_change_nothing(
    app: Flask, south_norwood: dict[str, str]
) -> None:
    urls = _management_urls(app, south_norwood)
    assert len(urls) > 40, "the route list should cover all of issue 4's management"
    for who, user in _outsiders():
        browser = app.test_client()
        sign_in(browser, user.email, PASSWORD)  # type: ignore[attr-defined]
        token = csrf_token(browser, "/manage/")
        before = _table_counts()
        answers = {
            f"{method} {path}": browser.open(
                path,
                method=method,
                data={"csrf_token": token, "reason": "x", "name": "Taken"}
                if method == "POST"
                else None,
            ).status_code
            for method, path in urls
        }
        refused = {url: status for url, status in answers.items() if status != 403}
        assert not refused, f"{who} was not refused: {refused}"
        assert _table_counts() == before, f"{who} changed the database"


def test_the_audit_log_is_the_councils_alone(app: Flask, south_norwood: dict[str, str]) -> None:
    manager = make_user(role="hub_manager", hubs=[make_hub(slug="thornton-heath")])
    for user, status in ((manager, 403), (make_user(role="council_admin"), 200)):
        browser = app.test_client()
        sign_in(browser, user.email, PASSWORD)
        assert browser.get("/manage/audit").status_code == status


def test_signed_out_visitors_are_sent_to_sign_in(app: Flask, south_norwood: dict[str, str]) -> None:
    browser: FlaskClient = app.test_client()
    before = _table_counts()
    for method, path in _management_urls(app, south_norwood):
        response = browser.open(path, method=method)
        if method == "POST":
            # No session, so no CSRF token: refused before the view.
            assert response.status_code in (302, 400), path
        else:
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/manage/sign-in"), path
    assert _table_counts() == before
