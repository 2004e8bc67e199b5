"""A business owner posts an offer from the phone form."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in, submit
from townhub.extensions import db
from townhub.jobs.models import Job
from townhub.offers.models import Offer


def _offers() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Offer)) or 0)


def _good_form(business_id: int) -> dict[str, str]:
    today = date.today()
    return {
        "business_id": str(business_id),
        "title": "Two coffees for £4",
        "details": "All week, all day.",
        "terms": "",
        "starts_on": today.isoformat(),
        "ends_on": (today + timedelta(days=7)).isoformat(),
        "reach": "radius",
        "radius_m": "400",
        "redemption_code": "COFFEE4",
    }


def test_signed_out_visitors_are_sent_to_sign_in(client: FlaskClient) -> None:
    response = client.get("/manage/offers/new")

    assert response.status_code == 302
    assert response.headers["Location"].startswith("/manage/sign-in")


def test_owner_publishes_an_offer_and_its_alerts_are_queued(client: FlaskClient) -> None:
    shop = make_business(hub=make_hub(slug="south-norwood"))
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    response = submit(client, "/manage/offers/new", _good_form(shop.id))

    assert response.status_code == 303
    offer = db.session.scalars(select(Offer)).one()
    assert (offer.title, offer.status, offer.radius_m, offer.redemption_code) == (
        "Two coffees for £4",
        "published",
        400,
        "COFFEE4",
    )
    # The geofence is a 400 m circle around the shop, computed by PostGIS.
    area_m2 = db.session.scalar(select(func.ST_Area(func.geography(Offer.geofence))))
    assert 3.14 * 400**2 * 0.97 < area_m2 < 3.14 * 400**2 * 1.01
    job = db.session.scalars(select(Job)).one()
    assert (job.kind, job.payload, job.status) == ("push_offer", {"offer_id": offer.id}, "queued")
    assert "is live" in client.get("/manage/").get_data(as_text=True)


def test_a_bad_offer_form_re_renders_with_errors_and_keeps_input(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)
    form = {**_good_form(shop.id), "title": "", "ends_on": "2020-01-01", "radius_m": "5"}

    response = submit(client, "/manage/offers/new", form)

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert page.count('class="error-summary"') == 1
    assert '<a href="#title">Enter what the offer is</a>' in page
    assert '<a href="#ends_on">The last day must be the same as or after the first day</a>' in page
    assert '<a href="#radius_m">Enter a distance from 200 to 2000 metres</a>' in page
    assert 'value="COFFEE4"' in page
    assert _offers() == 0
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_a_date_that_is_not_a_date_is_an_error_not_a_crash(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    response = submit(
        client, "/manage/offers/new", {**_good_form(shop.id), "starts_on": "next tuesday"}
    )

    assert response.status_code == 200
    assert 'href="#starts_on"' in response.get_data(as_text=True)
    assert _offers() == 0


def test_an_owner_cannot_post_for_someone_elses_business(client: FlaskClient) -> None:
    hub = make_hub()
    mine, theirs = make_business(hub=hub), make_business(hub=hub)
    owner = make_user(businesses=[mine])
    sign_in(client, owner.email, PASSWORD)

    response = submit(client, "/manage/offers/new", _good_form(theirs.id))

    assert response.status_code == 200  # not a valid choice for this owner
    assert "Not a valid choice" in response.get_data(as_text=True)
    assert _offers() == 0


def test_an_account_with_no_business_is_told_so(client: FlaskClient) -> None:
    owner = make_user(businesses=[])
    sign_in(client, owner.email, PASSWORD)

    assert client.get("/manage/offers/new").status_code == 403


def test_posting_without_the_csrf_token_is_refused(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    response = client.post("/manage/offers/new", data=_good_form(shop.id))

    assert response.status_code == 400
    assert _offers() == 0


def test_an_unapproved_business_offer_waits_and_queues_nothing(client: FlaskClient) -> None:
    shop = make_business(status="pending")
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    submit(client, "/manage/offers/new", _good_form(shop.id))

    assert db.session.scalars(select(Offer)).one().status == "pending"
    assert db.session.scalar(select(func.count()).select_from(Job)) == 0


def test_optional_fields_left_out_of_the_post_entirely_are_fine(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)
    form = _good_form(shop.id)
    for optional in ("details", "terms", "redemption_code"):
        del form[optional]

    response = submit(client, "/manage/offers/new", form)

    assert response.status_code == 303
    offer = db.session.scalars(select(Offer)).one()
    assert (offer.details, offer.terms, offer.redemption_code) == ("", "", None)
