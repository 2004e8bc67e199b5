from __future__ import annotations

from itertools import groupby

from flask import Blueprint, Response, abort, request, url_for
from flask_babel import gettext as _

from townhub.common.formatting import LONDON
from townhub.common.htmx import render
from townhub.common.lookups import hub_or_404, resident_hub
from townhub.common.models import utcnow
from townhub.engagement import service as engagement
from townhub.events import service
from townhub.events.calendar import calendar
from townhub.events.models import Event
from townhub.hubs.models import Hub

bp = Blueprint("events", __name__)


@bp.get("/<hub_slug>/events")
def index(hub_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    events = service.upcoming_events(hub)
    days = [
        (day, list(items))
        for day, items in groupby(events, key=lambda e: e.starts_at.astimezone(LONDON).date())
    ]
    return render("events/index.html", hub=hub, days=days)


def _event_or_404(hub: Hub, event_id: int) -> Event:
    try:
        return service.event_for_resident(hub, event_id)
    except service.EventNotFound:
        abort(404, description=_("This hub has no event at this address."))


@bp.get("/<hub_slug>/events/<int:event_id>")
def show(hub_slug: str, event_id: int) -> Response:
    hub = resident_hub(hub_slug)
    event = _event_or_404(hub, event_id)
    engagement.count(hub, "event_view", item_id=event.id)
    return render("events/show.html", hub=hub, event=event, finished=event.ends_at <= utcnow())


def _ics(hub: Hub, events: list[Event], filename: str) -> Response:
    body = calendar(
        hub,
        events,
        lambda e: url_for("events.show", hub_slug=hub.slug, event_id=e.id, _external=True),
        domain=request.host.split(":")[0],
    )
    response = Response(body, mimetype="text/calendar")
    response.headers["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@bp.get("/<hub_slug>/events/<int:event_id>.ics")
def event_ics(hub_slug: str, event_id: int) -> Response:
    hub = hub_or_404(hub_slug)
    event = _event_or_404(hub, event_id)
    engagement.count(hub, "event_calendar", item_id=event.id)
    return _ics(hub, [event], f"{hub.slug}-event-{event.id}.ics")


@bp.get("/<hub_slug>/events.ics")
def feed(hub_slug: str) -> Response:
    hub = hub_or_404(hub_slug)
    return _ics(hub, service.upcoming_events(hub), f"{hub.slug}-events.ics")
