"""Reading a hub's events, as residents see them."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import joinedload

from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub


class EventNotFound(LookupError):
    """The hub has no published event with that id."""


def upcoming_events(hub: Hub, now: datetime | None = None, limit: int = 200) -> list[Event]:
    """Published events not yet over, soonest first."""
    return list(
        db.session.scalars(
            select(Event)
            .options(joinedload(Event.business))
            .where(
                Event.hub_id == hub.id,
                Event.status == "published",
                Event.ends_at > (now or utcnow()),
            )
            .order_by(Event.starts_at, Event.id)
            .limit(limit)
        )
    )


def event_for_resident(hub: Hub, event_id: int) -> Event:
    """A published event of the hub, past or to come. Raises EventNotFound."""
    event: Event | None = db.session.scalar(
        select(Event)
        .options(joinedload(Event.business))
        .where(Event.id == event_id, Event.hub_id == hub.id, Event.status == "published")
    )
    if event is None:
        raise EventNotFound(event_id)
    return event
