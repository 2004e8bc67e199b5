"""MQTT ingest: sustained uplinks per second stored in PostgreSQL by Townhub's worker from
the real broker, beside how fast a bare paho subscriber receives the same stream in the
same run; the worker's peak memory; and what is lost or counted twice when the worker is
killed (SIGKILL, then SIGTERM) and started again mid-stream.

Runs on its own database (townhub_bench_ingest on the development server), made here and
dropped at the end unless something was lost or double-counted (then it is left for a
look). Topics carry a per-run prefix that no Townhub subscription matches, so no other
worker's persistent session on the shared broker queues the bench's uplinks, and the
worker's own broker session is cleared at the end. Run by `bench/run --only ingest` and the
full `bench/run`; or `python bench/ingest.py` once PostgreSQL and Mosquitto answer.
Prints figures; asserts nothing.
"""

from __future__ import annotations

import itertools
import json
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import paho.mqtt.client as mqtt
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from townhub.sensors.listener import RECEIVE_MAXIMUM, broker_settings
from townhub.sensors.simulate import SimulatedSensor, connect, uplinks

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "townhub_bench_ingest"
UPLINKS = int(os.environ.get("BENCH_UPLINKS", "20000"))
MQTT_URL = os.environ.get("MQTT_URL", "mqtt://127.0.0.1:1883")
# 30 Paxcounters on one hub: two in three on The Things Stack, the rest on ChirpStack.
SENSORS = 30
EVERY = timedelta(minutes=1)  # between one sensor's uplinks, in the messages' own times
RUN = uuid.uuid4().hex[:8]
# Each stream's uplinks are dated from its own day, so phases never share a frame or a
# roll-up bucket and each can be counted on its own.
DAYS_BACK = {"warm-up": 50, "throughput": 40, "SIGKILL": 30, "SIGTERM": 20}
# The kill comes when this share of the stream is stored; the stream is published at half
# the measured ingest rate, so it is still coming in while the worker is down.
KILL_AT = 1 / 3
SETTLED_SECONDS = 3.0  # no new rows for this long after the restart: all that will come
WAIT_SECONDS = 90.0


class Sampler(Protocol):
    """bench.py's MemorySampler: peak RSS and PSS (KiB) of the process trees of `roots`."""

    roots: list[int]
    stop: threading.Event
    peak_rss_kib: int
    peak_pss_kib: int

    def start(self) -> None: ...


def say(line: str) -> None:
    print(line, flush=True)


# --- the broker ------------------------------------------------------------------------


def bench_topic(topic: str) -> str:
    """The simulator's topic under this run's prefix: ChirpStack's still starts with
    "application/" (the listener reads the network from that) but has two more levels, so
    neither it nor the TTS one matches a filter of MQTT_TOPICS' default."""
    if topic.startswith("application/"):
        return f"application/townhub-bench/{RUN}/" + topic.removeprefix("application/")
    return f"townhub-bench/{RUN}/{topic}"


TOPICS = [
    f"townhub-bench/{RUN}/v3/+/devices/+/up",
    f"application/townhub-bench/{RUN}/+/device/+/event/up",
]


@dataclass(frozen=True)
class Sent:
    topic: str
    payload: bytes
    people: int
    device_id: str
    f_cnt: int


def stream(sensors: list[SimulatedSensor], phase: str, count: int) -> list[Sent]:
    """`count` uplinks from the sensors in turn, in their networks' JSON, fresh ids."""
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(days=DAYS_BACK[phase])
    rounds = -(-count // len(sensors))
    sent = []
    for n, (topic, payload, people) in enumerate(
        itertools.islice(uplinks(sensors, start, EVERY, rounds), count)
    ):
        sensor = sensors[n % len(sensors)]  # uplinks() has just moved its frame counter
        sent.append(Sent(bench_topic(topic), payload, people, sensor.device_id, sensor.f_cnt))
    return sent


def write_stream(messages: list[Sent], folder: Path, phase: str) -> Path:
    path = folder / f"{phase}.tsv"
    with path.open("wb") as handle:
        for message in messages:  # json.dumps writes no tab or newline
            handle.write(message.topic.encode() + b"\t" + message.payload + b"\n")
    return path


def publish_file(path: str, per_second: float) -> None:
    """The publisher, in its own process (`python bench/ingest.py publish FILE RATE`): QoS 1,
    as fast as the broker takes them (or `per_second`), waiting for every PUBACK; prints
    how many the broker acknowledged and how long that took, as JSON."""
    lines = Path(path).read_bytes().splitlines()
    messages = [line.split(b"\t", 1) for line in lines]
    client = connect(broker_config(), client_id=f"townhub-bench-publisher-{uuid.uuid4().hex[:8]}")
    started = time.monotonic()
    infos = []
    for n, (topic, payload) in enumerate(messages):
        if per_second:
            ahead = started + n / per_second - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        infos.append(client.publish(topic.decode(), payload, qos=1))
    for info in infos:
        info.wait_for_publish(timeout=60)
    seconds = time.monotonic() - started
    acknowledged = sum(info.is_published() for info in infos)
    client.disconnect()
    client.loop_stop()
    print(json.dumps({"acknowledged": acknowledged, "seconds": seconds}))


class Publisher:
    def __init__(self, path: Path, per_second: float = 0) -> None:
        self.process = subprocess.Popen(
            [sys.executable, __file__, "publish", str(path), str(per_second)],
            cwd=ROOT,
            stdout=subprocess.PIPE,
            text=True,
        )

    def result(self, timeout: float = WAIT_SECONDS) -> tuple[int, float]:
        """How many the broker acknowledged, and in how many seconds."""
        try:
            out, _ = self.process.communicate(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.stop()
            raise SystemExit("the publisher did not finish") from None
        if self.process.returncode:
            raise SystemExit(f"the publisher failed (exit {self.process.returncode})")
        result = json.loads(out.strip().splitlines()[-1])
        return int(result["acknowledged"]), float(result["seconds"])

    def done(self) -> bool:
        return self.process.poll() is not None

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait()


def client_v5(client_id: str) -> mqtt.Client:
    return mqtt.Client(CallbackAPIVersion.VERSION2, client_id=client_id, protocol=mqtt.MQTTv5)


def bare_paho_rate(path: Path, count: int) -> tuple[float, int, float]:
    """A bare paho subscriber as the listener's (MQTT 5, QoS 1, a shared subscription, the
    same Receive Maximum) but acknowledging at once and storing nothing: messages per
    second from the first received to the last; how many arrived; the publisher's rate."""
    received = {"count": 0, "first": 0.0, "last": 0.0}
    all_in, subscribed = threading.Event(), threading.Event()

    def on_message(client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        now = time.monotonic()
        if not received["count"]:
            received["first"] = now
        received["count"] += 1
        received["last"] = now
        if received["count"] >= count:
            all_in.set()

    client = client_v5(f"townhub-bench-paho-{RUN}")
    client.on_message = on_message
    client.on_subscribe = lambda *_: subscribed.set()
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.ReceiveMaximum = RECEIVE_MAXIMUM
    host, port, *_ = broker_settings(broker_config())
    client.connect(host, port, clean_start=True, properties=properties)
    client.loop_start()
    publisher = None
    try:
        client.subscribe([(f"$share/townhub-bench-paho-{RUN}/{t}", 1) for t in TOPICS])
        if not subscribed.wait(10):
            raise SystemExit("the bare paho subscriber got no SUBACK")
        publisher = Publisher(path)
        all_in.wait(WAIT_SECONDS)
        sent, seconds = publisher.result()
    finally:
        if publisher:
            publisher.stop()
        client.disconnect()
        client.loop_stop()
    got = int(received["count"])
    span = received["last"] - received["first"]
    return ((got - 1) / span if span > 0 else 0.0), got, sent / seconds


def broker_config() -> dict[str, str]:
    """Just enough configuration for the listener's broker settings: MQTT_URL."""
    return {"MQTT_URL": MQTT_URL}


def forget_session(client_id: str) -> None:
    """End the worker's persistent session on the broker: connect with a clean start and
    a session that expires on disconnect."""
    client = client_v5(client_id)
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
    properties.SessionExpiryInterval = 0
    host, port, *_ = broker_settings(broker_config())
    try:
        client.connect(host, port, clean_start=True, properties=properties)
        client.loop_start()
        time.sleep(0.5)
        client.disconnect()
        client.loop_stop()
    except OSError as error:
        say(f"  could not clear the worker's broker session {client_id}: {error}")


# --- the database ----------------------------------------------------------------------


def register_sensors(engine: sa.Engine) -> list[SimulatedSensor]:
    """One hub around South Norwood High Street and SENSORS Paxcounters on it."""
    sensors = [
        SimulatedSensor(
            device_id=f"bench-counter-{n:02d}",
            dev_eui=f"70B3D57EDB{n:06X}",
            network="chirpstack" if n % 3 == 2 else "tts",
            kind="paxcounter",
            mapping={"period_minutes": 15},
        )
        for n in range(SENSORS)
    ]
    with engine.begin() as connection:
        hub_id = connection.execute(
            sa.text(
                "INSERT INTO hubs (slug, name, boundary, theme_colour) VALUES ('bench',"
                " 'Bench High Street', ST_GeomFromText('POLYGON((-0.079 51.3955, -0.07 51.3955,"
                " -0.07 51.401, -0.079 51.401, -0.079 51.3955))', 4326), '#1d3b6f') RETURNING id"
            )
        ).scalar_one()
        connection.execute(
            sa.text(
                "INSERT INTO sensors (hub_id, device_id, dev_eui, network, name, location,"
                " kind, mapping) VALUES (:hub_id, :device_id, :dev_eui, :network, :name,"
                " ST_SetSRID(ST_MakePoint(-0.0752, 51.3975), 4326), :kind, CAST(:mapping AS jsonb))"
            ),
            [
                {
                    "hub_id": hub_id,
                    "device_id": s.device_id,
                    "dev_eui": s.dev_eui,
                    "network": s.network,
                    "name": s.device_id,
                    "kind": s.kind,
                    "mapping": json.dumps(s.mapping),
                }
                for s in sensors
            ],
        )
    return sensors


def stored(engine: sa.Engine) -> int:
    with engine.connect() as connection:
        return int(connection.execute(sa.text("SELECT count(*) FROM footfall_counts")).scalar_one())


@dataclass
class Tally:
    sent: int
    rows: int  # footfall_counts rows of this stream
    distinct: int  # distinct uplinks among them that were sent
    strangers: int  # rows that match nothing sent
    same_frame: int  # rows beyond one per (sensor, frame counter)
    same_uplink: int  # rows beyond one per uplink_id
    people_sent: int
    people_stored: int  # in footfall_counts
    people_expected: int  # what the stored uplinks were sent with
    rollup_people: int  # in the 15-minute roll-ups
    rollup_readings: int
    quarantined: int

    @property
    def lost(self) -> int:
        return self.sent - self.distinct

    @property
    def doubled(self) -> int:
        """Uplinks counted more than once: extra rows, or extra people or readings in the
        rows or the roll-ups the dashboards read."""
        return max(
            self.same_frame,
            self.same_uplink,
            self.strangers,
            self.people_stored - self.people_expected,
            self.rollup_people - self.people_stored,
            self.rollup_readings - self.rows,
            0,
        )


def tally(engine: sa.Engine, messages: list[Sent]) -> Tally:
    """What of `messages` is in the database: the stream's time range only."""
    first = min(stream_times(messages))
    last = max(stream_times(messages))
    window = {"a": first - timedelta(hours=1), "b": last + timedelta(hours=1)}
    with engine.connect() as connection:
        ids: dict[str, int] = dict(
            connection.execute(sa.text("SELECT device_id, id FROM sensors")).tuples().all()
        )
        rows = connection.execute(
            sa.text(
                "SELECT sensor_id, f_cnt, uplink_id, people FROM footfall_counts"
                " WHERE measured_at >= :a AND measured_at < :b"
            ),
            window,
        ).all()
        rollup_people, rollup_readings = connection.execute(
            sa.text(
                "SELECT coalesce(sum(people), 0), coalesce(sum(readings), 0)"
                " FROM footfall_rollups WHERE grain = '15m'"
                " AND bucket_start >= :a AND bucket_start < :b"
            ),
            window,
        ).one()
        quarantined = connection.execute(
            sa.text("SELECT count(*) FROM sensor_quarantine")
        ).scalar_one()
    expected = {(ids[m.device_id], m.f_cnt): m.people for m in messages}
    frames = {(r.sensor_id, r.f_cnt) for r in rows}
    found = frames & expected.keys()
    return Tally(
        sent=len(messages),
        rows=len(rows),
        distinct=len(found),
        strangers=sum(1 for r in rows if (r.sensor_id, r.f_cnt) not in expected),
        same_frame=len(rows) - len(frames),
        same_uplink=len(rows) - len({r.uplink_id for r in rows}),
        people_sent=sum(expected.values()),
        people_stored=sum(r.people for r in rows),
        people_expected=sum(expected[key] for key in found),
        rollup_people=int(rollup_people),
        rollup_readings=int(rollup_readings),
        quarantined=int(quarantined),
    )


def stream_times(messages: list[Sent]) -> list[datetime]:
    times = []
    for m in (messages[0], messages[-1]):
        body = json.loads(m.payload)
        times.append(datetime.fromisoformat(body.get("received_at") or body["time"]))
    return times


# --- the worker ------------------------------------------------------------------------


class Worker:
    """`flask --app app worker` (the Procfile's line) on the bench database and topics."""

    def __init__(self, url: sa.URL, folder: Path) -> None:
        self.client_id = f"townhub-bench-ingest-{RUN}"
        self.env = {
            **os.environ,
            "DATABASE_URL": url.render_as_string(hide_password=False),
            "MQTT_URL": MQTT_URL,
            "MQTT_TOPICS": ",".join(TOPICS),
            "MQTT_SHARE_GROUP": f"townhub-bench-ingest-{RUN}",
            # The same id on every start: the broker's session (and what it holds) is kept.
            "MQTT_CLIENT_ID": self.client_id,
        }
        self.log = folder / "worker.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                ["flask", "--app", "app", "worker"],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )

    @property
    def pid(self) -> int:
        assert self.process
        return self.process.pid

    def connected(self) -> str | None:
        """Whether the broker kept the session ("True"/"False") once this start connected."""
        text = self.log.read_text(errors="replace").rsplit(f"--- start {self.starts}\n", 1)[-1]
        for line in text.splitlines():
            if "MQTT connected to" in line and "(session kept: " in line:
                return line.split("(session kept: ", 1)[1].split(")", 1)[0]
        return None

    def wait_connected(self, timeout: float = 60) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if (kept := self.connected()) is not None:
                return kept
            if self.process and self.process.poll() is not None:
                break
            time.sleep(0.05)
        raise SystemExit(f"the worker did not connect to the broker:\n{self.tail()}")

    def kill(self) -> None:
        """SIGKILL, as kill -9: no chance to store or acknowledge anything."""
        if self.process and self.process.poll() is None:
            self.process.kill()
            self.process.wait()

    def terminate(self, timeout: float = 30) -> float:
        """SIGTERM, as systemd or Honcho stop it; seconds it took to exit."""
        started = time.monotonic()
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self.kill()
        return time.monotonic() - started

    def tail(self, lines: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def problems(self) -> list[str]:
        try:
            text = self.log.read_text(errors="replace")
        except OSError:
            return []
        return [line for line in text.splitlines() if " ERROR " in line or " WARNING " in line]


def wait_for(engine: sa.Engine, rows: int, timeout: float = WAIT_SECONDS) -> int:
    deadline = time.monotonic() + timeout
    count = stored(engine)
    while count < rows and time.monotonic() < deadline:
        time.sleep(0.05)
        count = stored(engine)
    return count


def mib(kib: int) -> str:
    return f"{kib / 1024:.0f} MB"


# --- the phases ------------------------------------------------------------------------


def throughput(engine: sa.Engine, path: Path, count: int) -> tuple[float, int, float, float]:
    """Rows committed per second from the first to the last, polled; how many; seconds
    from the first publish to the last row; the publisher's rate."""
    before = stored(engine)
    publisher = Publisher(path)
    try:
        first_at, first_rows, now, rows = 0.0, 0, time.monotonic(), before
        started = now
        deadline = now + WAIT_SECONDS
        while rows - before < count and now < deadline:
            time.sleep(0.02)
            rows, now = stored(engine), time.monotonic()
            if not first_at and rows > before:
                first_at, first_rows = now, rows
        sent, seconds = publisher.result()
    finally:
        publisher.stop()
    rate = (rows - first_rows) / (now - first_at) if first_at and now > first_at else 0.0
    return rate, rows - before, now - started, sent / seconds


def interrupted(
    engine: sa.Engine,
    worker: Worker,
    sampler: Sampler,
    messages: list[Sent],
    path: Path,
    per_second: float,
    how: str,
) -> tuple[Tally, str]:
    """Publish the stream at `per_second`; stop the worker (`how`: SIGKILL or SIGTERM) when
    KILL_AT of it is stored, start it again with the same client id, and wait until the
    count settles. What is in the database, and a line on what happened."""
    before = stored(engine)
    publisher = Publisher(path, per_second)
    try:
        at = wait_for(engine, before + int(len(messages) * KILL_AT)) - before
        stopped, exit_seconds = time.monotonic(), 0.0
        if how == "SIGTERM":
            exit_seconds = worker.terminate()
        else:
            worker.kill()
        while_stopping = stored(engine) - before - at
        worker.start()
        sampler.roots[:] = [worker.pid]
        kept = worker.wait_connected()
        down = time.monotonic() - stopped
        published_while_down = not publisher.done()
        sent, _ = publisher.result()
        # All that will come has come when nothing new arrives for SETTLED_SECONDS.
        last, changed = stored(engine), time.monotonic()
        deadline = changed + WAIT_SECONDS
        while last - before < len(messages) and time.monotonic() < deadline:
            time.sleep(0.1)
            if (now_rows := stored(engine)) != last:
                last, changed = now_rows, time.monotonic()
            elif time.monotonic() - changed > SETTLED_SECONDS:
                break
    finally:
        publisher.stop()
    result = tally(engine, messages)
    result.sent = sent
    how_long = (
        f" (it took {exit_seconds:.1f} s to exit, storing {while_stopping:,} more meanwhile)"
        if how == "SIGTERM"
        else ""
    )
    note = (
        f"{how} at {at:,} stored{how_long}, back in {down:.1f} s"
        f" (broker kept the session: {kept}), publisher "
        + ("still publishing then" if published_while_down else "already done by then")
    )
    return result, note


def tally_line(how: str, result: Tally) -> str:
    what = "killed (SIGKILL)" if how == "SIGKILL" else "stopped (SIGTERM)"
    line = (
        f"  worker {what} mid-stream and restarted: sent {result.sent:,}, stored"
        f" {result.distinct:,}, lost {result.lost:,}, double-counted {result.doubled:,}"
        f" (people sent {result.people_sent:,}, in counts {result.people_stored:,},"
        f" in 15-min roll-ups {result.rollup_people:,}; quarantined {result.quarantined})"
    )
    if result.lost or result.doubled:
        line += "  <- WARNING: must be zero"
    return line


def run(sampler_class: Callable[[list[int]], Sampler]) -> None:
    """Make the database, measure, drop it (kept if anything was lost or counted twice)."""
    from bench import database_url, recreate_database  # bench.py imports this module

    url = database_url(DATABASE)
    engine = sa.create_engine(url)
    load1, load5, _ = os.getloadavg()
    say(
        f"ingest bench: database {DATABASE}, {UPLINKS:,} uplinks a stream from {SENSORS}"
        f" Paxcounters (TTS and ChirpStack JSON), QoS 1; machine: {os.cpu_count()} CPUs,"
        f" load average {load1:.1f} (1 min), {load5:.1f} (5 min)"
    )
    recreate_database(url, create=True)
    keep = False
    folder = Path(tempfile.mkdtemp(prefix="townhub-bench-ingest-"))
    worker = Worker(url, folder)
    sampler: Sampler | None = None
    try:
        migrate = subprocess.run(
            ["flask", "--app", "app", "db", "upgrade"],
            cwd=ROOT,
            env=worker.env,
            capture_output=True,
            text=True,
        )
        if migrate.returncode:
            raise SystemExit(f"migrations failed:\n{migrate.stderr[-2000:]}")
        sensors = register_sensors(engine)
        streams = {
            phase: stream(sensors, phase, SENSORS if phase == "warm-up" else UPLINKS)
            for phase in DAYS_BACK
        }
        paths = {phase: write_stream(streams[phase], folder, phase) for phase in streams}

        # The same stream (with its own ids) to a bare paho subscriber first.
        paho_rate, paho_got, paho_publish = bare_paho_rate(paths["throughput"], UPLINKS)
        say(
            f"  bare paho subscriber (MQTT 5, QoS 1, shared subscription, acks at once):"
            f" {paho_got:,} of {UPLINKS:,} received, {paho_rate:,.0f}/s"
            f" (publisher: {paho_publish:,.0f}/s acknowledged by the broker"
            + (", so paho kept pace with it)" if paho_rate >= 0.9 * paho_publish else ")")
        )

        worker.start()
        worker.wait_connected()
        warm = Publisher(paths["warm-up"])
        warm.result()
        if wait_for(engine, SENSORS, timeout=60) < SENSORS:
            raise SystemExit(f"the worker stored nothing of the warm-up:\n{worker.tail()}")
        idle = sampler_class([worker.pid])
        idle.start()
        time.sleep(0.5)
        idle.stop.set()
        sampler = sampler_class([worker.pid])
        sampler.start()

        rate, rows, seconds, publish_rate = throughput(engine, paths["throughput"], UPLINKS)
        ratio = f"{rate / paho_rate:.2f}x" if paho_rate else "n/a"
        line = (
            f"  Townhub worker: {rows:,} of {UPLINKS:,} stored, {rate:,.0f} rows/s committed"
            f" from first to last ({seconds:.1f} s from first publish to last row) ="
            f" {ratio} the bare paho rate (publisher: {publish_rate:,.0f}/s)"
        )
        if rows < UPLINKS:
            line += "  <- WARNING: not all stored"
        say(line)
        say(
            f"  worker memory: idle after a warm-up RSS {mib(idle.peak_rss_kib)},"
            f" PSS {mib(idle.peak_pss_kib)};"
            f" peak while ingesting RSS {mib(sampler.peak_rss_kib)},"
            f" PSS {mib(sampler.peak_pss_kib)}"
        )
        per_second = max(rate / 2, 500.0)
        for how in ("SIGKILL", "SIGTERM"):
            result, note = interrupted(
                engine, worker, sampler, streams[how], paths[how], per_second, how
            )
            say(tally_line(how, result))
            say(f"    {note}; stream published at {per_second:,.0f}/s")
            keep = keep or bool(result.lost or result.doubled)
        say(
            f"  worker peak memory over the run, restarts included: RSS"
            f" {mib(sampler.peak_rss_kib)}, PSS {mib(sampler.peak_pss_kib)}"
        )
        problems = worker.problems()
        if problems:
            say(f"  worker log: {len(problems)} warnings or errors, the first:")
            for problem in problems[:5]:
                say(f"    {problem}")
    finally:
        if sampler:
            sampler.stop.set()
        worker.terminate()
        forget_session(worker.client_id)
        engine.dispose()
        if keep:
            say(f"  database {DATABASE} and the worker's log {worker.log} left for a look")
        else:
            recreate_database(url, create=False)
            for file in folder.iterdir():
                file.unlink()
            folder.rmdir()


if __name__ == "__main__":
    if sys.argv[1:2] == ["publish"]:
        publish_file(sys.argv[2], float(sys.argv[3]))
    else:
        from bench import MemorySampler

        run(MemorySampler)
