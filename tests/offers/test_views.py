from __future__ import annotations

import json
import re
from datetime import timedelta

from flask.testing import FlaskClient

from tests.factories import CLOCK_TOWER, make_business, make_hub, make_offer
from tests.support.html import card_titles
from townhub.common.models import utcnow
from townhub.engagement.models import DailyCount
from townhub.extensions import db


def _count(kind: str, item_id: int) -> int:
    rows = db.session.query(DailyCount).filter_by(kind=kind, item_id=item_id).all()
    return sum(row.count for row in rows)


def test_offers_end_soonest_first_and_filter_by_category(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    cafe = make_business(hub=hub, category="food-and-drink")
    barber = make_business(hub=hub, category="health-and-beauty")
    make_offer(business=cafe, title="Later", ends_at=utcnow() + timedelta(days=5))
    make_offer(business=barber, title="Sooner", ends_at=utcnow() + timedelta(hours=3))
    make_offer(business=cafe, title="Ended", ends_at=utcnow() - timedelta(seconds=1))

    assert card_titles(client.get("/south-norwood/offers").get_data(as_text=True)) == [
        "Sooner",
        "Later",
    ]
    page = client.get("/south-norwood/offers?category=food-and-drink").get_data(as_text=True)
    assert card_titles(page) == ["Later"]


def test_sorting_by_distance_uses_the_posted_position_once(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    near = make_business(hub=hub, at=CLOCK_TOWER)
    far = make_business(hub=hub, at=(-0.0700, 51.4008))
    make_offer(business=far, title="Far", ends_at=utcnow() + timedelta(hours=2))
    make_offer(business=near, title="Near", ends_at=utcnow() + timedelta(days=3))

    response = client.post(
        "/south-norwood/offers",
        data={
            "latitude": str(CLOCK_TOWER[1]),
            "longitude": str(CLOCK_TOWER[0]),
            "sort": "distance",
        },
    )

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert card_titles(page) == ["Near", "Far"]
    assert "nearest first" in page and "m away" in page
    assert "51.3975" not in page  # the position is not echoed back into the page


def test_positions_outside_the_uk_or_nonsense_get_a_clear_message(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_offer(business=make_business(hub=hub), title="Still listed")

    for latitude, longitude in (
        ("40.7128", "-74.0060"),
        ("nan", "0"),
        ("north", "west"),
        ("51.4", ""),
    ):
        response = client.post(
            "/south-norwood/offers",
            data={"latitude": latitude, "longitude": longitude, "sort": "distance"},
        )
        page = response.get_data(as_text=True)
        assert response.status_code == 400, (latitude, longitude)
        assert "There is a problem" in page
        assert "Still listed" in page
    outside = client.post(
        "/south-norwood/offers", data={"latitude": "48.85", "longitude": "2.35", "sort": "distance"}
    ).get_data(as_text=True)
    assert "outside the United Kingdom" in outside
    no_position = client.get("/south-norwood/offers?sort=distance").get_data(as_text=True)
    assert "allow your phone to share your position" in no_position


def test_offer_page_shows_terms_expiry_and_structured_data(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    offer = make_offer(
        business=make_business(hub=hub, name="Portland Road Bakery"),
        title="Free pastry",
        terms="One per customer.",
        redemption_code="SN-PASTRY",
    )

    response = client.get(f"/south-norwood/offers/{offer.id}")

    page = response.get_data(as_text=True)
    assert "One per customer." in page and "Ends " in page
    assert "SN-PASTRY" not in page  # shown once the resident is at the till
    block = re.search(r'<script type="application/ld\+json">(.*?)</script>', page, re.S)
    assert block
    data = json.loads(block.group(1))
    assert data["@type"] == "Offer" and data["name"] == "Free pastry"
    assert data["offeredBy"]["name"] == "Portland Road Bakery"
    assert data["validThrough"] == offer.ends_at.isoformat()
    assert response.headers["Townhub-Saved"] == "no"


def test_redeeming_shows_the_code_and_a_qr_and_counts_once_per_phone(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    offer = make_offer(business=make_business(hub=hub), redemption_code="SN-PASTRY")

    first = client.post(f"/south-norwood/offers/{offer.id}/redeem")
    again = client.post(f"/south-norwood/offers/{offer.id}/redeem")

    assert first.status_code == again.status_code == 303
    page = client.get(first.headers["Location"]).get_data(as_text=True)
    assert 'id="redemption-code">SN-PASTRY<' in page
    assert 'src="data:image/svg+xml' in page and "QR code for the till" in page
    assert _count("offer_redeem", offer.id) == 1


def test_saving_keeps_the_offer_on_the_phone_and_counts_once(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    offer = make_offer(business=make_business(hub=hub), title="Keep me")
    other = make_offer(business=make_business(hub=hub), title="Not saved")

    client.post(f"/south-norwood/offers/{offer.id}/save", data={"action": "save"})
    client.post(f"/south-norwood/offers/{offer.id}/save", data={"action": "save"})

    shown = client.get(f"/south-norwood/offers/{offer.id}")
    assert shown.headers["Townhub-Saved"] == "yes"
    assert "Remove from saved offers" in shown.get_data(as_text=True)
    saved = client.get("/south-norwood/saved")
    assert card_titles(saved.get_data(as_text=True)) == ["Keep me"]
    assert saved.headers["Townhub-Saved"] == "yes"
    assert _count("offer_save", offer.id) == 1
    assert _count("offer_save", other.id) == 0

    client.post(f"/south-norwood/offers/{offer.id}/save", data={"action": "remove"})
    assert card_titles(client.get("/south-norwood/saved").get_data(as_text=True)) == []


def test_cross_site_posts_are_refused(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    offer = make_offer(business=make_business(hub=hub))

    for path in (
        f"/south-norwood/offers/{offer.id}/save",
        f"/south-norwood/offers/{offer.id}/redeem",
    ):
        response = client.post(
            path, headers={"Origin": "https://evil.example", "Sec-Fetch-Site": "cross-site"}
        )
        assert response.status_code == 403
    assert _count("offer_save", offer.id) == _count("offer_redeem", offer.id) == 0


def test_expired_offers_disappear_on_time_with_a_helpful_page(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    offer = make_offer(
        business=make_business(hub=hub, name="Portland Road Bakery"),
        starts_at=utcnow() - timedelta(days=2),
        ends_at=utcnow() - timedelta(seconds=1),
    )

    response = client.get(f"/south-norwood/offers/{offer.id}")

    page = response.get_data(as_text=True)
    assert response.status_code == 410
    assert "This offer from Portland Road Bakery has ended." in page
    assert 'href="/south-norwood/offers"' in page
    assert client.get("/south-norwood/offers/987654").status_code == 404
    assert client.get("/south-norwood/offers/not-a-number").status_code == 404


def test_an_htmx_distance_sort_without_a_position_says_so_in_the_swapped_results(
    client: FlaskClient,
) -> None:
    make_hub(slug="south-norwood")

    response = client.post(
        "/south-norwood/offers",
        data={"latitude": "", "longitude": "", "sort": "distance"},
        headers={"HX-Request": "true", "HX-Target": "offer-results"},
    )

    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<section id="offer-results"')
    assert "allow your phone to share your position" in body
