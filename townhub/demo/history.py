"""The demo's past: what the dashboards have to find in eight weeks of made-up figures.

- A heatwave across all three hubs, 12 to 8 days ago: the afternoons empty out.
- The South Norwood Festival last Saturday: the street is packed.
- Mama Efua's Kitchen ran "Free kelewele with any lunch box" from 27 to 14 days ago: the
  two sensors by the shop count more people at lunchtime, and it was redeemed.
- Daily engagement (visits, installs, views, saves, redemptions) and alert reach, so the
  targets and each business's insights have something to show.

Everything is worked out from `today`, so the demo always has these in the right place.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import delete, select

from townhub.alerts.models import PushDelivery
from townhub.businesses.models import Business
from townhub.common.formatting import LONDON
from townhub.engagement.models import DailyCount
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.offers.models import Offer

HEATWAVE_DAYS_AGO = range(8, 13)  # 8 to 12 days ago
FESTIVAL_HUB = "south-norwood"
OFFER_BUSINESS = "mama-efuas-kitchen"
OFFER_SENSORS = ("sn-clock-tower", "sn-station-road")  # the two within 100 m of the shop
OFFER_LIFT = 1.5  # around lunchtime, on weekdays, while the offer ran
DEMO_DETAIL = "demo"  # marks the demo's alert deliveries, so a second seed replaces them
# Installs so far in each hub: the targets page shows them part of the way to 1,000.
INSTALLS = {"south-norwood": 640, "thornton-heath": 410, "purley": 180}


@dataclass(frozen=True)
class Past:
    today: date

    @property
    def heatwave(self) -> set[date]:
        return {self.today - timedelta(days=n) for n in HEATWAVE_DAYS_AGO}

    @property
    def festival(self) -> date:
        """Last Saturday (1 to 7 days ago): after the heatwave's weekdays and the offer, with
        four ordinary Saturdays before it."""
        return self.today - timedelta(days=(self.today.weekday() - 5) % 7 or 7)

    @property
    def offer_days(self) -> tuple[date, date]:
        """The kelewele offer's first and last day (places.py: from 27 days ago, 14 days)."""
        return self.today - timedelta(days=27), self.today - timedelta(days=14)

    def footfall_factor(self, hub_slug: str, device_id: str, local: datetime) -> float:
        """How much busier (above 1) or quieter than the usual shape this hour was."""
        day, hour = local.date(), local.hour
        factor = 1.0
        if day in self.heatwave:
            factor *= 0.5 if 10 <= hour < 19 else 0.8
        if hub_slug == FESTIVAL_HUB and day == self.festival and 10 <= hour < 22:
            factor *= 2.6
        first, last = self.offer_days
        if (
            device_id in OFFER_SENSORS
            and first <= day <= last
            and day.weekday() < 5
            and 11 <= hour < 15
        ):
            factor *= OFFER_LIFT
        return factor


def seed_engagement(past: Past) -> None:
    """Replace the demo hubs' daily counts before today and their alert deliveries with
    a plausible history."""
    hubs = {hub.slug: hub for hub in db.session.scalars(select(Hub)) if hub.slug in INSTALLS}
    first_day = past.today - timedelta(weeks=8)
    db.session.execute(
        delete(DailyCount).where(
            DailyCount.hub_id.in_([hub.id for hub in hubs.values()]),
            DailyCount.day >= first_day,
            DailyCount.day < past.today,
        )
    )
    db.session.execute(delete(PushDelivery).where(PushDelivery.detail == DEMO_DETAIL))
    rows: list[dict[str, object]] = []
    for slug, hub in hubs.items():
        rng = random.Random(slug)
        days = [first_day + timedelta(days=n) for n in range((past.today - first_day).days)]

        def add(day: date, kind: str, count: int, item_id: int = 0, hub: Hub = hub) -> None:
            if count > 0:
                rows.append(
                    {"day": day, "hub_id": hub.id, "kind": kind, "item_id": item_id, "count": count}
                )

        installs = _spread(INSTALLS[slug], len(days), rng)
        businesses = list(db.session.scalars(select(Business).where(Business.hub_id == hub.id)))
        offers = list(db.session.scalars(select(Offer).where(Offer.hub_id == hub.id)))
        events = list(db.session.scalars(select(Event).where(Event.hub_id == hub.id)))
        for index, day in enumerate(days):
            busy = 0.6 if day in past.heatwave else 2.0 if day == past.festival else 1.0
            add(day, "visit", round(rng.gauss(90, 15) * busy))
            add(day, "install", installs[index])
            for business in businesses:
                add(day, "business_view", round(rng.gauss(6, 3) * busy), business.id)
            for offer in offers:
                if not _day(offer.starts_at) <= day < _day(offer.ends_at):
                    continue
                boosted = offer.business.slug == OFFER_BUSINESS
                views = max(0, round(rng.gauss(30 if boosted else 14, 4) * busy))
                add(day, "offer_view", views, offer.id)
                add(day, "offer_save", round(views * rng.uniform(0.1, 0.2)), offer.id)
                add(day, "offer_redeem", round(views * rng.uniform(0.15, 0.3)), offer.id)
            for event in events:
                if day <= _day(event.starts_at):
                    add(day, "event_view", max(0, round(rng.gauss(8, 3))), event.id)
                    add(day, "event_calendar", rng.randint(0, 2), event.id)
        for offer in offers:
            if _day(offer.starts_at) < past.today:
                _reach(hub, "offer", offer.id, rng.randint(150, 320), offer.starts_at)
    for chunk in range(0, len(rows), 2000):
        db.session.execute(DailyCount.__table__.insert(), rows[chunk : chunk + 2000])


def _day(moment: datetime) -> date:
    return moment.astimezone(LONDON).date()


def _spread(total: int, days: int, rng: random.Random) -> list[int]:
    """`total` split over `days`, growing as the posters go up."""
    weights = [(n + 5) * rng.uniform(0.7, 1.3) for n in range(days)]
    scale = total / sum(weights)
    shares = [int(w * scale) for w in weights]
    shares[-1] += total - sum(shares)
    return shares


def _reach(hub: Hub, kind: str, item_id: int, phones: int, at: datetime) -> None:
    """An alert that went to `phones` phones, most of which it reached."""
    failed = phones // 25
    db.session.execute(
        PushDelivery.__table__.insert(),
        [
            {
                "hub_id": hub.id,
                "subscription_id": None,
                "item_kind": kind,
                "item_id": item_id,
                "status": "failed" if n < failed else "sent",
                "attempts": 1,
                "detail": DEMO_DETAIL,
                "at": at,
            }
            for n in range(phones)
        ],
    )
