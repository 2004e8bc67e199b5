"""Travel news: roadworks and diversions, and the businesses next to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, and_, select

from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.roadworks.models import Roadwork

# Businesses this close to the works are "affected": the works are outside their door.
AFFECTED_WITHIN_M = 100
# How far ahead residents are told about planned works.
COMING_UP = timedelta(days=14)
# Works starting within this many days already matter to a shop next to them.
SOON = timedelta(days=7)


@dataclass(frozen=True)
class RoadworkNews:
    roadwork: Roadwork
    affected: list[Business]


@dataclass(frozen=True)
class TravelNews:
    in_force: list[RoadworkNews]
    coming: list[RoadworkNews]


def near(location: Any, now: datetime) -> ColumnElement[bool]:
    """For roadworks: in force now or starting SOON, within AFFECTED_WITHIN_M of `location`
    (a business's place, or its column in a correlated query)."""
    return and_(
        Roadwork.ends_at > now,
        Roadwork.starts_at <= now + SOON,
        geo.within_m(Roadwork.geometry, location, AFFECTED_WITHIN_M),
    )


def in_force(hub: Hub, now: datetime | None = None) -> list[Roadwork]:
    """Roadworks on the hub's streets right now."""
    now = now or utcnow()
    return list(
        db.session.scalars(
            select(Roadwork)
            .where(Roadwork.hub_id == hub.id, Roadwork.starts_at <= now, Roadwork.ends_at > now)
            .order_by(Roadwork.ends_at, Roadwork.id)
        )
    )


def travel_news(hub: Hub, now: datetime | None = None) -> TravelNews:
    """Roadworks in force now and those starting within two weeks, each with the approved
    businesses within AFFECTED_WITHIN_M of the works."""
    now = now or utcnow()
    roadworks = list(
        db.session.scalars(
            select(Roadwork)
            .where(
                Roadwork.hub_id == hub.id,
                Roadwork.ends_at > now,
                Roadwork.starts_at <= now + COMING_UP,
            )
            .order_by(Roadwork.starts_at, Roadwork.id)
        )
    )
    affected: dict[int, list[Business]] = {roadwork.id: [] for roadwork in roadworks}
    if roadworks:
        rows = db.session.execute(
            select(Roadwork.id, Business)
            .join(Business, geo.within_m(Business.location, Roadwork.geometry, AFFECTED_WITHIN_M))
            .where(
                Roadwork.id.in_(affected),
                Business.hub_id == hub.id,
                Business.status == "approved",
            )
            .order_by(Business.name)
        )
        for roadwork_id, business in rows:
            affected[roadwork_id].append(business)
    news = [RoadworkNews(roadwork, affected[roadwork.id]) for roadwork in roadworks]
    return TravelNews(
        in_force=[n for n in news if n.roadwork.starts_at <= now],
        coming=[n for n in news if n.roadwork.starts_at > now],
    )
