from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, url_for
from flask_babel import gettext as _

from townhub.businesses.models import Business
from townhub.common.htmx import render
from townhub.common.lookups import resident_hub
from townhub.common.maps import collection, feature, roadwork_feature
from townhub.roadworks import service

bp = Blueprint("roadworks", __name__)


@bp.get("/<hub_slug>/travel")
def travel(hub_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    news = service.travel_news(hub)
    return render("roadworks/travel.html", hub=hub, news=news, features=_features(news))


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
