"""A business owner posts an offer from the phone form."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in, submit
from townhub.common.days import london_today
from townhub.extensions import db
from townhub.jobs.models import Job
from townhub.offers.models import Offer


def _offers() -> int:
    return int(db.session.scalar(select(func.count()).select_from(Offer)) or 0)


def _good_form(business_id: int) -> dict[str, str]:
    today = london_today()
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
    assert (job.kind, job.payload, job.status) == (
        "push_item",
        {"kind": "offer", "id": offer.id},
        "queued",
    )
    assert "is live" in client.get("/manage/").get_data(as_text=True)


def test_a_bad_offer_form_re_renders_with_errors_and_keeps_input(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)
    form = {
        **_good_form(shop.id),
        "title": "",
        "starts_on": (london_today() + timedelta(days=5)).isoformat(),
        "ends_on": (london_today() + timedelta(days=2)).isoformat(),
        "radius_m": "5",
    }

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


@pytest.mark.parametrize(
    ("change", "field", "message"),
    [
        (
            {"starts_on": "2020-01-01", "ends_on": "2020-01-02"},
            "ends_on",
            "The last day must be today or later",
        ),
        (
            {"starts_on": "9999-12-30", "ends_on": "9999-12-31"},
            "starts_on",
            "The first day must be within the next year",
        ),
        ({"ends_on": "2099-12-31"}, "ends_on", "An offer can run for a year at most"),
        ({"reach": "everywhere"}, "reach", "Not a valid choice"),
    ],
)
def test_offer_dates_and_reach_are_checked(
    client: FlaskClient, change: dict[str, str], field: str, message: str
) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    response = submit(client, "/manage/offers/new", {**_good_form(shop.id), **change})

    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert f'<a href="#{field}">{message}' in page
    assert _offers() == 0


def test_a_field_with_two_errors_shows_one(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    # "abc" is not a whole number, and with reach=radius a distance is also required:
    # the checked client fails the page on duplicate ids if both are shown.
    response = submit(client, "/manage/offers/new", {**_good_form(shop.id), "radius_m": "abc"})

    assert response.get_data(as_text=True).count('id="radius_m-error"') == 1


def test_an_offer_starting_later_alerts_when_it_starts(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)
    start = london_today() + timedelta(days=3)

    submit(
        client,
        "/manage/offers/new",
        {
            **_good_form(shop.id),
            "starts_on": start.isoformat(),
            "ends_on": (start + timedelta(days=2)).isoformat(),
        },
    )

    job = db.session.scalars(select(Job)).one()
    offer = db.session.scalars(select(Offer)).one()
    assert job.run_at == offer.starts_at


def test_a_nul_character_is_refused_not_a_crash(client: FlaskClient) -> None:
    shop = make_business()
    owner = make_user(businesses=[shop])
    sign_in(client, owner.email, PASSWORD)

    response = submit(client, "/manage/offers/new", {**_good_form(shop.id), "title": "Bread\x00"})

    assert response.status_code == 400
    assert _offers() == 0
    assert client.get("/%00/footfall").status_code == 400
