"""iCalendar files (RFC 5545) for events, made with the icalendar library."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import UTC, date, datetime

from flask_babel import gettext
from icalendar import Calendar
from icalendar import Event as CalendarEvent

from townhub.common import geo
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.hubs.models import Hub


def calendar(
    hub: Hub,
    events: Iterable[Event],
    url_for_event: Callable[[Event], str],
    domain: str,
    now: datetime | None = None,
) -> bytes:
    """A calendar of the events, times in Europe/London with the zone described inside."""
    stamp = (now or utcnow()).astimezone(UTC)
    cal = Calendar()
    cal.add("prodid", f"-//Townhub//{hub.name}//EN")
    cal.add("version", "2.0")
    cal.add("calscale", "GREGORIAN")
    cal.add("method", "PUBLISH")
    cal.add("x-wr-calname", gettext("%(hub)s Town Hub events", hub=hub.name))
    cal.add("x-wr-timezone", "Europe/London")
    events = list(events)
    for event in events:
        item = CalendarEvent()
        # Stable across edits and exports, so calendars update an event rather than copy it.
        item.add("uid", f"event-{event.id}@{domain}")
        # With METHOD present, DTSTAMP is when this file was made (RFC 5545 3.8.7.2).
        item.add("dtstamp", stamp)
        item.add("created", event.created_at.astimezone(UTC))
        item.add("dtstart", event.starts_at.astimezone(LONDON))
        item.add("dtend", event.ends_at.astimezone(LONDON))
        item.add("summary", event.title)
        if event.description:
            item.add("description", event.description)
        item.add("location", event.place)
        if event.location is not None:
            lon, lat = geo.lon_lat(event.location)
            item.add("geo", (lat, lon))
        item.add("url", url_for_event(event))
        cal.add_component(item)
    # Describe Europe/London only over the years these events span, not 1970-2038.
    years = [e.starts_at.year for e in events] or [stamp.year]
    cal.add_missing_timezones(
        first_date=date(min(years) - 1, 1, 1), last_date=date(max(years) + 1, 12, 31)
    )
    ical: bytes = cal.to_ical()
    return ical
