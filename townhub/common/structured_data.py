"""schema.org JSON-LD for events and offers, so search engines and assistants can read them."""

from __future__ import annotations

from typing import Any

from flask import url_for
from geoalchemy2 import WKBElement

from townhub.businesses.models import Business
from townhub.common import geo
from townhub.events.models import Event
from townhub.offers.models import Offer


def _coordinates(element: WKBElement) -> dict[str, Any]:
    lon, lat = geo.lon_lat(element)
    return {"@type": "GeoCoordinates", "latitude": lat, "longitude": lon}


def _place(business: Business) -> dict[str, Any]:
    place: dict[str, Any] = {
        "@type": "LocalBusiness",
        "name": business.name,
        "url": url_for(
            "businesses.show",
            hub_slug=business.hub.slug,
            business_slug=business.slug,
            _external=True,
        ),
        "geo": _coordinates(business.location),
    }
    if business.address:
        place["address"] = business.address
    if business.phone:
        place["telephone"] = business.phone
    return place


def event_jsonld(event: Event) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Event",
        "name": event.title,
        "startDate": event.starts_at.isoformat(),
        "endDate": event.ends_at.isoformat(),
        "eventStatus": "https://schema.org/EventScheduled",
        "eventAttendanceMode": "https://schema.org/OfflineEventAttendanceMode",
        "location": {"@type": "Place", "name": event.place, "address": event.place},
        "url": url_for("events.show", hub_slug=event.hub.slug, event_id=event.id, _external=True),
    }
    if event.description:
        data["description"] = event.description
    if event.location is not None:
        data["location"]["geo"] = _coordinates(event.location)
    if event.business is not None:
        data["organizer"] = _place(event.business)
    return data


def offer_jsonld(offer: Offer) -> dict[str, Any]:
    data: dict[str, Any] = {
        "@context": "https://schema.org",
        "@type": "Offer",
        "name": offer.title,
        "validFrom": offer.starts_at.isoformat(),
        "validThrough": offer.ends_at.isoformat(),
        "availability": "https://schema.org/InStoreOnly",
        "offeredBy": _place(offer.business),
        "url": url_for("offers.show", hub_slug=offer.hub.slug, offer_id=offer.id, _external=True),
    }
    if offer.details:
        data["description"] = offer.details
    return data
