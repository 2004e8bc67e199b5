"""Reading a hub and what is on it now."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select

from townhub.common import geo
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.events.service import upcoming_events
from townhub.extensions import db
from townhub.footfall.service import Busyness, busyness
from townhub.hubs.models import Hub, Place
from townhub.notices.models import Notice
from townhub.notices.service import current_notices
from townhub.offers.models import Offer
from townhub.offers.service import live_offers
from townhub.roadworks.models import Roadwork
from townhub.roadworks.service import in_force

HOME_OFFERS = 6
HOME_EVENTS = 4

# Paths that can never be hub slugs: they belong to the app itself.
RESERVED_SLUGS = frozenset(
    {
        "manage",
        "alerts",
        "push",
        "api",
        "open-data",
        "static",
        "healthz",
        "sensors",
        "roadworks",
        "photos",
        "offline",
        "sw.js",
        "language",
        "robots.txt",
        "favicon.ico",
    }
)


class HubNotFound(LookupError):
    """No hub has that slug."""


@dataclass(frozen=True)
class HubHome:
    hub: Hub
    offers: list[Offer]
    events: list[Event]
    roadworks: list[Roadwork]
    busyness: Busyness
    notices: list[Notice]


@dataclass(frozen=True)
class NearbyHub:
    hub: Hub
    distance_m: float


def list_hubs() -> list[Hub]:
    """All hubs by name."""
    return list(db.session.scalars(select(Hub).order_by(Hub.name)))


def nearest_hubs(lon: float, lat: float) -> list[NearbyHub]:
    """Every hub with its distance from the point (0 inside it), nearest first.

    The point is used for this query only: it is never stored.
    """
    distance = geo.distance_m(Hub.boundary, geo.point(lon, lat))
    rows = db.session.execute(select(Hub, distance).order_by(distance, Hub.name))
    return [NearbyHub(hub, float(metres)) for hub, metres in rows]


def get_hub(slug: str) -> Hub:
    """The hub with this slug; raises HubNotFound."""
    hub: Hub | None = db.session.scalar(select(Hub).where(Hub.slug == slug))
    if hub is None:
        raise HubNotFound(slug)
    return hub


def hub_home(hub: Hub, now: datetime | None = None) -> HubHome:
    """Offers running now, the next events, roadworks in force, how busy it is and the
    high street team's notices."""
    now = now or utcnow()
    return HubHome(
        hub=hub,
        offers=[listing.offer for listing in live_offers(hub, now=now)][:HOME_OFFERS],
        events=upcoming_events(hub, now, limit=HOME_EVENTS),
        roadworks=in_force(hub, now),
        busyness=busyness(hub, now),
        notices=current_notices(hub, now),
    )


def places_by_hub(hubs: list[Hub]) -> dict[Hub, list[Place]]:
    """Each hub's streets and landmarks by name, for choosing an alert area in words."""
    places: dict[Hub, list[Place]] = {hub: [] for hub in hubs}
    by_id = {hub.id: hub for hub in hubs}
    for place in db.session.scalars(
        select(Place).where(Place.hub_id.in_(by_id)).order_by(Place.name)
    ):
        places[by_id[place.hub_id]].append(place)
    return places
