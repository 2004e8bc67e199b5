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


def managed_hub(slug: str, refusal: str) -> Hub:
    """The hub for a management page: 404 if none, 403 with `refusal` unless the signed-in
    user runs it (a council admin runs every hub)."""
    from flask_login import current_user

    from townhub.accounts.service import may_manage_hub

    hub = hub_or_404(slug)
    if not may_manage_hub(current_user, hub):
        abort(403, description=refusal)
    return hub


def council_only(refusal: str) -> None:
    """403 with `refusal` unless the signed-in user is a council admin."""
    from flask_login import current_user

    if current_user.role != "council_admin":
        abort(403, description=refusal)
