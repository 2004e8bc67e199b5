"""End to end: an owner publishes an offer, the worker matches alert areas with PostGIS and
sends Web Push to a local push service that decrypts it with the subscriber's keys."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import CLOCK_TOWER, PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in, submit
from tests.support.push_service import PushServiceStandIn, SubscriberKeys
from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.common.days import london_today
from townhub.extensions import db
from townhub.jobs.models import Job
from townhub.jobs.service import enqueue, run_next_job

pytestmark = pytest.mark.live

NEAR_THE_SHOP = (CLOCK_TOWER[0], CLOCK_TOWER[1] + 0.0015)  # about 170 m north
UP_THE_HILL = (CLOCK_TOWER[0], CLOCK_TOWER[1] + 0.0135)  # about 1.5 km north


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    with PushServiceStandIn() as service:
        yield service


@pytest.fixture
def owner_client(client: FlaskClient) -> FlaskClient:
    shop = make_business(
        hub=make_hub(slug="south-norwood"), name="Clocktower Coffee", at=CLOCK_TOWER
    )
    owner = make_user(businesses=[shop], email="owner@example.org")
    db.session.commit()
    sign_in(client, owner.email, PASSWORD)
    client.business_id = shop.id  # type: ignore[attr-defined]
    return client


def _subscribe(client: FlaskClient, service: PushServiceStandIn, **choices: Any) -> dict[str, Any]:
    subscription = service.subscription(SubscriberKeys.generate())
    response = client.post(
        "/push/subscriptions", json={**subscription, "hub": "south-norwood", **choices}
    )
    assert response.status_code == 201, response.get_json()
    return subscription


def _circle(at: tuple[float, float], radius_m: int) -> dict[str, Any]:
    return {"type": "circle", "lon": at[0], "lat": at[1], "radius_m": radius_m}


def _publish(client: FlaskClient, radius_m: int) -> None:
    response = submit(
        client,
        "/manage/offers/new",
        {
            "business_id": str(client.business_id),  # type: ignore[attr-defined]
            "title": "Flat white and a pastry for £3.50",
            "details": "Weekday mornings.",
            "starts_on": london_today().isoformat(),
            "ends_on": (london_today() + timedelta(days=30)).isoformat(),
            "reach": "radius",
            "radius_m": str(radius_m),
        },
    )
    assert response.status_code == 303


def _run_all_jobs() -> None:
    while run_next_job():
        pass


def _token(subscription: dict[str, Any]) -> str:
    return str(subscription["endpoint"]).rsplit("/", 1)[1]


def test_only_subscriptions_whose_area_meets_the_geofence_get_the_push(
    owner_client: FlaskClient, push_service: PushServiceStandIn
) -> None:
    near = _subscribe(
        owner_client, push_service, topics=["offers"], area=_circle(NEAR_THE_SHOP, 300)
    )
    whole_hub = _subscribe(owner_client, push_service, topics=["offers", "travel"])
    far = _subscribe(owner_client, push_service, topics=["offers"], area=_circle(UP_THE_HILL, 200))
    events_only = _subscribe(owner_client, push_service, topics=["events"])

    _publish(owner_client, radius_m=400)
    _run_all_jobs()

    job = db.session.scalars(select(Job)).one()
    assert job.status == "done", job.last_error
    pushes = push_service.wait_for(2)
    assert sorted(p.endpoint_token for p in pushes) == sorted([_token(near), _token(whole_hub)])
    message = pushes[0].json()
    assert message["title"] == "Clocktower Coffee: Flat white and a pastry for £3.50"
    assert message["url"].startswith("/south-norwood/offers/")
    assert message["manage"].startswith("/alerts/")
    assert pushes[0].headers["Topic"] == message["tag"]
    assert pushes[0].claims["sub"].startswith("mailto:")
    assert int(pushes[0].headers["TTL"]) > 0
    assert pushes[0].headers["Urgency"] == "normal"
    assert push_service.rejected == []
    assert _token(far) not in {p.endpoint_token for p in push_service.received}
    assert _token(events_only) not in {p.endpoint_token for p in push_service.received}
    assert [d.status for d in db.session.scalars(select(PushDelivery))] == ["sent", "sent"]
    assert db.session.scalars(select(Job)).one().status == "done"


def test_running_the_same_job_again_sends_nothing_twice(
    owner_client: FlaskClient, push_service: PushServiceStandIn
) -> None:
    _subscribe(owner_client, push_service, topics=["offers"])
    _publish(owner_client, radius_m=400)
    _run_all_jobs()
    job = db.session.scalars(select(Job)).one()

    # As if a worker had died after sending and the job were claimed again.
    enqueue(job.kind, dict(job.payload))
    db.session.commit()
    _run_all_jobs()

    assert len(push_service.received) == 1


def test_a_gone_subscription_is_deleted_with_its_area(
    owner_client: FlaskClient, push_service: PushServiceStandIn
) -> None:
    gone = _subscribe(
        owner_client, push_service, topics=["offers"], area=_circle(NEAR_THE_SHOP, 300)
    )
    push_service.respond_with(_token(gone), 410)

    _publish(owner_client, radius_m=400)
    _run_all_jobs()

    db.session.remove()
    assert db.session.scalars(select(PushSubscription)).all() == []
    delivery = db.session.scalars(select(PushDelivery)).one()
    assert (delivery.status, delivery.http_status, delivery.subscription_id) == (
        "removed",
        410,
        None,
    )
