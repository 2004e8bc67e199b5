from __future__ import annotations

from flask import Blueprint, Response, current_app, jsonify

from townhub.ops import service

bp = Blueprint("ops", __name__)


@bp.get("/healthz")
def healthz() -> Response:
    health = service.check(current_app.config["WORKER_STALE_SECONDS"])
    response = jsonify(
        {
            "status": "ok" if health.ok else "unavailable",
            "database": health.database,
            "worker": health.worker,
            "broker": health.broker,
            "queued_jobs": health.queued_jobs,
        }
    )
    response.status_code = 200 if health.ok else 503
    response.headers["Cache-Control"] = "no-store"
    return response
