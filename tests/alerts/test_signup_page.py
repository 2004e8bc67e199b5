"""/alerts: turning alerts on with the form (the page's script adds the browser's
subscription), what a phone with alerts sees there, and the service worker's renewal."""

from __future__ import annotations

import re
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import CLOCK_TOWER, make_hub, make_place, make_subscription
from tests.support.push_service import SubscriberKeys
from townhub.alerts.models import PushSubscription
from townhub.common import geo
from townhub.extensions import db

THORNTON_HEATH_BOX = [
    (-0.1040, 51.3940),
    (-0.0915, 51.3940),
    (-0.0915, 51.4010),
    (-0.1040, 51.4010),
]
ENDPOINT = "https://fcm.googleapis.com/fcm/send/phone-1"


def _count() -> int:
    return int(db.session.scalar(select(func.count()).select_from(PushSubscription)) or 0)


def _rows() -> list[PushSubscription]:
    db.session.expire_all()
    return list(db.session.scalars(select(PushSubscription).order_by(PushSubscription.hub_id)))


def _form(**overrides: Any) -> dict[str, Any]:
    keys = SubscriberKeys.generate()
    form: dict[str, Any] = {
        "area": "hub",
        "hubs": ["south-norwood"],
        "radius_m": "500",
        "topics": ["offers", "events"],
        "daily_cap": "3",
        "delivery": "single",
        "language": "en",
        "quiet_from": "22:00",
        "quiet_until": "07:00",
        "endpoint": ENDPOINT,
        "p256dh": keys.p256dh,
        "auth": keys.auth,
    }
    return {**form, **overrides}


@pytest.fixture
def hubs() -> dict[str, Any]:
    return {
        "south-norwood": make_hub(slug="south-norwood", name="South Norwood"),
        "thornton-heath": make_hub(
            slug="thornton-heath", name="Thornton Heath", ring=THORNTON_HEATH_BOX
        ),
    }


def test_the_page_explains_first_and_offers_every_choice(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    make_place(hub=hubs["south-norwood"], name="Station Road")

    page = client.get("/alerts?hub=thornton-heath").get_data(as_text=True)

    assert "We never track where you are" in page
    assert "add Townhub to your Home Screen first" in page  # shown on iPhones by the script
    assert re.search(r'<input checked[^>]*value="thornton-heath"', page)
    assert not re.search(r'<input checked[^>]*value="south-norwood"', page)
    assert "Station Road, South Norwood" in page
    for topic in ("Offers from shops", "Events", "Roadworks and diversions", "Notices"):
        assert topic in page
    assert "Within 2,000 metres" in page and "At most this many alerts a day" in page


def test_turning_alerts_on_for_two_high_streets(client: FlaskClient, hubs: dict[str, Any]) -> None:
    response = client.post(
        "/alerts",
        data=_form(hubs=["south-norwood", "thornton-heath"], quiet="y", delivery="digest"),
        headers={"Accept-Language": "cy"},
    )

    assert response.status_code == 303
    rows = _rows()
    assert [row.hub.slug for row in rows] == ["south-norwood", "thornton-heath"]
    assert response.headers["Location"] == f"/alerts/{rows[0].token}"
    for row in rows:
        assert row.topics == ["events", "offers"] and row.digest and row.quiet_from is not None
        assert row.area_centre is None
    cookie = response.headers["Set-Cookie"]
    assert f"townhub_alerts={rows[0].token}" in cookie
    assert "HttpOnly" in cookie and "Path=/alerts" in cookie and "SameSite=Lax" in cookie
    # The phone's own address now shows its choices.
    assert client.get("/alerts").headers["Location"] == f"/alerts/{rows[0].token}"


def test_an_area_around_a_named_place_belongs_to_its_high_street(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    station = make_place(
        hub=hubs["thornton-heath"], name="Thornton Heath station", at=(-0.1004, 51.3988)
    )

    response = client.post(
        "/alerts", data=_form(area="place", place=str(station.id), radius_m="200", hubs=[])
    )

    assert response.status_code == 303
    (row,) = _rows()
    assert row.hub.slug == "thornton-heath" and row.area_radius_m == 200
    assert geo.lon_lat(row.area_centre) == geo.coarsen(-0.1004, 51.3988)


def test_a_point_on_the_map_picks_the_nearest_high_street_and_is_coarsened(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    exact = (-0.098765, 51.397654)

    response = client.post(
        "/alerts", data=_form(area="point", lon=str(exact[0]), lat=str(exact[1]), radius_m="1000")
    )

    assert response.status_code == 303
    (row,) = _rows()
    assert row.hub.slug == "thornton-heath" and row.area_radius_m == 1000
    assert geo.lon_lat(row.area_centre) == geo.coarsen(*exact) != exact


@pytest.mark.parametrize(
    ("bad", "message"),
    [
        ({"hubs": []}, "Choose at least one high street"),
        ({"hubs": ["atlantis"]}, "Choose at least one high street"),
        ({"topics": []}, "Choose at least one kind of alert"),
        ({"area": "everywhere"}, "Choose where"),
        ({"area": "place", "place": "999999"}, "Choose a street or place from the list"),
        ({"area": "point", "lon": "", "lat": ""}, "Place a point on the map, or choose a street"),
        ({"area": "point", "lon": "-2.2426", "lat": "53.4808"}, "Choose a place within 3 km"),
        ({"area": "point", "lon": "nan", "lat": "51.39"}, "Place a point on the map"),
        ({"area": "point", "lon": "-0.07", "lat": "inf"}, "Place a point on the map"),
        ({"area": "point", "lon": "200", "lat": "95"}, "Place a point on the map"),
        ({"area": "place", "radius_m": "50000"}, "Choose a distance from the list"),
        ({"endpoint": "", "p256dh": "", "auth": ""}, "This phone did not let us send it alerts"),
        ({"endpoint": "https://internal.council.example/push"}, "cannot get alerts from this site"),
        ({"auth": "c2hvcnQ"}, "cannot get alerts from this site"),
        ({"language": "fr"}, "Choose a language from the list"),
    ],
)
def test_bad_answers_show_errors_keep_input_and_store_nothing(
    client: FlaskClient, hubs: dict[str, Any], bad: dict[str, Any], message: str
) -> None:
    place = make_place(hub=hubs["south-norwood"], name="Station Road")
    form = _form(**{"place": str(place.id), "topics": ["travel"], **bad})

    response = client.post("/alerts", data=form)

    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert _count() == 0 and "Set-Cookie" not in response.headers
    if bad.get("topics") != []:
        assert 'checked class="checkbox__input" id="topics-2"' in page  # travel kept


def test_a_post_from_another_site_is_refused(client: FlaskClient, hubs: dict[str, Any]) -> None:
    response = client.post("/alerts", data=_form(), headers={"Origin": "https://evil.example"})

    assert response.status_code == 403 and _count() == 0


def test_a_stale_cookie_shows_the_form_again(client: FlaskClient, hubs: dict[str, Any]) -> None:
    client.set_cookie("townhub_alerts", "no-such-token", path="/alerts")

    response = client.get("/alerts")

    assert response.status_code == 200 and "Turn on alerts" in response.get_data(as_text=True)


def test_choosing_again_replaces_the_phones_alerts(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    client.post("/alerts", data=_form())
    (first,) = _rows()

    client.post("/alerts", data=_form(hubs=["thornton-heath"], topics=["travel"]))

    (row,) = _rows()
    assert row.hub.slug == "thornton-heath" and row.topics == ["travel"]
    assert row.token == first.token


def test_turning_off_forgets_the_phone_in_its_cookie(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    client.post("/alerts", data=_form())
    (row,) = _rows()

    response = client.post(f"/alerts/{row.token}/delete")

    assert _count() == 0
    assert "townhub_alerts=;" in response.headers["Set-Cookie"]


def _renewal(**overrides: Any) -> dict[str, Any]:
    keys = SubscriberKeys.generate()
    body = {
        "endpoint": "https://fcm.googleapis.com/fcm/send/phone-1-renewed",
        "keys": {"p256dh": keys.p256dh, "auth": keys.auth},
        "old_endpoint": None,
    }
    return {**body, **overrides}


def test_a_renewed_subscription_keeps_the_phones_choices(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    client.post("/alerts", data=_form(hubs=["south-norwood", "thornton-heath"]))
    renewal = _renewal()

    response = client.post("/alerts/renew", json=renewal)

    assert response.status_code == 204
    rows = _rows()
    assert len(rows) == 2
    for row in rows:
        assert row.endpoint == renewal["endpoint"] and row.p256dh == renewal["keys"]["p256dh"]
        assert row.topics == ["events", "offers"]


def test_without_the_cookie_the_old_endpoint_finds_the_phone(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    old = make_subscription(hub=hubs["south-norwood"], endpoint=ENDPOINT)

    response = client.post("/alerts/renew", json=_renewal(old_endpoint=ENDPOINT))

    assert response.status_code == 204
    (row,) = _rows()
    assert row.id == old.id and row.endpoint.endswith("phone-1-renewed")


def test_renewals_that_cannot_be_used_change_nothing(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    make_subscription(hub=hubs["south-norwood"], endpoint=ENDPOINT)

    unknown = client.post("/alerts/renew", json=_renewal(old_endpoint="https://x.example/1"))
    bad_keys = client.post(
        "/alerts/renew",
        json=_renewal(old_endpoint=ENDPOINT, keys={"p256dh": "AAAA", "auth": "AAAA"}),
    )
    not_json = client.post("/alerts/renew", data="endpoint=x")

    assert unknown.status_code == 404 and unknown.mimetype == "application/problem+json"
    assert bad_keys.status_code == 422 and "keys.p256dh" in bad_keys.get_json()["errors"]
    assert not_json.status_code == 415
    (row,) = _rows()
    assert row.endpoint == ENDPOINT


def test_the_language_of_alerts_can_be_changed_on_the_manage_page(
    client: FlaskClient, hubs: dict[str, Any]
) -> None:
    row = make_subscription(hub=hubs["south-norwood"], centre=CLOCK_TOWER, radius_m=500)

    response = client.post(
        f"/alerts/{row.token}",
        data={
            "topics": ["offers"],
            "daily_cap": "3",
            "delivery": "single",
            "language": "ur",
            "quiet_from": "22:00",
            "quiet_until": "07:00",
        },
    )

    assert response.status_code == 303
    assert _rows()[0].language == "ur"
