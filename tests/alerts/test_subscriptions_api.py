"""POST/DELETE /push/subscriptions: what a browser sends, and everything it must not."""

from __future__ import annotations

import json
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import CLOCK_TOWER, make_hub
from tests.support.push_service import SubscriberKeys
from townhub.alerts.models import PushSubscription
from townhub.common import geo
from townhub.extensions import db


def _count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(PushSubscription)) or 0)


def browser_subscription(**overrides: Any) -> dict[str, Any]:
    keys = SubscriberKeys.generate()
    body: dict[str, Any] = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/abc123",
        "expirationTime": None,
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
        "hub": "south-norwood",
        "topics": ["offers", "travel"],
        "area": {"type": "hub"},
    }
    return {**body, **overrides}


def test_vapid_public_key_is_a_p256_point(client: FlaskClient) -> None:
    key = client.get("/push/vapid-public-key").get_json()["publicKey"]

    assert len(key) == 87  # 65 bytes, base64url without padding


def test_browser_subscribes_to_the_whole_hub(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    response = client.post("/push/subscriptions", json=browser_subscription())

    assert response.status_code == 201
    saved = db.session.scalars(select(PushSubscription)).one()
    assert saved.topics == ["offers", "travel"]
    assert saved.area_centre is None and saved.area_radius_m is None


def test_a_circle_is_stored_coarsened_never_exactly(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")
    exact = (-0.075234, 51.397712)

    response = client.post(
        "/push/subscriptions",
        json=browser_subscription(
            area={"type": "circle", "lon": exact[0], "lat": exact[1], "radius_m": 500}
        ),
    )

    assert response.status_code == 201
    saved = db.session.scalars(select(PushSubscription)).one()
    stored = geo.lon_lat(saved.area_centre)
    assert stored != exact
    assert stored == geo.coarsen(*exact)
    assert abs(stored[0] - exact[0]) < 0.0007 and abs(stored[1] - exact[1]) < 0.0005
    assert saved.area_radius_m == 500


def test_subscribing_again_updates_instead_of_duplicating(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")
    body = browser_subscription()
    client.post("/push/subscriptions", json=body)

    client.post("/push/subscriptions", json={**body, "topics": ["events"]})

    assert _count() == 1
    assert db.session.scalars(select(PushSubscription)).one().topics == ["events"]


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"endpoint": "ftp://push.example.net/x"}, "endpoint"),
        ({"endpoint": "http://push.example.net/x"}, "endpoint"),
        ({"endpoint": 42}, "endpoint"),
        ({"endpoint": "https://10.0.0.5/push/x"}, "endpoint"),
        ({"endpoint": "https://fcm.googleapis.com.evil.example/x"}, "endpoint"),
        ({"endpoint": "https://intranet.council.example/admin"}, "endpoint"),
        ({"keys": {"p256dh": "short", "auth": "A" * 22}}, "keys.p256dh"),
        ({"keys": None}, "keys.p256dh"),
        ({"hub": "atlantis"}, "hubs"),
        ({"hubs": []}, "hubs"),
        ({"hubs": ["south-norwood", "atlantis"]}, "hubs"),
        ({"area": {"type": "circle", "lon": 2.35, "lat": 48.85, "radius_m": 500}}, "area"),
        ({"area": {"type": "circle", "lon": -0.0752, "lat": 51.3975, "radius_m": 50000}}, "area"),
        ({"quiet_hours": {"from": "22:00"}}, "quiet_hours"),
        ({"quiet_hours": {"from": "25:00", "until": "07:00"}}, "quiet_hours"),
        ({"daily_cap": 0}, "daily_cap"),
        ({"daily_cap": "3"}, "daily_cap"),
        ({"digest": "yes"}, "digest"),
        ({"topics": []}, "topics"),
        ({"topics": ["offers", "gossip"]}, "topics"),
        ({"topics": [["offers"]]}, "topics"),
        ({"keys": {"p256dh": "BA" + "A" * 85, "auth": "A" * 22}}, "keys.p256dh"),
        ({"area": {"type": "circle", "lon": -0.075, "lat": 51.397, "radius_m": 50}}, "area"),
        ({"area": {"type": "circle", "lon": -0.075, "lat": 51.397, "radius_m": 5000}}, "area"),
        ({"area": {"type": "circle", "lon": "west", "lat": 51.397, "radius_m": 500}}, "area"),
        ({"area": {"type": "circle", "lon": -2.6, "lat": 51.45, "radius_m": 500}}, "area"),
        ({"area": {"type": "circle", "lon": float("inf"), "lat": 51.4, "radius_m": 500}}, "area"),
        ({"area": {"type": "circle", "lon": -0.075, "lat": 1000, "radius_m": 500}}, "area"),
        ({"area": {"type": "square"}}, "area"),
        ({"language": "xx"}, "language"),
    ],
)
def test_bad_subscriptions_get_a_json_problem_and_change_nothing(
    client: FlaskClient, overrides: dict[str, Any], field: str
) -> None:
    make_hub(slug="south-norwood")

    response = client.post("/push/subscriptions", json=browser_subscription(**overrides))

    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert problem["status"] == 422 and field in problem["errors"]
    assert _count() == 0


def test_a_body_that_is_not_json_is_refused(client: FlaskClient) -> None:
    response = client.post("/push/subscriptions", data="{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.get_json()["detail"] == "The body is not valid JSON."


def test_a_form_post_from_another_site_is_refused(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")

    response = client.post("/push/subscriptions", data={"endpoint": "https://push.example.net/x"})

    assert response.status_code == 415
    assert _count() == 0


def test_a_json_array_is_refused(client: FlaskClient) -> None:
    response = client.post("/push/subscriptions", json=[1, 2])
    assert response.status_code == 422


def test_unsubscribing_deletes_the_area(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")
    body = browser_subscription(
        area={"type": "circle", "lon": CLOCK_TOWER[0], "lat": CLOCK_TOWER[1], "radius_m": 300}
    )
    client.post("/push/subscriptions", json=body)

    response = client.delete("/push/subscriptions", json={"endpoint": body["endpoint"]})

    assert response.status_code == 204
    assert _count() == 0
    again = client.delete("/push/subscriptions", json={"endpoint": body["endpoint"]})
    assert again.status_code == 404


def test_unknown_api_paths_answer_with_a_json_problem(client: FlaskClient) -> None:
    response = client.get("/push/nothing-here")
    assert response.status_code == 404
    assert response.mimetype == "application/problem+json"


def test_nan_infinity_and_deep_nesting_are_refused_not_crashes(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")
    body = json.dumps(browser_subscription()).replace(
        '"area": {"type": "hub"}',
        '"area": {"type": "circle", "lon": NaN, "lat": 51.4, "radius_m": 500}',
    )

    assert (
        client.post("/push/subscriptions", data=body, content_type="application/json").status_code
        == 422
    )
    deep = "[" * 100_000 + "]" * 100_000
    assert (
        client.post("/push/subscriptions", data=deep, content_type="application/json").status_code
        == 400
    )
    huge = json.dumps({"endpoint": "x" * (2 * 1024 * 1024)})
    assert (
        client.post("/push/subscriptions", data=huge, content_type="application/json").status_code
        == 413
    )
    nul = browser_subscription(hub="south-norwood\x00")
    assert client.post("/push/subscriptions", json=nul).status_code == 400
    assert _count() == 0


def test_endpoints_of_every_known_push_service_are_accepted(client: FlaskClient) -> None:
    make_hub(slug="south-norwood")
    for endpoint in (
        "https://fcm.googleapis.com/fcm/send/a",
        "https://updates.push.services.mozilla.com/wpush/v2/b",
        "https://wns2-by3p.notify.windows.com/w/?token=c",
        "https://web.push.apple.com/d",
    ):
        response = client.post("/push/subscriptions", json=browser_subscription(endpoint=endpoint))
        assert response.status_code == 201, (endpoint, response.get_json())
