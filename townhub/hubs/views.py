from __future__ import annotations

from flask import Blueprint, Response, jsonify, url_for

from townhub.common.htmx import render
from townhub.common.lookups import hub_or_404
from townhub.hubs import service

bp = Blueprint("hubs", __name__)


@bp.get("/")
def chooser() -> Response:
    return render("hubs/chooser.html", hubs=service.list_hubs())


@bp.get("/<hub_slug>/")
def home(hub_slug: str) -> Response:
    home = service.hub_home(hub_or_404(hub_slug))
    return render("hubs/home.html", home=home, hub=home.hub)


@bp.get("/<hub_slug>/manifest.webmanifest")
def manifest(hub_slug: str) -> Response:
    hub = hub_or_404(hub_slug)
    response = jsonify(
        {
            "name": f"{hub.name} Town Hub",
            "short_name": hub.name,
            "description": f"Shops, offers, events and travel news for {hub.name}.",
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
