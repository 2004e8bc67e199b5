from __future__ import annotations

from datetime import time

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
from flask_babel import gettext as _
from werkzeug.wrappers import Response as WerkzeugResponse

from townhub.alerts import service
from townhub.alerts.forms import AlertChoicesForm
from townhub.alerts.models import PushSubscription
from townhub.common.errors import problem
from townhub.common.security import require_same_origin
from townhub.config import vapid_public_key
from townhub.extensions import csrf
from townhub.hubs.service import list_hubs

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


@bp.get("/alerts")
def manage_alerts() -> str:
    return render_template("alerts/manage.html", hubs=list_hubs())


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


@bp.post("/alerts/<token>/delete")
@csrf.exempt  # as above
def delete_device(token: str) -> WerkzeugResponse:
    require_same_origin()
    _device_or_404(token)
    service.unsubscribe_token(token)
    flash(_("Alerts are off for this phone, and the area you chose has been deleted."))
    return redirect(url_for("alerts.manage_alerts"), 303)


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
