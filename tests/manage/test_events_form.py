"""Owners and the high street team post events; drafts can be previewed first."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in, submit
from townhub.common.days import london_today
from townhub.events.models import Event
from townhub.extensions import db
from townhub.jobs.models import Job


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def _form(choice: str, **overrides: str) -> dict[str, str]:
    return {
        "business_id": choice,
        "title": "Christmas lights switch-on",
        "day": (london_today() + timedelta(days=10)).isoformat(),
        "starts": "16:00",
        "ends": "19:00",
        "place": "Clock tower",
        "description": "Carols and mince pies.",
        **overrides,
    }


def test_a_trusted_owner_publishes_and_an_untrusted_one_waits(
    app: Flask, client: FlaskClient
) -> None:
    hub = make_hub(slug="south-norwood")
    trusted, untrusted = make_business(hub=hub), make_business(hub=hub, trusted=False)
    sign_in(client, make_user(businesses=[trusted, untrusted]).email, PASSWORD)

    submit(client, "/manage/events/new", _form(str(trusted.id)))
    submit(client, "/manage/events/new", _form(str(untrusted.id), title="Wine tasting"))

    statuses = dict(db.session.execute(select(Event.title, Event.status)).all())
    assert statuses == {"Christmas lights switch-on": "published", "Wine tasting": "pending"}
    assert _count(Job) == 1
    event = db.session.scalars(select(Event).where(Event.status == "published")).one()
    assert event.starts_at.hour in (16, 15) and (event.ends_at - event.starts_at) == timedelta(
        hours=3
    )


def test_the_high_street_team_posts_its_own_event(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)

    page = client.get("/manage/events/new").get_data(as_text=True)
    response = submit(client, "/manage/events/new", _form(f"hub-{hub.id}", ends="01:00"))

    assert "South Norwood high street team" in page
    assert response.status_code == 303
    event = db.session.scalars(select(Event)).one()
    assert (event.business_id, event.status, event.hub_id) == (None, "published", hub.id)
    assert event.ends_at - event.starts_at == timedelta(hours=9)  # past midnight


def test_preview_saves_nothing(client: FlaskClient) -> None:
    shop = make_business(hub=make_hub(slug="south-norwood"), name="Joe’s")
    sign_in(client, make_user(businesses=[shop]).email, PASSWORD)

    response = submit(
        client,
        "/manage/events/new",
        {**_form(str(shop.id), title="<script>x</script>"), "action": "preview"},
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "Preview: how residents will see it" in page
    assert "&lt;script&gt;x&lt;/script&gt;" in page and "<script>x</script>" not in page
    assert "Run by" in page and "Joe’s" in page
    assert _count(Event) == 0 and _count(Job) == 0


def test_bad_input_re_renders_and_changes_nothing(client: FlaskClient) -> None:
    shop = make_business(hub=make_hub(slug="south-norwood"))
    other = make_business(hub=make_hub(slug="purley"))
    sign_in(client, make_user(businesses=[shop]).email, PASSWORD)

    empty = submit(client, "/manage/events/new", {"business_id": str(shop.id)}).get_data(
        as_text=True
    )
    garbled = submit(
        client,
        "/manage/events/new",
        _form(str(shop.id), day="next tuesday", starts="4pm", ends="16:00"),
    ).get_data(as_text=True)
    same = submit(
        client,
        "/manage/events/new",
        _form(str(shop.id), day="2001-01-01", starts="16:00", ends="16:00", title="x" * 121),
    ).get_data(as_text=True)
    not_mine = submit(client, "/manage/events/new", _form(str(other.id)))

    for message in (
        "Enter what the event is",
        "Enter the day of the event",
        "Enter the start time",
        "Enter where the event is",
    ):
        assert message in empty
    assert (
        "Enter the day of the event, like" in garbled
        and "Enter the start time, like 10:00" in garbled
    )
    assert "Not a valid" not in garbled
    assert "The day must be today or later" in same and "must differ from the start time" in same
    assert "120 characters or fewer" in same
    assert "Choose who is running the event" in not_mine.get_data(as_text=True)
    assert _count(Event) == 0


def test_offer_preview_saves_nothing(client: FlaskClient) -> None:
    shop = make_business(hub=make_hub(slug="south-norwood", name="South Norwood"), name="Joe’s")
    sign_in(client, make_user(businesses=[shop]).email, PASSWORD)
    today = london_today()

    response = submit(
        client,
        "/manage/offers/new",
        {
            "business_id": str(shop.id),
            "title": "Two for one",
            "starts_on": today.isoformat(),
            "ends_on": (today + timedelta(days=2)).isoformat(),
            "reach": "hub",
            "action": "preview",
        },
    )

    page = response.get_data(as_text=True)
    assert (
        "Preview: how residents will see it" in page and "everyone following South Norwood" in page
    )
    assert "From Joe’s" in page
    from townhub.offers.models import Offer

    assert _count(Offer) == 0 and _count(Job) == 0


def test_users_without_businesses_cannot_post(client: FlaskClient) -> None:
    sign_in(client, make_user().email, PASSWORD)

    assert client.get("/manage/events/new").status_code == 403
    assert client.get("/manage/offers/new").status_code == 403
