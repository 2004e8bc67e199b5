from __future__ import annotations

from flask import Blueprint, Response, abort, current_app, render_template, request, url_for
from flask.typing import ResponseReturnValue
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import InternalServerError

from townhub.common.downloads import pdf_response
from townhub.common.lookups import managed_hub
from townhub.hubs.models import Hub
from townhub.posters import service

bp = Blueprint("posters", __name__, url_prefix="/manage")


def _refusal() -> str:
    return str(_("Only this hub's managers can print its posters."))


@bp.get("/hubs/<hub_slug>/posters")
@login_required
def index(hub_slug: str) -> str:
    """The hub's poster and every approved business's, with how often each was scanned."""
    hub = managed_hub(hub_slug, _refusal())
    return render_template("posters/index.html", managed=hub, posters=service.hub_posters(hub))


@bp.get("/hubs/<hub_slug>/posters/hub.pdf")
@login_required
def hub_pdf(hub_slug: str) -> Response:
    hub = managed_hub(hub_slug, _refusal())
    size = _size()
    return pdf_response(service.hub_poster(hub, _address(hub), size), f"{hub.slug}-poster-{size}")


@bp.get("/businesses/<int:business_id>/poster.pdf")
@login_required
def business_pdf(business_id: int) -> Response:
    try:
        business = service.printable_business(current_user, business_id)
    except service.BusinessNotFound:
        abort(404, description=_("There is no business at this address."))
    except service.NotAllowed:
        abort(
            403,
            description=_(
                "Only the business's owners and its hub's managers can print its posters."
            ),
        )
    except service.BusinessNotApproved:
        abort(
            409,
            description=_(
                "This business is not on the hub yet: its poster would lead to a page residents "
                "cannot see. Print it once the business is approved."
            ),
        )
    size = _size()
    url = _address(business.hub, ref=business.slug)
    return pdf_response(
        service.business_poster(business, url, size), f"{business.slug}-poster-{size}"
    )


def _size() -> str:
    size = request.args.get("size", "a4")
    if size not in service.SIZES:
        abort(
            400, description=_("Choose a poster size: “a4” for a poster or “sticker” for stickers.")
        )
    return size


def _address(hub: Hub, ref: str | None = None) -> str:
    # Printed posters outlive this request: use the scheme the site is served on (https in
    # production), not whatever a proxy in front happened to pass on.
    return url_for(
        "hubs.home",
        hub_slug=hub.slug,
        ref=ref,
        _external=True,
        _scheme=current_app.config["PREFERRED_URL_SCHEME"],
    )


# App-wide: sensor stickers are printed by the same service from the sensors blueprint.
@bp.app_errorhandler(service.PosterFontMissing)
def fonts_missing(error: service.PosterFontMissing) -> ResponseReturnValue:
    current_app.logger.error("cannot print a poster: %s", error)
    return current_app.handle_http_exception(
        InternalServerError(description=_("Posters cannot be printed: the server has no fonts."))
    )
