"""Streams of uplinks through a real Mosquitto into the real database, with the broker or
the database going away in the middle, and the totals checked against what was sent.

The broker restart runs on a private Mosquitto (the shared one must stay up); the other
tests use the shared broker on topics of their own (a run id after the usual topic), so
other workers subscribed to the usual topics never see these messages, nor these workers
theirs.
"""

from __future__ import annotations

import json
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import paho.mqtt.client as mqtt
import pytest
import sqlalchemy as sa
from flask import Flask
from sqlalchemy import select

from tests.conftest import TEST_DATABASE_URL
from tests.factories import make_hub, make_sensor
from tests.support.broker import Mosquitto
from tests.support.footfall import counts_by_sensor, quarantined, rollups_by_sensor, stored
from tests.support.polling import eventually
from tests.support.tcp_proxy import CuttableProxy
from townhub import create_app, worker
from townhub.extensions import db
from townhub.footfall.models import FootfallCount
from townhub.jobs.models import WorkerHeartbeat
from townhub.sensors import listener as listener_module
from townhub.sensors.listener import Listener
from townhub.sensors.models import Sensor
from townhub.sensors.service import Message, Outcome, Result, ingest_batch
from townhub.sensors.simulate import (
    CHIRPSTACK_APPLICATION,
    CHIRPSTACK_TOPIC,
    TTS_TOPIC,
    SimulatedSensor,
    chirpstack_uplink,
    connect,
    tts_uplink,
    uplinks,
)

pytestmark = pytest.mark.live

# A Monday in the past: the stream's readings are a minute apart from here.
START = datetime(2025, 6, 2, 5, 0, tzinfo=UTC)
EVERY = timedelta(minutes=1)
GRAINS = ("15m", "1h", "1d")


# ------------------------------------------------------------------------------------------
# What the database holds


def _heartbeats() -> list[bool]:
    return list(db.session.scalars(select(WorkerHeartbeat.mqtt_connected)))


def _assert_totals(expected: dict[str, tuple[int, int]]) -> None:
    """Every uplink stored once, the people as sent, the roll-ups agreeing, and nothing
    quarantined."""
    db.session.remove()
    assert quarantined() == []
    assert counts_by_sensor() == expected
    rollups = rollups_by_sensor()
    for device, totals in expected.items():
        for grain in GRAINS:
            assert rollups.get((device, grain)) == totals, (device, grain)


# ------------------------------------------------------------------------------------------
# Streams


@dataclass
class Stream:
    messages: list[tuple[str, bytes]]
    # device id -> (rows, people) once every message is stored once
    expected: dict[str, tuple[int, int]]


def _stream(sensors: list[Sensor], rounds: int, topic_suffix: str = "") -> Stream:
    """A reading from each sensor every minute, as `simulate` makes them for a demo."""
    simulated = [
        SimulatedSensor(s.device_id, s.dev_eui, s.network, s.kind, dict(s.mapping)) for s in sensors
    ]
    messages: list[tuple[str, bytes]] = []
    expected = {s.device_id: (0, 0) for s in sensors}
    made = uplinks(simulated, START, EVERY, rounds)
    for n, (topic, payload, people) in enumerate(made):
        sensor = simulated[n % len(simulated)]
        rows, total = expected[sensor.device_id]
        # A running total's first reading is the baseline: it counts nobody.
        first_of_cumulative = rows == 0 and sensor.mapping.get("counts") == "cumulative"
        expected[sensor.device_id] = (rows + 1, total + (0 if first_of_cumulative else people))
        messages.append((topic + topic_suffix, payload))
    return Stream(messages, expected)


def _register_mix(prefix: str) -> list[Sensor]:
    """A Paxcounter on The Things Stack, one on ChirpStack, and a VS133 sending running
    totals."""
    hub = make_hub()
    sensors = [
        make_sensor(hub=hub, device_id=f"{prefix}-pax"),
        make_sensor(hub=hub, device_id=f"{prefix}-chirp", network="chirpstack"),
        make_sensor(
            hub=hub,
            device_id=f"{prefix}-vs133",
            kind="vs133",
            mapping={"line": "1", "counts": "cumulative"},
        ),
    ]
    db.session.commit()
    return sensors


def _publish(app: Flask, messages: list[tuple[str, bytes]]) -> None:
    """Publish with QoS 1 (as `simulate.publish_all` does) and check that the broker
    acknowledged every message."""
    client = connect(app.config)
    try:
        sent = [client.publish(topic, payload, qos=1) for topic, payload in messages]
        for info in sent:
            info.wait_for_publish(timeout=30)
        assert all(info.is_published() for info in sent), "the broker did not take them all"
    finally:
        client.disconnect()
        client.loop_stop()


# ------------------------------------------------------------------------------------------
# Workers, listeners and a broker of our own


@pytest.fixture
def start_worker() -> Iterator[Callable[[Flask, str], None]]:
    """Run worker.run in threads; stop and join them after the test."""
    started: list[tuple[threading.Event, threading.Thread]] = []

    def start(app: Flask, client_id: str) -> None:
        stop = threading.Event()
        thread = threading.Thread(
            target=worker.run, args=(app, stop), kwargs={"client_id": client_id}, daemon=True
        )
        thread.start()
        started.append((stop, thread))

    yield start
    for stop, _ in started:
        stop.set()
    for _, thread in started:
        thread.join(timeout=40)
        assert not thread.is_alive(), "a worker did not stop"


class RecordingListener(Listener):
    """The worker's listener, noting whether the broker kept the session at each connection
    and which messages came on which connection; it can also take its time reading."""

    made: list[RecordingListener]
    # Seconds paho's thread spends on each message while on the first connection, as
    # over a slow link: the broker still holds most of a burst for a while.
    first_connection_delay = 0.0

    def __init__(self, app: Flask, client_id: str) -> None:
        super().__init__(app, client_id)
        self.sessions_present: list[bool] = []
        # (connection, DUP flag, payload) of each message as it arrived
        self.received: list[tuple[int, bool, bytes]] = []
        self.made.append(self)

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: object,
        properties: object,
    ) -> None:
        if not getattr(reason, "is_failure", False):
            self.sessions_present.append(bool(getattr(flags, "session_present", False)))
        super()._on_connect(client, userdata, flags, reason, properties)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        self.received.append((self.connection, bool(message.dup), bytes(message.payload)))
        if self.connection == 1 and self.first_connection_delay:
            time.sleep(self.first_connection_delay)
        super()._on_message(client, userdata, message)


@pytest.fixture
def listeners(monkeypatch: pytest.MonkeyPatch) -> list[RecordingListener]:
    made: list[RecordingListener] = []
    monkeypatch.setattr(RecordingListener, "made", made, raising=False)
    monkeypatch.setattr(worker, "Listener", RecordingListener)
    return made


@pytest.fixture
def outcomes(monkeypatch: pytest.MonkeyPatch) -> Counter[Outcome]:
    """What became of each message the listener handed to ingest_batch."""
    seen: Counter[Outcome] = Counter()

    def counting(messages: Sequence[Message]) -> list[Result]:
        results = ingest_batch(messages)
        seen.update(result.outcome for result in results)
        return results

    monkeypatch.setattr(listener_module, "ingest_batch", counting)
    return seen


@pytest.fixture
def private_broker(tmp_path: Path) -> Iterator[Mosquitto]:
    """A Mosquitto of our own that keeps its sessions and messages on disk, so it can be
    stopped (SIGTERM: it saves them) and started again on the same port."""
    broker = Mosquitto(tmp_path, persistent=True)
    broker.start()
    try:
        yield broker
    finally:
        broker.stop()


@pytest.fixture
def run_id() -> str:
    """Names this test's share group, client id, devices and topics."""
    return uuid.uuid4().hex[:8]


def _handled_all(listener: RecordingListener, outcomes: Counter[Outcome]) -> bool:
    """Whether the worker has stored (or found a repeat) every message it received."""
    return sum(outcomes.values()) == len(listener.received)


def _isolated_topics(app: Flask, run_id: str) -> str:
    """The usual topics with the run id as one more level: only this test's workers
    subscribe to them."""
    return ",".join(f"{topic.strip()}/{run_id}" for topic in app.config["MQTT_TOPICS"].split(","))


# ------------------------------------------------------------------------------------------
# The broker restarts in the middle of a stream


# MQTT 3.1.1 too: The Things Stack's broker speaks only that, and there the session is
# kept by clean_session=False rather than a session expiry.
@pytest.mark.parametrize("protocol", ["5", "3.1.1"])
def test_a_broker_restart_mid_stream_loses_and_doubles_nothing(
    protocol: str,
    app: Flask,
    private_broker: Mosquitto,
    start_worker: Callable[[Flask, str], None],
    listeners: list[RecordingListener],
    outcomes: Counter[Outcome],
    run_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "MQTT_URL", private_broker.url)
    monkeypatch.setitem(app.config, "MQTT_PROTOCOL", protocol)
    monkeypatch.setitem(app.config, "MQTT_SHARE_GROUP", f"townhub-stream-{run_id}")
    # The test configuration's 0 would end the session with the connection, and with it
    # every message the broker still held for the worker.
    monkeypatch.setitem(app.config, "MQTT_SESSION_EXPIRY_SECONDS", 300)
    monkeypatch.setitem(app.config, "WORKER_HEARTBEAT_SECONDS", 1)
    # Smaller batches and a slow link until the restart, so the worker is still storing
    # and the broker still holds most of the burst when it stops. (Mosquitto 2.0.11 stops
    # keeping to the listener's Receive Maximum once acknowledgements flow, so on a fast
    # link it pushes nearly the whole burst to the worker within a few tenths of a second.)
    monkeypatch.setattr(listener_module, "BATCH_MAX", 50)
    monkeypatch.setattr(RecordingListener, "first_connection_delay", 0.001)
    stream = _stream(_register_mix(f"restart-{run_id}"), rounds=1000)
    before, after = stream.messages[:2000], stream.messages[2000:]

    start_worker(app, f"townhub-stream-{run_id}")
    assert eventually(lambda: _heartbeats() == [True]), "the listener never connected"
    [listener] = listeners

    _publish(app, before)
    assert eventually(lambda: stored() >= 100), "the worker stored nothing"
    private_broker.stop()
    stored_when_stopped = stored()
    assert 0 < stored_when_stopped < len(before), "the broker should stop mid-stream"
    assert eventually(lambda: _heartbeats() == [False], timeout=5), private_broker.log_text()
    private_broker.start()
    assert eventually(lambda: _heartbeats() == [True], timeout=15), "it never reconnected"
    _publish(app, after)

    eventually(lambda: stored() >= len(stream.messages), timeout=30)
    assert eventually(lambda: _handled_all(listener, outcomes), timeout=10)
    assert stored() == len(stream.messages), (
        f"stored {stored()} of {len(stream.messages)} ({stored_when_stopped} when the "
        f"broker stopped)\n{private_broker.log_text()}"
    )
    _assert_totals(stream.expected)
    assert listener.sessions_present == [False, True], "the broker should keep the session"
    assert listener.connected.is_set()
    assert "Saving in-memory database" in private_broker.log_text()
    # Mosquitto logs the protocol of each connection: p5 for MQTT 5, p2 for 3.1.1.
    level = "p5" if protocol == "5" else "p2"
    assert f"as townhub-stream-{run_id} ({level}, c0," in private_broker.log_text()

    # Messages the worker first saw after the restart were kept on disk by the broker.
    seen_before_restart = {
        payload for connection, _, payload in listener.received if connection == 1
    }
    kept_by_broker = [payload for _, payload in before if payload not in seen_before_restart]
    assert kept_by_broker, "the broker should still have held messages when it stopped"
    # Those received but not acknowledged before it came again (DUP set), counted once.
    again = [
        dup
        for connection, dup, payload in listener.received
        if connection > 1 and payload in seen_before_restart
    ]
    assert again and all(again)
    assert outcomes == {Outcome.COUNTED: len(stream.messages), Outcome.DUPLICATE: len(again)}
    print(  # shown with -s: how the restart went
        f"\nbroker restart: {stored_when_stopped} stored when it stopped, "
        f"{len(seen_before_restart)} received before it stopped, {len(kept_by_broker)} "
        f"first delivered after the restart, {len(again)} delivered again"
    )


# ------------------------------------------------------------------------------------------
# The database connection is cut (and new connections refused) in the middle of a stream


@pytest.fixture
def database_proxy() -> Iterator[CuttableProxy]:
    port = sa.make_url(TEST_DATABASE_URL).port or 5432
    proxy = CuttableProxy(port).start()
    try:
        yield proxy
    finally:
        proxy.stop()


@pytest.fixture
def app_through_proxy(app: Flask, database_proxy: CuttableProxy, run_id: str) -> Iterator[Flask]:
    """A second app for the worker, its database reached through the proxy; on the shared
    broker with a share group and topics of its own."""
    through_proxy = sa.make_url(TEST_DATABASE_URL).set(port=database_proxy.port)
    worker_app = create_app(
        "test",
        {
            "SQLALCHEMY_DATABASE_URI": through_proxy.render_as_string(hide_password=False),
            "MQTT_URL": app.config["MQTT_URL"],
            "MQTT_SHARE_GROUP": f"townhub-stream-{run_id}",
            "MQTT_TOPICS": _isolated_topics(app, run_id),
            "WORKER_HEARTBEAT_SECONDS": 1,
        },
    )
    yield worker_app
    with worker_app.app_context():
        db.engine.dispose()


def test_a_database_cut_mid_stream_pauses_the_worker_and_loses_and_doubles_nothing(
    app: Flask,
    database_proxy: CuttableProxy,
    app_through_proxy: Flask,
    start_worker: Callable[[Flask, str], None],
    listeners: list[RecordingListener],
    outcomes: Counter[Outcome],
    run_id: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """The database's connections are dropped and new ones refused for 3 seconds, as
    while PostgreSQL restarts."""
    monkeypatch.setattr(listener_module, "BATCH_MAX", 50)
    # Alembic's fileConfig (run by the session's migrations) disabled the loggers there were.
    monkeypatch.setattr(listener_module.log, "disabled", False)
    stream = _stream(_register_mix(f"dbcut-{run_id}"), rounds=1000, topic_suffix=f"/{run_id}")
    start_worker(app_through_proxy, f"townhub-stream-{run_id}")
    assert eventually(lambda: _heartbeats() == [True]), "the listener never connected"
    [listener] = listeners
    _publish(app, stream.messages)
    assert eventually(lambda: stored() >= 300), "the worker stored nothing"

    database_proxy.cut()
    try:
        time.sleep(0.3)  # a commit under way when the cut came has its answer by now
        stored_when_cut = stored()
        assert 0 < stored_when_cut < len(stream.messages), "the cut should come mid-stream"
        time.sleep(3.0)
        assert stored() == stored_when_cut, "nothing can be stored while the database is cut"
    finally:
        database_proxy.restore()  # the worker must reach it to stop, even after a failure
    restored_at = time.monotonic()

    # The writer retries 0.5, 1.5, 3.5 and 7.5 s after the cut: it is back by the last.
    assert eventually(lambda: stored() > stored_when_cut, timeout=6), "it never resumed"
    resumed_after = time.monotonic() - restored_at
    assert eventually(lambda: stored() >= len(stream.messages), timeout=30), (
        f"stored {stored()} of {len(stream.messages)} ({stored_when_cut} when cut)"
    )
    assert eventually(lambda: _handled_all(listener, outcomes), timeout=10)
    _assert_totals(stream.expected)
    assert outcomes[Outcome.COUNTED] == len(stream.messages)
    assert eventually(lambda: _heartbeats() == [True])
    waits = [r for r in caplog.records if r.getMessage().startswith("database unavailable")]
    assert waits, "the writer should have waited for the database"
    print(  # shown with -s: how the cut went
        f"\ndatabase cut: {stored_when_cut} stored when cut, {len(waits)} waits, storing "
        f"again {resumed_after:.1f} s after the restore, {outcomes[Outcome.DUPLICATE]} "
        "duplicates"
    )


# ------------------------------------------------------------------------------------------
# Duplicates, resets, wrap-arounds, late and out-of-order readings through the broker


def _tts(device_id: str, minute: int, f_cnt: int, people: int = 0, **decoded: int) -> bytes:
    message = tts_uplink(
        device_id=device_id,
        dev_eui=None,
        people=people,
        f_cnt=f_cnt,
        at=START + EVERY * minute,
        decoded=decoded or None,
    )
    return json.dumps(message).encode()


def _totals(total_in: int, total_out: int) -> dict[str, int]:
    return {"line_1_total_in": total_in, "line_1_total_out": total_out}


def _rows(device_id: str) -> list[tuple[int, int | None, int]]:
    """A sensor's stored rows in time order: (minute, frame counter, people)."""
    query = (
        select(FootfallCount.measured_at, FootfallCount.f_cnt, FootfallCount.people)
        .join(Sensor, Sensor.id == FootfallCount.sensor_id)
        .where(Sensor.device_id == device_id)
        .order_by(FootfallCount.measured_at)
    )
    return [
        (int((at - START) / EVERY), f_cnt, people)
        for at, f_cnt, people in db.session.execute(query)
    ]


def test_duplicates_resets_wraps_and_late_readings_through_the_broker(
    app: Flask,
    start_worker: Callable[[Flask, str], None],
    listeners: list[RecordingListener],
    outcomes: Counter[Outcome],
    run_id: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(app.config, "MQTT_SHARE_GROUP", f"townhub-stream-{run_id}")
    monkeypatch.setitem(app.config, "MQTT_TOPICS", _isolated_topics(app, run_id))
    monkeypatch.setitem(app.config, "WORKER_HEARTBEAT_SECONDS", 1)
    hub = make_hub()
    pax = make_sensor(hub=hub, device_id=f"pax-{run_id}").device_id
    chirp_sensor = make_sensor(hub=hub, device_id=f"chirp-{run_id}", network="chirpstack")
    chirp, chirp_eui = chirp_sensor.device_id, chirp_sensor.dev_eui
    vs133 = make_sensor(
        hub=hub,
        device_id=f"vs133-{run_id}",
        kind="vs133",
        mapping={"line": "1", "counts": "cumulative"},
    ).device_id
    db.session.commit()
    assert chirp_eui
    pax_topic = TTS_TOPIC.format(application="townhub-footfall", tenant="ttn", device=pax)
    vs133_topic = TTS_TOPIC.format(application="townhub-footfall", tenant="ttn", device=vs133)
    chirp_topic = CHIRPSTACK_TOPIC.format(
        application=CHIRPSTACK_APPLICATION, dev_eui=chirp_eui.lower()
    )

    def on_topic(topic: str, *payloads: bytes) -> list[tuple[str, bytes]]:
        return [(f"{topic}/{run_id}", payload) for payload in payloads]

    def chirpstack(minute: int, f_cnt: int, pax_count: int) -> bytes:
        message = chirpstack_uplink(
            device_id=chirp,
            dev_eui=chirp_eui,
            f_cnt=f_cnt,
            at=START + EVERY * minute,
            decoded={"pax": pax_count, "wifi": pax_count, "ble": 0},
        )
        return json.dumps(message).encode()

    start_worker(app, f"townhub-stream-{run_id}")
    assert eventually(lambda: _heartbeats() == [True]), "the listener never connected"
    [listener] = listeners

    # First: the readings the late ones will arrive after.
    pax_10 = _tts(pax, 10, 10, people=5)
    pax_11 = _tts(pax, 11, 11, people=7)
    chirp_20 = chirpstack(20, 100, 8)
    first = [
        *on_topic(pax_topic, pax_10, pax_10, pax_11),  # the same message twice
        *on_topic(chirp_topic, chirp_20, chirp_20),
        *on_topic(
            vs133_topic,
            _tts(vs133, 0, 1, **_totals(2**32 - 20, 100)),  # the baseline
            _tts(vs133, 2, 3, **_totals(2**32 - 5, 110)),  # 15 in and 10 out
        ),
    ]
    _publish(app, first)
    assert eventually(lambda: stored() == 5), (stored(), quarantined())
    assert eventually(lambda: _handled_all(listener, outcomes))

    second = [
        *on_topic(
            pax_topic,
            pax_10,  # delivered again later, as after a reconnection
            _tts(pax, 11, 11, people=7),  # the same frame by another route: a new message id
            _tts(pax, 12, 1, people=4),  # the device restarted: its frame counter too
            _tts(pax, 13, 2, people=6),
            _tts(pax, 5, 9, people=3),  # late: sent before all the others
        ),
        *on_topic(
            chirp_topic,
            chirp_20,
            chirpstack(21, 0, 2),  # ChirpStack's frame counter restarted at zero
        ),
        *on_topic(
            vs133_topic,
            _tts(vs133, 1, 2, **_totals(2**32 - 12, 104)),  # late: splits the 25 above
            _tts(vs133, 3, 4, **_totals(6, 115)),  # in wrapped round past 2**32: 11 more
            _tts(vs133, 3, 4, **_totals(6, 115)),  # the same frame again
            _tts(vs133, 4, 1, **_totals(3, 2)),  # restarted: counting from zero again
            _tts(vs133, 5, 2, **_totals(10, 4)),
        ),
    ]
    _publish(app, second)
    sent = len(first) + len(second)
    done = lambda: len(listener.received) == sent and _handled_all(listener, outcomes)  # noqa: E731
    assert eventually(done), (stored(), quarantined(), outcomes)
    # Two copies of one message, a frame by a second route, and two later redeliveries.
    assert outcomes == {Outcome.COUNTED: 13, Outcome.DUPLICATE: 6}

    db.session.remove()
    assert _rows(pax) == [(5, 9, 3), (10, 10, 5), (11, 11, 7), (12, 1, 4), (13, 2, 6)]
    assert _rows(chirp) == [(20, 100, 8), (21, 0, 2)]
    assert _rows(vs133) == [
        (0, 1, 0),
        (1, 2, 12),  # 8 in and 4 out
        (2, 3, 13),  # what is left of the 25: 7 in and 6 out
        (3, 4, 16),  # 2**32 - (2**32 - 5) + 6 in, and 5 out
        (4, 1, 5),  # after the restart: 3 in and 2 out since it started
        (5, 2, 9),
    ]
    _assert_totals({pax: (5, 25), chirp: (2, 10), vs133: (6, 55)})
    sensor = db.session.scalars(select(Sensor).where(Sensor.device_id == vs133)).one()
    # The late readings did not wind its health back.
    assert (sensor.last_seen_at, sensor.last_f_cnt) == (START + 5 * EVERY, 2)
