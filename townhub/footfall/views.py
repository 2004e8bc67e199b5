from __future__ import annotations

from flask import Blueprint, Response

from townhub.common.htmx import render
from townhub.common.lookups import hub_or_404
from townhub.footfall import service

bp = Blueprint("footfall", __name__)


@bp.get("/<hub_slug>/footfall")
def hub_footfall(hub_slug: str) -> Response:
    hub = hub_or_404(hub_slug)
    return render(
        "footfall/hub.html",
        partials={"footfall-readings": "footfall/_readings.html"},
        hub=hub,
        readings=service.latest_readings(hub),
        hours=service.hourly_totals(hub),
    )
