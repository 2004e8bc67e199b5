"""Counting what residents do as daily totals: the only engagement record Townhub keeps."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import func, select, text
from sqlalchemy.dialects.postgresql import insert

from townhub.businesses.models import Business
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.engagement.models import KINDS, DailyCount
from townhub.extensions import db
from townhub.hubs.models import Hub


@dataclass(frozen=True)
class Tally:
    kind: str
    item_id: int
    ref: str
    count: int


@dataclass(frozen=True)
class PosterScans:
    last_30_days: int
    total: int


def referring_business(hub: Hub, ref: str | None) -> str:
    """The slug of the hub's approved business named by a poster's `?ref=`, else ""."""
    if not ref or len(ref) > 80:
        return ""
    found = db.session.scalar(
        select(Business.slug).where(
            Business.hub_id == hub.id, Business.slug == ref, Business.status == "approved"
        )
    )
    return found or ""


def count(
    hub: Hub, kind: str, item_id: int = 0, ref: str = "", now: datetime | None = None
) -> None:
    """Add one to today's total (Europe/London days) for this kind, item and poster. Commits.

    Raises ValueError for a kind that is not counted.
    """
    if kind not in KINDS:
        raise ValueError(f"not a counted kind: {kind}")
    day = (now or utcnow()).astimezone(LONDON).date()
    # Every arrival updates the same row of the day, so its lock must be short: a count
    # need not wait for the disk (a crash may lose the last fraction of a second of counts,
    # never corrupt them).
    db.session.execute(text("SET LOCAL synchronous_commit TO OFF"))
    db.session.execute(
        insert(DailyCount)
        .values(day=day, hub_id=hub.id, kind=kind, item_id=item_id, ref=ref, count=1)
        .on_conflict_do_update(
            constraint="uq_daily_counts_key", set_={"count": DailyCount.count + 1}
        )
    )
    db.session.commit()


def tallies(hub: Hub, day: date) -> list[Tally]:
    """Every total counted for the hub on one day."""
    rows = db.session.execute(
        select(DailyCount.kind, DailyCount.item_id, DailyCount.ref, func.sum(DailyCount.count))
        .where(DailyCount.hub_id == hub.id, DailyCount.day == day)
        .group_by(DailyCount.kind, DailyCount.item_id, DailyCount.ref)
        .order_by(DailyCount.kind, DailyCount.item_id, DailyCount.ref)
    )
    return [Tally(kind, item_id, ref, int(total)) for kind, item_id, ref, total in rows]


def poster_scans(hub: Hub, today: date | None = None) -> dict[str, PosterScans]:
    """Visits that arrived with each business's poster `ref` (its slug), in the 30 days
    up to today (Europe/London) and ever. Businesses with no scans are left out."""
    today = today or utcnow().astimezone(LONDON).date()
    since = today - timedelta(days=29)
    rows = db.session.execute(
        select(
            DailyCount.ref,
            func.coalesce(func.sum(DailyCount.count).filter(DailyCount.day >= since), 0),
            func.sum(DailyCount.count),
        )
        .where(DailyCount.hub_id == hub.id, DailyCount.kind == "visit", DailyCount.ref != "")
        .group_by(DailyCount.ref)
    )
    return {ref: PosterScans(int(recent), int(total)) for ref, recent, total in rows}
