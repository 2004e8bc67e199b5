"""The hub dashboard and the council's view of every hub: footfall against its usual
level, unusual days, period comparisons and progress against the hub's targets."""

from __future__ import annotations

from flask import Blueprint, Response, render_template, request
from flask_babel import gettext as _
from flask_login import current_user, login_required

from townhub.accounts.service import managed_hubs
from townhub.common.htmx import render
from townhub.common.lookups import council_only, managed_hub
from townhub.extensions import htmx
from townhub.footfall import service as footfall
from townhub.insights import pictures, service
from townhub.insights.forms import ComparisonForm, FootfallForm

bp = Blueprint("insights", __name__, url_prefix="/manage")
LIVE = "insights-live"  # the region of the latest counts, refreshed every minute


@bp.get("/hubs/<hub_slug>/insights")
@login_required
def hub_dashboard(hub_slug: str) -> Response:
    """Footfall against usual, unusual days, a comparison of two periods and targets."""
    hub = managed_hub(hub_slug, _("Only this hub's managers can see its dashboard."))
    if htmx and htmx.target == LIVE and not htmx.boosted:
        # The minute's refresh of the latest counts needs none of the rest, and answers
        # 200 even when the page's own forms have errors, so it keeps refreshing.
        return render(
            "insights/_live.html",
            managed=hub,
            readings=footfall.latest_readings(hub),
            busyness=footfall.busyness(hub),
        )
    sensors = service.hub_sensors(hub)
    form = FootfallForm(formdata=request.args, sensors=sensors)
    comparison_form = ComparisonForm(formdata=request.args)
    figures = flagged = busiest = comparison = None
    if form.validate():
        try:
            sensor = service.hub_sensor(hub, form.sensor_id())
            first, last = service.check_range(form.grain.data, form.first.data, form.last.data)
            figures = service.footfall(hub, form.grain.data, first, last, sensor)
            flagged = service.unusual_days(hub, first, last, sensor)
            busiest = service.busiest_times(hub, first, last, sensor)
        except service.InsightsError as error:
            form.show(error, form.limits())
    if comparison_form.asked() and comparison_form.validate():
        try:
            comparison = service.compare(hub, *comparison_form.periods())
        except service.InsightsError as error:
            comparison_form.show(error, comparison_form.limits())
    failed = bool(form.errors or comparison_form.errors)
    return render(
        "insights/dashboard.html",
        status=400 if failed else 200,
        managed=hub,
        form=form,
        comparison_form=comparison_form,
        figures=figures,
        chart=pictures.footfall_chart(figures, flagged or []) if figures else None,
        comparison_chart=pictures.comparison_chart(comparison) if comparison else None,
        runs=service.unusual_runs(flagged or []),
        busiest=busiest or [],
        comparison=comparison,
        presets=service.presets(hub, service.unusual_runs(flagged or [])),
        progress=service.progress(hub),
        readings=footfall.latest_readings(hub),
        busyness=footfall.busyness(hub),
    )


@bp.get("/insights")
@login_required
def council() -> str:
    """Every hub side by side, for the council."""
    council_only(_("Only council admins can see every hub side by side."))
    summaries = service.council_summary(managed_hubs(current_user))
    return render_template(
        "insights/council.html", summaries=summaries, chart=pictures.council_chart(summaries)
    )
