"""Reading a hub and what is on it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from townhub.businesses.models import Business
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.offers.models import Offer
from townhub.roadworks.models import Roadwork

# Paths that can never be hub slugs: they belong to the app itself.
RESERVED_SLUGS = frozenset(
    {"manage", "alerts", "push", "api", "static", "healthz", "sensors", "offline", "sw.js"}
)


class HubNotFound(LookupError):
    """No hub has that slug."""


@dataclass(frozen=True)
class HubHome:
    hub: Hub
    offers: list[Offer]
    events: list[Event]
    roadworks: list[Roadwork]


def list_hubs() -> list[Hub]:
    """All hubs by name."""
    return list(db.session.scalars(select(Hub).order_by(Hub.name)))


def get_hub(slug: str) -> Hub:
    """The hub with this slug; raises HubNotFound."""
    hub: Hub | None = db.session.scalar(select(Hub).where(Hub.slug == slug))
    if hub is None:
        raise HubNotFound(slug)
    return hub


def hub_home(hub: Hub, now: datetime | None = None) -> HubHome:
    """Offers live now, the next events and roadworks in force or starting within a week."""
    now = now or utcnow()
    offers = db.session.scalars(
        select(Offer)
        .options(joinedload(Offer.business))
        .join(Business)
        .where(
            Offer.hub_id == hub.id,
            Offer.status == "published",
            Business.status == "approved",
            Offer.starts_at <= now,
            Offer.ends_at > now,
        )
        .order_by(Offer.ends_at, Offer.id)
        .limit(20)
    )
    events = db.session.scalars(
        select(Event)
        .where(Event.hub_id == hub.id, Event.status == "published", Event.ends_at > now)
        .order_by(Event.starts_at, Event.id)
        .limit(10)
    )
    roadworks = db.session.scalars(
        select(Roadwork)
        .where(
            Roadwork.hub_id == hub.id,
            Roadwork.ends_at > now,
            Roadwork.starts_at <= now + timedelta(days=7),
        )
        .order_by(Roadwork.starts_at, Roadwork.id)
    )
    return HubHome(hub=hub, offers=list(offers), events=list(events), roadworks=list(roadworks))
