"""Finding the businesses on a high street, as residents look for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import Exists, exists, func, or_, select

from townhub.businesses import hours
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.offers.models import Offer
from townhub.roadworks.models import Roadwork

# A business this close to works is "open during roadworks": the works are outside its door.
NEAR_ROADWORKS_M = 100
# Works starting within this many days already matter to a shop.
ROADWORKS_AHEAD = timedelta(days=7)
PAGE_SIZE = 24


class BusinessNotFound(LookupError):
    """The hub lists no business at that address."""


@dataclass(frozen=True)
class BusinessListing:
    business: Business
    open_now: bool | None
    near_roadworks: bool


@dataclass(frozen=True)
class BusinessPage:
    listings: list[BusinessListing]
    total: int
    page: int
    pages: int


@dataclass(frozen=True)
class BusinessDetail:
    listing: BusinessListing
    offers: list[Offer]
    events: list[Event]
    roadworks: list[Roadwork]


def _near_roadworks(now: datetime) -> Exists:
    """True for a business within NEAR_ROADWORKS_M of works in force now or within a week."""
    return (
        exists()
        .where(
            Roadwork.hub_id == Business.hub_id,
            Roadwork.ends_at > now,
            Roadwork.starts_at <= now + ROADWORKS_AHEAD,
            geo.within_m(Roadwork.geometry, Business.location, NEAR_ROADWORKS_M),
        )
        .correlate(Business)
    )


def find_businesses(
    hub: Hub,
    *,
    query: str = "",
    category: str = "",
    open_now: bool = False,
    page: int = 1,
    now: datetime | None = None,
) -> BusinessPage:
    """The hub's approved businesses matching a search, a category and "open now", by name.

    The search is PostgreSQL full text (English stemming) over name, category, description
    and address, plus a plain match on part of the name for half-typed words.
    """
    now = now or utcnow()
    statement = select(Business, _near_roadworks(now)).where(
        Business.hub_id == hub.id, Business.status == "approved"
    )
    if query:
        tsquery = func.websearch_to_tsquery("english", query)
        escaped = query.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        statement = statement.where(
            or_(Business.search.bool_op("@@")(tsquery), Business.name.ilike(f"%{escaped}%"))
        ).order_by(func.ts_rank(Business.search, tsquery).desc())
    if category:
        statement = statement.where(Business.category == category)
    local = now.astimezone(LONDON)
    listings = [
        BusinessListing(business, hours.is_open(business.opening_hours, local), bool(is_near))
        for business, is_near in db.session.execute(statement.order_by(Business.name))
    ]
    if open_now:
        listings = [listing for listing in listings if listing.open_now]
    pages = max(1, -(-len(listings) // PAGE_SIZE))
    start = (page - 1) * PAGE_SIZE
    return BusinessPage(listings[start : start + PAGE_SIZE], len(listings), page, pages)


def business_detail(hub: Hub, slug: str, now: datetime | None = None) -> BusinessDetail:
    """An approved business with its live offers, coming events and nearby roadworks.

    Raises BusinessNotFound.
    """
    now = now or utcnow()
    business = db.session.scalar(
        select(Business).where(
            Business.hub_id == hub.id, Business.slug == slug, Business.status == "approved"
        )
    )
    if business is None:
        raise BusinessNotFound(slug)
    roadworks = list(
        db.session.scalars(
            select(Roadwork)
            .where(
                Roadwork.hub_id == hub.id,
                Roadwork.ends_at > now,
                Roadwork.starts_at <= now + ROADWORKS_AHEAD,
                geo.within_m(Roadwork.geometry, business.location, NEAR_ROADWORKS_M),
            )
            .order_by(Roadwork.starts_at)
        )
    )
    offers = list(
        db.session.scalars(
            select(Offer)
            .where(
                Offer.business_id == business.id,
                Offer.status == "published",
                Offer.starts_at <= now,
                Offer.ends_at > now,
            )
            .order_by(Offer.ends_at, Offer.id)
        )
    )
    events = list(
        db.session.scalars(
            select(Event)
            .where(
                Event.business_id == business.id, Event.status == "published", Event.ends_at > now
            )
            .order_by(Event.starts_at, Event.id)
            .limit(10)
        )
    )
    listing = BusinessListing(
        business, hours.is_open(business.opening_hours, now.astimezone(LONDON)), bool(roadworks)
    )
    return BusinessDetail(listing, offers, events, roadworks)
