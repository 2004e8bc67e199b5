"""Notices: a hub manager posts one from the phone form; residents see it on the hub and,
if they chose notices, get an alert; no one else may post; bad input changes nothing."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in, submit
from tests.support.push_service import PushServiceStandIn, SubscriberKeys
from townhub.accounts.service import create_user
from townhub.alerts.service import subscribe
from townhub.common.days import london_today
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.models import Job
from townhub.jobs.service import run_next_job
from townhub.notices import service
from townhub.notices.models import Notice

NEW = "/manage/hubs/south-norwood/notices/new"


def _form(**overrides: str) -> dict[str, str]:
    today = london_today()
    form = {
        "title": "Saturday market moves to Station Road",
        "body": "Because of the water main works, the market is on Station Road.\n\nSame times.",
        "first_day": today.isoformat(),
        "last_day": (today + timedelta(days=6)).isoformat(),
    }
    return {**form, **overrides}


def _notices() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Notice)) or 0)


def test_a_hub_manager_posts_a_notice_residents_see(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)

    response = submit(client, NEW, _form())

    assert response.status_code == 303
    notice = db.session.scalars(select(Notice)).one()
    assert response.headers["Location"] == f"/south-norwood/notices/{notice.id}"
    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "Same times." in page and "Saturday market moves to Station Road" in page
    home = client.get("/south-norwood/").get_data(as_text=True)
    assert "From the high street team" in home and f"/notices/{notice.id}" in home
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.payload) == ("push_item", {"kind": "notice", "id": notice.id})


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"title": ""}, "Enter a headline"),
        ({"title": "x" * 121}, "The headline must be 120 characters or fewer"),
        ({"body": "  "}, "Enter what residents need to know"),
        ({"body": "x" * 1001}, "Keep it to 1,000 characters or fewer"),
        ({"last_day": "2020-01-01"}, "The last day must be today or later"),
        ({"first_day": "next tuesday"}, "Enter the first day, like 2026-11-28"),
    ],
)
def test_bad_notices_show_errors_and_publish_nothing(
    client: FlaskClient, bad: dict[str, str], message: str
) -> None:
    hub = make_hub(slug="south-norwood")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)

    response = submit(client, NEW, _form(**bad))

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "There is a problem" in page and message in page
    assert _notices() == 0


def test_what_a_manager_types_is_shown_as_text(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)

    response = submit(client, NEW, _form(title="<script>alert(1)</script>", body="<b>hi</b>"))

    page = client.get(response.headers["Location"]).get_data(as_text=True)
    assert "<script>alert(1)</script>" not in page and "&lt;script&gt;" in page
    assert "<b>hi</b>" not in page


def test_only_the_hubs_managers_and_the_council_may_post(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])
    owner = make_user(businesses=[make_business(hub=hub)])
    admin = make_user(role="council_admin")

    assert client.get(NEW).status_code == 302  # sign in first
    for user in (other_manager, owner):
        sign_in(client, user.email, PASSWORD)
        assert client.get(NEW).status_code == 403
        assert client.post(NEW, data=_form()).status_code in {400, 403}
        client.post("/manage/sign-out")
    assert _notices() == 0
    sign_in(client, admin.email, PASSWORD)
    assert submit(client, NEW, _form()).status_code == 303


def test_a_hidden_or_other_hubs_notice_is_not_found(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_hub(slug="purley")
    author = make_user(role="hub_manager", hubs=[hub])
    notice = service.publish_notice(
        author,
        hub,
        title="Parade",
        body="Sunday",
        first_day=london_today(),
        last_day=london_today(),
    )

    assert client.get(f"/purley/notices/{notice.id}").status_code == 404
    notice.status = "hidden"
    db.session.flush()
    assert client.get(f"/south-norwood/notices/{notice.id}").status_code == 404


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    with PushServiceStandIn() as stand_in:
        yield stand_in


@pytest.mark.live
def test_residents_who_chose_notices_get_an_alert(push_service: PushServiceStandIn) -> None:
    hub: Hub = make_hub(slug="south-norwood", name="South Norwood")
    db.session.commit()
    wants = push_service.subscription(SubscriberKeys.generate())
    offers_only = push_service.subscription(SubscriberKeys.generate())
    subscribe({**wants, "hub": "south-norwood", "topics": ["notices"]})
    subscribe({**offers_only, "hub": "south-norwood", "topics": ["offers"]})
    author = create_user(email="team@example.org", name="Team", role="hub_manager", password=None)
    notice = service.publish_notice(
        author,
        hub,
        title="Parade on Sunday",
        body="High Street closed 10:00 to 13:00.",
        first_day=london_today(),
        last_day=london_today(),
    )

    while run_next_job():
        pass

    (alert,) = push_service.inbox(wants["endpoint"].rsplit("/", 1)[1])
    assert alert.json()["title"] == "Parade on Sunday"
    assert alert.json()["url"] == f"/south-norwood/notices/{notice.id}"
    assert push_service.inbox(offers_only["endpoint"].rsplit("/", 1)[1]) == []
