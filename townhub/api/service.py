"""What the open-data API publishes: exactly what residents see on the public pages, read
through those pages' own services, so the API can never show more than the site does."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from townhub.businesses.service import BusinessListing, find_businesses
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.events.service import upcoming_events
from townhub.hubs.models import Hub
from townhub.hubs.service import list_hubs
from townhub.offers.models import Offer
from townhub.offers.service import live_offers
from townhub.roadworks.service import TravelNews, travel_news
from townhub.sensors.models import Sensor
from townhub.sensors.register import hub_sensors

LICENCE_NAME = "Open Government Licence v3.0"
LICENCE_URL = "https://www.nationalarchives.gov.uk/doc/open-government-licence/version/3/"
ATTRIBUTION = "Contains public sector information licensed under the Open Government Licence v3.0."


def iso(moment: datetime) -> str:
    """A time as ISO 8601 with the offset in force in London (+00:00 or +01:00)."""
    return moment.astimezone(LONDON).isoformat()


def metadata(publisher: str, source: str, now: datetime | None = None) -> dict[str, Any]:
    """The licence and provenance every open-data JSON document carries."""
    return {
        "licence": {"name": LICENCE_NAME, "url": LICENCE_URL},
        "attribution": ATTRIBUTION,
        "publisher": publisher or None,
        "source": source,
        "generated_at": (now or utcnow()).astimezone(UTC).isoformat(timespec="seconds"),
    }


def hubs() -> list[Hub]:
    """Every hub, by name."""
    return list_hubs()


def businesses(hub: Hub, now: datetime | None = None) -> list[BusinessListing]:
    """The hub's approved businesses, by name: every page of the public list."""
    first = find_businesses(hub, now=now)
    listings = list(first.listings)
    for page in range(2, first.pages + 1):
        listings.extend(find_businesses(hub, page=page, now=now).listings)
    return listings


def offers(hub: Hub, now: datetime | None = None) -> list[Offer]:
    """The hub's offers running now (published, of approved businesses), ending soonest first."""
    return [listing.offer for listing in live_offers(hub, now=now)]


def events(hub: Hub, now: datetime | None = None) -> list[Event]:
    """The hub's published events not yet over, soonest first."""
    return upcoming_events(hub, now)


def roadworks(hub: Hub, now: datetime | None = None) -> TravelNews:
    """Roadworks in force and those starting within two weeks, as on the travel page."""
    return travel_news(hub, now)


def sensors(hub: Hub | None = None) -> list[Sensor]:
    """The people counters of one hub, or of every hub (by hub name, then sensor name)."""
    chosen = [hub] if hub is not None else list_hubs()
    return [sensor for each in chosen for sensor in hub_sensors(each)]
