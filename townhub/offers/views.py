"""Residents' offer pages. Saving and redeeming keep their state in the resident's own
cookies; the server keeps only daily totals."""

from __future__ import annotations

from collections.abc import Callable

from flask import Blueprint, Response, abort, redirect, request, url_for
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from townhub.common.htmx import render
from townhub.common.lookups import hub_or_404, resident_hub
from townhub.common.security import require_same_origin
from townhub.engagement import service as engagement
from townhub.extensions import csrf
from townhub.hubs.models import Hub
from townhub.offers import service
from townhub.offers.forms import OfferFilterForm
from townhub.offers.models import Offer
from townhub.offers.wallet import Wallet

bp = Blueprint("offers", __name__)
RESULTS = {"offer-results": "offers/_results.html"}


@bp.get("/<hub_slug>/offers")
def index(hub_slug: str) -> Response:
    return _listing(resident_hub(hub_slug), OfferFilterForm(request.args))


@bp.post("/<hub_slug>/offers")
@csrf.exempt  # reads only; the position is used for this one query and never kept
def nearest(hub_slug: str) -> Response:
    return _listing(hub_or_404(hub_slug), OfferFilterForm(request.form))


def _listing(hub: Hub, form: OfferFilterForm) -> Response:
    valid = form.validate()
    near = form.position() if valid and form.sort.data == "distance" else None
    offers = service.live_offers(hub, category=form.category.data if valid else "", near=near)
    return render(
        "offers/index.html",
        RESULTS,
        status=200 if valid else 400,
        hub=hub,
        form=form,
        offers=offers,
        sorted_by_distance=near is not None,
    )


def _offer_or_404(hub_slug: str, offer_id: int) -> Offer:
    hub = resident_hub(hub_slug)
    try:
        return service.offer_for_resident(hub, offer_id)
    except service.OfferNotFound:
        abort(404, description=_("This hub has no offer at this address."))
    except service.OfferEnded as ended:
        abort(
            410,
            description=_(
                "This offer from %(business)s has ended.", business=ended.offer.business.name
            ),
        )


@bp.get("/<hub_slug>/offers/<int:offer_id>")
def show(hub_slug: str, offer_id: int) -> Response:
    offer = _offer_or_404(hub_slug, offer_id)
    wallet = Wallet.from_request(request)
    engagement.count(offer.hub, "offer_view", item_id=offer.id)
    response = render("offers/show.html", hub=offer.hub, offer=offer, wallet=wallet)
    # Tells the service worker to keep this page offline for as long as it is saved.
    response.headers["Townhub-Saved"] = "yes" if wallet.has_saved(offer.id) else "no"
    return response


def _change_wallet(
    hub_slug: str,
    offer_id: int,
    change: Callable[[Wallet, Offer], None],
    anchor: str | None = None,
) -> WerkzeugResponse:
    """Apply a change to this phone's saved/used offers and go back to the offer."""
    require_same_origin()
    offer = _offer_or_404(hub_slug, offer_id)
    wallet = Wallet.from_request(request)
    change(wallet, offer)
    response = redirect(
        url_for("offers.show", hub_slug=offer.hub.slug, offer_id=offer.id, _anchor=anchor), 303
    )
    wallet.write(response)
    return response


@bp.post("/<hub_slug>/offers/<int:offer_id>/save")
@csrf.exempt  # changes only this phone's own cookie and a daily total; same-origin checked
def save(hub_slug: str, offer_id: int) -> WerkzeugResponse:
    def change(wallet: Wallet, offer: Offer) -> None:
        if request.form.get("action") == "remove":
            wallet.unsave(offer.id)
        elif wallet.save(offer.id):
            engagement.count(offer.hub, "offer_save", item_id=offer.id)

    return _change_wallet(hub_slug, offer_id, change)


@bp.post("/<hub_slug>/offers/<int:offer_id>/redeem")
@csrf.exempt  # changes only this phone's own cookie and a daily total; same-origin checked
def redeem(hub_slug: str, offer_id: int) -> WerkzeugResponse:
    def change(wallet: Wallet, offer: Offer) -> None:
        if wallet.redeem(offer.id):
            engagement.count(offer.hub, "offer_redeem", item_id=offer.id)

    return _change_wallet(hub_slug, offer_id, change, anchor="use-offer")


@bp.get("/<hub_slug>/saved")
def saved(hub_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    wallet = Wallet.from_request(request)
    offers = service.saved_offers(hub, sorted(wallet.saved))
    response = render("offers/saved.html", hub=hub, offers=offers, wallet=wallet)
    response.headers["Townhub-Saved"] = "yes"
    return response
