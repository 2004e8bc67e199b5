"""Reading a hub's events, as residents see them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time

from sqlalchemy import ColumnElement, or_, select
from sqlalchemy.orm import joinedload

from townhub.accounts.models import User
from townhub.alerts.service import queue_event_alerts
from townhub.businesses.models import Business
from townhub.common.days import at_london
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.offers.service import goes_live_at_once


class EventNotFound(LookupError):
    """The hub has no published event with that id."""


def upcoming_events(hub: Hub, now: datetime | None = None, limit: int = 200) -> list[Event]:
    """Published events not yet over, soonest first."""
    return list(
        db.session.scalars(
            select(Event)
            .options(joinedload(Event.business))
            .outerjoin(Business, Event.business_id == Business.id)
            .where(
                Event.hub_id == hub.id,
                Event.status == "published",
                _business_shown(),
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
        .outerjoin(Business, Event.business_id == Business.id)
        .where(
            Event.id == event_id,
            Event.hub_id == hub.id,
            Event.status == "published",
            _business_shown(),
        )
    )
    if event is None:
        raise EventNotFound(event_id)
    return event


def _business_shown() -> ColumnElement[bool]:
    """The event is the high street's own, or its business is on the hub."""
    return or_(Event.business_id.is_(None), Business.status == "approved")


@dataclass(frozen=True)
class EventDraft:
    hub: Hub
    business: Business | None
    title: str
    description: str
    place: str
    day: date
    starts: time
    ends: time


def as_event(draft: EventDraft) -> Event:
    """The draft as an event, not stored: for saving, or for a preview."""
    ends_day = (
        draft.day if draft.ends > draft.starts else date.fromordinal(draft.day.toordinal() + 1)
    )
    return Event(
        hub=draft.hub,
        hub_id=draft.hub.id,
        business=draft.business,
        title=draft.title,
        description=draft.description,
        place=draft.place,
        starts_at=at_london(draft.day, draft.starts),
        # An end time before the start time is after midnight: a late-night event.
        ends_at=at_london(ends_day, draft.ends),
    )


def publish_event(user: User, draft: EventDraft) -> Event:
    """Store an event: published (alerts queued) if it may go live at once, else pending
    approval. The high street team's own events (no business) are published. Commits."""
    event = as_event(draft)
    live = draft.business is None or goes_live_at_once(user, draft.business)
    event.status = "published" if live else "pending"
    db.session.add(event)
    db.session.flush()
    if live:
        queue_event_alerts(event)
    db.session.commit()
    return event


def events_for(businesses: list[Business]) -> list[Event]:
    """Events of these businesses, newest first."""
    return list(
        db.session.scalars(
            select(Event)
            .where(Event.business_id.in_([b.id for b in businesses]))
            .order_by(Event.created_at.desc())
            .limit(50)
        )
    )
