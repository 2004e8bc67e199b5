"""The open-data JSON API under /api/v1, described by /api/v1/openapi.json, and the
/open-data page that explains it to people."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    render_template,
    request,
    url_for,
)
from flask.globals import app_ctx
from flask_babel import gettext as _
from werkzeug.urls import iri_to_uri

from townhub.api import footfall, geojson, openapi, service
from townhub.common.days import london_today
from townhub.common.errors import problem
from townhub.common.lookups import hub_or_404
from townhub.events.calendar import calendar
from townhub.extensions import limiter
from townhub.sensors.register import hub_sensors

API = "/api/v1"
# Open data changes as shops and counts do: a few minutes' caching saves the server.
DATA_CACHE = "public, max-age=300"
DEFAULT_RATE_LIMIT = "120 per minute"

bp = Blueprint("api", __name__)


def _rate_limit() -> str:
    return str(current_app.config.get("API_RATE_LIMIT", DEFAULT_RATE_LIMIT))


# Generous, per address: enough for any page or script, not for hammering the database.
limiter.limit(_rate_limit)(bp)


@bp.after_app_request
def open_to_other_sites(response: Response) -> Response:
    """Open data is for use from any site (CORS), and says its licence (RFC 8288 link)."""
    if request.path.startswith(API + "/"):
        response.headers["Access-Control-Allow-Origin"] = "*"
        response.headers["Access-Control-Expose-Headers"] = (
            "Link, Content-Disposition, Retry-After, X-RateLimit-Limit, "
            "X-RateLimit-Remaining, X-RateLimit-Reset"
        )
        response.headers["Link"] = f'<{service.LICENCE_URL}>; rel="license"'
    return response


def _metadata() -> dict[str, Any]:
    # request.url is decoded (an IRI); the metadata gives it as a URI.
    return service.metadata(current_app.config.get("COUNCIL_NAME", ""), iri_to_uri(request.url))


def _geojson(features: list[dict[str, Any]]) -> Response:
    body = json.dumps(geojson.collection(features, _metadata()), ensure_ascii=False)
    response = Response(body, mimetype="application/geo+json")
    response.headers["Cache-Control"] = DATA_CACHE
    return response


@bp.get(f"{API}/hubs")
def hubs() -> Response:
    return _geojson([geojson.hub_feature(hub) for hub in service.hubs()])


@bp.get(f"{API}/hubs/<hub>/businesses")
def businesses(hub: str) -> Response:
    listings = service.businesses(hub_or_404(hub))
    return _geojson([geojson.business_feature(listing) for listing in listings])


@bp.get(f"{API}/hubs/<hub>/offers")
def offers(hub: str) -> Response:
    found = hub_or_404(hub)
    return _geojson([geojson.offer_feature(found, offer) for offer in service.offers(found)])


@bp.get(f"{API}/hubs/<hub>/events")
def events(hub: str) -> Response:
    found = hub_or_404(hub)
    return _geojson([geojson.event_feature(found, event) for event in service.events(found)])


@bp.get(f"{API}/hubs/<hub>/events.ics")
def events_ics(hub: str) -> Response:
    """The same iCalendar feed as /<hub>/events.ics."""
    found = hub_or_404(hub)
    body = calendar(
        found,
        service.events(found),
        lambda e: url_for("events.show", hub_slug=found.slug, event_id=e.id, _external=True),
        domain=request.host.split(":")[0],
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{found.slug}-events.ics"'
    response.headers["Cache-Control"] = DATA_CACHE
    return response


@bp.get(f"{API}/hubs/<hub>/roadworks")
def roadworks(hub: str) -> Response:
    found = hub_or_404(hub)
    return _geojson(geojson.roadwork_features(found, service.roadworks(found)))


@bp.get(f"{API}/sensors")
def sensors() -> Response:
    slug = request.args.get("hub")
    found = hub_or_404(slug) if slug is not None else None
    return _geojson([geojson.sensor_feature(sensor) for sensor in service.sensors(found)])


def _footfall_query(hub: str) -> footfall.FootfallQuery | Response:
    found = hub_or_404(hub)
    try:
        return footfall.footfall_query(
            found,
            hub_sensors(found),
            start=request.args.get("from"),
            end=request.args.get("to"),
            interval=request.args.get("interval"),
            aggregate=request.args.get("aggregate"),
            sensor_ids=request.args.getlist("sensor"),
        )
    except footfall.BadParameter as bad:
        extra: dict[str, Any] = {"invalid-params": [{"name": bad.name, "reason": bad.reason}]}
        if bad.limit:
            extra["limit"] = bad.limit
        return problem(400, "Bad Request", bad.reason, **extra)
    except footfall.UnknownSensors as unknown:
        detail = _("This hub has no sensor %(ids)s.", ids=", ".join(map(str, unknown.ids)))
        invalid = [{"name": "sensor", "reason": detail}]
        return problem(404, "Not Found", detail, **{"invalid-params": invalid})


def _stream(chunks: Iterator[str], mimetype: str) -> Response:
    """A response sent a chunk at a time, reading the database as it goes, in the
    request's app context (pushed again only once the server asks for the first chunk).
    Flask's stream_with_context pushes the contexts at once, so a response dropped unsent
    later closes them out of turn."""
    context = app_ctx._get_current_object()  # type: ignore[attr-defined]

    def in_app_context() -> Iterator[str]:
        with context:
            yield from chunks

    response = Response(in_app_context(), mimetype=mimetype)
    response.headers["Cache-Control"] = DATA_CACHE
    return response


@bp.get(f"{API}/hubs/<hub>/footfall")
def footfall_json(hub: str) -> Response:
    query = _footfall_query(hub)
    if isinstance(query, Response):
        return query
    return _stream(footfall.json_chunks(query, _metadata()), "application/json")


@bp.get(f"{API}/hubs/<hub>/footfall.csv")
def footfall_csv(hub: str) -> Response:
    query = _footfall_query(hub)
    if isinstance(query, Response):
        return query
    response = _stream(footfall.csv_chunks(query), "text/csv")
    response.headers["Content-Disposition"] = f'attachment; filename="{query.file_name}"'
    return response


@bp.get(f"{API}/openapi.json")
def openapi_document() -> Response:
    body = json.dumps(openapi.document(), ensure_ascii=False)
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "public, max-age=3600"
    return response


@bp.get("/open-data")
def open_data() -> str:
    """Every dataset, its formats and fields, and the licence, for people."""
    today = london_today()
    return render_template(
        "api/open_data.html",
        hubs=service.hubs(),
        licence_name=service.LICENCE_NAME,
        licence_url=service.LICENCE_URL,
        attribution=service.ATTRIBUTION,
        publisher=current_app.config.get("COUNCIL_NAME", ""),
        week_from=(today - timedelta(days=7)).isoformat(),
        week_to=today.isoformat(),
        year_from=today.replace(year=today.year - 1, day=1).isoformat(),
        year_to=today.replace(day=1).isoformat(),
    )
