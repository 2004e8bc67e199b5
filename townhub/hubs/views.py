from __future__ import annotations

from flask import Blueprint, Response, jsonify, request, url_for
from flask_babel import gettext as _

from townhub.common.htmx import render
from townhub.common.lookups import hub_or_404, resident_hub
from townhub.common.security import require_same_origin
from townhub.engagement import service as engagement
from townhub.extensions import csrf
from townhub.hubs import service
from townhub.hubs.forms import NearestHubForm

bp = Blueprint("hubs", __name__)


@bp.get("/")
def chooser() -> Response:
    return render("hubs/chooser.html", hubs=service.list_hubs(), form=NearestHubForm(), nearby=None)


@bp.post("/")
@csrf.exempt  # reads only; the position is never kept (see PositionFields)
def nearest() -> Response:
    form = NearestHubForm()
    position = form.position() if form.validate() else None
    nearby = service.nearest_hubs(*position) if position else None
    status = 400 if form.errors else 200
    return render(
        "hubs/chooser.html",
        {"hub-list": "hubs/_list.html"},
        status=status,
        hubs=service.list_hubs(),
        form=form,
        nearby=nearby,
    )


@bp.get("/<hub_slug>/")
def home(hub_slug: str) -> Response:
    home = service.hub_home(resident_hub(hub_slug))
    return render("hubs/home.html", home=home, hub=home.hub)


@bp.post("/<hub_slug>/installs")
@csrf.exempt  # a count with no identifiers, sent by the browser's appinstalled event
def installed(hub_slug: str) -> tuple[str, int]:
    require_same_origin()
    hub = hub_or_404(hub_slug)
    engagement.count(
        hub, "install", ref=engagement.referring_business(hub, request.form.get("ref"))
    )
    return "", 204


@bp.get("/<hub_slug>/manifest.webmanifest")
def manifest(hub_slug: str) -> Response:
    hub = hub_or_404(hub_slug)
    response = jsonify(
        {
            "name": _("%(hub)s Town Hub", hub=hub.name),
            "short_name": hub.name,
            "description": _("Shops, offers, events and travel news for %(hub)s.", hub=hub.name),
            "id": url_for("hubs.home", hub_slug=hub.slug),
            "start_url": url_for("hubs.home", hub_slug=hub.slug, source="pwa"),
            "scope": "/",
            "display": "standalone",
            "background_color": "#ffffff",
            "theme_color": hub.theme_colour,
            "icons": [
                {
                    "src": url_for("static", filename="icons/icon-192.png"),
                    "sizes": "192x192",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": url_for("static", filename="icons/icon-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "any",
                },
                {
                    "src": url_for("static", filename="icons/maskable-512.png"),
                    "sizes": "512x512",
                    "type": "image/png",
                    "purpose": "maskable",
                },
            ],
        }
    )
    response.mimetype = "application/manifest+json"
    return response
