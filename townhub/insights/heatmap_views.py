"""Heat maps of footfall around a hub, with the same figures as a table."""

from __future__ import annotations

from datetime import datetime

from flask import Blueprint, Response, request
from flask_babel import gettext as _
from flask_login import login_required

from townhub.common.formatting import LONDON
from townhub.common.htmx import render
from townhub.common.lookups import managed_hub
from townhub.insights import heatmap
from townhub.insights.heatmap_forms import WEEKDAYS, WEEKDAYS_PLURAL, HeatmapForm, hour_label

bp = Blueprint("heatmaps", __name__, url_prefix="/manage")
RESULTS = {"heatmap-results": "insights/heatmap_results.html"}


@bp.get("/hubs/<hub_slug>/heatmap")
@login_required
def heat_map(hub_slug: str) -> Response:
    """Footfall around the hub in one hour of the week, over hexagons or sensor by sensor,
    with the same figures as tables and the busiest times of the week."""
    hub = managed_hub(hub_slug, _("Only this hub's managers can see its footfall heat map."))
    now = datetime.now(LONDON)
    defaults = {
        "weekday": str(now.weekday()),
        "hour": str(now.hour),
        "weeks": str(heatmap.DEFAULT_WEEKS),
        "view": "hexagons",
    }
    form = HeatmapForm(request.args, data=defaults)
    valid = form.validate()
    heat = drawing = None
    if valid:
        slot = heatmap.Slot(int(form.weekday.data), int(form.hour.data), int(form.weeks.data))
        heat = heatmap.heat_map(hub, slot, hexagons=form.view.data == "hexagons")
        drawing = heatmap.draw(heat, form.view.data)
    return render(
        "insights/heatmap.html",
        RESULTS,
        status=200 if valid else 400,
        managed=hub,
        form=form,
        heat=heat,
        drawing=drawing,
        view=form.view.data if valid else None,
        busiest=heatmap.busiest(heat, form.view.data) if heat else None,
        weekdays=WEEKDAYS,
        weekdays_plural=WEEKDAYS_PLURAL,
        hour_label=hour_label,
        form_has_errors=not valid,
    )
