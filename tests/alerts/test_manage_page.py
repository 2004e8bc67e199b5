"""/alerts/<token>: a phone's alerts, changed or turned off with no account and no
JavaScript; bad input changes nothing."""

from __future__ import annotations

import re
from datetime import time

from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import make_hub, make_subscription
from townhub.alerts.models import PushSubscription
from townhub.extensions import db

CHOICES = {
    "topics": ["offers", "travel"],
    "quiet": "y",
    "quiet_from": "22:00",
    "quiet_until": "07:00",
    "daily_cap": "5",
    "delivery": "digest",
}


def _phone_following_two_hubs() -> str:
    first = make_subscription(hub=make_hub(slug="south-norwood", name="South Norwood"))
    make_subscription(
        hub=make_hub(slug="purley", name="Purley"), endpoint=first.endpoint, token=first.token
    )
    return first.token


def _rows(token: str) -> list[PushSubscription]:
    db.session.expire_all()
    return list(db.session.scalars(select(PushSubscription).where(PushSubscription.token == token)))


def test_the_page_shows_this_phones_choices(client: FlaskClient) -> None:
    token = _phone_following_two_hubs()

    page = client.get(f"/alerts/{token}").get_data(as_text=True)

    assert "All of South Norwood" in page and "All of Purley" in page
    assert re.search(r'<input checked[^>]*value="offers"', page)
    assert not re.search(r'<input checked[^>]*value="events"', page)


def test_changes_apply_to_every_hub_of_the_phone(client: FlaskClient) -> None:
    token = _phone_following_two_hubs()

    response = client.post(f"/alerts/{token}", data=CHOICES)

    assert response.status_code == 303
    for row in _rows(token):
        assert row.topics == ["offers", "travel"]
        assert (row.quiet_from, row.quiet_until) == (time(22), time(7))
        assert (row.daily_cap, row.digest) == (5, True)


def test_bad_choices_show_errors_and_change_nothing(client: FlaskClient) -> None:
    token = _phone_following_two_hubs()
    before = [(r.topics, r.quiet_from, r.daily_cap, r.digest) for r in _rows(token)]

    for bad, message in (
        ({"topics": []}, "Choose at least one kind of alert"),
        ({"topics": ["gossip"]}, "Choose at least one kind of alert"),
        ({"quiet_until": "22:00"}, "Quiet hours must end at a different time"),
        ({"quiet_from": "25:00"}, "Choose an hour from the list"),
        ({"daily_cap": "999"}, "Choose a number from 1 to 10"),
        ({"delivery": "carrier-pigeon"}, "Choose how alerts should arrive"),
    ):
        response = client.post(f"/alerts/{token}", data={**CHOICES, **bad})
        page = response.get_data(as_text=True)
        assert response.status_code == 400, bad
        assert "There is a problem" in page and message in page, bad
        assert [(r.topics, r.quiet_from, r.daily_cap, r.digest) for r in _rows(token)] == before


def test_turning_alerts_off_deletes_every_row_and_area(client: FlaskClient) -> None:
    token = _phone_following_two_hubs()

    response = client.post(f"/alerts/{token}/delete")

    assert response.status_code == 303
    assert _rows(token) == []
    assert client.get(f"/alerts/{token}").status_code == 404


def test_cross_site_posts_and_unknown_tokens_change_nothing(client: FlaskClient) -> None:
    token = _phone_following_two_hubs()
    cross_site = {"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}

    assert client.post(f"/alerts/{token}/delete", headers=cross_site).status_code == 403
    assert client.post(f"/alerts/{token}", data=CHOICES, headers=cross_site).status_code == 403
    assert len(_rows(token)) == 2 and _rows(token)[0].daily_cap == 3
    missing = client.get("/alerts/not-a-real-token")
    assert missing.status_code == 404
    assert "turned off, or the link is not right" in missing.get_data(as_text=True)
    assert client.post("/alerts/" + "x" * 200 + "/delete").status_code == 404
