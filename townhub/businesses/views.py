from __future__ import annotations

from flask import Blueprint, Response, abort, request, send_file
from flask_babel import gettext as _

from townhub.businesses import photos, profile, service
from townhub.businesses.forms import BusinessSearchForm
from townhub.common.forms import page_number
from townhub.common.htmx import render
from townhub.common.lookups import resident_hub
from townhub.common.maps import collection, feature, roadwork_feature
from townhub.engagement import service as engagement

bp = Blueprint("businesses", __name__)


@bp.get("/<hub_slug>/businesses")
def index(hub_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    form = BusinessSearchForm(request.args)
    valid = form.validate()
    results = service.find_businesses(
        hub,
        query=(form.q.data or "").strip() if valid else "",
        category=form.category.data if valid else "",
        open_now=bool(form.open_now.data) if valid else False,
        page=page_number(form.page) if valid else 1,
    )
    return render(
        "businesses/index.html",
        {"business-results": "businesses/_results.html"},
        status=200 if valid else 400,
        hub=hub,
        form=form,
        results=results,
    )


@bp.get("/<hub_slug>/businesses/<business_slug>")
def show(hub_slug: str, business_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    try:
        detail = service.business_detail(hub, business_slug)
    except service.BusinessNotFound:
        abort(404, description=_("This hub has no business at this address."))
    business = detail.listing.business
    engagement.count(hub, "business_view", item_id=business.id)
    features = [feature(business.location, "business", business.name)] + [
        roadwork_feature(roadwork) for roadwork in detail.roadworks
    ]
    return render("businesses/show.html", hub=hub, detail=detail, features=collection(features))


@bp.get("/photos/<file_name>")
def photo(file_name: str) -> Response:
    """A shop's photo. The name is the content's hash: it never changes, so it is cached
    for a year."""
    path = photos.path_of(profile.photo_folder(), file_name)
    if path is None:
        abort(404, description=_("There is no photo at this address."))
    response = send_file(path, mimetype="image/jpeg", max_age=365 * 24 * 3600)
    response.headers["Cache-Control"] = "public, max-age=31536000, immutable"
    return response
