"""GeoJSON (RFC 7946) features of the open data: each feature's `properties` carry its
`id` and the public fields residents see on the site, never owners' details, redemption
codes, moderation states or reasons. Links are absolute, for use from other sites."""

from __future__ import annotations

from typing import Any

from flask import url_for
from geoalchemy2 import WKBElement

from townhub.api.service import iso
from townhub.businesses.service import BusinessListing
from townhub.common import geo
from townhub.events.models import Event
from townhub.hubs.models import Hub
from townhub.offers.models import Offer
from townhub.roadworks.service import RoadworkNews, TravelNews
from townhub.sensors.models import Sensor


def _feature(geometry: WKBElement | None, properties: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "Feature",
        "id": properties["id"],
        "geometry": geo.geojson(geometry) if geometry is not None else None,
        "properties": properties,
    }


def collection(features: list[dict[str, Any]], metadata: dict[str, Any]) -> dict[str, Any]:
    """A FeatureCollection; the licence goes in a foreign member, as RFC 7946 allows."""
    return {"type": "FeatureCollection", "metadata": metadata, "features": features}


def _url(endpoint: str, **values: Any) -> str:
    return url_for(endpoint, _external=True, **values)


def hub_links(hub: Hub) -> dict[str, str]:
    """The hub's public page and each of its datasets."""
    api = {"hub": hub.slug}
    return {
        "page": _url("hubs.home", hub_slug=hub.slug),
        "businesses": _url("api.businesses", **api),
        "offers": _url("api.offers", **api),
        "events": _url("api.events", **api),
        "events_ics": _url("api.events_ics", **api),
        "roadworks": _url("api.roadworks", **api),
        "sensors": _url("api.sensors", **api),
        "footfall": _url("api.footfall_json", **api),
        "footfall_csv": _url("api.footfall_csv", **api),
    }


def hub_feature(hub: Hub) -> dict[str, Any]:
    return _feature(
        hub.boundary,
        {"id": hub.id, "slug": hub.slug, "name": hub.name, "links": hub_links(hub)},
    )


def business_feature(listing: BusinessListing) -> dict[str, Any]:
    business = listing.business
    photo = (
        _url("businesses.photo", file_name=f"{business.photo}-large.jpg")
        if business.photo
        else None
    )
    return _feature(
        business.location,
        {
            "id": business.id,
            "slug": business.slug,
            "name": business.name,
            "category": business.category,
            "description": business.description,
            "address": business.address,
            "phone": business.phone,
            "email": business.email,
            "website": business.website,
            "accessibility": business.accessibility,
            "opening_hours": business.opening_hours,
            "open_now": listing.open_now,
            "near_roadworks": listing.near_roadworks,
            "photo_url": photo,
            "photo_alt": business.photo_alt if photo else None,
            "url": _url("businesses.show", hub_slug=business.hub.slug, business_slug=business.slug),
        },
    )


def offer_feature(hub: Hub, offer: Offer) -> dict[str, Any]:
    business = offer.business
    return _feature(
        business.location,
        {
            "id": offer.id,
            "title": offer.title,
            "details": offer.details,
            "terms": offer.terms,
            "starts_at": iso(offer.starts_at),
            "ends_at": iso(offer.ends_at),
            "business_id": business.id,
            "business_name": business.name,
            "category": business.category,
            "url": _url("offers.show", hub_slug=hub.slug, offer_id=offer.id),
        },
    )


def event_feature(hub: Hub, event: Event) -> dict[str, Any]:
    return _feature(
        event.location,
        {
            "id": event.id,
            "title": event.title,
            "description": event.description,
            "place": event.place,
            "starts_at": iso(event.starts_at),
            "ends_at": iso(event.ends_at),
            "business_id": event.business.id if event.business else None,
            "business_name": event.business.name if event.business else None,
            "url": _url("events.show", hub_slug=hub.slug, event_id=event.id),
            "ics_url": _url("events.event_ics", hub_slug=hub.slug, event_id=event.id),
        },
    )


def roadwork_features(hub: Hub, news: TravelNews) -> list[dict[str, Any]]:
    """Works in force first, then those coming within two weeks."""
    return [_roadwork(hub, item, True) for item in news.in_force] + [
        _roadwork(hub, item, False) for item in news.coming
    ]


def _roadwork(hub: Hub, item: RoadworkNews, in_force: bool) -> dict[str, Any]:
    roadwork = item.roadwork
    return _feature(
        roadwork.geometry,
        {
            "id": roadwork.id,
            "reference": roadwork.reference,
            "street": roadwork.street,
            "description": roadwork.description,
            "traffic_management": roadwork.traffic_management,
            "starts_at": iso(roadwork.starts_at),
            "ends_at": iso(roadwork.ends_at),
            "in_force": in_force,
            "diversion": geo.geojson(roadwork.diversion) if roadwork.diversion else None,
            "diversion_text": roadwork.diversion_text,
            "businesses_nearby": [
                {
                    "id": business.id,
                    "name": business.name,
                    "url": _url("businesses.show", hub_slug=hub.slug, business_slug=business.slug),
                }
                for business in item.affected
            ],
        },
    )


def sensor_feature(sensor: Sensor) -> dict[str, Any]:
    hub = sensor.hub
    return _feature(
        sensor.location,
        {
            "id": sensor.id,
            "name": sensor.name,
            "hub": hub.slug,
            "kind": sensor.kind,
            "operator": sensor.operator,
            "placement": sensor.placement,
            "last_seen_at": iso(sensor.last_seen_at) if sensor.last_seen_at else None,
            "url": _url("sensors.public_sensor", hub_slug=hub.slug, sensor_id=sensor.id),
        },
    )
