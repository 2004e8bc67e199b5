"""Deciding, from one request and nothing stored, whether a resident has just arrived."""

from __future__ import annotations

from urllib.parse import urlsplit

from flask import request

from townhub.engagement import service
from townhub.extensions import htmx
from townhub.hubs.models import Hub


def note_arrival(hub: Hub) -> None:
    """Count a visit when a page of the hub is opened from outside the site: a QR poster,
    a shared link or the home-screen icon. Moving between pages is not a new visit.

    A poster's `?ref=<business>` is kept with the count when it names one of the hub's
    businesses. Nothing about the resident is kept: no address, no cookie, no time.
    """
    if (
        request.method != "GET"
        or htmx
        or request.headers.get("Sec-Purpose", "").startswith("prefetch")
    ):
        return
    referrer = request.referrer
    if referrer and urlsplit(referrer).netloc == request.host:
        return
    service.count(hub, "visit", ref=service.referring_business(hub, request.args.get("ref")))
