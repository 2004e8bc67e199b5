from __future__ import annotations

import hmac
import json
from typing import Any

from flask import Blueprint, Response, current_app, jsonify, request, url_for
from flask_babel import gettext as _

from townhub.businesses.models import Business
from townhub.common.errors import problem
from townhub.common.htmx import render
from townhub.common.lookups import resident_hub
from townhub.common.maps import collection, feature, roadwork_feature
from townhub.extensions import csrf
from townhub.roadworks import service, streetmanager

bp = Blueprint("roadworks", __name__)

SECRET_HEADER = "X-Townhub-Secret"  # noqa: S105 (the header's name)
SNS_TYPE_HEADER = "x-amz-sns-message-type"
# An SNS message is at most 256 KB; the envelope adds a little.
MAX_NOTIFICATION_BYTES = 300 * 1024


@bp.get("/<hub_slug>/travel")
def travel(hub_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    news = service.travel_news(hub)
    return render("roadworks/travel.html", hub=hub, news=news, features=_features(news))


@bp.post("/roadworks/street-manager")
@csrf.exempt
def street_manager() -> Response:
    """DfT Street Manager open data: an SNS envelope as Amazon SNS posts it (as text/plain),
    or the plain permit message. Answers with what was imported, or a JSON problem.

    Off (404) until STREET_MANAGER_SECRET is set. The sender proves it knows the secret in
    the X-Townhub-Secret header, as the password of HTTP Basic authentication, or as
    ?secret= in the URL. SNS cannot add headers: register the subscription URL with the
    secret in it, best as https://street-manager:SECRET@host/roadworks/street-manager
    (SNS answers the 401 challenge with Basic authentication, and the secret stays out of
    access logs). A missing secret gets 401, a wrong one 403. SNS
    signatures are not checked: that needs AWS's signing certificate, and this server
    makes no outgoing requests. A SubscriptionConfirmation is logged with its SubscribeURL
    for an operator to open by hand.
    """
    refusal = _street_manager_refusal()
    if refusal is not None:
        return refusal
    data = _small_body()
    if data is None:
        return problem(413, "Content Too Large", _("A Street Manager message is never this large."))
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return problem(400, "Bad Request", _("The body is not valid JSON."))
    try:
        envelope = streetmanager.read_envelope(body, request.headers.get(SNS_TYPE_HEADER))
    except streetmanager.MalformedPermit as error:
        return problem(400, "Bad Request", error.reason)
    if envelope.kind != "Notification":
        return jsonify(service.note_subscription(envelope))
    summary = service.import_permits(envelope.entries)
    if summary.rejected:
        rejected = summary.rejected[0]
        return problem(422, "Unprocessable Content", rejected.reason, reference=rejected.reference)
    return jsonify(summary.as_dict())


def _small_body() -> bytes | None:
    """The body, or None when it is larger than any SNS message."""
    if (request.content_length or 0) > MAX_NOTIFICATION_BYTES:
        return None
    data = request.get_data()
    return data if len(data) <= MAX_NOTIFICATION_BYTES else None


def _street_manager_refusal() -> Response | None:
    secret = current_app.config["STREET_MANAGER_SECRET"]
    if not secret:
        return problem(404, "Not Found", _("The Street Manager feed is not switched on here."))
    given = (
        request.headers.get(SECRET_HEADER)
        or (request.authorization.password if request.authorization else None)
        or request.args.get("secret")
        or ""
    )
    if not given:
        # SNS sends the user and password from the subscription URL only when challenged.
        refusal = problem(401, "Unauthorized", _("The Street Manager secret is missing."))
        refusal.headers["WWW-Authenticate"] = 'Basic realm="Street Manager", charset="UTF-8"'
        return refusal
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return problem(403, "Forbidden", _("The Street Manager secret is wrong."))
    return None


def _features(news: service.TravelNews) -> dict[str, Any]:
    features = []
    # A business next to two works is one dot on the map.
    businesses: dict[int, Business] = {}
    for item in news.in_force + news.coming:
        roadwork = item.roadwork
        features.append(roadwork_feature(roadwork))
        if roadwork.diversion is not None:
            features.append(
                feature(
                    roadwork.diversion,
                    "diversion",
                    _("Diversion: %(route)s", route=roadwork.diversion_text or roadwork.street),
                )
            )
        businesses.update({business.id: business for business in item.affected})
    for business in businesses.values():
        url = url_for("businesses.show", hub_slug=business.hub.slug, business_slug=business.slug)
        features.append(feature(business.location, "business", business.name, url))
    return collection(features)
