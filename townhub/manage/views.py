from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice, SelectField

from townhub.accounts.service import managed_hubs
from townhub.alerts.forms import TOPIC_LABELS
from townhub.alerts.health import delivery_health
from townhub.common.lookups import managed_hub
from townhub.events import service as events
from townhub.events.forms import EventForm
from townhub.moderation.service import waiting
from townhub.offers import service
from townhub.offers.forms import OfferForm
from townhub.sensors.register import silent_in

bp = Blueprint("manage", __name__, url_prefix="/manage")


def _text(value: str | None) -> str:
    # A field left out of the POST entirely arrives as None, not "".
    return (value or "").strip()


def _previewing() -> bool:
    """The form was sent with its "Preview" button: show it, save nothing."""
    return request.form.get("action") == "preview"


@bp.get("/")
@login_required
def dashboard() -> str:
    hubs = managed_hubs(current_user)
    # A hub manager's businesses are the whole street: they reach them through the hub.
    businesses = [] if hubs else service.businesses_for(current_user)
    return render_template(
        "manage/dashboard.html",
        businesses=businesses,
        offers=service.offers_for(current_user) if businesses else [],
        events=events.events_for(businesses),
        hubs=hubs,
        waiting=waiting([hub.id for hub in hubs]),
        silent={hub.id: silent_in(hub) for hub in hubs},
    )


@bp.get("/hubs/<hub_slug>/alerts")
@login_required
def alert_health(hub_slug: str) -> str:
    """How alerts to this hub's residents are getting through."""
    hub = managed_hub(hub_slug, _("Only this hub's managers can see its alert figures."))
    return render_template(
        "manage/alert_health.html",
        managed=hub,
        health=delivery_health(hub),
        topics=TOPIC_LABELS,
    )


def _business_choices(field: SelectField, chosen: str | None) -> None:
    """Offer the businesses this user posts for; preselect `?business=` on the first view."""
    businesses = service.businesses_for(current_user)
    field.choices = [SelectChoice(b.id, f"{b.name} ({b.hub.name})") for b in businesses]
    if not businesses:
        abort(403, description=_("You have no business to post for yet."))
    if request.method == "GET" and chosen and chosen.isdigit():
        field.data = int(chosen)


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
def new_offer() -> BaseResponse | str:
    form = OfferForm()
    _business_choices(form.business_id, request.args.get("business"))
    preview = None
    if form.validate_on_submit():
        draft = service.OfferDraft(
            business_id=form.business_id.data,
            title=_text(form.title.data),
            details=_text(form.details.data),
            terms=_text(form.terms.data),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            radius_m=form.radius_m.data if form.reach.data == "radius" else None,
            redemption_code=_text(form.redemption_code.data),
        )
        try:
            if _previewing():
                preview = service.preview_offer(current_user, draft)
            else:
                offer = service.publish_offer(current_user, draft)
        except service.NotAllowed:
            abort(403, description=_("You may not post offers for that business."))
        if preview is None:
            if offer.status == "published":
                flash(_("Your offer “%(title)s” is live.", title=offer.title))
            else:
                flash(_("Your offer “%(title)s” is waiting for approval.", title=offer.title))
            return redirect(url_for("manage.dashboard"), code=303)
    return render_template(
        "manage/offer_form.html", form=form, preview=preview, form_has_errors=bool(form.errors)
    )


@bp.route("/events/new", methods=["GET", "POST"])
@login_required
def new_event() -> BaseResponse | str:
    form = EventForm()
    businesses = service.businesses_for(current_user)
    hubs = managed_hubs(current_user)
    # The high street team posts its own events (a market, a parade) for a hub it runs.
    form.business_id.choices = [
        SelectChoice(f"hub-{h.id}", _("%(hub)s high street team", hub=h.name)) for h in hubs
    ] + [SelectChoice(str(b.id), f"{b.name} ({b.hub.name})") for b in businesses]
    if not form.business_id.choices:
        abort(403, description=_("You have no business to post for yet."))
    chosen = request.args.get("business", "")
    if request.method == "GET" and chosen.isdigit():
        form.business_id.data = chosen
    preview = None
    if form.validate_on_submit():
        choice = form.business_id.data
        if choice.startswith("hub-"):
            hub = next(h for h in hubs if f"hub-{h.id}" == choice)
            business = None
        else:
            try:
                business = service.business_for(current_user, int(choice))
            except (service.NotAllowed, service.BusinessNotFound):
                abort(403, description=_("You may not post events for that business."))
            hub = business.hub
        draft = events.EventDraft(
            hub=hub,
            business=business,
            title=_text(form.title.data),
            description=_text(form.description.data),
            place=_text(form.place.data),
            day=form.day.data,
            starts=form.starts.data,
            ends=form.ends.data,
        )
        if _previewing():
            preview = events.as_event(draft)
        else:
            event = events.publish_event(current_user, draft)
            if event.status == "published":
                flash(_("Your event “%(title)s” is published.", title=event.title))
            else:
                flash(_("Your event “%(title)s” is waiting for approval.", title=event.title))
            return redirect(url_for("manage.dashboard"), code=303)
    return render_template(
        "manage/event_form.html", form=form, preview=preview, form_has_errors=bool(form.errors)
    )
