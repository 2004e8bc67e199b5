"""Alert subscriptions and the fan-out that sends a published item to matching ones."""

from __future__ import annotations

import base64
import binascii
import logging
import math
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives.asymmetric import ec
from flask import current_app
from sqlalchemy import delete, exists, select

from townhub.alerts import push
from townhub.alerts.models import TOPICS, PushDelivery, PushSubscription
from townhub.common import geo
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.service import enqueue, handles
from townhub.offers.models import Offer

log = logging.getLogger(__name__)

MIN_RADIUS_M, MAX_RADIUS_M = 200, 2000
# A circle's centre may be placed up to this far outside the hub's boundary.
MAX_CENTRE_DISTANCE_M = 3000
BATCH_SIZE = 100


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


def _parse_area(raw: Any, hub: Hub | None, errors: dict[str, str]) -> AlertArea:
    if raw is None or raw == {"type": "hub"}:
        return AlertArea(None, None)
    if not isinstance(raw, dict) or raw.get("type") != "circle":
        errors["area"] = (
            'area must be {"type": "hub"} or {"type": "circle", "lon", "lat", "radius_m"}'
        )
        return AlertArea(None, None)
    lon, lat, radius = raw.get("lon"), raw.get("lat"), raw.get("radius_m")
    if not all(
        isinstance(v, int | float) and not isinstance(v, bool) and math.isfinite(v)
        for v in (lon, lat)
    ) or not (-180 <= lon <= 180 and -90 <= lat <= 90):  # type: ignore[operator]
        errors["area"] = "area lon and lat must be numbers: a longitude and a latitude"
        return AlertArea(None, None)
    if (
        not isinstance(radius, int)
        or isinstance(radius, bool)
        or not (MIN_RADIUS_M <= radius <= MAX_RADIUS_M)
    ):
        errors["area"] = (
            f"area radius_m must be a whole number from {MIN_RADIUS_M} to {MAX_RADIUS_M}"
        )
        return AlertArea(None, None)
    centre = geo.coarsen(float(lon), float(lat))  # type: ignore[arg-type]
    if hub is not None:
        distance = db.session.scalar(
            select(geo.distance_m(Hub.boundary, geo.point(*centre))).where(Hub.id == hub.id)
        )
        if distance is None or distance > MAX_CENTRE_DISTANCE_M:
            errors["area"] = (
                f"the area's centre must be within {MAX_CENTRE_DISTANCE_M // 1000} km of {hub.name}"
            )
    return AlertArea(centre, radius)


def subscribe(data: Any) -> PushSubscription:
    """Create or update the subscription for this browser; raises InvalidSubscription. Commits."""
    if not isinstance(data, dict):
        raise InvalidSubscription({"body": "send a JSON object"})
    errors: dict[str, str] = {}
    endpoint = data.get("endpoint")
    _check_endpoint(endpoint, errors)
    keys: dict[str, Any] = data["keys"] if isinstance(data.get("keys"), dict) else {}
    p256dh = _b64url_bytes(keys.get("p256dh"))
    if p256dh is None or not _on_p256(p256dh):
        errors["keys.p256dh"] = "keys.p256dh must be the browser's P-256 public key (base64url)"
    auth = _b64url_bytes(keys.get("auth"))
    if auth is None or len(auth) != 16:
        errors["keys.auth"] = "keys.auth must be the browser's 16-byte auth secret (base64url)"
    hub = None
    if isinstance(data.get("hub"), str):
        hub = db.session.scalar(select(Hub).where(Hub.slug == data["hub"]))
    if hub is None:
        errors["hub"] = "hub must be the slug of a hub, such as south-norwood"
    topics = data.get("topics")
    if (
        not isinstance(topics, list)
        or not topics
        or not all(isinstance(topic, str) for topic in topics)
        or not set(topics) <= set(TOPICS)
    ):
        errors["topics"] = f"topics must be a non-empty list drawn from {', '.join(TOPICS)}"
    area = _parse_area(data.get("area"), hub, errors)
    language = data.get("language", "en")
    if language not in current_app.config["LANGUAGES"]:
        errors["language"] = f"language must be one of {', '.join(current_app.config['LANGUAGES'])}"
    if errors:
        raise InvalidSubscription(errors)
    assert hub is not None and isinstance(endpoint, str) and isinstance(topics, list)
    subscription = db.session.scalar(
        select(PushSubscription).where(PushSubscription.endpoint == endpoint)
    ) or PushSubscription(endpoint=endpoint)
    subscription.p256dh = keys["p256dh"]
    subscription.auth = keys["auth"]
    subscription.hub_id = hub.id
    subscription.topics = sorted(set(topics))
    subscription.area_centre = geo.point(*area.centre) if area.centre else None
    subscription.area_radius_m = area.radius_m
    subscription.language = language
    db.session.add(subscription)
    db.session.commit()
    return subscription


def unsubscribe(endpoint: Any) -> bool:
    """Delete this browser's subscription and its area; True if there was one. Commits."""
    if not isinstance(endpoint, str):
        raise InvalidSubscription({"endpoint": "endpoint must be the push service URL"})
    deleted = db.session.execute(
        delete(PushSubscription)
        .where(PushSubscription.endpoint == endpoint)
        .returning(PushSubscription.id)
    ).first()
    db.session.commit()
    return bool(deleted)


def queue_offer_alerts(offer: Offer) -> None:
    """Queue the fan-out for a newly published offer, in the caller's transaction, to run
    when the offer starts."""
    enqueue("push_offer", {"offer_id": offer.id}, run_at=max(offer.starts_at, utcnow()))


def matching_subscriptions(
    offer: Offer, after_id: int = 0, limit: int = BATCH_SIZE
) -> list[PushSubscription]:
    """Subscriptions whose area meets the offer's geofence, that chose offers, not yet sent it."""
    already = exists().where(
        PushDelivery.subscription_id == PushSubscription.id,
        PushDelivery.item_kind == "offer",
        PushDelivery.item_id == offer.id,
    )
    geofence = select(Offer.geofence).where(Offer.id == offer.id).scalar_subquery()
    query = (
        select(PushSubscription)
        .join(Hub, Hub.id == PushSubscription.hub_id)
        .where(
            PushSubscription.topics.contains(["offers"]),
            geo.alert_area_meets(
                geofence, PushSubscription.area_centre, PushSubscription.area_radius_m, Hub.boundary
            ),
            ~already,
            PushSubscription.id > after_id,
        )
        .order_by(PushSubscription.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


@handles("push_offer")
def send_offer_alerts(payload: dict[str, Any]) -> None:
    """Job: send a published offer to every matching subscription, recording each outcome."""
    offer = db.session.get(Offer, payload["offer_id"])
    if offer is None or offer.status != "published" or offer.ends_at <= utcnow():
        return  # withdrawn or over: nobody wants an alert for it now
    message = push.encode_payload(
        {
            "title": f"{offer.business.name}: {offer.title}",
            "body": offer.details[:200],
            # A path, not a full URL: the worker has no request to build one from.
            "url": f"/{offer.hub.slug}/#offer-{offer.id}",
            "tag": f"offer-{offer.id}",
        }
    )
    config = current_app.config
    last_id = 0
    with requests.Session() as session:
        while batch := matching_subscriptions(offer, after_id=last_id):
            for subscription in batch:
                result = push.send(
                    endpoint=subscription.endpoint,
                    p256dh=subscription.p256dh,
                    auth=subscription.auth,
                    payload=message,
                    private_pem=config["VAPID_PRIVATE_PEM"],
                    contact=config["VAPID_CONTACT"],
                    ttl=config["PUSH_TTL_SECONDS"],
                    urgency="normal",
                    session=session,
                )
                _record(offer, subscription, result)
                last_id = subscription.id
                # Record each outcome at once: a worker that dies mid-batch must not send
                # the same offer again to those it already reached.
                db.session.commit()


def _record(offer: Offer, subscription: PushSubscription, result: push.PushResult) -> None:
    if result.status in {404, 410}:
        # The browser has gone away: forget the subscription and its area.
        status = "removed"
        db.session.delete(subscription)
        subscription_id = None
    else:
        status = "sent" if result.status is not None and 200 <= result.status < 300 else "failed"
        subscription_id = subscription.id
        if status == "failed":
            log.warning(
                "push to subscription %s failed: %s %s",
                subscription.id,
                result.status,
                result.detail,
            )
    db.session.add(
        PushDelivery(
            hub_id=offer.hub_id,
            subscription_id=subscription_id,
            item_kind="offer",
            item_id=offer.id,
            status=status,
            http_status=result.status,
            detail=result.detail,
        )
    )
