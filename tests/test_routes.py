"""Removing or renaming a URL is a decision, not an accident: this list must be edited."""

from flask import Flask

EXPECTED = {
    "GET /",
    "GET /<hub_slug>/",
    "GET /<hub_slug>/footfall",
    "GET /<hub_slug>/businesses",
    "GET /<hub_slug>/businesses/<business_slug>",
    "GET /<hub_slug>/offers",
    "POST /<hub_slug>/offers",
    "GET /<hub_slug>/offers/<int:offer_id>",
    "GET /<hub_slug>/notices/<int:notice_id>",
    "POST /<hub_slug>/offers/<int:offer_id>/save",
    "POST /<hub_slug>/offers/<int:offer_id>/redeem",
    "GET /<hub_slug>/saved",
    "GET /<hub_slug>/events",
    "GET /<hub_slug>/events.ics",
    "GET /<hub_slug>/events/<int:event_id>",
    "GET /<hub_slug>/events/<int:event_id>.ics",
    "GET /<hub_slug>/travel",
    "POST /<hub_slug>/installs",
    "POST /",
    "GET /language/<code>",
    "GET /robots.txt",
    "GET /favicon.ico",
    "GET /<hub_slug>/manifest.webmanifest",
    "GET /alerts",
    "POST /alerts",
    "GET /alerts/new",
    "POST /alerts/renew",
    "GET /alerts/<token>",
    "GET /alerts/<token>/latest",
    "POST /alerts/<token>",
    "POST /alerts/<token>/delete",
    "GET /healthz",
    "GET /manage/",
    "GET /manage/hubs/<hub_slug>/alerts",
    "GET /manage/hubs/<hub_slug>/notices/new",
    "POST /manage/hubs/<hub_slug>/notices/new",
    "GET /manage/hubs/<hub_slug>/posters",
    "GET /manage/hubs/<hub_slug>/posters/hub.pdf",
    "GET /manage/businesses/<int:business_id>/poster.pdf",
    "POST /roadworks/street-manager",
    "GET /manage/offers/new",
    "POST /manage/offers/new",
    "GET /manage/sign-in",
    "POST /manage/sign-in",
    "POST /manage/sign-out",
    "GET /offline",
    "GET /push/vapid-public-key",
    "POST /push/subscriptions",
    "DELETE /push/subscriptions",
    "GET /static/<path:filename>",
    "GET /sw.js",
}


def test_route_list(app: Flask) -> None:
    routes = {
        f"{method} {rule.rule}"
        for rule in app.url_map.iter_rules()
        for method in rule.methods or ()
        if method not in {"HEAD", "OPTIONS"}
    }
    assert routes == EXPECTED
