from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.jobs.models import WorkerHeartbeat


def test_healthz_is_503_without_a_worker(client: FlaskClient) -> None:
    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.get_json() == {
        "status": "unavailable",
        "database": True,
        "worker": False,
        "broker": False,
        "queued_jobs": 0,
    }


def test_healthz_is_ok_with_a_live_worker_connected_to_the_broker(client: FlaskClient) -> None:
    db.session.add(WorkerHeartbeat(name="vm:1:worker", beat_at=utcnow(), mqtt_connected=True))
    db.session.flush()

    response = client.get("/healthz")

    assert response.status_code == 200
    assert response.get_json()["status"] == "ok"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_worker_that_stopped_beating_or_lost_the_broker_is_reported(client: FlaskClient) -> None:
    db.session.add(
        WorkerHeartbeat(
            name="vm:1:old", beat_at=utcnow() - timedelta(minutes=5), mqtt_connected=True
        )
    )
    db.session.add(WorkerHeartbeat(name="vm:2:new", beat_at=utcnow(), mqtt_connected=False))
    db.session.flush()

    body = client.get("/healthz").get_json()

    assert (body["worker"], body["broker"]) == (True, False)
