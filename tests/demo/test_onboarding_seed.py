"""The demo onboarding tracker: every demo business plus shops not on Townhub yet, with a
mix of statuses, visits and next steps, and no duplicates when the seed runs again."""

from __future__ import annotations

from sqlalchemy import func, select

from townhub.demo.onboarding import PROSPECTS, check
from townhub.demo.seed import seed
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.tracker import service
from townhub.tracker.models import TrackedBusiness, VisitNote


def _count(model: type) -> int:
    return int(db.session.scalar(select(func.count()).select_from(model)) or 0)


def test_the_demo_prospects_are_consistent() -> None:
    assert check(PROSPECTS) == []


def test_each_demo_hub_has_a_tracker_with_every_status_and_no_duplicates() -> None:
    seed(weeks=1)
    first = (_count(TrackedBusiness), _count(VisitNote))

    seed(weeks=1)

    assert (_count(TrackedBusiness), _count(VisitNote)) == first
    for hub in db.session.scalars(select(Hub)):
        page = service.tracker(hub, target=20)
        counts = page.progress.counts
        assert all(counts[status] > 0 for status in counts), (hub.slug, counts)
        assert 15 <= sum(1 for row in page.rows if not row.on_townhub) <= 25
        assert any(row.next_step_on and row.next_step_on <= page.today for row in page.rows)
        assert 5 <= counts["active"] < 20
