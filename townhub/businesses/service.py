"""Finding the businesses on a high street, as residents look for them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Exists, exists, func, or_, select

from townhub.businesses import hours
from townhub.businesses.models import Business
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.offers.models import Offer
from townhub.roadworks import service as roadworks
from townhub.roadworks.models import Roadwork

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
    """True for a business next to works in force now or starting soon."""
    return (
        exists()
        .where(Roadwork.hub_id == Business.hub_id, roadworks.near(Business.location, now))
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
    works_nearby = list(
        db.session.scalars(
            select(Roadwork)
            .where(Roadwork.hub_id == hub.id, roadworks.near(business.location, now))
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
        business, hours.is_open(business.opening_hours, now.astimezone(LONDON)), bool(works_nearby)
    )
    return BusinessDetail(listing, offers, events, works_nearby)
