from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectChoice

from townhub.accounts.service import managed_hubs
from townhub.alerts.forms import TOPIC_LABELS
from townhub.alerts.health import delivery_health
from townhub.common.lookups import managed_hub
from townhub.offers import service
from townhub.offers.forms import OfferForm

bp = Blueprint("manage", __name__, url_prefix="/manage")


def _text(value: str | None) -> str:
    # A field left out of the POST entirely arrives as None, not "".
    return (value or "").strip()


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template(
        "manage/dashboard.html",
        businesses=service.businesses_for(current_user),
        offers=service.offers_for(current_user),
        hubs=managed_hubs(current_user),
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


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
def new_offer() -> BaseResponse | str:
    form = OfferForm()
    form.business_id.choices = [
        SelectChoice(b.id, b.name) for b in service.businesses_for(current_user)
    ]
    if not form.business_id.choices:
        abort(403, description=_("You have no business to post offers for yet."))
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
            offer = service.publish_offer(current_user, draft)
        except service.NotAllowed:
            abort(403, description=_("You may not post offers for that business."))
        if offer.status == "published":
            flash(_("Your offer “%(title)s” is live.", title=offer.title))
        else:
            flash(_("Your offer “%(title)s” is waiting for approval.", title=offer.title))
        return redirect(url_for("manage.dashboard"), code=303)
    return render_template("manage/offer_form.html", form=form, form_has_errors=bool(form.errors))
