from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from tests.factories import make_business, make_hub
from townhub.common.models import utcnow
from townhub.engagement import service
from townhub.engagement.models import DailyCount
from townhub.extensions import db


def test_arrivals_from_a_poster_are_counted_with_the_business(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, slug="portland-road-bakery")

    client.get("/south-norwood/?ref=portland-road-bakery")
    client.get("/south-norwood/?ref=portland-road-bakery")
    client.get("/south-norwood/?ref=no-such-shop")  # counted, without the bogus poster
    client.get("/south-norwood/offers")  # a shared link: another arrival
    # Moving around the hub is not a new visit, nor is an HTMX swap.
    client.get("/south-norwood/events", headers={"Referer": "http://localhost/south-norwood/"})
    client.get("/south-norwood/businesses", headers={"HX-Request": "true"})

    tallies = {(t.kind, t.ref): t.count for t in service.tallies(hub, utcnow().date())}
    assert tallies == {("visit", "portland-road-bakery"): 2, ("visit", ""): 2}


def test_installs_are_counted_per_poster_without_identifiers(client: FlaskClient) -> None:
    hub = make_hub(slug="south-norwood")
    make_business(hub=hub, slug="portland-road-bakery")

    ok = client.post("/south-norwood/installs", data={"ref": "portland-road-bakery"})
    refused = client.post(
        "/south-norwood/installs", data={"ref": ""}, headers={"Sec-Fetch-Site": "cross-site"}
    )

    assert ok.status_code == 204 and refused.status_code == 403
    (row,) = db.session.query(DailyCount).filter_by(kind="install").all()
    assert (row.ref, row.count, row.item_id) == ("portland-road-bakery", 1, 0)
    columns = set(DailyCount.__table__.columns.keys())
    assert columns == {"id", "day", "hub_id", "kind", "item_id", "ref", "count"}


def test_an_unknown_kind_is_refused() -> None:
    with pytest.raises(ValueError, match="tracking-pixel"):
        service.count(make_hub(), "tracking-pixel")
