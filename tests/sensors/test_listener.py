"""The worker's MQTT listener against the real Mosquitto broker and the real database."""

from __future__ import annotations

import json
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from tests.factories import make_hub, make_sensor
from tests.support.footfall import quarantined
from tests.support.polling import eventually
from townhub import worker
from townhub.extensions import db
from townhub.footfall.models import FootfallCount
from townhub.jobs.models import WorkerHeartbeat

pytestmark = pytest.mark.live

UPLINKS = Path(__file__).parent / "uplinks"
APP_TOPIC = "v3/townhub-footfall@ttn/devices/{device}/up"


def _eventually(check: Callable[[], Any], timeout: float = 10.0) -> Any:
    return eventually(check, timeout, every=0.1)


def publish(topic: str, payload: bytes) -> None:
    """Publish with the broker's own command-line client, QoS 1."""
    subprocess.run(
        ["mosquitto_pub", "-h", "127.0.0.1", "-p", "1883", "-q", "1", "-t", topic, "-s"],
        input=payload,
        check=True,
        timeout=10,
    )


class RunningWorker:
    def __init__(self, app: Flask, client_id: str) -> None:
        self.stop = threading.Event()
        self.thread = threading.Thread(
            target=worker.run, args=(app, self.stop), kwargs={"client_id": client_id}, daemon=True
        )


@pytest.fixture
def start_worker(
    app: Flask, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[[], RunningWorker]]:
    """Start worker threads on a fresh MQTT session and share group; stop them after."""
    run_id = uuid.uuid4().hex[:8]
    monkeypatch.setitem(app.config, "MQTT_SHARE_GROUP", f"townhub-test-{run_id}")
    monkeypatch.setitem(app.config, "WORKER_HEARTBEAT_SECONDS", 1)
    started: list[RunningWorker] = []
    names = iter(range(100))

    def start() -> RunningWorker:
        running = RunningWorker(app, f"townhub-test-{run_id}-{next(names)}")
        running.thread.start()
        started.append(running)
        return running

    yield start
    for running in started:
        running.stop.set()
    for running in started:
        running.thread.join(timeout=10)


def _connected_workers() -> int:
    query = select(func.count()).where(WorkerHeartbeat.mqtt_connected.is_(True))
    return int(db.session.scalar(query) or 0)


def _counts() -> list[tuple[int, str | None]]:
    return [
        tuple(row)
        for row in db.session.execute(select(FootfallCount.people, FootfallCount.uplink_id))
    ]


@pytest.fixture
def clock_tower_sensor() -> None:
    hub = make_hub(slug="south-norwood")
    make_sensor(hub=hub, device_id="sn-clock-tower", dev_eui="70B3D57ED0060001", name="Clock tower")
    db.session.commit()


@pytest.mark.usefixtures("clock_tower_sensor")
def test_a_tts_uplink_is_counted_once_and_shows_on_the_footfall_page(
    start_worker: Callable[[], RunningWorker], client: FlaskClient
) -> None:
    start_worker()
    assert _eventually(lambda: _connected_workers() == 1), "the listener never connected"
    uplink = (UPLINKS / "tts_v3_paxcounter.json").read_bytes()

    publish(APP_TOPIC.format(device="sn-clock-tower"), uplink)
    assert _eventually(lambda: len(_counts()) == 1)
    publish(APP_TOPIC.format(device="sn-clock-tower"), uplink)  # redelivered
    publish(APP_TOPIC.format(device="sn-clock-tower"), b"{definitely not json")
    assert _eventually(lambda: len(quarantined()) == 1)

    assert _counts() == [(12, "tts:as:up:01JD5Z8K3Q7W2X9YB4C6E8G0HM")]
    source, reason = quarantined()[0]
    assert source == "mqtt:v3/townhub-footfall@ttn/devices/sn-clock-tower/up"
    assert reason.startswith("not valid JSON")
    page = client.get("/south-norwood/footfall").get_data(as_text=True)
    assert "Clock tower" in page and ">12</td>" in page
    assert client.get("/healthz").get_json()["broker"] is True


@pytest.mark.usefixtures("clock_tower_sensor")
def test_an_unknown_device_is_quarantined_not_dropped(
    start_worker: Callable[[], RunningWorker],
) -> None:
    start_worker()
    assert _eventually(lambda: _connected_workers() == 1)
    message = json.loads((UPLINKS / "tts_v3_paxcounter.json").read_text())
    message["end_device_ids"]["device_id"] = "stranger"
    message["end_device_ids"]["dev_eui"] = "0004A30B001C0530"

    publish(APP_TOPIC.format(device="stranger"), json.dumps(message).encode())

    assert _eventually(lambda: len(quarantined()) == 1)
    assert "unknown device 'stranger'" in quarantined()[0][1]
    assert _counts() == []


def test_two_workers_share_the_stream_instead_of_both_consuming_it(
    start_worker: Callable[[], RunningWorker],
) -> None:
    start_worker()
    start_worker()
    assert _eventually(lambda: _connected_workers() == 2)

    for n in range(6):
        publish(APP_TOPIC.format(device=f"nobody-{n}"), b"not json either")

    # Each message is handled by exactly one of the two listeners: six rows, not twelve.
    assert _eventually(lambda: len(quarantined()) >= 6)
    time.sleep(1.0)
    db.session.remove()
    assert len(quarantined()) == 6
