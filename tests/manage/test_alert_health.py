"""/manage/hubs/<hub>/alerts: delivery health per hub, for that hub's managers and the
council only."""

from __future__ import annotations

from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_business, make_hub, make_subscription, make_user
from tests.support.forms import sign_in
from townhub.alerts.models import PushDelivery
from townhub.extensions import db


def _deliveries(hub_id: int, subscription_id: int, statuses: dict[str, int]) -> None:
    n = 0
    for status, count in statuses.items():
        for _ in range(count):
            n += 1
            db.session.add(
                PushDelivery(
                    hub_id=hub_id,
                    subscription_id=subscription_id,
                    item_kind="offer",
                    item_id=n,
                    status=status,
                    http_status={"failed": 403, "removed": 410}.get(status),
                    detail={"failed": "VAPID key mismatch"}.get(status, ""),
                )
            )
    db.session.flush()


def test_a_hub_manager_sees_what_became_of_alerts(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    phone = make_subscription(hub=hub, topics=["offers", "travel"])
    make_subscription(hub=hub, topics=["travel"])
    make_subscription(hub=make_hub(), topics=["offers"])  # another hub's: not counted
    _deliveries(
        hub.id, phone.id, {"sent": 5, "digested": 2, "retrying": 1, "failed": 3, "removed": 1}
    )
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)

    page = client.get("/manage/hubs/south-norwood/alerts").get_data(as_text=True)

    assert "2 phones follow South Norwood." in page
    assert '<th scope="row">Roadworks and diversions</th><td class="numeric">2</td>' in page
    assert '<th scope="row">Offers from shops</th><td class="numeric">1</td>' in page
    row = page.split('<th scope="row">Last 24 hours</th>')[1].split("</tr>")[0]
    assert [cell.split("</td>")[0] for cell in row.split('class="numeric">')[1:]] == [
        "7",
        "1",
        "3",
        "1",
    ]
    assert "VAPID key mismatch" in page
    assert "/manage/hubs/south-norwood/alerts" in client.get("/manage/").get_data(as_text=True)


def test_the_council_sees_every_hub(client: FlaskClient) -> None:
    make_hub(slug="purley", name="Purley")
    sign_in(client, make_user(role="council_admin").email, PASSWORD)

    response = client.get("/manage/hubs/purley/alerts")

    assert response.status_code == 200 and "0 phones follow Purley." in response.get_data(
        as_text=True
    )


def test_no_one_else_sees_a_hubs_alert_figures(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    other_manager = make_user(role="hub_manager", hubs=[make_hub(slug="purley")])
    owner = make_user(businesses=[make_business(hub=hub)])

    assert client.get("/manage/hubs/south-norwood/alerts").status_code == 302  # sign in first
    for user in (other_manager, owner):
        sign_in(client, user.email, PASSWORD)
        assert client.get("/manage/hubs/south-norwood/alerts").status_code == 403
        client.post("/manage/sign-out")
    sign_in(client, other_manager.email, PASSWORD)
    assert client.get("/manage/hubs/nowhere/alerts").status_code == 404
