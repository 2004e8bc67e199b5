"""Hub managers approve, trust and hide; residents report; the council reads the audit log.
Every refusal changes nothing."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_event, make_hub, make_offer, make_user
from tests.support.forms import csrf_token, sign_in, submit
from townhub.accounts.models import User
from townhub.businesses.models import Business
from townhub.common.days import london_today
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.models import Job
from townhub.moderation.models import AuditEntry, Report
from townhub.offers.models import Offer


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


@pytest.fixture
def new_shop(hub: Hub) -> Business:
    return make_business(hub=hub, slug="new-shop", name="New Shop", trusted=False)


def _jobs() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Job)) or 0)


def _as(app: Flask, user: User) -> FlaskClient:
    browser = app.test_client()
    sign_in(browser, user.email, PASSWORD)
    return browser


def _offer_form(business: Business) -> dict[str, str]:
    today = london_today()
    return {
        "business_id": str(business.id),
        "title": "Free coffee with any cake",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=3)).isoformat(),
        "reach": "hub",
    }


def test_a_new_businesss_first_offer_waits_then_goes_live_on_approval(
    app: Flask, hub: Hub, new_shop: Business
) -> None:
    owner = _as(app, make_user(businesses=[new_shop]))
    manager_user = make_user(role="hub_manager", hubs=[hub], name="Mo")

    posted = submit(owner, "/manage/offers/new", _offer_form(new_shop))
    offer = db.session.scalars(select(Offer)).one()
    assert posted.status_code == 303 and offer.status == "pending" and _jobs() == 0
    assert f'id="offer-{offer.id}"' not in owner.get("/south-norwood/offers").get_data(as_text=True)
    assert "Waiting for approval" in owner.get("/manage/").get_data(as_text=True)

    manager = _as(app, manager_user)
    queue = manager.get("/manage/hubs/south-norwood/moderation").get_data(as_text=True)
    assert "Free coffee with any cake" in queue and "Also trust New Shop" in queue
    assert "1 item waits for you" in manager.get("/manage/").get_data(as_text=True)
    approved = manager.post(
        f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/approve",
        data={
            "csrf_token": csrf_token(manager, "/manage/hubs/south-norwood/moderation"),
            "trust": "y",
        },
    )

    assert approved.status_code == 303
    assert offer.status == "published" and offer.published_at is not None
    assert new_shop.trusted and _jobs() == 1
    assert f'id="offer-{offer.id}"' in owner.get("/south-norwood/offers").get_data(as_text=True)
    assert [
        (e.action, e.actor_name)
        for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))
    ] == [
        ("approved", "Mo"),
        ("trusted", "Mo"),
    ]
    # Trusted now: the next offer goes live at once.
    submit(owner, "/manage/offers/new", {**_offer_form(new_shop), "title": "Second offer"})
    assert (
        db.session.scalars(select(Offer).where(Offer.title == "Second offer")).one().status
        == "published"
    )


def test_an_offer_cannot_go_live_before_its_business(app: Flask, hub: Hub) -> None:
    pending = make_business(hub=hub, status="pending", trusted=False)
    offer = make_offer(business=pending, status="pending")
    manager = _as(app, make_user(role="hub_manager", hubs=[hub]))

    response = manager.post(
        f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/approve",
        data={"csrf_token": csrf_token(manager, "/manage/")},
        follow_redirects=True,
    )

    assert "Approve the business first" in response.get_data(as_text=True)
    assert offer.status == "pending" and _jobs() == 0

    manager.post(
        f"/manage/hubs/south-norwood/moderation/business/{pending.id}/approve",
        data={"csrf_token": csrf_token(manager, "/manage/")},
    )
    assert pending.status == "approved"


def test_hiding_needs_a_reason_which_the_owner_sees(app: Flask, hub: Hub) -> None:
    shop = make_business(hub=hub)
    offer = make_offer(business=shop, title="Cheap cigarettes")
    owner = _as(app, make_user(businesses=[shop]))
    manager = _as(app, make_user(role="hub_manager", hubs=[hub]))
    path = f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/hide"

    empty = submit(manager, path, {"reason": ""})
    assert empty.status_code == 200 and "Say why you are hiding it" in empty.get_data(as_text=True)
    assert offer.status == "published"

    hidden = submit(manager, path, {"reason": "Tobacco offers are not allowed <b>here</b>"})

    assert hidden.status_code == 303 and offer.status == "hidden"
    assert "Cheap cigarettes" not in owner.get("/south-norwood/offers").get_data(as_text=True)
    assert owner.get(f"/south-norwood/offers/{offer.id}").status_code == 404
    dashboard = owner.get("/manage/").get_data(as_text=True)
    assert "Tobacco offers are not allowed &lt;b&gt;here&lt;/b&gt;" in dashboard

    manager.post(
        f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/show",
        data={"csrf_token": csrf_token(manager, "/manage/")},
    )
    assert offer.status == "published" and offer.hidden_reason == ""
    assert [e.action for e in db.session.scalars(select(AuditEntry).order_by(AuditEntry.id))] == [
        "hidden",
        "shown_again",
    ]


def test_a_hidden_business_disappears_with_its_events(app: Flask, hub: Hub) -> None:
    shop = make_business(hub=hub, slug="gone")
    event = make_event(hub=hub, business=shop, title="Tasting evening")
    manager = _as(app, make_user(role="hub_manager", hubs=[hub]))

    submit(
        manager,
        f"/manage/hubs/south-norwood/moderation/business/{shop.id}/hide",
        {"reason": "Closed down"},
    )

    assert shop.status == "hidden"
    resident = app.test_client()
    assert resident.get("/south-norwood/businesses/gone").status_code == 404
    assert "Tasting evening" not in resident.get("/south-norwood/events").get_data(as_text=True)
    assert resident.get(f"/south-norwood/events/{event.id}").status_code == 404


def test_a_resident_reports_an_offer_and_the_manager_deals_with_it(app: Flask, hub: Hub) -> None:
    offer = make_offer(business=make_business(hub=hub), title="Too good to be true")
    resident = app.test_client()
    path = f"/south-norwood/report/offer/{offer.id}"
    assert "Report a problem with this page" in resident.get(
        f"/south-norwood/offers/{offer.id}"
    ).get_data(as_text=True)

    missing = resident.post(path, data={"details": "x" * 501})
    page = missing.get_data(as_text=True)
    assert (
        missing.status_code == 200
        and "Choose what the problem is" in page
        and "500 characters" in page
    )
    assert db.session.scalar(select(func.count()).select_from(Report)) == 0
    cross_site = resident.post(
        path, data={"reason": "scam"}, headers={"Origin": "https://evil.example"}
    )
    assert cross_site.status_code == 403

    sent = resident.post(
        path, data={"reason": "scam", "details": "<script>x</script> asked for my bank details"}
    )
    assert sent.status_code == 303 and "Set-Cookie" not in sent.headers
    report = db.session.scalars(select(Report)).one()
    assert (report.subject_kind, report.reason, report.status) == ("offer", "scam", "open")

    manager = _as(app, make_user(role="hub_manager", hubs=[hub]))
    queue = manager.get("/manage/hubs/south-norwood/moderation").get_data(as_text=True)
    assert "A scam or misleading: Too good to be true" in queue
    assert "&lt;script&gt;x&lt;/script&gt;" in queue and "<script>x</script>" not in queue
    submit(
        manager,
        f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/hide",
        {"reason": "Reported as a scam"},
    )
    assert report.status == "hidden" and report.resolved_at is not None


def test_a_report_can_be_closed_without_changing_anything(app: Flask, hub: Hub) -> None:
    offer = make_offer(business=make_business(hub=hub))
    app.test_client().post(f"/south-norwood/report/offer/{offer.id}", data={"reason": "wrong"})
    report = db.session.scalars(select(Report)).one()
    manager = _as(app, make_user(role="hub_manager", hubs=[hub]))

    manager.post(
        f"/manage/hubs/south-norwood/reports/{report.id}/dismiss",
        data={"csrf_token": csrf_token(manager, "/manage/")},
    )

    assert report.status == "dismissed" and offer.status == "published"
    again = manager.post(
        f"/manage/hubs/south-norwood/reports/{report.id}/dismiss",
        data={"csrf_token": csrf_token(manager, "/manage/")},
    )
    assert again.status_code == 404


def test_reports_are_rate_limited_and_only_for_what_residents_see(app: Flask, hub: Hub) -> None:
    offer = make_offer(business=make_business(hub=hub))
    hidden = make_offer(business=make_business(hub=hub), status="hidden")
    resident = app.test_client()

    assert resident.get(f"/south-norwood/report/offer/{hidden.id}").status_code == 404
    assert resident.get("/south-norwood/report/offer/999999").status_code == 404
    assert resident.get(f"/south-norwood/report/spaceship/{offer.id}").status_code == 404
    answers = [
        resident.post(
            f"/south-norwood/report/offer/{offer.id}", data={"reason": "wrong"}
        ).status_code
        for _ in range(6)
    ]

    assert answers == [303] * 5 + [429]
    assert db.session.scalar(select(func.count()).select_from(Report)) == 5


MODERATION_POSTS = ("approve", "show")


def test_only_the_hubs_managers_moderate(app: Flask, hub: Hub, new_shop: Business) -> None:
    offer = make_offer(business=make_business(hub=hub), status="pending")
    outsiders = [
        make_user(businesses=[new_shop]),
        make_user(role="hub_manager", hubs=[make_hub(slug="purley")]),
    ]
    for user in outsiders:
        browser = _as(app, user)
        token = csrf_token(browser, "/manage/")
        assert browser.get("/manage/hubs/south-norwood/moderation").status_code == 403
        assert (
            browser.get(f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/hide").status_code
            == 403
        )
        for action in MODERATION_POSTS:
            response = browser.post(
                f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/{action}",
                data={"csrf_token": token},
            )
            assert response.status_code == 403
        hide = browser.post(
            f"/manage/hubs/south-norwood/moderation/business/{new_shop.id}/hide",
            data={"csrf_token": token, "reason": "x"},
        )
        assert hide.status_code == 403
        assert browser.get("/manage/audit").status_code == 403
    assert (offer.status, new_shop.status) == ("pending", "approved")
    assert db.session.scalar(select(func.count()).select_from(AuditEntry)) == 0
    # Another hub's item through this hub's address is not found.
    other = make_offer(
        business=make_business(hub=make_hub(slug="thornton-heath")), status="pending"
    )
    council = _as(app, make_user(role="council_admin"))
    assert (
        council.post(
            f"/manage/hubs/south-norwood/moderation/offer/{other.id}/approve",
            data={"csrf_token": csrf_token(council, "/manage/")},
        ).status_code
        == 404
    )
    assert app.test_client().get("/manage/hubs/south-norwood/moderation").status_code == 302


def test_the_council_reads_the_audit_log(app: Flask, hub: Hub) -> None:
    offer = make_offer(business=make_business(hub=hub), title="Offer <i>one</i>")
    manager = _as(app, make_user(role="hub_manager", hubs=[hub], name="Mo"))
    submit(
        manager,
        f"/manage/hubs/south-norwood/moderation/offer/{offer.id}/hide",
        {"reason": "Out of date"},
    )
    council = _as(app, make_user(role="council_admin"))

    page = council.get("/manage/audit").get_data(as_text=True)
    by_hub = council.get("/manage/audit?hub=south-norwood").get_data(as_text=True)

    assert "Mo" in page and "Hidden" in page and "Out of date" in page
    assert "Offer &lt;i&gt;one&lt;/i&gt;" in page
    assert "Out of date" in by_hub
    assert "Out of date" not in council.get(
        "/manage/audit?hub=" + make_hub(slug="purley").slug
    ).get_data(as_text=True)
    assert council.get("/manage/audit?hub=nowhere").status_code == 404
    assert council.get("/manage/audit?before=abc").status_code == 400
