from __future__ import annotations

import hmac
import json
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user, login_required
from werkzeug.wrappers import Response as BaseResponse

from townhub.businesses.models import Business
from townhub.common.errors import problem
from townhub.common.htmx import render
from townhub.common.lookups import managed_hub, resident_hub
from townhub.common.maps import collection, feature, roadwork_feature
from townhub.common.models import utcnow
from townhub.extensions import csrf
from townhub.hubs.models import Hub
from townhub.roadworks import service, streetmanager
from townhub.roadworks.forms import EndRoadworkForm, RoadworkForm
from townhub.roadworks.models import Roadwork

bp = Blueprint("roadworks", __name__)

SECRET_HEADER = "X-Townhub-Secret"  # noqa: S105 (the header's name)
SNS_TYPE_HEADER = "x-amz-sns-message-type"
# An SNS message is at most 256 KB; the envelope adds a little.
MAX_NOTIFICATION_BYTES = 300 * 1024


@bp.get("/<hub_slug>/travel")
def travel(hub_slug: str) -> Response:
    hub = resident_hub(hub_slug)
    news = service.travel_news(hub)
    return render("roadworks/travel.html", hub=hub, news=news, features=_features(news))


# The high street team's own roadworks --------------------------------------------------


def _refusal() -> str:
    return str(_("Only this hub's managers can post and change its roadworks."))


@bp.get("/manage/hubs/<hub_slug>/roadworks")
@login_required
def manage(hub_slug: str) -> str:
    hub = managed_hub(hub_slug, _refusal())
    roadworks = service.upcoming_roadworks(hub)
    return render_template("roadworks/manage.html", managed=hub, roadworks=roadworks, now=utcnow())


@bp.route("/manage/hubs/<hub_slug>/roadworks/new", methods=["GET", "POST"])
@login_required
def new(hub_slug: str) -> BaseResponse | str:
    hub = managed_hub(hub_slug, _refusal())
    form = RoadworkForm()
    preview = None
    if form.validate_with(hub):
        try:
            if form.preview.data:
                preview = service.preview_roadwork(hub, form.details())
            else:
                roadwork = service.post_roadwork(current_user, hub, form.details())
                flash(
                    _(
                        "The roadworks on %(street)s are posted (reference %(reference)s)."
                        " Residents who chose roadworks alerts are told.",
                        street=roadwork.street,
                        reference=roadwork.reference,
                    )
                )
                return redirect(url_for("roadworks.manage", hub_slug=hub.slug), 303)
        except service.RoadworkRejected as rejected:
            form.reject(rejected.problems)
    return _form_page(hub, form, preview)


@bp.route("/manage/hubs/<hub_slug>/roadworks/<int:roadwork_id>/edit", methods=["GET", "POST"])
@login_required
def edit(hub_slug: str, roadwork_id: int) -> BaseResponse | str:
    hub = managed_hub(hub_slug, _refusal())
    roadwork = _editable(hub, roadwork_id)
    ending = EndRoadworkForm(prefix="end")
    if ending.end.data and ending.validate_on_submit():
        service.end_roadwork(current_user, roadwork)
        flash(_("The roadworks on %(street)s have ended.", street=roadwork.street))
        return redirect(url_for("roadworks.manage", hub_slug=hub.slug), 303)
    form = RoadworkForm.to_change(roadwork)
    preview = None
    if form.validate_with(hub, roadwork):
        try:
            if form.preview.data:
                preview = service.preview_roadwork(hub, form.details(), roadwork)
            else:
                service.change_roadwork(current_user, roadwork, form.details())
                flash(
                    _(
                        "The changes to the roadworks on %(street)s are saved.",
                        street=roadwork.street,
                    )
                )
                return redirect(url_for("roadworks.manage", hub_slug=hub.slug), 303)
        except service.RoadworkRejected as rejected:
            form.reject(rejected.problems)
    return _form_page(hub, form, preview, roadwork=roadwork, ending=ending)


def _editable(hub: Hub, roadwork_id: int) -> Roadwork:
    try:
        return service.editable_roadwork(hub, roadwork_id)
    except service.RoadworkNotFound:
        abort(404, description=_("This hub has no roadworks at this address."))
    except service.NotEditable:
        abort(
            403,
            description=_(
                "These roadworks come from Street Manager. The company doing the works changes"
                " them there, and the changes arrive here by themselves."
            ),
        )


def _form_page(
    hub: Hub,
    form: RoadworkForm,
    preview: Roadwork | None,
    roadwork: Roadwork | None = None,
    ending: EndRoadworkForm | None = None,
) -> str:
    preview_features = None
    if preview is not None:
        news = service.TravelNews(in_force=[service.RoadworkNews(preview, [])], coming=[])
        preview_features = _features(news)
    return render_template(
        "roadworks/form.html",
        managed=hub,
        form=form,
        form_has_errors=bool(form.errors),
        roadwork=roadwork,
        ending=ending,
        now=utcnow(),
        preview=preview,
        preview_features=preview_features,
        outline=collection([feature(hub.boundary, "hub", hub.name)]),
    )


@bp.post("/roadworks/street-manager")
@csrf.exempt
def street_manager() -> Response:
    """DfT Street Manager open data: an SNS envelope as Amazon SNS posts it (as text/plain),
    or the plain permit message. Answers with what was imported, or a JSON problem.

    Off (404) until STREET_MANAGER_SECRET is set. The sender proves it knows the secret in
    the X-Townhub-Secret header, as the password of HTTP Basic authentication, or as
    ?secret= in the URL. SNS cannot add headers: register the subscription URL with the
    secret in it, best as https://street-manager:SECRET@host/roadworks/street-manager
    (SNS answers the 401 challenge with Basic authentication, and the secret stays out of
    access logs). A missing secret gets 401, a wrong one 403. SNS
    signatures are not checked: that needs AWS's signing certificate, and this server
    makes no outgoing requests. A SubscriptionConfirmation is logged with its SubscribeURL
    for an operator to open by hand.
    """
    refusal = _street_manager_refusal()
    if refusal is not None:
        return refusal
    data = _small_body()
    if data is None:
        return problem(413, "Content Too Large", _("A Street Manager message is never this large."))
    try:
        body = json.loads(data)
    except (ValueError, RecursionError):
        return problem(400, "Bad Request", _("The body is not valid JSON."))
    try:
        envelope = streetmanager.read_envelope(body, request.headers.get(SNS_TYPE_HEADER))
    except streetmanager.MalformedPermit as error:
        return problem(400, "Bad Request", error.reason)
    if envelope.kind != "Notification":
        return jsonify(service.note_subscription(envelope))
    summary = service.import_permits(envelope.entries)
    if summary.rejected:
        rejected = summary.rejected[0]
        return problem(422, "Unprocessable Content", rejected.reason, reference=rejected.reference)
    return jsonify(summary.as_dict())


def _small_body() -> bytes | None:
    """The body, or None when it is larger than any SNS message."""
    if (request.content_length or 0) > MAX_NOTIFICATION_BYTES:
        return None
    data = request.get_data()
    return data if len(data) <= MAX_NOTIFICATION_BYTES else None


def _street_manager_refusal() -> Response | None:
    secret = current_app.config["STREET_MANAGER_SECRET"]
    if not secret:
        return problem(404, "Not Found", _("The Street Manager feed is not switched on here."))
    given = (
        request.headers.get(SECRET_HEADER)
        or (request.authorization.password if request.authorization else None)
        or request.args.get("secret")
        or ""
    )
    if not given:
        # SNS sends the user and password from the subscription URL only when challenged.
        refusal = problem(401, "Unauthorized", _("The Street Manager secret is missing."))
        refusal.headers["WWW-Authenticate"] = 'Basic realm="Street Manager", charset="UTF-8"'
        return refusal
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return problem(403, "Forbidden", _("The Street Manager secret is wrong."))
    return None


def _features(news: service.TravelNews) -> dict[str, Any]:
    features = []
    # A business next to two works is one dot on the map.
    businesses: dict[int, Business] = {}
    for item in news.in_force + news.coming:
        roadwork = item.roadwork
        features.append(roadwork_feature(roadwork))
        if roadwork.diversion is not None:
            features.append(
                feature(
                    roadwork.diversion,
                    "diversion",
                    _("Diversion: %(route)s", route=roadwork.diversion_text or roadwork.street),
                )
            )
        businesses.update({business.id: business for business in item.affected})
    for business in businesses.values():
        url = url_for("businesses.show", hub_slug=business.hub.slug, business_slug=business.slug)
        features.append(feature(business.location, "business", business.name, url))
    return collection(features)
