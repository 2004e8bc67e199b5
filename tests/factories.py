"""Keyword-only factories for test data. Each returns a flushed model with sensible
defaults around South Norwood; pass overrides for what the test is about."""

from __future__ import annotations

import itertools
import secrets
from datetime import date, datetime, timedelta
from typing import Any

from townhub.accounts.models import User
from townhub.accounts.service import hash_password
from townhub.alerts.models import PushSubscription
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.common.days import at_london, london_today
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.footfall.models import FootfallCount, FootfallRollup
from townhub.hubs.models import Hub, Place
from townhub.offers.models import Offer
from townhub.offers.service import geofence_for
from townhub.roadworks.models import Roadwork
from townhub.sensors.models import Sensor
from townhub.tracker.models import TrackedBusiness, VisitNote

_numbers = itertools.count(1)
PASSWORD = "correct horse battery staple"

# A box around South Norwood High Street, and points inside it.
SOUTH_NORWOOD_BOX = [(-0.0790, 51.3955), (-0.0700, 51.3955), (-0.0700, 51.4010), (-0.0790, 51.4010)]
CLOCK_TOWER = (-0.0752, 51.3975)
# Purley, about 7 km away: outside any South Norwood geofence.
PURLEY = (-0.1140, 51.3377)


def _save(model: Any) -> Any:
    db.session.add(model)
    db.session.flush()
    return model


def make_hub(
    *, slug: str | None = None, ring: list[tuple[float, float]] | None = None, **overrides: Any
) -> Hub:
    n = next(_numbers)
    values: dict[str, Any] = {
        "slug": slug or f"hub-{n}",
        "name": f"Test Hub {n}",
        "boundary": geo.polygon(ring or SOUTH_NORWOOD_BOX),
    }
    return _save(Hub(**{**values, **overrides}))


def make_business(
    *, hub: Hub | None = None, at: tuple[float, float] = CLOCK_TOWER, **overrides: Any
) -> Business:
    hub = hub or make_hub()
    n = next(_numbers)
    values: dict[str, Any] = {
        "hub_id": hub.id,
        "slug": f"shop-{n}",
        "name": f"Test Shop {n}",
        "category": "groceries",
        "location": geo.point(*at),
        "opening_hours": {"mon": [["09:00", "17:30"]]},
        "status": "approved",
        # Approved and trusted: its posts go live at once, as most tests expect.
        "trusted": True,
    }
    return _save(Business(**{**values, **overrides}))


def make_user(
    *,
    role: str = "owner",
    businesses: list[Business] | None = None,
    hubs: list[Hub] | None = None,
    password: str = PASSWORD,
    **overrides: Any,
) -> User:
    n = next(_numbers)
    values: dict[str, Any] = {
        "email": f"user{n}@example.org",
        "name": f"User {n}",
        "role": role,
        "password_hash": hash_password(password),
    }
    user = User(**{**values, **overrides})
    user.businesses = businesses or []
    user.hubs = hubs or []
    return _save(user)


def make_offer(
    *, business: Business | None = None, radius_m: int | None = None, **overrides: Any
) -> Offer:
    business = business or make_business()
    now = utcnow()
    values: dict[str, Any] = {
        "hub_id": business.hub_id,
        "business_id": business.id,
        "title": f"Offer {next(_numbers)}",
        "details": "Two for one on sourdough.",
        "starts_at": now - timedelta(days=1),
        "ends_at": now + timedelta(days=6),
        "radius_m": radius_m,
        "geofence": geofence_for(business, radius_m),
        "status": "published",
        "published_at": now,
    }
    return _save(Offer(**{**values, **overrides}))


def make_event(*, hub: Hub | None = None, **overrides: Any) -> Event:
    hub = hub or make_hub()
    start = utcnow() + timedelta(days=3)
    values: dict[str, Any] = {
        "hub_id": hub.id,
        "title": f"Event {next(_numbers)}",
        "place": "Stanley Halls",
        "starts_at": start,
        "ends_at": start + timedelta(hours=2),
        "status": "published",
    }
    return _save(Event(**{**values, **overrides}))


def make_roadwork(*, hub: Hub | None = None, **overrides: Any) -> Roadwork:
    hub = hub or make_hub()
    now = utcnow()
    values: dict[str, Any] = {
        "hub_id": hub.id,
        "reference": f"TEST-{next(_numbers)}",
        "street": "High Street",
        "description": "Gas main replacement.",
        "traffic_management": "Road closure",
        "starts_at": now - timedelta(days=2),
        "ends_at": now + timedelta(days=12),
        "geometry": geo.line([(-0.0752, 51.3975), (-0.0735, 51.3990)]),
        "diversion": geo.line([(-0.0752, 51.3975), (-0.0770, 51.3990), (-0.0735, 51.3990)]),
        "diversion_text": "Via Station Road and Portland Road.",
    }
    return _save(Roadwork(**{**values, **overrides}))


def make_sensor(*, hub: Hub | None = None, **overrides: Any) -> Sensor:
    hub = hub or make_hub()
    n = next(_numbers)
    values: dict[str, Any] = {
        "hub_id": hub.id,
        "device_id": f"test-counter-{n}",
        "dev_eui": f"70B3D57ED00{n:05X}",
        "name": f"Counter {n}",
        "location": geo.point(*CLOCK_TOWER),
        "kind": "paxcounter",
        "mapping": {"period_minutes": 15},
    }
    return _save(Sensor(**{**values, **overrides}))


def make_silent_sensor(*, hub: Hub, name: str = "Clock tower") -> Sensor:
    """A sensor that spoke every 10 minutes, then stopped 25 minutes ago: more than twice
    its usual gap, so the next check flags it."""
    sensor = make_sensor(hub=hub, name=name, mapping={"period_minutes": 15})
    now = utcnow()
    for n in range(6):
        db.session.add(
            FootfallCount(
                sensor_id=sensor.id,
                measured_at=now - timedelta(minutes=25 + 10 * n),
                period_minutes=15,
                people=3,
            )
        )
    sensor.last_seen_at = now - timedelta(minutes=25)
    db.session.commit()
    return sensor


def make_subscription(
    *,
    hub: Hub | None = None,
    endpoint: str | None = None,
    centre: tuple[float, float] | None = None,
    radius_m: int | None = None,
    topics: list[str] | None = None,
    **overrides: Any,
) -> PushSubscription:
    hub = hub or make_hub()
    values: dict[str, Any] = {
        "endpoint": endpoint or f"https://fcm.googleapis.com/fcm/send/{next(_numbers)}",
        "p256dh": "B" + "A" * 86,
        "auth": "A" * 22,
        "hub_id": hub.id,
        "topics": topics or ["offers"],
        "area_centre": geo.point(*centre) if centre else None,
        "area_radius_m": radius_m,
        "token": secrets.token_urlsafe(24),
    }
    return _save(PushSubscription(**{**values, **overrides}))


def make_place(
    *, hub: Hub | None = None, at: tuple[float, float] = CLOCK_TOWER, **overrides: Any
) -> Place:
    values: dict[str, Any] = {
        "hub_id": (hub or make_hub()).id,
        "name": f"Place {next(_numbers)}",
        "kind": "street",
        "position": geo.point(*at),
    }
    return _save(Place(**{**values, **overrides}))


def make_tracked(*, hub: Hub | None = None, **overrides: Any) -> TrackedBusiness:
    """A business on the onboarding tracker, not on Townhub yet unless `business_id` is given."""
    n = next(_numbers)
    values: dict[str, Any] = {
        "hub_id": (hub or make_hub()).id,
        "name": f"Tracked Shop {n}",
        "address": f"{n} High Street",
        "category": "groceries",
        "status": "not_contacted",
        "next_step": "",
    }
    return _save(TrackedBusiness(**{**values, **overrides}))


def make_visit_note(*, entry: TrackedBusiness | None = None, **overrides: Any) -> VisitNote:
    values: dict[str, Any] = {
        "tracked_business_id": (entry or make_tracked()).id,
        "visited_on": london_today(),
        "note": "Owner busy on Saturdays; come back Tuesday morning.",
    }
    return _save(VisitNote(**{**values, **overrides}))


def make_rollup(
    *, sensor: Sensor, start: datetime | date, people: int, grain: str = "1h", readings: int = 4
) -> FootfallRollup:
    """A roll-up as the ingest files it: a date means that London day ("1d")."""
    if not isinstance(start, datetime):
        start, grain = at_london(start), "1d"
    return _save(
        FootfallRollup(
            sensor_id=sensor.id, grain=grain, bucket_start=start, people=people, readings=readings
        )
    )
