"""Finding what a URL names, or answering 404."""

from __future__ import annotations

from flask import abort
from flask_babel import gettext

from townhub.engagement.arrivals import note_arrival
from townhub.hubs import service
from townhub.hubs.models import Hub


def hub_or_404(slug: str) -> Hub:
    try:
        return service.get_hub(slug)
    except service.HubNotFound:
        abort(404, description=gettext("There is no high street hub at this address."))


def resident_hub(slug: str) -> Hub:
    """The hub for a resident's page (404 if none), counting the visit if they just arrived."""
    hub = hub_or_404(slug)
    note_arrival(hub)
    return hub
