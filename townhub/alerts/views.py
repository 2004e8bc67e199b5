from __future__ import annotations

from datetime import time
from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    flash,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse
from wtforms import SelectChoice

from townhub.alerts import service
from townhub.alerts.forms import AlertChoicesForm, AlertSignupForm
from townhub.alerts.models import PushSubscription
from townhub.common.errors import problem
from townhub.common.formatting import number as format_number
from townhub.common.maps import collection, feature
from townhub.common.security import require_same_origin
from townhub.config import vapid_public_key
from townhub.extensions import csrf
from townhub.hubs.service import list_hubs, places_by_hub

bp = Blueprint("alerts", __name__)


def _json_body() -> tuple[object, Response | None]:
    # Requiring application/json keeps other sites' plain forms out: a cross-site
    # request with this type needs a CORS preflight, which we never grant.
    if not request.is_json:
        return None, problem(415, "Unsupported Media Type", "Send the body as application/json.")
    data = request.get_json(silent=True)
    if data is None:
        return None, problem(400, "Bad Request", "The body is not valid JSON.")
    return data, None


# This phone's manage token, so /alerts can show its choices and the service worker can
# renew its subscription. A bearer key like the manage link itself: HttpOnly, this path only.
DEVICE_COOKIE = "townhub_alerts"
COOKIE_AGE = 400 * 24 * 3600  # the longest browsers keep a cookie
RADIUS_WALK_MINUTES = {"200": 3, "500": 6, "1000": 12, "2000": 25}


def _signup_form(formdata: Any = None) -> AlertSignupForm:
    hubs = list_hubs()
    chosen = request.args.get("hub")
    form = AlertSignupForm(
        formdata, data={"hubs": [chosen] if chosen else [], "topics": [], "language": _locale()}
    )
    form.hubs.choices = [SelectChoice(hub.slug, hub.name) for hub in hubs]
    form.place.choices = {
        hub.name: [
            SelectChoice(
                str(place.id),
                place.name if hub.name in place.name else f"{place.name}, {hub.name}",
            )
            for place in places
        ]
        for hub, places in places_by_hub(hubs).items()
        if places
    }
    form.radius_m.choices = [
        SelectChoice(
            metres,
            _(
                "Within %(metres)s metres, about %(minutes)s minutes’ walk",
                metres=format_number(int(metres)),
                minutes=minutes,
            ),
        )
        for metres, minutes in RADIUS_WALK_MINUTES.items()
    ]
    return form


def _locale() -> str:
    return str(get_locale() or "en")


def _signup_page(form: AlertSignupForm, status: int = 200) -> Response:
    return make_response(
        render_template(
            "alerts/signup.html",
            form=form,
            outlines=collection([feature(hub.boundary, "hub", hub.name) for hub in list_hubs()]),
            form_has_errors=bool(form.errors),
        ),
        status,
    )


def _subscription_request(form: AlertSignupForm) -> dict[str, Any]:
    """What the form asks for, in the shape POST /push/subscriptions takes."""
    area: dict[str, Any] = {"type": "hub"}
    if form.area.data == "place":
        area = {"type": "place", "place": int(form.place.data), "radius_m": int(form.radius_m.data)}
    elif form.area.data == "point":
        area = {
            "type": "circle",
            "lon": float(form.lon.data),
            "lat": float(form.lat.data),
            "radius_m": int(form.radius_m.data),
        }
    data: dict[str, Any] = {
        "endpoint": form.endpoint.data,
        "keys": {"p256dh": form.p256dh.data, "auth": form.auth.data},
        "area": area,
        "topics": form.topics.data,
        "quiet_hours": {"from": form.quiet_from.data, "until": form.quiet_until.data}
        if form.quiet.data
        else None,
        "daily_cap": int(form.daily_cap.data),
        "digest": form.delivery.data == "digest",
        "language": form.language.data,
    }
    if form.area.data == "hub":
        data["hubs"] = form.hubs.data
    return data


def _refused(form: AlertSignupForm, invalid: service.InvalidSubscription) -> None:
    """Put the service's reasons on the form, in words a resident can act on."""
    for name in invalid.errors:
        if name == "area":
            field = form.place if form.area.data == "place" else form.lon
            field.errors = [_("Choose a place within 3 km of one of the high streets")]
        elif name in {"endpoint", "keys.p256dh", "keys.auth"}:
            form.endpoint.errors = [
                _("This phone’s browser cannot get alerts from this site. Try another browser.")
            ]
        else:
            form.endpoint.errors = [_("Alerts could not be turned on. Try again later.")]


@bp.route("/alerts", methods=["GET", "POST"])
@csrf.exempt  # residents have no session; posts must come from the hub's own pages
def manage_alerts() -> Response | WerkzeugResponse:
    """Turning alerts on; or, on a phone that has them, its choices."""
    if request.method == "GET":
        token = request.cookies.get(DEVICE_COOKIE, "")
        if service.subscriptions_for_token(token):
            return redirect(url_for("alerts.manage_device", token=token), 303)
        return _signup_page(_signup_form())
    require_same_origin()
    form = _signup_form(request.form)
    if form.validate():
        try:
            rows = service.subscribe(_subscription_request(form))
        except service.InvalidSubscription as invalid:
            _refused(form, invalid)
        else:
            flash(_("Alerts are on for this phone. Keep this page’s address to change them."))
            response = redirect(url_for("alerts.manage_device", token=rows[0].token), 303)
            _remember_device(response, rows[0].token)
            return response
    return _signup_page(form, 400)


@bp.get("/alerts/new")
def new_alerts() -> Response:
    """The sign-up form even on a phone with alerts: choosing again replaces them."""
    return _signup_page(_signup_form())


def _remember_device(response: WerkzeugResponse, token: str) -> None:
    response.set_cookie(
        DEVICE_COOKIE,
        token,
        max_age=COOKIE_AGE,
        path="/alerts",
        secure=request.is_secure,
        httponly=True,
        samesite="Lax",
    )


def _device_or_404(token: str) -> list[PushSubscription]:
    rows = service.subscriptions_for_token(token)
    if not rows:
        abort(404, description=_("These alerts have been turned off, or the link is not right."))
    return rows


@bp.route("/alerts/<token>", methods=["GET", "POST"])
@csrf.exempt  # residents have no session; the token is the key and posts must be same-site
def manage_device(token: str) -> Response | WerkzeugResponse:
    rows = _device_or_404(token)
    first = rows[0]
    if request.method == "GET":
        form = AlertChoicesForm(
            data={
                "topics": first.topics,
                "quiet": first.quiet_from is not None,
                "quiet_from": f"{first.quiet_from:%H:00}" if first.quiet_from else "22:00",
                "quiet_until": f"{first.quiet_until:%H:00}" if first.quiet_until else "07:00",
                "daily_cap": str(first.daily_cap),
                "delivery": "digest" if first.digest else "single",
                "language": first.language,
            }
        )
    else:
        require_same_origin()
        form = AlertChoicesForm(request.form)
        if form.validate():
            service.change_choices(
                token,
                topics=form.topics.data,
                quiet_hours=(
                    time.fromisoformat(form.quiet_from.data),
                    time.fromisoformat(form.quiet_until.data),
                )
                if form.quiet.data
                else None,
                daily_cap=int(form.daily_cap.data),
                digest=form.delivery.data == "digest",
                language=form.language.data,
            )
            flash(_("Your alert choices are saved."))
            return redirect(url_for("alerts.manage_device", token=token), 303)
    return make_response(
        render_template(
            "alerts/device.html",
            rows=rows,
            form=form,
            token=token,
            form_has_errors=bool(form.errors),
        ),
        400 if form.errors else 200,
    )


@bp.get("/alerts/<token>/latest")
def latest(token: str) -> str:
    """What this phone's recent alerts were about: where a daily summary leads."""
    _device_or_404(token)
    return render_template("alerts/latest.html", alerts=service.recent_alerts(token), token=token)


@bp.post("/alerts/<token>/delete")
@csrf.exempt  # as above
def delete_device(token: str) -> WerkzeugResponse:
    require_same_origin()
    _device_or_404(token)
    service.unsubscribe_token(token)
    flash(_("Alerts are off for this phone, and the area you chose has been deleted."))
    response = redirect(url_for("alerts.manage_alerts"), 303)
    response.delete_cookie(DEVICE_COOKIE, path="/alerts")
    return response


@bp.post("/alerts/renew")
@csrf.exempt  # JSON only, and the phone is known by its alerts cookie
def renew_subscription() -> Response:
    """The service worker's report that the browser replaced its push subscription."""
    data, error = _json_body()
    if error:
        return error
    token = request.cookies.get(DEVICE_COOKIE, "")
    if not token and isinstance(data, dict):
        # Cookies cleared: the old endpoint, known only to this browser, finds the phone.
        token = service.token_for_endpoint(data.get("old_endpoint"))
    try:
        moved = service.renew(token, data)
    except service.InvalidSubscription as invalid:
        return problem(422, "Invalid subscription", str(invalid), errors=invalid.errors)
    if not moved:
        return problem(404, "Not Found", "This browser has no alerts to move.")
    return Response(status=204)


@bp.get("/push/vapid-public-key")
def vapid_key() -> Response:
    return jsonify({"publicKey": vapid_public_key(current_app.config["VAPID_PRIVATE_PEM"])})


@bp.post("/push/subscriptions")
@csrf.exempt
def create_subscription() -> Response:
    data, error = _json_body()
    if error:
        return error
    try:
        rows = service.subscribe(data)
    except service.InvalidSubscription as invalid:
        return problem(422, "Invalid subscription", str(invalid), errors=invalid.errors)
    response = jsonify(
        {
            "hubs": [row.hub.slug for row in rows],
            "topics": rows[0].topics,
            "manage": url_for("alerts.manage_device", token=rows[0].token),
        }
    )
    response.status_code = 201
    return response


@bp.delete("/push/subscriptions")
@csrf.exempt
def delete_subscription() -> Response:
    data, error = _json_body()
    if error:
        return error
    endpoint = data.get("endpoint") if isinstance(data, dict) else None
    try:
        found = service.unsubscribe(endpoint)
    except service.InvalidSubscription as invalid:
        return problem(422, "Invalid request", str(invalid), errors=invalid.errors)
    if not found:
        return problem(404, "Not Found", "No subscription has that endpoint.")
    return Response(status=204)
