"""The OpenAPI 3.1 document of /api/v1, written by hand and kept honest by tests: every
route is described (tests/api/test_openapi.py compares it with the app's URL map) and
every answer conforms (a Schemathesis run against the app)."""

from __future__ import annotations

import copy
from typing import Any

from townhub.api.footfall import AGGREGATES, HUB_COLUMNS, ISO_8601, LIMITS, SENSOR_COLUMNS
from townhub.api.service import ATTRIBUTION, LICENCE_NAME, LICENCE_URL
from townhub.footfall.figures import GRAINS

OPENAPI_VERSION = "3.1.0"
API_VERSION = "1.0.0"

_TIME = {
    "type": "string",
    "format": "date-time",
    "description": "ISO 8601 with the offset in force in London.",
}
_NULLABLE_TIME = {**_TIME, "type": ["string", "null"]}
_URL = {"type": "string", "format": "uri"}
_ID = {"id": {"type": "integer"}}
_POSITION = {"type": "array", "items": {"type": "number"}, "minItems": 2, "maxItems": 3}
_LINE = {"type": "array", "items": _POSITION, "minItems": 2}
_RING = {"type": "array", "items": _POSITION, "minItems": 4}


def _geometry(kind: str, coordinates: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "coordinates"],
        "properties": {"type": {"const": kind}, "coordinates": coordinates},
    }


def _object(properties: dict[str, Any], description: str = "") -> dict[str, Any]:
    schema: dict[str, Any] = {
        "type": "object",
        "required": list(properties),
        "properties": properties,
    }
    if description:
        schema["description"] = description
    return schema


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _feature(geometry: dict[str, Any], properties: dict[str, Any]) -> dict[str, Any]:
    return _object(
        {
            "type": {"const": "Feature"},
            "id": {"type": "integer"},
            "geometry": geometry,
            "properties": _object(properties),
        }
    )


def _collection(feature: str) -> dict[str, Any]:
    return _object(
        {
            "type": {"const": "FeatureCollection"},
            "metadata": _ref("Metadata"),
            "features": {"type": "array", "items": _ref(feature)},
        },
        "A GeoJSON FeatureCollection (RFC 7946); `metadata` is a foreign member.",
    )


def _text(description: str, nullable: bool = False) -> dict[str, Any]:
    return {"type": ["string", "null"] if nullable else "string", "description": description}


SCHEMAS: dict[str, Any] = {
    "Problem": {
        "type": "object",
        "description": "A problem document (RFC 9457).",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer", "minimum": 400, "maximum": 599},
            "detail": {"type": "string"},
            "invalid-params": {
                "type": "array",
                "description": "The query parameters that could not be used, and why.",
                "items": _object({"name": {"type": "string"}, "reason": {"type": "string"}}),
            },
            "limit": {
                "type": "string",
                "description": "The longest period allowed (ISO 8601 duration).",
                "enum": sorted(set(LIMITS.values())),
            },
        },
    },
    "Metadata": _object(
        {
            "licence": _object(
                {
                    "name": {"const": LICENCE_NAME},
                    "url": {"const": LICENCE_URL},
                }
            ),
            "attribution": {"const": ATTRIBUTION},
            "publisher": _text("The council publishing the data, when configured.", True),
            "source": {**_URL, "description": "The address this document was fetched from."},
            "generated_at": {"type": "string", "format": "date-time"},
        },
        "The licence and provenance of the data.",
    ),
    "Point": _geometry("Point", _POSITION),
    "LineString": _geometry("LineString", _LINE),
    "Polygon": _geometry("Polygon", {"type": "array", "items": _RING, "minItems": 1}),
    "MultiLineString": _geometry("MultiLineString", {"type": "array", "items": _LINE}),
    "HubLinks": _object(
        {
            name: {**_URL, "description": description}
            for name, description in {
                "page": "The hub's page for residents.",
                "businesses": "Its businesses (GeoJSON).",
                "offers": "Its offers running now (GeoJSON).",
                "events": "Its coming events (GeoJSON).",
                "events_ics": "Its coming events (iCalendar).",
                "roadworks": "Its roadworks (GeoJSON).",
                "sensors": "Its people counters (GeoJSON).",
                "footfall": "Its footfall (JSON; add from and to).",
                "footfall_csv": "Its footfall (CSV; add from and to).",
            }.items()
        }
    ),
    "Hub": _feature(
        _ref("Polygon"),
        {
            "id": {"type": "integer"},
            "slug": _text("The hub's name in addresses, e.g. south-norwood."),
            "name": _text("The high street's name."),
            "links": _ref("HubLinks"),
        },
    ),
    "Business": _feature(
        _ref("Point"),
        {
            "id": {"type": "integer"},
            "slug": _text("The business's name in its page's address."),
            "name": _text("The business's name."),
            "category": _text("What kind of business (e.g. groceries, cafe)."),
            "description": _text("What it says about itself."),
            "address": _text("Its street address."),
            "phone": _text("Its public phone number."),
            "email": _text("Its public contact address, as on its page."),
            "website": _text("Its website."),
            "accessibility": _text("How to get in and around (step-free access and so on)."),
            "opening_hours": {
                "type": "object",
                "description": (
                    "Opening hours in London time: for each day (mon to sun) a list of "
                    '[opens, closes] pairs ("HH:MM"); an empty list is closed.'
                ),
                "additionalProperties": {
                    "type": "array",
                    "items": {
                        "type": "array",
                        "items": {"type": "string"},
                        "minItems": 2,
                        "maxItems": 2,
                    },
                },
            },
            "open_now": {
                "type": ["boolean", "null"],
                "description": "Open at the time of the request (null: hours not given).",
            },
            "near_roadworks": {
                "type": "boolean",
                "description": "Roadworks nearby now or soon; the business is open as usual.",
            },
            "photo_url": {**_URL, "type": ["string", "null"]},
            "photo_alt": _text("What the photo shows.", True),
            "url": {**_URL, "description": "The business's page."},
        },
    ),
    "Offer": _feature(
        _ref("Point"),
        {
            "id": {"type": "integer"},
            "title": _text("The offer."),
            "details": _text("More about it."),
            "terms": _text("Its terms."),
            "starts_at": _TIME,
            "ends_at": _TIME,
            "business_id": {"type": "integer"},
            "business_name": _text("The business making the offer (its place is the point)."),
            "category": _text("The business's category."),
            "url": {**_URL, "description": "The offer's page."},
        },
    ),
    "Event": _feature(
        {"anyOf": [_ref("Point"), {"type": "null"}]},
        {
            "id": {"type": "integer"},
            "title": _text("The event."),
            "description": _text("More about it."),
            "place": _text("Where it happens, in words."),
            "starts_at": _TIME,
            "ends_at": _TIME,
            "business_id": {"type": ["integer", "null"]},
            "business_name": _text("The business holding it, if one does.", True),
            "url": {**_URL, "description": "The event's page."},
            "ics_url": {**_URL, "description": "The event as an iCalendar file."},
        },
    ),
    "Roadwork": _feature(
        {"anyOf": [_ref("LineString"), _ref("Polygon"), _ref("MultiLineString")]},
        {
            "id": {"type": "integer"},
            "reference": _text("The works' permit or the high street team's reference."),
            "street": _text("The street."),
            "description": _text("What the works are."),
            "traffic_management": _text("How traffic is managed (e.g. road closure)."),
            "starts_at": _TIME,
            "ends_at": _TIME,
            "in_force": {
                "type": "boolean",
                "description": "In force now; false: starting within two weeks.",
            },
            "diversion": {"anyOf": [_ref("LineString"), {"type": "null"}]},
            "diversion_text": _text("The diversion in words."),
            "businesses_nearby": {
                "type": "array",
                "description": "Businesses next to the works (open as usual).",
                "items": _object(
                    {"id": {"type": "integer"}, "name": {"type": "string"}, "url": _URL}
                ),
            },
        },
    ),
    "Sensor": _feature(
        _ref("Point"),
        {
            "id": {"type": "integer"},
            "name": _text("The counter's name."),
            "hub": _text("The slug of the hub it is on."),
            "kind": _text("The kind of counter (paxcounter, vs133, ...)."),
            "operator": _text("Who runs it (empty: the hub's high street team)."),
            "placement": _text("Where exactly it is."),
            "last_seen_at": {
                **_NULLABLE_TIME,
                "description": "When it last sent a count (null: never).",
            },
            "url": {**_URL, "description": "Its public page: what it counts and collects."},
        },
    ),
    "HubCollection": _collection("Hub"),
    "BusinessCollection": _collection("Business"),
    "OfferCollection": _collection("Offer"),
    "EventCollection": _collection("Event"),
    "RoadworkCollection": _collection("Roadwork"),
    "SensorCollection": _collection("Sensor"),
    "SensorBucket": _object(
        {
            "start": _TIME,
            "end": _TIME,
            "people": {"type": "integer", "description": "All the chosen sensors together."},
            "readings": {"type": "integer", "description": "Uplinks that made the total."},
            "sensors": {
                "type": "array",
                "items": _object(
                    {
                        "id": {"type": "integer"},
                        "people": {"type": "integer"},
                        "readings": {"type": "integer"},
                    }
                ),
            },
        },
        "One bucket with each sensor's count (aggregate=sensor).",
    ),
    "HubBucket": _object(
        {
            "start": _TIME,
            "end": _TIME,
            "people": {"type": "integer"},
            "readings": {"type": "integer"},
            "sensors_reporting": {"type": "integer"},
        },
        "One bucket of the chosen sensors' total (aggregate=hub).",
    ),
    "Footfall": _object(
        {
            "metadata": _ref("Metadata"),
            "hub": _object({name: {"type": "string"} for name in ("slug", "name")} | _ID),
            "interval": {"enum": list(GRAINS)},
            "aggregate": {"enum": list(AGGREGATES)},
            "from": _TIME,
            "to": _TIME,
            "sensors": {
                "type": "array",
                "items": _object(
                    {
                        "id": {"type": "integer"},
                        "name": {"type": "string"},
                        "placement": {"type": "string"},
                    }
                ),
            },
            "buckets": {
                "type": "array",
                "description": (
                    "Buckets starting in [from, to) in time order; a bucket with no readings "
                    "is absent."
                ),
                "items": {"anyOf": [_ref("SensorBucket"), _ref("HubBucket")]},
            },
        },
        "People counted per bucket.",
    ),
}


def _problem(description: str) -> dict[str, Any]:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("Problem")}},
    }


_ERRORS = {
    "400": _problem("A parameter cannot be used: the problem names it."),
    "404": _problem("No hub (or sensor) has that slug (or id)."),
    "429": _problem("Too many requests from this address: wait a minute."),
}


def _ok(media_type: str, schema: dict[str, Any], description: str) -> dict[str, Any]:
    return {"description": description, "content": {media_type: {"schema": schema}}}


def _operation(
    operation_id: str,
    summary: str,
    ok: dict[str, Any],
    parameters: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": operation_id,
        "summary": summary,
        "responses": {"200": ok, **_ERRORS},
    }
    if description:
        operation["description"] = description
    if parameters:
        operation["parameters"] = parameters
    return {"get": operation}


_HUB = {
    "name": "hub",
    "in": "path",
    "required": True,
    "description": "The hub's slug, as in its address (see /hubs).",
    "schema": {"type": "string", "pattern": "^[a-z0-9]+(-[a-z0-9]+)*$", "maxLength": 60},
    "example": "south-norwood",
}


def _when(name: str, description: str, example: str) -> dict[str, Any]:
    return {
        "name": name,
        "in": "query",
        "required": True,
        "description": description,
        "schema": {"type": "string", "pattern": ISO_8601},
        "example": example,
    }


_FOOTFALL_PARAMETERS = [
    _HUB,
    _when(
        "from",
        "Start of the period (included): an ISO 8601 date or date-time. A time without an "
        "offset is London time; a date is London midnight.",
        "2025-06-01",
    ),
    _when("to", "End of the period (excluded), like from; later than from.", "2025-06-08"),
    {
        "name": "interval",
        "in": "query",
        "description": (
            "Bucket length: 15min (UTC quarter hours, period up to 31 days), hour (UTC hours, "
            "up to 366 days) or day (London days, up to 5 years)."
        ),
        "schema": {"type": "string", "enum": list(GRAINS), "default": "hour"},
    },
    {
        "name": "aggregate",
        "in": "query",
        "description": (
            "sensor: each sensor's count per bucket (and their total); hub: only the total of "
            "all the chosen sensors per bucket (e.g. daily per hub with interval=day)."
        ),
        "schema": {"type": "string", "enum": list(AGGREGATES), "default": "sensor"},
    },
    {
        "name": "sensor",
        "in": "query",
        "description": (
            "Only these sensors of the hub (repeat, or separate by commas). Default: all."
        ),
        "schema": {
            "type": "array",
            "items": {"type": "integer", "minimum": 1, "maximum": 999_999_999_999_999_999},
        },
        "style": "form",
        "explode": True,
    },
]

_FOOTFALL_DESCRIPTION = (
    "People counted by the hub's sensors (counts only: no identities), per bucket that "
    "starts in [from, to). Buckets in which no sensor sent anything are absent (not zero). "
    "A period longer than the interval allows is a 400 problem whose `limit` says the "
    "longest (P31D, P366D, P5Y)."
)


def document() -> dict[str, Any]:
    """The OpenAPI document served at /api/v1/openapi.json: a fresh copy each time, as its
    parts are shared module-level dicts."""
    return copy.deepcopy(_document())


def _document() -> dict[str, Any]:
    csv_columns = (
        f"aggregate=sensor: {', '.join(SENSOR_COLUMNS)}; aggregate=hub: {', '.join(HUB_COLUMNS)}."
    )
    return {
        "openapi": OPENAPI_VERSION,
        "info": {
            "title": "Townhub open data",
            "version": API_VERSION,
            "summary": "High street businesses, offers, events, roadworks and footfall.",
            "description": (
                "Everything here is what residents see on the hub's pages, and no more. "
                f"{ATTRIBUTION} Errors are problem documents (RFC 9457). Each address may "
                "make 120 requests a minute."
            ),
            "license": {"name": LICENCE_NAME, "url": LICENCE_URL},
        },
        "servers": [{"url": "/api/v1"}],
        "paths": {
            "/hubs": _operation(
                "listHubs",
                "Every hub with its boundary and the links to its datasets.",
                _ok("application/geo+json", _ref("HubCollection"), "The hubs."),
            ),
            "/hubs/{hub}/businesses": _operation(
                "listBusinesses",
                "The hub's approved businesses.",
                _ok("application/geo+json", _ref("BusinessCollection"), "The businesses."),
                [_HUB],
            ),
            "/hubs/{hub}/offers": _operation(
                "listOffers",
                "The hub's offers running now.",
                _ok("application/geo+json", _ref("OfferCollection"), "The offers."),
                [_HUB],
            ),
            "/hubs/{hub}/events": _operation(
                "listEvents",
                "The hub's published events not yet over, soonest first.",
                _ok("application/geo+json", _ref("EventCollection"), "The events."),
                [_HUB],
            ),
            "/hubs/{hub}/events.ics": _operation(
                "eventsCalendar",
                "The hub's coming events as an iCalendar feed (RFC 5545).",
                _ok("text/calendar", {"type": "string"}, "The calendar."),
                [_HUB],
            ),
            "/hubs/{hub}/roadworks": _operation(
                "listRoadworks",
                "Roadworks on the hub's streets in force now or starting within two weeks.",
                _ok("application/geo+json", _ref("RoadworkCollection"), "The roadworks."),
                [_HUB],
            ),
            "/sensors": _operation(
                "listSensors",
                "The people counters of every hub, or of one.",
                _ok("application/geo+json", _ref("SensorCollection"), "The sensors."),
                [
                    {
                        "name": "hub",
                        "in": "query",
                        "description": "Only this hub's sensors (its slug).",
                        "schema": _HUB["schema"],
                    }
                ],
            ),
            "/hubs/{hub}/footfall": _operation(
                "footfall",
                "Footfall per sensor (or per hub) per 15 minutes, hour or day, as JSON.",
                _ok("application/json", _ref("Footfall"), "The counts."),
                _FOOTFALL_PARAMETERS,
                _FOOTFALL_DESCRIPTION,
            ),
            "/hubs/{hub}/footfall.csv": _operation(
                "footfallCsv",
                "The same footfall as CSV (streamed; a year of hourly counts fits).",
                _ok("text/csv", {"type": "string"}, f"The counts. Columns for {csv_columns}"),
                _FOOTFALL_PARAMETERS,
                _FOOTFALL_DESCRIPTION,
            ),
            "/openapi.json": _operation(
                "openapi",
                "This document.",
                _ok("application/json", {"type": "object"}, "The OpenAPI document."),
            ),
        },
        "components": {"schemas": SCHEMAS},
    }
