from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify, render_template, request

from townhub.alerts import service
from townhub.common.errors import problem
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
        subscription = service.subscribe(data)
    except service.InvalidSubscription as invalid:
        return problem(422, "Invalid subscription", str(invalid), errors=invalid.errors)
    response = jsonify({"id": subscription.id, "topics": subscription.topics})
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
