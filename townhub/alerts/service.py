"""Alert subscriptions and the fan-out that sends a published item to matching ones."""

from __future__ import annotations

import base64
import binascii
import logging
import math
import secrets
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlsplit

from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import ColumnElement, delete, select

from townhub.alerts import items
from townhub.alerts.models import TOPICS, PushDelivery, PushSubscription
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.events.models import Event
from townhub.extensions import db
from townhub.hubs.models import Hub, Place
from townhub.jobs.models import Job
from townhub.jobs.service import enqueue
from townhub.offers.models import Offer
from townhub.roadworks.models import Roadwork

log = logging.getLogger(__name__)

MIN_RADIUS_M, MAX_RADIUS_M = 200, 2000
# A circle's centre may be placed up to this far outside the hub's boundary.
MAX_CENTRE_DISTANCE_M = 3000
DEFAULT_DAILY_CAP = 3
MAX_DAILY_CAP = 20
MAX_HUBS = 10


class InvalidSubscription(ValueError):
    """The subscription request cannot be used; `errors` says why, field by field."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


@dataclass(frozen=True)
class AlertArea:
    centre: tuple[float, float] | None  # (lon, lat), coarsened; None = the whole hub
    radius_m: int | None


def _b64url_bytes(value: Any) -> bytes | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return base64.urlsafe_b64decode(value + "=" * (-len(value) % 4))
    except (binascii.Error, ValueError):
        return None


def _on_p256(raw: bytes) -> bool:
    """True when raw is an uncompressed point on P-256, as a browser's p256dh key is."""
    if len(raw) != 65 or raw[0] != 4:
        return False
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


def _check_endpoint(endpoint: Any, errors: dict[str, str]) -> None:
    if not isinstance(endpoint, str) or len(endpoint) > 2000:
        errors["endpoint"] = "endpoint must be the push service URL from the browser"
        return
    url = urlsplit(endpoint)
    local = url.hostname in {"127.0.0.1", "localhost", "::1"}
    allow_http = current_app.config["ENV_NAME"] in {"development", "test"} and local
    if not url.netloc or not (url.scheme == "https" or (url.scheme == "http" and allow_http)):
        errors["endpoint"] = "endpoint must be an https URL of a push service"
        return
    # The worker POSTs to whatever endpoint is stored: only known push services, so a
    # made-up subscription cannot make it call into the council's own network.
    allowed = [h.strip().lower() for h in current_app.config["PUSH_SERVICE_HOSTS"].split(",")]
    host = (url.hostname or "").lower()
    if (
        allowed != [""]
        and not (allow_http and local)
        and not any(host == name or host.endswith("." + name) for name in allowed if name)
    ):
        errors["endpoint"] = "endpoint must be on a known push service"


AREA_SHAPES = (
    'area must be {"type": "hub"}, {"type": "circle", "lon", "lat", "radius_m"} '
    'or {"type": "place", "place", "radius_m"}'
)


def _parse_radius(raw: dict[str, Any], errors: dict[str, str]) -> int | None:
    radius = raw.get("radius_m")
    if (
        not isinstance(radius, int)
        or isinstance(radius, bool)
        or not (MIN_RADIUS_M <= radius <= MAX_RADIUS_M)
    ):
        errors["area"] = (
            f"area radius_m must be a whole number from {MIN_RADIUS_M} to {MAX_RADIUS_M}"
        )
        return None
    return radius


def _parse_area(raw: Any, errors: dict[str, str]) -> tuple[AlertArea, Hub | None]:
    """The area, and the hub it belongs to when it is a named place."""
    whole_hub = AlertArea(None, None)
    if raw is None or raw == {"type": "hub"}:
        return whole_hub, None
    kind = raw.get("type") if isinstance(raw, dict) else None
    if kind == "place":
        assert isinstance(raw, dict)
        place_id = raw.get("place")
        place = (
            db.session.get(Place, place_id)
            if isinstance(place_id, int) and not isinstance(place_id, bool)
            else None
        )
        if place is None:
            errors["area"] = "area place must be the id of one of the hubs' places"
            return whole_hub, None
        radius = _parse_radius(raw, errors)
        return AlertArea(geo.coarsen(*geo.lon_lat(place.position)), radius), place.hub
    if kind != "circle":
        errors["area"] = AREA_SHAPES
        return whole_hub, None
    assert isinstance(raw, dict)
    lon, lat = raw.get("lon"), raw.get("lat")
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in (lon, lat)
    ) or not (-180 <= lon <= 180 and -90 <= lat <= 90):  # type: ignore[operator]
        errors["area"] = "area lon and lat must be numbers: a longitude and a latitude"
        return whole_hub, None
    radius = _parse_radius(raw, errors)
    return AlertArea(geo.coarsen(float(lon), float(lat)), radius), None  # type: ignore[arg-type]


def _hub_near(centre: tuple[float, float]) -> Hub | None:
    """The hub whose boundary is nearest a circle's centre, if within reach."""
    here = geo.point(*centre)
    return db.session.scalar(
        select(Hub)
        .where(geo.within_m(Hub.boundary, here, MAX_CENTRE_DISTANCE_M))
        .order_by(geo.distance_m(Hub.boundary, here))
        .limit(1)
    )


def _check_centre(area: AlertArea, hub: Hub, errors: dict[str, str]) -> None:
    assert area.centre is not None
    distance = db.session.scalar(
        select(geo.distance_m(Hub.boundary, geo.point(*area.centre))).where(Hub.id == hub.id)
    )
    if distance is None or distance > MAX_CENTRE_DISTANCE_M:
        errors["area"] = (
            f"the area's centre must be within {MAX_CENTRE_DISTANCE_M // 1000} km of {hub.name}"
        )


def _parse_quiet_hours(raw: Any, errors: dict[str, str]) -> tuple[time | None, time | None]:
    if raw is None:
        return None, None
    try:
        start, until = time.fromisoformat(raw["from"]), time.fromisoformat(raw["until"])
    except (TypeError, KeyError, ValueError):
        errors["quiet_hours"] = 'quiet_hours must be {"from": "22:00", "until": "07:00"} or null'
        return None, None
    if start == until:
        errors["quiet_hours"] = "quiet_hours must start and end at different times"
    return start, until


def _parse_choices(data: dict[str, Any], errors: dict[str, str]) -> dict[str, Any]:
    """The phone-wide choices: topics, quiet hours, cap, digest and language."""
    topics = data.get("topics")
    if (
        not isinstance(topics, list)
        or not topics
        or not all(isinstance(topic, str) for topic in topics)
        or not set(topics) <= set(TOPICS)
    ):
        errors["topics"] = f"topics must be a non-empty list drawn from {', '.join(TOPICS)}"
        topics = []
    quiet_from, quiet_until = _parse_quiet_hours(data.get("quiet_hours"), errors)
    cap = data.get("daily_cap", DEFAULT_DAILY_CAP)
    if not isinstance(cap, int) or isinstance(cap, bool) or not 1 <= cap <= MAX_DAILY_CAP:
        errors["daily_cap"] = f"daily_cap must be a whole number from 1 to {MAX_DAILY_CAP}"
    digest = data.get("digest", False)
    if not isinstance(digest, bool):
        errors["digest"] = "digest must be true or false"
    language = data.get("language", "en")
    if language not in current_app.config["LANGUAGES"]:
        errors["language"] = f"language must be one of {', '.join(current_app.config['LANGUAGES'])}"
    return {
        "topics": sorted(set(topics)),
        "quiet_from": quiet_from,
        "quiet_until": quiet_until,
        "daily_cap": cap,
        "digest": digest,
        "language": language,
    }


def _parse_hubs(data: dict[str, Any], errors: dict[str, str]) -> list[Hub]:
    slugs = data.get("hubs", [data["hub"]] if "hub" in data else None)
    if (
        not isinstance(slugs, list)
        or not slugs
        or len(slugs) > MAX_HUBS
        or not all(isinstance(slug, str) for slug in slugs)
    ):
        errors["hubs"] = 'hubs must be a list of hub slugs, such as ["south-norwood"]'
        return []
    hubs = list(db.session.scalars(select(Hub).where(Hub.slug.in_(slugs)).order_by(Hub.id)))
    if len(hubs) != len(set(slugs)):
        errors["hubs"] = "every hub must be the slug of a hub, such as south-norwood"
    return hubs


def _parse_browser(data: dict[str, Any], errors: dict[str, str]) -> tuple[str, dict[str, str]]:
    """The browser's push endpoint and keys, as PushSubscription.toJSON() gives them."""
    endpoint = data.get("endpoint")
    _check_endpoint(endpoint, errors)
    keys: dict[str, Any] = data["keys"] if isinstance(data.get("keys"), dict) else {}
    p256dh = _b64url_bytes(keys.get("p256dh"))
    if p256dh is None or not _on_p256(p256dh):
        errors["keys.p256dh"] = "keys.p256dh must be the browser's P-256 public key (base64url)"
    auth = _b64url_bytes(keys.get("auth"))
    if auth is None or len(auth) != 16:
        errors["keys.auth"] = "keys.auth must be the browser's 16-byte auth secret (base64url)"
    return endpoint if isinstance(endpoint, str) else "", keys


def renew(token: str, data: Any) -> int:
    """Move this phone's alerts to the new subscription its browser was given (the service
    worker's pushsubscriptionchange); how many rows moved. Raises InvalidSubscription.
    Commits."""
    if not isinstance(data, dict):
        raise InvalidSubscription({"body": "send a JSON object"})
    errors: dict[str, str] = {}
    endpoint, keys = _parse_browser(data, errors)
    if errors:
        raise InvalidSubscription(errors)
    rows = subscriptions_for_token(token)
    if rows:
        # The new endpoint cannot also be some other (stale) phone's.
        db.session.execute(
            delete(PushSubscription).where(
                PushSubscription.endpoint == endpoint, PushSubscription.token != token
            )
        )
    for row in rows:
        row.endpoint, row.p256dh, row.auth = endpoint, keys["p256dh"], keys["auth"]
    db.session.commit()
    return len(rows)


def subscribe(data: Any) -> list[PushSubscription]:
    """Create or replace this browser's alerts: one row per chosen hub, all with the same
    choices and manage token. Raises InvalidSubscription. Commits."""
    if not isinstance(data, dict):
        raise InvalidSubscription({"body": "send a JSON object"})
    errors: dict[str, str] = {}
    endpoint, keys = _parse_browser(data, errors)
    area, place_hub = _parse_area(data.get("area"), errors)
    if "hubs" in data or "hub" in data or area.centre is None:
        hubs = _parse_hubs(data, errors)
    else:  # a circle names no hub: it belongs to the place's, or the nearest
        hub = place_hub or _hub_near(area.centre)
        hubs = [hub] if hub else []
        if hub is None and "area" not in errors:
            errors["area"] = (
                f"the area's centre must be within {MAX_CENTRE_DISTANCE_M // 1000} km of a hub"
            )
    if place_hub is not None and hubs and hubs != [place_hub]:
        errors["area"] = f"that place belongs to {place_hub.slug}: choose that hub"
    elif area.centre is not None and len(hubs) > 1:
        errors["area"] = "a circle belongs to one hub: choose one hub, or the whole of each"
    elif area.centre is not None and len(hubs) == 1:
        _check_centre(area, hubs[0], errors)
    choices = _parse_choices(data, errors)
    if errors:
        raise InvalidSubscription(errors)
    existing = list(
        db.session.scalars(select(PushSubscription).where(PushSubscription.endpoint == endpoint))
    )
    token = existing[0].token if existing else secrets.token_urlsafe(32)
    by_hub = {row.hub_id: row for row in existing}
    rows = []
    centre: Any = geo.point(*area.centre) if area.centre else None
    for hub in hubs:
        row = by_hub.pop(hub.id, None) or PushSubscription(endpoint=endpoint, hub_id=hub.id)
        row.p256dh = keys["p256dh"]
        row.auth = keys["auth"]
        row.area_centre = centre
        row.area_radius_m = area.radius_m
        row.token = token
        for name, value in choices.items():
            setattr(row, name, value)
        db.session.add(row)
        rows.append(row)
    for dropped in by_hub.values():  # hubs no longer chosen
        db.session.delete(dropped)
    db.session.commit()
    return rows


def subscriptions_for_token(token: str) -> list[PushSubscription]:
    """This phone's alert rows, found by the token in its manage link; [] if none."""
    if not token or len(token) > 64:
        return []
    return list(
        db.session.scalars(
            select(PushSubscription)
            .where(PushSubscription.token == token)
            .order_by(PushSubscription.hub_id)
        )
    )


@dataclass(frozen=True)
class RecentAlert:
    at: datetime
    waiting: bool  # collected for the next daily summary
    title: str
    body: str
    url: str


def recent_alerts(token: str, days: int = 7) -> list[RecentAlert]:
    """What this phone's alerts were about in the last `days` days, newest first: the page a
    daily summary opens. Items since deleted are left out."""
    rows = db.session.execute(
        select(PushDelivery.item_kind, PushDelivery.item_id, PushDelivery.status, PushDelivery.at)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .where(
            PushSubscription.token == token,
            PushDelivery.status.in_(("pending", "retrying", "sent", "digest", "digested")),
            PushDelivery.at >= utcnow() - timedelta(days=days),
        )
        .order_by(PushDelivery.at.desc(), PushDelivery.id.desc())
    )
    alerts = []
    for kind, item_id, status, at in rows:
        words = items.describe(kind, item_id)
        if words:
            alerts.append(RecentAlert(at, status == "digest", **words))
    return alerts


def token_for_endpoint(endpoint: Any) -> str:
    """The manage token of the phone with this push endpoint; "" if none."""
    if not isinstance(endpoint, str):
        return ""
    token = db.session.scalar(
        select(PushSubscription.token).where(PushSubscription.endpoint == endpoint).limit(1)
    )
    return token or ""


def change_choices(
    token: str,
    *,
    topics: list[str],
    quiet_hours: tuple[time, time] | None,
    daily_cap: int,
    digest: bool,
    language: str | None = None,
) -> int:
    """Change the choices of every hub's row for this phone; how many rows. Commits."""
    rows = subscriptions_for_token(token)
    for row in rows:
        row.topics = sorted(set(topics) & set(TOPICS))
        row.quiet_from, row.quiet_until = quiet_hours or (None, None)
        row.daily_cap = daily_cap
        row.digest = digest
        if language is not None and language in current_app.config["LANGUAGES"]:
            row.language = language
    db.session.commit()
    return len(rows)


def _delete_rows(condition: ColumnElement[bool]) -> int:
    """Delete the matching subscription rows, their areas with them. Commits."""
    deleted = db.session.execute(
        delete(PushSubscription).where(condition).returning(PushSubscription.id)
    ).all()
    db.session.commit()
    return len(deleted)


def unsubscribe_token(token: str) -> int:
    """Delete every alert (and area) of the phone with this manage token. Commits."""
    return _delete_rows(PushSubscription.token == token)


def unsubscribe(endpoint: Any) -> bool:
    """Delete this browser's subscriptions and their areas; True if there were any. Commits."""
    if not isinstance(endpoint, str):
        raise InvalidSubscription({"endpoint": "endpoint must be the push service URL"})
    return _delete_rows(PushSubscription.endpoint == endpoint) > 0


def queue_offer_alerts(offer: Offer) -> None:
    """Queue the fan-out for a newly published offer, in the caller's transaction, to run
    when the offer starts."""
    enqueue("push_item", {"kind": "offer", "id": offer.id}, run_at=max(offer.starts_at, utcnow()))


def queue_event_alerts(event: Event) -> None:
    """Queue alerts for a newly published event, in the caller's transaction."""
    enqueue("push_item", {"kind": "event", "id": event.id})


def queue_roadwork_alerts(roadwork: Roadwork) -> None:
    """Queue alerts for new roadworks now, and a reminder the day before they start."""
    enqueue("push_item", {"kind": "roadwork", "id": roadwork.id})
    reminder = roadwork.starts_at - timedelta(days=1)
    if reminder > utcnow():
        enqueue("push_item", {"kind": "roadwork", "id": roadwork.id, "reminder": True}, reminder)


def move_roadwork_reminder(roadwork: Roadwork) -> None:
    """After the works' first day changed: move the queued "start tomorrow" reminder to the
    day before the new first day, or drop it when that day has passed. Queues no new
    alert: residents heard about the works when they were posted."""
    reminder = roadwork.starts_at - timedelta(days=1)
    queued = db.session.scalars(
        select(Job).where(
            Job.kind == "push_item",
            Job.status == "queued",
            Job.payload.contains({"kind": "roadwork", "id": roadwork.id, "reminder": True}),
        )
    )
    for job in queued:
        if reminder > utcnow():
            job.run_at = reminder
        else:
            db.session.delete(job)
