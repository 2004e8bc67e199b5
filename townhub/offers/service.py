"""Posting offers. Publishing an offer queues its alerts in the same transaction."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from townhub.accounts.models import User
from townhub.accounts.service import may_act_for, may_manage_hub
from townhub.alerts.service import queue_offer_alerts
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.days import at_london
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.offers.models import Offer


class NotAllowed(PermissionError):
    """This user may not act for that business."""


class BusinessNotFound(LookupError):
    """No business has that id."""


class OfferNotFound(LookupError):
    """The hub has no published offer with that id."""


class OfferEnded(LookupError):
    """The offer existed but has ended (or not started): residents can no longer use it."""

    def __init__(self, offer: Offer) -> None:
        super().__init__(offer.id)
        self.offer = offer


@dataclass(frozen=True)
class OfferListing:
    offer: Offer
    distance_m: float | None


@dataclass(frozen=True)
class OfferDraft:
    business_id: int
    title: str
    details: str
    terms: str
    starts_on: date
    ends_on: date
    radius_m: int | None
    redemption_code: str | None


def businesses_for(user: User) -> list[Business]:
    """The businesses this user may post for, by name."""
    if user.role == "council_admin":
        query = select(Business)
    elif user.role == "hub_manager":
        query = select(Business).where(Business.hub_id.in_([hub.id for hub in user.hubs]))
    else:
        query = select(Business).where(Business.id.in_([b.id for b in user.businesses]))
    return list(db.session.scalars(query.order_by(Business.name)))


def business_for(user: User, business_id: int) -> Business:
    business = db.session.get(Business, business_id)
    if business is None:
        raise BusinessNotFound(business_id)
    if not may_act_for(user, business):
        raise NotAllowed(f"user {user.id} may not post for business {business_id}")
    return business


def geofence_for(business: Business, radius_m: int | None) -> Any:
    """Who an offer reaches: a circle of radius_m around the shop, or the whole hub."""
    if radius_m:
        return geo.buffer_m(business.location, radius_m)
    return select(Hub.boundary).where(Hub.id == business.hub_id).scalar_subquery()


def goes_live_at_once(user: User, business: Business) -> bool:
    """A post goes live without waiting for approval when the business is approved and
    either trusted or posted for by its hub's managers."""
    return business.status == "approved" and (
        business.trusted or may_manage_hub(user, business.hub)
    )


def _as_offer(business: Business, draft: OfferDraft) -> Offer:
    return Offer(
        hub_id=business.hub_id,
        hub=business.hub,
        business_id=business.id,
        business=business,
        title=draft.title,
        details=draft.details,
        terms=draft.terms,
        # An offer runs from the start of its first day to the end of its last, London time.
        starts_at=at_london(draft.starts_on),
        ends_at=at_london(draft.ends_on + timedelta(days=1)),
        radius_m=draft.radius_m,
        redemption_code=draft.redemption_code or None,
    )


def preview_offer(user: User, draft: OfferDraft) -> Offer:
    """The offer as residents would see it, not stored. Raises NotAllowed or
    BusinessNotFound."""
    return _as_offer(business_for(user, draft.business_id), draft)


def publish_offer(user: User, draft: OfferDraft) -> Offer:
    """Create an offer: published (alerts queued) if it may go live at once, else pending
    approval.

    Raises NotAllowed or BusinessNotFound. Commits.
    """
    business = business_for(user, draft.business_id)
    offer = _as_offer(business, draft)
    offer.geofence = geofence_for(business, draft.radius_m)
    offer.status = "published" if goes_live_at_once(user, business) else "pending"
    db.session.add(offer)
    if offer.status == "published":
        offer.published_at = utcnow()
        db.session.flush()
        queue_offer_alerts(offer)
    db.session.commit()
    return offer


def offers_for(user: User) -> list[Offer]:
    """Offers of the businesses this user may post for, newest first."""
    ids = [b.id for b in businesses_for(user)]
    return list(
        db.session.scalars(
            select(Offer)
            .where(Offer.business_id.in_(ids))
            .order_by(Offer.created_at.desc())
            .limit(50)
        )
    )


def _live(hub: Hub, now: datetime) -> Any:
    return (
        select(Offer)
        .join(Business)
        .options(joinedload(Offer.business))
        .where(
            Offer.hub_id == hub.id,
            Offer.status == "published",
            Business.status == "approved",
            Offer.starts_at <= now,
            Offer.ends_at > now,
        )
    )


def live_offers(
    hub: Hub,
    *,
    category: str = "",
    near: tuple[float, float] | None = None,
    now: datetime | None = None,
) -> list[OfferListing]:
    """The hub's offers running now, ending soonest first, or nearest first when `near`
    (longitude, latitude) is given. The position is used for this query only."""
    now = now or utcnow()
    statement = _live(hub, now)
    if category:
        statement = statement.where(Business.category == category)
    if near is None:
        return [
            OfferListing(offer, None)
            for offer in db.session.scalars(statement.order_by(Offer.ends_at, Offer.id))
        ]
    distance = geo.distance_m(Business.location, geo.point(*near))
    rows = db.session.execute(
        statement.add_columns(distance.label("distance")).order_by(distance, Offer.id)
    )
    return [OfferListing(offer, float(metres)) for offer, metres in rows]


def offer_for_resident(hub: Hub, offer_id: int, now: datetime | None = None) -> Offer:
    """A published offer of the hub that is running now.

    Raises OfferNotFound, or OfferEnded when it is outside its dates.
    """
    now = now or utcnow()
    offer: Offer | None = db.session.scalar(
        select(Offer)
        .join(Business)
        .options(joinedload(Offer.business))
        .where(
            Offer.id == offer_id,
            Offer.hub_id == hub.id,
            Offer.status == "published",
            Business.status == "approved",
        )
    )
    if offer is None:
        raise OfferNotFound(offer_id)
    if not offer.starts_at <= now < offer.ends_at:
        raise OfferEnded(offer)
    return offer


def saved_offers(hub: Hub, offer_ids: list[int], now: datetime | None = None) -> list[Offer]:
    """Those of the given offers (saved on the resident's phone) that are still running."""
    if not offer_ids:
        return []
    statement = _live(hub, now or utcnow()).where(Offer.id.in_(offer_ids))
    return list(db.session.scalars(statement.order_by(Offer.ends_at, Offer.id)))
