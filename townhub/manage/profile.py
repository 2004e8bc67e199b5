"""A business's profile, one short form a page, for its owner or its hub's managers."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.exceptions import RequestEntityTooLarge
from werkzeug.wrappers import Response as BaseResponse

from townhub.accounts.invites import owners_of
from townhub.accounts.service import may_manage_hub
from townhub.businesses import photos, profile
from townhub.businesses.forms import (
    DAY_LABELS,
    AccessibilityForm,
    ContactForm,
    DetailsForm,
    HoursForm,
    PhotoForm,
    PositionForm,
)
from townhub.businesses.models import Business
from townhub.common import geo

bp = Blueprint("profile", __name__, url_prefix="/manage/businesses")


def _business(business_id: int) -> Business:
    try:
        return profile.business_for(current_user, business_id)
    except profile.BusinessNotFound:
        abort(404, description=_("There is no business at this address."))
    except profile.NotAllowed:
        abort(
            403, description=_("Only the business's owners and its high street team can change it.")
        )


def _saved(business: Business) -> BaseResponse:
    flash(_("Saved. Residents see the change straight away."))
    return redirect(url_for("profile.overview", business_id=business.id), code=303)


def _page(template: str, business: Business, form: Any, **context: Any) -> str:
    return render_template(
        template, business=business, form=form, form_has_errors=bool(form.errors), **context
    )


@bp.get("/<int:business_id>")
@login_required
def overview(business_id: int) -> str:
    business = _business(business_id)
    return render_template(
        "profile/overview.html",
        business=business,
        owners=owners_of(business) if may_manage_hub(current_user, business.hub) else [],
        days=DAY_LABELS,
    )


@bp.route("/<int:business_id>/details", methods=["GET", "POST"])
@login_required
def details(business_id: int) -> BaseResponse | str:
    business = _business(business_id)
    form = DetailsForm(obj=business)
    if form.validate_on_submit():
        profile.update(
            business,
            name=form.name.data.strip(),
            category=form.category.data,
            description=(form.description.data or "").strip(),
        )
        return _saved(business)
    return _page("profile/details.html", business, form)


@bp.route("/<int:business_id>/contact", methods=["GET", "POST"])
@login_required
def contact(business_id: int) -> BaseResponse | str:
    business = _business(business_id)
    form = ContactForm(obj=business)
    if form.validate_on_submit():
        profile.update(
            business,
            address=form.address.data.strip(),
            phone=(form.phone.data or "").strip(),
            email=(form.email.data or "").strip(),
            website=form.website_url(),
        )
        return _saved(business)
    return _page("profile/contact.html", business, form)


@bp.route("/<int:business_id>/position", methods=["GET", "POST"])
@login_required
def position(business_id: int) -> BaseResponse | str:
    business = _business(business_id)
    form = PositionForm()
    if request.method == "GET":
        lon, lat = geo.lon_lat(business.location)
        form.longitude.data, form.latitude.data = f"{lon:.6f}", f"{lat:.6f}"
    if form.validate_on_submit():
        try:
            profile.move(business, float(form.longitude.data), float(form.latitude.data))
        except profile.TooFarAway:
            form.latitude.errors.append(
                _(
                    "That place is not on %(hub)s. Check the latitude and longitude.",
                    hub=business.hub.name,
                )
            )
        else:
            return _saved(business)
    return _page(
        "profile/position.html", business, form, boundary=geo.geojson(business.hub.boundary)
    )


@bp.route("/<int:business_id>/hours", methods=["GET", "POST"])
@login_required
def hours(business_id: int) -> BaseResponse | str:
    business = _business(business_id)
    form = HoursForm()
    if request.method == "GET":
        form.fill(business.opening_hours or {})
    if form.validate_on_submit():
        profile.update(business, opening_hours=form.opening_hours())
        return _saved(business)
    return _page("profile/hours.html", business, form, days=DAY_LABELS)


@bp.route("/<int:business_id>/access", methods=["GET", "POST"])
@login_required
def access(business_id: int) -> BaseResponse | str:
    business = _business(business_id)
    form = AccessibilityForm(obj=business)
    if form.validate_on_submit():
        profile.update(business, accessibility=(form.accessibility.data or "").strip())
        return _saved(business)
    return _page("profile/access.html", business, form)


def _photo_limits() -> tuple[int, int, str]:
    limit = current_app.config["MAX_PHOTO_BYTES"]
    megabytes = limit // (1024 * 1024)
    return limit, megabytes, _("The photo must be smaller than %(mb)s MB", mb=megabytes)


@bp.errorhandler(RequestEntityTooLarge)
def photo_too_large(error: RequestEntityTooLarge) -> tuple[str, int]:
    """A photo far too big to read: the form again, saying so. Nothing was read or kept."""
    if request.endpoint != "profile.photo" or not current_user.is_authenticated:
        raise error
    business = _business(int((request.view_args or {})["business_id"]))
    _limit, megabytes, too_large = _photo_limits()
    form = PhotoForm(formdata=None, data={"alt": business.photo_alt})
    form.photo.errors = [too_large]
    return _page("profile/photo.html", business, form, megabytes=megabytes), 413


@bp.route("/<int:business_id>/photo", methods=["GET", "POST"])
@login_required
def photo(business_id: int) -> BaseResponse | str:
    business = _business(business_id)
    limit, megabytes, too_large = _photo_limits()
    form = PhotoForm(data={"alt": business.photo_alt})
    if form.validate_on_submit():
        upload = form.photo.data
        data = upload.read(limit + 1) if upload and upload.filename else b""
        if len(data) > limit:
            form.photo.errors = [too_large]
        elif not data and not business.photo:
            form.photo.errors = [_("Choose a photo of the business")]
        elif not data:
            profile.describe_photo(business, form.alt.data.strip())
            return _saved(business)
        else:
            try:
                profile.set_photo(
                    business,
                    data,
                    form.alt.data.strip(),
                    too_large=too_large,
                    not_a_photo=_("The file must be a photo: a JPG, PNG, WebP or GIF"),
                )
            except photos.PhotoRejected as rejected:
                form.photo.errors = [rejected.reason]
            else:
                return _saved(business)
    return _page("profile/photo.html", business, form, megabytes=megabytes)


@bp.post("/<int:business_id>/photo/remove")
@login_required
def remove_photo(business_id: int) -> BaseResponse:
    business = _business(business_id)
    profile.remove_photo(business)
    flash(_("The photo is removed."))
    return redirect(url_for("profile.overview", business_id=business.id), code=303)
