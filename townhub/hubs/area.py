"""Whether a position is on a hub's high street: shops and sensors are placed with it."""

from __future__ import annotations

from sqlalchemy import select

from townhub.common import geo
from townhub.extensions import db
from townhub.hubs.models import Hub

# A position further than this outside the hub's boundary is a slip, not the high street.
HIGH_STREET_SLACK_M = 300


def on_high_street(hub_id: int, lon: float, lat: float) -> bool:
    position = geo.point(lon, lat)
    return bool(
        db.session.scalar(
            select(geo.within_m(Hub.boundary, position, HIGH_STREET_SLACK_M)).where(
                Hub.id == hub_id
            )
        )
    )
