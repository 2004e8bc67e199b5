"""What can be alerted: offers, events, roadworks and notices. For each: whether it is still worth
an alert, where it is (its geofence), which topic it belongs to and what the
notification says, in the resident's language."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask_babel import force_locale, gettext
from sqlalchemy import ColumnElement, select

from townhub.common import geo
from townhub.common.formatting import last_day
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.notices.models import Notice
from townhub.offers.models import Offer
from townhub.roadworks.models import Roadwork

# Residents within this distance of an event or of roadworks hear about them.
EVENT_REACH_M = 800
ROADWORK_REACH_M = 300


@dataclass(frozen=True)
class AlertItem:
    kind: str  # offer, event, roadwork, notice
    id: int
    hub: Hub
    topic: str
    geofence: ColumnElement[Any]
    urgency: str
    reminder: bool = False

    @property
    def delivery_kind(self) -> str:
        """What a delivery records: a reminder is a second, separate alert for its item."""
        return f"{self.kind}_reminder" if self.reminder else self.kind

    @property
    def tag(self) -> str:
        """The notification tag and Web Push Topic: a resend replaces, never repeats."""
        return f"{self.delivery_kind}-{self.id}"

    def message(self, language: str) -> dict[str, str]:
        """Title, body and the path it opens, in the resident's language, with the label
        of the notification's button to the resident's alert settings."""
        with force_locale(language):
            return {
                **_MESSAGES[self.kind](self.id, self.reminder),
                "manage_label": gettext("Change or stop alerts"),
            }


def load(kind: str, item_id: int, reminder: bool = False) -> AlertItem | None:
    """The item if it is still worth an alert (published and not over), else None."""
    now = utcnow()
    geofence: Any
    if kind == "offer":
        offer = db.session.get(Offer, item_id)
        if offer is None or offer.status != "published" or offer.ends_at <= now:
            return None
        geofence = select(Offer.geofence).where(Offer.id == item_id).scalar_subquery()
        return AlertItem("offer", item_id, offer.hub, "offers", geofence, "normal")
    if kind == "event":
        event = db.session.get(Event, item_id)
        if event is None or event.status != "published" or event.ends_at <= now:
            return None
        if event.location is None:
            geofence = select(Hub.boundary).where(Hub.id == event.hub_id).scalar_subquery()
        else:
            geofence = geo.buffer_m(
                select(Event.location).where(Event.id == item_id).scalar_subquery(),
                EVENT_REACH_M,
            )
        return AlertItem("event", item_id, event.hub, "events", geofence, "normal")
    if kind == "roadwork":
        roadwork = db.session.get(Roadwork, item_id)
        if roadwork is None or roadwork.ends_at <= now:
            return None
        reach: Any = geo.buffer_m(
            select(Roadwork.geometry).where(Roadwork.id == item_id).scalar_subquery(),
            ROADWORK_REACH_M,
        )
        return AlertItem("roadwork", item_id, roadwork.hub, "travel", reach, "high", reminder)
    if kind == "notice":
        notice = db.session.get(Notice, item_id)
        if notice is None or notice.status != "published" or notice.ends_at <= now:
            return None
        whole_hub = select(Hub.boundary).where(Hub.id == notice.hub_id).scalar_subquery()
        return AlertItem("notice", item_id, notice.hub, "notices", whole_hub, "normal")
    return None


def _offer(item_id: int, reminder: bool) -> dict[str, str]:
    offer = db.session.get(Offer, item_id)
    assert offer is not None
    return {
        "title": f"{offer.business.name}: {offer.title}",
        "body": offer.details[:200] or gettext("A new offer near you."),
        "url": f"/{offer.hub.slug}/offers/{offer.id}",
    }


def _event(item_id: int, reminder: bool) -> dict[str, str]:
    event = db.session.get(Event, item_id)
    assert event is not None
    return {
        "title": event.title,
        "body": gettext(
            "%(place)s, %(day)s", place=event.place, day=last_day(event.starts_at, "EEEE d MMMM")
        ),
        "url": f"/{event.hub.slug}/events/{event.id}",
    }


def _roadwork(item_id: int, reminder: bool) -> dict[str, str]:
    roadwork = db.session.get(Roadwork, item_id)
    assert roadwork is not None
    title = (
        gettext("Roadworks start tomorrow: %(street)s", street=roadwork.street)
        if reminder
        else gettext("Roadworks: %(street)s", street=roadwork.street)
    )
    body = roadwork.description
    if roadwork.diversion_text:
        body += " " + gettext("Diversion: %(route)s", route=roadwork.diversion_text)
    return {"title": title, "body": body[:300], "url": f"/{roadwork.hub.slug}/travel"}


def _notice(item_id: int, reminder: bool) -> dict[str, str]:
    notice = db.session.get(Notice, item_id)
    assert notice is not None
    return {
        "title": notice.title,
        "body": notice.body[:200],
        "url": f"/{notice.hub.slug}/notices/{notice.id}",
    }


_MESSAGES = {"offer": _offer, "event": _event, "roadwork": _roadwork, "notice": _notice}


def describe(kind: str, item_id: int) -> dict[str, str] | None:
    """A delivery's item in words (current language), or None if it has been deleted."""
    base = kind.removesuffix("_reminder")
    model = {"offer": Offer, "event": Event, "roadwork": Roadwork, "notice": Notice}.get(base)
    if model is None or db.session.get(model, item_id) is None:
        return None
    return _MESSAGES[base](item_id, kind != base)
