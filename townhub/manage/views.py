from __future__ import annotations

from flask import Blueprint, abort, flash, redirect, render_template, url_for
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from townhub.offers import service
from townhub.offers.forms import OfferForm

bp = Blueprint("manage", __name__, url_prefix="/manage")


@bp.get("/")
@login_required
def dashboard() -> str:
    return render_template(
        "manage/dashboard.html",
        businesses=service.businesses_for(current_user),
        offers=service.offers_for(current_user),
    )


@bp.route("/offers/new", methods=["GET", "POST"])
@login_required
def new_offer() -> BaseResponse | str:
    form = OfferForm()
    form.business_id.choices = [(b.id, b.name) for b in service.businesses_for(current_user)]
    if not form.business_id.choices:
        abort(403, description="You have no business to post offers for yet.")
    if form.validate_on_submit():
        draft = service.OfferDraft(
            business_id=form.business_id.data,
            title=form.title.data.strip(),
            details=form.details.data.strip(),
            terms=form.terms.data.strip(),
            starts_on=form.starts_on.data,
            ends_on=form.ends_on.data,
            radius_m=form.radius_m.data if form.reach.data == "radius" else None,
            redemption_code=form.redemption_code.data.strip(),
        )
        try:
            offer = service.publish_offer(current_user, draft)
        except service.NotAllowed:
            abort(403)
        flash(f"Your offer “{offer.title}” is "
              + ("live." if offer.status == "published" else "waiting for approval."))
        return redirect(url_for("manage.dashboard"), code=303)
    return render_template("manage/offer_form.html", form=form, form_has_errors=bool(form.errors))
