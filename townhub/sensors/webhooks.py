"""The same uplinks as over MQTT, POSTed by The Things Stack's or ChirpStack's webhooks.

Off (404) until SENSOR_WEBHOOK_SECRET is set. The network server sends the secret in the
X-Townhub-Secret header (or as a Bearer token), compared in constant time. The answer says
what became of the message: counted, a duplicate, a status report, or quarantined with
the reason. Only a failure to store it (the database away) gets a 5xx, so the sender
tries again; everything else is kept here, not bounced.
"""

from __future__ import annotations

import hmac

from flask import Blueprint, Response, current_app, jsonify, request
from flask_babel import gettext as _
from sqlalchemy.exc import SQLAlchemyError

from townhub.common.errors import problem
from townhub.extensions import csrf, db
from townhub.sensors.ingest import MAX_MESSAGE_BYTES
from townhub.sensors.service import Message, Outcome, Result, ingest_batch, record_status

bp = Blueprint("sensor_webhooks", __name__)

SECRET_HEADER = "X-Townhub-Secret"  # noqa: S105 (the header's name)
NETWORKS = ("tts", "chirpstack")


@bp.post("/sensors/webhooks/<network>")
@csrf.exempt
def receive(network: str) -> Response:
    """One uplink (The Things Stack: the "Uplink message" webhook; ChirpStack: the HTTP
    integration, which adds ?event=up, or ?event=status for battery levels)."""
    if network not in NETWORKS:
        return problem(
            404, "Not Found", _("Sensor webhooks are /sensors/webhooks/tts and /chirpstack.")
        )
    refusal = _refusal()
    if refusal is not None:
        return refusal
    # Read no more than a message may be, and keep even an oversized one (cut) in quarantine.
    request.max_content_length = None
    raw = request.stream.read(MAX_MESSAGE_BYTES + 1)
    source = f"webhook:{network}"
    event = request.args.get("event", "up")
    try:
        if network == "chirpstack" and event == "status":
            result = record_status(source, raw)
        elif network == "chirpstack" and event != "up":
            return _answer(200, Result(Outcome.STATUS, _("Only up and status events are used.")))
        else:
            size = max(request.content_length or 0, len(raw))
            result = ingest_batch([Message(network, source, raw, size)])[0]
    except SQLAlchemyError:
        current_app.logger.exception("could not store a webhook uplink")
        db.session.rollback()
        answer = problem(
            503,
            "Service Unavailable",
            _("The message could not be stored just now. Send it again."),
        )
        answer.headers["Retry-After"] = "30"
        return answer
    if result.outcome is Outcome.QUARANTINED:
        reason = result.reason or ""
        if len(raw) > MAX_MESSAGE_BYTES:
            return problem(413, "Content Too Large", reason, quarantined=True)
        if reason.startswith(("not valid JSON", "not valid UTF-8", "not a JSON object")):
            return problem(400, "Bad Request", reason, quarantined=True)
        return _answer(202, result)
    return _answer(200, result)


def _answer(status: int, result: Result) -> Response:
    body = {"outcome": result.outcome.value}
    if result.reason:
        body["reason"] = result.reason
    response = jsonify(body)
    response.status_code = status
    return response


def _refusal() -> Response | None:
    secret = current_app.config["SENSOR_WEBHOOK_SECRET"]
    if not secret:
        return problem(404, "Not Found", _("Sensor webhooks are not switched on here."))
    given = request.headers.get(SECRET_HEADER, "")
    bearer = request.headers.get("Authorization", "")
    if not given and bearer.lower().startswith("bearer "):
        given = bearer[7:].strip()
    if not given:
        return problem(401, "Unauthorized", _("The webhook secret is missing."))
    if not hmac.compare_digest(given.encode(), secret.encode()):
        return problem(403, "Forbidden", _("The webhook secret is wrong."))
    return None
