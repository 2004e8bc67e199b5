"""Scans of each business's poster: visits counted with its `ref`, over 30 days and ever."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from tests.factories import make_business, make_hub
from townhub.engagement import service

TODAY = date(2026, 3, 31)
NOON = datetime(2026, 3, 31, 12, tzinfo=UTC)


def test_poster_scans_are_totalled_per_business_over_30_days_and_ever() -> None:
    hub = make_hub()
    make_business(hub=hub, slug="bakery")
    for days_ago in (0, 0, 29, 30, 400):
        service.count(hub, "visit", ref="bakery", now=NOON - timedelta(days=days_ago))
    service.count(hub, "visit", now=NOON)  # not from a poster
    service.count(hub, "install", ref="bakery", now=NOON)  # not a scan
    service.count(make_hub(), "visit", ref="bakery", now=NOON)  # another hub's shop

    scans = service.poster_scans(hub, TODAY)

    assert scans == {"bakery": service.PosterScans(last_30_days=3, total=5)}
