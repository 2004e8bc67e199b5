"""Past one VM: two web processes (gunicorn, as the Procfile runs it) and two workers
(`flask --app app worker`, each its own MQTT client id, one share group) on one PostgreSQL
and one Mosquitto, as a council would run them on two machines.

A burst of uplinks (The Things Stack and ChirpStack JSON, with repeats) is split between
the workers by the broker's shared subscription and every uplink is counted once; then one
worker is killed (SIGKILL) in the middle of a second burst and started again, and the
totals are still exact; then offers published through the web processes fan out to about
3,000 push subscriptions, the two workers running the jobs, and every matching phone gets
exactly one push per offer, even for offers approved twice at once (two jobs for one
offer, which the two workers run side by side).

Evidence that both workers took part comes from outside them: the broker's debug log (which
client each message was sent to, and which client acknowledged it: the listener
acknowledges only what it has committed) and, for pushes, which process owns each
connection that reaches the push-service stand-in (/proc). Run with -s for the figures.
"""

from __future__ import annotations

import contextlib
import functools
import json
import os
import re
import secrets
import subprocess
import sys
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from sqlalchemy import func, select

from tests.conftest import TEST_DATABASE_URL
from tests.factories import PASSWORD, make_business, make_hub, make_sensor, make_user
from tests.support.broker import Mosquitto
from tests.support.footfall import counts_by_sensor, quarantined, rollups_by_sensor, stored
from tests.support.network import free_port
from tests.support.processes import terminate
from tests.support.push_service import PushServiceStandIn, SubscriberKeys, _Handler
from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.common import geo
from townhub.common.days import london_today
from townhub.common.formatting import LONDON
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.models import Job, WorkerHeartbeat
from townhub.offers.models import Offer
from townhub.sensors.models import Sensor
from townhub.sensors.simulate import SimulatedSensor, connect, publish_all, uplinks

pytestmark = pytest.mark.live

ROOT = Path(__file__).resolve().parents[2]
# A Monday morning in the past: each sensor's readings are a minute apart from here.
START = datetime(2025, 6, 2, 8, 0, tzinfo=UTC)
EVERY = timedelta(minutes=1)
SENSORS_PER_HUB = 20
BURST_ROUNDS = 125  # 40 sensors: 5,000 uplinks
KILL_ROUNDS = 75  # 3,000 more, with a worker killed part-way
# The second burst is published at this pace, so it is still arriving when the kill comes.
KILL_BURST_PER_SECOND = 1500
KILL_AFTER = 600  # uplinks of the second burst stored
GRAINS = ("15m", "1h", "1d")
# Phones per hub by what they chose: how many, which of the hub's two offers reach them
# (one to everyone following the high street, one to people within 200 m of the shop), and
# how many alerts a day they want.
PHONES = {
    "whole hub": (800, {"hub", "radius"}, 3),
    "one alert a day": (100, {"hub", "radius"}, 1),  # one of the two, whichever comes first
    "near the shop": (200, {"hub", "radius"}, 3),
    "far corner of the hub": (200, {"hub"}, 3),
    "events only": (100, set(), 3),
    "1.5 km away": (50, set(), 3),
    "daily summary": (50, set(), 3),  # collected for the summary, not pushed
}
BOTH_HUB_PHONES = 20  # signed up through the web processes, following both hubs
WAIT_SECONDS = 60.0


# ------------------------------------------------------------------------------------------
# Processes


def _wait(check: Callable[[], Any], what: str, timeout: float = WAIT_SECONDS) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout:.0f} s waiting for {what}")
        time.sleep(0.02)


class Broker(Mosquitto):
    """A Mosquitto of our own, logging every packet: which client each message was sent to
    (d1: sent again) and which acknowledged it."""

    SENT = re.compile(r": Sending PUBLISH to (\S+) \(d(\d),")
    ACKED = re.compile(r": Received PUBACK from (\S+) \(")
    PUBLISHED = re.compile(r": Received PUBLISH from (\S+) \(")
    SUBSCRIBED = re.compile(r": (\S+) 1 (\$share/\S+)$")

    def __init__(self, folder: Path) -> None:
        super().__init__(folder, log_everything=True)
        self.sent: Counter[tuple[str, bool]] = Counter()  # (client, again)
        self.acked: Counter[str] = Counter()
        self.published: Counter[str] = Counter()
        self.subscribed: set[tuple[str, str]] = set()
        self._offset = 0
        self._lock = threading.Lock()

    def read(self) -> None:
        """Take in the log lines written since the last read."""
        with self._lock:
            if not self.log.exists():
                return
            with self.log.open("rb") as handle:
                handle.seek(self._offset)
                text = handle.read()
            complete = text[: text.rfind(b"\n") + 1]
            self._offset += len(complete)
            for line in complete.decode(errors="replace").splitlines():
                if match := self.SENT.search(line):
                    self.sent[(match[1], match[2] == "1")] += 1
                elif match := self.ACKED.search(line):
                    self.acked[match[1]] += 1
                elif match := self.PUBLISHED.search(line):
                    self.published[match[1]] += 1
                elif match := self.SUBSCRIBED.search(line):
                    self.subscribed.add((match[1], match[2]))


class Process:
    """A child process with its output in a log file; stopped as a service manager would."""

    def __init__(self, name: str, command: list[str], env: dict[str, str], folder: Path) -> None:
        self.name, self.command, self.env = name, command, env
        self.log = folder / f"{name}.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self) -> None:
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f"--- start {self.starts}\n".encode())
            log.flush()
            self.process = subprocess.Popen(
                self.command, cwd=ROOT, env=self.env, stdout=log, stderr=subprocess.STDOUT
            )

    @property
    def pid(self) -> int:
        assert self.process
        return self.process.pid

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def kill(self) -> None:
        """SIGKILL: no chance to store, acknowledge or say goodbye."""
        if self.running():
            assert self.process
            self.process.kill()
            self.process.wait()

    def stop(self) -> None:
        """SIGTERM, then SIGKILL if it has not gone in 30 s."""
        if self.process:
            terminate(self.process, timeout=30)

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 15) -> str:
        return f"--- {self.name}:\n" + "\n".join(self.text().splitlines()[-lines:])


def _procfile_web() -> str:
    """The Procfile's web command, with one gunicorn worker process: two web processes on
    two cores are the point here, not eight threads each."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return re.sub(r"--workers \d+", "--workers 1", line.removeprefix("web:").strip())
    raise AssertionError("the Procfile has no web line")


def _cpu_seconds(pid: int) -> float:
    """User and system CPU seconds a process has used; 0 once it has gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def _children(pid: int) -> list[int]:
    try:
        return [int(c) for c in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


class Cluster:
    """One broker, two workers and two web processes on the test database."""

    def __init__(self, app: Flask, folder: Path) -> None:
        self.run = uuid.uuid4().hex[:6]
        self.broker = Broker(folder)
        london_hour = datetime.now(LONDON).hour
        env = {
            **os.environ,
            "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ.get('PATH', '')}",
            # Development, not test: its MQTT sessions outlive the connection (an hour), as
            # in production, so a killed worker's messages wait for it at the broker.
            "TOWNHUB_ENV": "development",
            "DATABASE_URL": TEST_DATABASE_URL,
            # The test app's instance folder: the same secret key and VAPID keys.
            "TOWNHUB_INSTANCE": app.instance_path,
            "MQTT_URL": self.broker.url,
            "MQTT_SHARE_GROUP": f"townhub-scale-{self.run}",
            "PUSH_SERVICE_HOSTS": "",
            # Far from now: no daily summary goes out in the middle of the test.
            "ALERT_DIGEST_HOUR": str((london_hour + 12) % 24),
            "NO_PROXY": "127.0.0.1,localhost",
            "no_proxy": "127.0.0.1,localhost",
        }
        self.workers = {
            name: Process(
                f"worker-{name}",
                [sys.executable, "-m", "flask", "--app", "app", "worker"],
                {**env, "MQTT_CLIENT_ID": self.client_id(name)},
                folder,
            )
            for name in ("a", "b")
        }
        self.ready_seconds = 0.0
        self.web_ports = {name: free_port() for name in ("a", "b")}
        self.webs = {
            name: Process(
                f"web-{name}",
                ["bash", "-c", "exec " + _procfile_web()],
                {**env, "HOST": "127.0.0.1", "PORT": str(port)},
                folder,
            )
            for name, port in self.web_ports.items()
        }

    def client_id(self, worker: str) -> str:
        return f"townhub-scale-{self.run}-{worker}"

    def web_url(self, name: str) -> str:
        return f"http://127.0.0.1:{self.web_ports[name]}"

    def worker_pids(self) -> dict[int, str]:
        return {w.pid: name for name, w in self.workers.items() if w.process}

    def start(self) -> None:
        began = time.monotonic()
        self.broker.start()
        for process in [*self.workers.values(), *self.webs.values()]:
            process.start()
        for name in self.workers:
            self.wait_connected(name)
        for name in self.webs:
            _wait(functools.partial(self.healthy, name), f"web {name} to say all is well")
        self.ready_seconds = time.monotonic() - began

    def connected(self, name: str) -> bool:
        """The worker's current process has beaten with its broker connection up, and the
        broker has its shared subscriptions (so nothing published now goes unheard)."""
        db.session.remove()
        beats = db.session.execute(select(WorkerHeartbeat.name, WorkerHeartbeat.mqtt_connected))
        process, client_id = self.workers[name], self.client_id(name)
        beating = any(beat.endswith(f":{process.pid}:{client_id}") and up for beat, up in beats)
        self.broker.read()
        topics = {topic for client, topic in self.broker.subscribed if client == client_id}
        return beating and len(topics) == 3

    def wait_connected(self, name: str) -> None:
        worker = self.workers[name]

        def ready() -> bool:
            if not worker.running():
                raise AssertionError(f"worker {name} exited:\n{worker.tail()}")
            return self.connected(name)

        _wait(ready, f"worker {name} to connect to the broker")

    def healthy(self, name: str) -> bool:
        if not self.webs[name].running():
            raise AssertionError(f"web {name} exited:\n{self.webs[name].tail()}")
        try:
            response = requests.get(f"{self.web_url(name)}/healthz", timeout=5)
        except requests.ConnectionError:
            return False
        return response.status_code == 200 and response.json()["broker"] is True

    def cpu(self) -> dict[tuple[str, int], float]:
        """CPU seconds so far of each process, by (part, pid)."""
        pids = [(f"worker {name}", w.pid) for name, w in self.workers.items() if w.running()]
        for name, web in self.webs.items():
            if web.running():
                gunicorn = [web.pid, *_children(web.pid)]
                pids += [(f"web {name}", pid) for pid in gunicorn]
        if self.broker.process:
            pids.append(("mosquitto", self.broker.process.pid))
        pids.append(("test process", os.getpid()))
        return {key: _cpu_seconds(key[1]) for key in pids}

    def posts_served(self) -> dict[str, int]:
        """POST requests in each web process's access log."""
        return {name: web.text().count('"POST ') for name, web in self.webs.items()}

    def problems(self) -> list[str]:
        """Errors and tracebacks in the workers' and web processes' logs."""
        found = []
        for process in [*self.workers.values(), *self.webs.values()]:
            for line in process.text().splitlines():
                if " ERROR " in line or "[ERROR]" in line or "Traceback" in line:
                    found.append(f"{process.name}: {line}")
        return found

    def tails(self) -> str:
        return "\n".join(p.tail() for p in [*self.workers.values(), *self.webs.values()])

    def stop(self) -> None:
        # Workers first: they delete their heartbeats on the way out.
        for process in [*self.workers.values(), *self.webs.values()]:
            with contextlib.suppress(Exception):  # stop the rest, whatever happened
                process.stop()
        self.broker.stop()


@pytest.fixture
def cluster(app: Flask, tmp_path: Path) -> Iterator[Cluster]:
    started = Cluster(app, tmp_path)
    try:
        started.start()
        yield started
    finally:
        started.stop()


# ------------------------------------------------------------------------------------------
# The push service, told which process each push came from


def _process_owning(client_port: int, server_port: int, pids: list[int]) -> int | None:
    """Which of `pids` owns the loopback connection from client_port to server_port."""
    local, remote = f"0100007F:{client_port:04X}", f"0100007F:{server_port:04X}"
    table = Path("/proc/net/tcp").read_text().splitlines()
    inode = next(
        (
            fields[9]
            for fields in (line.split() for line in table)
            if fields[1] == local and fields[2] == remote
        ),
        None,
    )
    if inode is None:
        return None
    link = f"socket:[{inode}]"
    for pid in pids:
        try:
            descriptors = list(Path(f"/proc/{pid}/fd").iterdir())
        except OSError:
            continue
        for descriptor in descriptors:
            try:
                if os.readlink(descriptor) == link:
                    return pid
            except OSError:
                continue
    return None


class AttributingPushService(PushServiceStandIn):
    """The stand-in, keeping connections open between pushes (HTTP/1.1, as real push
    services do) and counting the pushes that came from each worker process."""

    def __init__(self, senders: Callable[[], dict[int, str]]) -> None:
        super().__init__()
        self.by_worker: Counter[str] = Counter()
        service, port = self, int(self.origin.rsplit(":", 1)[1])

        class Handler(_Handler):
            protocol_version = "HTTP/1.1"
            sender = "unknown"

            def setup(self) -> None:
                super().setup()
                pids = senders()
                pid = _process_owning(self.client_address[1], port, list(pids))
                self.sender = pids.get(pid, "unknown") if pid else "unknown"

            def do_POST(self) -> None:
                super().do_POST()
                with service._lock:
                    service.by_worker[self.sender] += 1

        self._server.RequestHandlerClass = Handler

    def __enter__(self) -> AttributingPushService:
        super().__enter__()
        return self


# ------------------------------------------------------------------------------------------
# Uplinks


@dataclass(frozen=True)
class Sent:
    topic: str
    payload: bytes
    device_id: str
    people: int


def _register_sensors(hubs: list[Hub]) -> list[Sensor]:
    """Per hub: Paxcounters on The Things Stack and on ChirpStack, and a VS133 sending
    running totals (whose counts depend on the order readings are stored in)."""
    sensors = []
    for h, hub in enumerate(hubs):
        for n in range(SENSORS_PER_HUB):
            device = f"scale-{h}-{n:02d}"
            if n == 0:
                sensors.append(
                    make_sensor(
                        hub=hub,
                        device_id=device,
                        kind="vs133",
                        mapping={"line": "1", "counts": "cumulative"},
                    )
                )
            else:
                network = "chirpstack" if n % 3 == 2 else "tts"
                sensors.append(make_sensor(hub=hub, device_id=device, network=network))
    return sensors


def _streams(sensors: list[Sensor]) -> tuple[list[Sent], list[Sent]]:
    """The two bursts: a reading from each sensor every minute, each in its network's JSON."""
    simulated = [
        SimulatedSensor(s.device_id, s.dev_eui, s.network, s.kind, dict(s.mapping)) for s in sensors
    ]
    made = uplinks(simulated, START, EVERY, BURST_ROUNDS + KILL_ROUNDS)
    sent = [
        Sent(topic, payload, simulated[n % len(simulated)].device_id, people)
        for n, (topic, payload, people) in enumerate(made)
    ]
    split = BURST_ROUNDS * len(simulated)
    return sent[:split], sent[split:]


def _by_another_route(payload: bytes) -> bytes:
    """The same frame with another message id, as when it also came by a second route."""
    body = json.loads(payload)
    if "deduplicationId" in body:
        body["deduplicationId"] = str(uuid.uuid4())
    else:
        body["correlation_ids"] = [f"as:up:{uuid.uuid4().hex[:26].upper()}"]
    return json.dumps(body).encode()


def _with_repeats(sent: list[Sent]) -> list[tuple[str, bytes]]:
    """Every message once, one in 20 again straight after (so most likely to the other
    worker, at the same moment), one in 50 again at the end (a late redelivery), and one
    in 100 again at the end with a new message id."""
    messages, later = [], []
    for n, uplink in enumerate(sent):
        messages.append((uplink.topic, uplink.payload))
        if n % 20 == 7:
            messages.append((uplink.topic, uplink.payload))
        if n % 50 == 11:
            later.append((uplink.topic, uplink.payload))
        if n % 100 == 23:
            later.append((uplink.topic, _by_another_route(uplink.payload)))
    return messages + later


def _expected(sent: list[Sent], cumulative: set[str]) -> dict[str, tuple[int, int]]:
    """Each sensor's rows and people once every uplink is counted once. A running total's
    first reading is its baseline: it counts nobody."""
    expected: dict[str, tuple[int, int]] = {}
    for uplink in sent:
        rows, people = expected.get(uplink.device_id, (0, 0))
        baseline = rows == 0 and uplink.device_id in cumulative
        expected[uplink.device_id] = (rows + 1, people + (0 if baseline else uplink.people))
    return expected


def _assert_counted_once(expected: dict[str, tuple[int, int]]) -> None:
    """Every uplink stored once with the people sent, the roll-ups agreeing, nothing
    quarantined."""
    db.session.remove()
    assert quarantined() == []
    assert counts_by_sensor() == expected
    assert rollups_by_sensor() == {
        (device, grain): totals for device, totals in expected.items() for grain in GRAINS
    }


@dataclass
class Burst:
    published: int = 0
    publish_seconds: float = 0.0
    error: BaseException | None = None
    done: threading.Event = field(default_factory=threading.Event)


def _publish_in_background(
    broker: Broker, messages: list[tuple[str, bytes]], per_second: float, name: str
) -> Burst:
    """Publish with QoS 1 from a thread; the broker acknowledges each."""
    burst = Burst()

    def publish() -> None:
        client = connect({"MQTT_URL": broker.url}, client_id=name)
        try:
            started = time.monotonic()
            burst.published = publish_all(client, messages, per_second)
            burst.publish_seconds = time.monotonic() - started
        except BaseException as error:
            burst.error = error
        finally:
            client.disconnect()
            client.loop_stop()
            burst.done.set()

    threading.Thread(target=publish, daemon=True).start()
    return burst


def _worker_acks(cluster: Cluster) -> dict[str, int]:
    cluster.broker.read()
    return {name: cluster.broker.acked[cluster.client_id(name)] for name in cluster.workers}


def _settle(cluster: Cluster, burst: Burst, unique: int) -> None:
    """Wait until the broker has an acknowledgement for every message it was given (the
    workers acknowledge only what they have committed) and the count stops changing."""
    _wait(burst.done.is_set, "the publisher")
    if burst.error:
        raise burst.error

    def all_acknowledged() -> bool:
        cluster.broker.read()
        published = sum(n for c, n in cluster.broker.published.items() if "publisher" in c)
        return sum(_worker_acks(cluster).values()) >= published

    try:
        _wait(all_acknowledged, "the workers to acknowledge every message")
        _wait(lambda: stored() >= unique, f"{unique} uplinks stored")
    except AssertionError as error:
        raise AssertionError(f"{error}; stored {stored()}\n{cluster.tails()}") from None
    before = stored()
    time.sleep(0.5)
    assert stored() == before, "the count was still changing after every message was acked"


# ------------------------------------------------------------------------------------------
# Phones and offers


@dataclass(frozen=True)
class Phone:
    token: str  # the stand-in's endpoint token
    hubs: tuple[str, ...]
    reached_by: frozenset[str]  # which of each hub's offers ("hub", "radius") reach it
    daily_cap: int


def _box(shop: tuple[float, float]) -> list[tuple[float, float]]:
    """A hub about 830 m by 890 m around its shop."""
    lon, lat = shop
    return [
        (lon - 0.006, lat - 0.004),
        (lon + 0.006, lat - 0.004),
        (lon + 0.006, lat + 0.004),
        (lon - 0.006, lat + 0.004),
    ]


def _area(kind: str, shop: tuple[float, float]) -> tuple[Any, int | None]:
    lon, lat = shop
    if kind == "near the shop":
        return geo.point(lon, lat + 0.001), 300  # 110 m north
    if kind == "far corner of the hub":
        # 580 m from the shop: 380 m beyond a 200 m offer's reach, inside the hub.
        return geo.point(lon + 0.0057, lat + 0.0038), 200
    if kind == "1.5 km away":
        return geo.point(lon, lat + 0.0135), 200
    return None, None


def _endpoint_token(subscription: dict[str, Any]) -> str:
    return str(subscription["endpoint"]).rsplit("/", 1)[1]


def _add_phones(
    service: PushServiceStandIn, hub_ids: dict[str, int], shops: dict[str, tuple[float, float]]
) -> list[Phone]:
    """The bulk of the phones, inserted directly, with keys the stand-in decrypts with."""
    phones, rows = [], []
    for slug, hub_id in hub_ids.items():
        for kind, (count, reached_by, cap) in PHONES.items():
            centre, radius = _area(kind, shops[slug])
            for _ in range(count):
                subscription = service.subscription(SubscriberKeys.generate())
                rows.append(
                    PushSubscription(
                        endpoint=subscription["endpoint"],
                        p256dh=subscription["keys"]["p256dh"],
                        auth=subscription["keys"]["auth"],
                        hub_id=hub_id,
                        topics=["events"] if kind == "events only" else ["offers"],
                        area_centre=centre,
                        area_radius_m=radius,
                        digest=kind == "daily summary",
                        daily_cap=cap,
                        token=secrets.token_urlsafe(24),
                    )
                )
                token = _endpoint_token(subscription)
                phones.append(Phone(token, (slug,), frozenset(reached_by), cap))
    db.session.add_all(rows)
    db.session.commit()
    return phones


def _sign_up_through_the_web(
    cluster: Cluster, service: PushServiceStandIn, slugs: list[str]
) -> list[Phone]:
    """Phones following both hubs, signed up by POST /push/subscriptions, alternately
    through each web process."""
    phones = []
    for n in range(BOTH_HUB_PHONES):
        subscription = service.subscription(SubscriberKeys.generate())
        web = cluster.web_url("ab"[n % 2])
        response = requests.post(
            f"{web}/push/subscriptions",
            json={**subscription, "hubs": slugs, "topics": ["offers"], "daily_cap": 20},
            timeout=10,
        )
        assert response.status_code == 201, response.text
        phones.append(
            Phone(_endpoint_token(subscription), tuple(slugs), frozenset({"hub", "radius"}), 20)
        )
    return phones


# WTForms writes the field; some templates write the input themselves.
CSRF = re.compile(r'name="csrf_token" (?:type="hidden" )?value="([^"]+)"')


def _csrf_token(session: requests.Session, url: str) -> str:
    page = session.get(url, timeout=10)
    assert page.status_code == 200, page.text[:500]
    match = CSRF.search(page.text)
    assert match, f"no CSRF token on {url}"
    return match[1]


def _signed_in(web: str, email: str) -> requests.Session:
    session = requests.Session()
    response = session.post(
        f"{web}/manage/sign-in",
        data={
            "csrf_token": _csrf_token(session, f"{web}/manage/sign-in"),
            "email": email,
            "password": PASSWORD,
        },
        allow_redirects=False,
        timeout=10,
    )
    assert response.status_code == 303, response.text[:500]
    return session


def _offer_ids(titles: dict[tuple[str, str], str]) -> dict[tuple[str, str], int]:
    db.session.remove()
    query = select(Offer.title, Offer.id).where(Offer.title.in_(titles.values()))
    ids = {title: offer_id for title, offer_id in db.session.execute(query)}
    return {key: ids[title] for key, title in titles.items()}


def _publish_offers(
    cluster: Cluster, owner: str, manager: str, shops: dict[str, int], run: str
) -> dict[tuple[str, str], str]:
    """The owner posts each hub's two offers, signed in through web a and posting through
    each web process in turn with that one session. The north shop is trusted: its offers
    go live at once. The south shop's wait, and its hub manager approves each twice, once
    through each web process, as when two managers approve at once or a form is sent
    again: each approval queues the alerts. (hub slug, reach) -> the offer's push Topic."""
    session = _signed_in(cluster.web_url("a"), owner)
    titles = {}
    for n, (reach, slug) in enumerate((r, s) for r in ("hub", "radius") for s in shops):
        web = cluster.web_url("ab"[n % 2])
        title = f"Offer {n} of run {run}"
        response = session.post(
            f"{web}/manage/offers/new",
            data={
                "csrf_token": _csrf_token(session, f"{web}/manage/offers/new"),
                "business_id": str(shops[slug]),
                "title": title,
                "details": "Two for one.",
                "starts_on": london_today().isoformat(),
                "ends_on": (london_today() + timedelta(days=7)).isoformat(),
                "reach": reach,
                "radius_m": "200" if reach == "radius" else "",
            },
            allow_redirects=False,
            timeout=10,
        )
        assert response.status_code == 303, response.text[:2000]
        titles[(slug, reach)] = title
    ids = _offer_ids(titles)
    moderator = _signed_in(cluster.web_url("b"), manager)
    queue = f"{cluster.web_url('b')}/manage/hubs/scale-south/moderation"
    tokens = [_csrf_token(moderator, queue) for _ in ("a", "b")]
    for (slug, _reach), offer_id in ids.items():
        if slug != "scale-south":
            continue
        for web, token in zip("ab", tokens, strict=True):
            response = moderator.post(
                f"{cluster.web_url(web)}/manage/hubs/{slug}/moderation/offer/{offer_id}/approve",
                data={"csrf_token": token},
                allow_redirects=False,
                timeout=10,
            )
            assert response.status_code == 303, response.text[:2000]
    return {key: f"offer-{offer_id}" for key, offer_id in ids.items()}


def _cpu_used(before: dict[tuple[str, int], float], after: dict[tuple[str, int], float]) -> str:
    """CPU seconds each part used between two samples (a killed process's are lost)."""
    used: dict[str, float] = {}
    for (part, pid), seconds in after.items():
        used.setdefault(part, 0.0)
        used[part] += seconds - before.get((part, pid), 0.0)
    return ", ".join(f"{part} {seconds:.1f}" for part, seconds in sorted(used.items()))


def _push_jobs_done() -> bool:
    db.session.remove()
    statuses = db.session.scalars(select(Job.status).where(Job.kind == "push_item")).all()
    return bool(statuses) and all(status == "done" for status in statuses)


# ------------------------------------------------------------------------------------------
# The test


def test_two_web_and_two_worker_processes_count_every_uplink_once_and_push_once(
    cluster: Cluster,
) -> None:
    shops_at = {"scale-north": (-0.0752, 51.3975), "scale-south": (-0.1140, 51.3377)}
    hubs = {slug: make_hub(slug=slug, ring=_box(at)) for slug, at in shops_at.items()}
    shops = {
        slug: make_business(
            hub=hub, at=shops_at[slug], name=f"Shop of {slug}", trusted=slug == "scale-north"
        )
        for slug, hub in hubs.items()
    }
    owner = make_user(businesses=list(shops.values()))
    manager = make_user(role="hub_manager", hubs=[hubs["scale-south"]])
    sensors = _register_sensors(list(hubs.values()))
    cumulative = {s.device_id for s in sensors if s.kind == "vs133"}
    first, second = _streams(sensors)
    emails, shop_ids = (owner.email, manager.email), {s: shop.id for s, shop in shops.items()}
    hub_ids = {slug: hub.id for slug, hub in hubs.items()}
    db.session.commit()

    started = time.monotonic()
    load = ", ".join(f"{n:.1f}" for n in os.getloadavg())
    figures = [
        f"2 workers and 2 gunicorn processes ready in {cluster.ready_seconds:.1f} s"
        f" ({os.cpu_count()} CPUs, load average {load})"
    ]

    # 1. A burst of 5,000 uplinks with repeats, as fast as the broker takes them.
    messages = _with_repeats(first)
    cpu, began = cluster.cpu(), time.monotonic()
    burst = _publish_in_background(cluster.broker, messages, 0, f"{cluster.run}-publisher-1")
    _wait(lambda: stored() >= len(first), f"{len(first)} uplinks stored")
    stored_in = time.monotonic() - began
    _settle(cluster, burst, len(first))
    _assert_counted_once(_expected(first, cumulative))
    acks = _worker_acks(cluster)
    assert sum(acks.values()) == len(messages)
    assert all(acks.values()), f"a worker took no part: {acks}"
    figures += [
        f"burst: {len(messages):,} published ({len(first):,} unique) at"
        f" {len(messages) / burst.publish_seconds:,.0f}/s; all {len(first):,} stored in"
        f" {stored_in:.1f} s = {len(first) / stored_in:,.0f} uplinks/s; acknowledged by"
        f" worker a {acks['a']:,}, worker b {acks['b']:,}",
        f"  CPU seconds: {_cpu_used(cpu, cluster.cpu())}",
    ]

    # 2. Another 3,000, paced; worker a killed part-way and started again.
    messages = _with_repeats(second)
    before_acks = acks
    burst = _publish_in_background(
        cluster.broker, messages, KILL_BURST_PER_SECOND, f"{cluster.run}-publisher-2"
    )
    _wait(lambda: stored() >= len(first) + KILL_AFTER, "the second burst to be stored")
    cluster.workers["a"].kill()
    stored_at_kill = stored() - len(first)
    killed_at = time.monotonic()
    assert stored_at_kill < len(second), "the kill should come in the middle of the burst"
    cluster.workers["a"].start()
    cluster.wait_connected("a")
    back_in = time.monotonic() - killed_at
    _settle(cluster, burst, len(first) + len(second))
    _assert_counted_once(_expected(first + second, cumulative))
    acks = _worker_acks(cluster)
    cluster.broker.read()
    resent = cluster.broker.sent[(cluster.client_id("a"), True)]
    kept = "(session kept: True)" in cluster.workers["a"].text().split("--- start 2")[-1]
    assert kept, "the broker should have kept the killed worker's session"
    figures.append(
        f"kill: worker a SIGKILLed with {stored_at_kill:,} of {len(second):,} stored, back"
        f" in {back_in:.1f} s (broker kept its session); {resent} messages sent to it"
        f" again; acknowledged by a {acks['a'] - before_acks['a']:,},"
        f" b {acks['b'] - before_acks['b']:,}; totals exact"
    )

    # 3. Offers published through the web processes fan out to about 3,000 phones.
    with AttributingPushService(cluster.worker_pids) as service:
        phones = _add_phones(service, hub_ids, shops_at)
        phones += _sign_up_through_the_web(cluster, service, list(hub_ids))
        cpu, began = cluster.cpu(), time.monotonic()
        topics = _publish_offers(cluster, *emails, shop_ids, cluster.run)
        reaching = {
            phone.token: {
                topics[(slug, reach)] for slug in phone.hubs for reach in phone.reached_by
            }
            for phone in phones
        }
        due = {phone.token: min(phone.daily_cap, len(reaching[phone.token])) for phone in phones}
        pushes = sum(due.values())
        service.wait_for(pushes, timeout=WAIT_SECONDS)
        pushed_in = time.monotonic() - began
        _wait(_push_jobs_done, "the push jobs to finish")
        time.sleep(0.5)  # anything sent twice would have arrived by now
        used = _cpu_used(cpu, cluster.cpu())
        received = Counter((p.endpoint_token, p.headers["Topic"]) for p in service.received)
        assert service.rejected == []
        assert [key for key, n in received.items() if n > 1] == [], "pushed twice"
        got: dict[str, set[str]] = {}
        for token, topic in received:
            got.setdefault(token, set()).add(topic)
        assert set(got) <= set(reaching), "pushed to a phone that is not ours"
        wrong: Counter[str] = Counter()  # what went wrong -> how many phones
        for phone in phones:
            pushed, offers = got.get(phone.token, set()), reaching[phone.token]
            if not pushed <= offers or len(pushed) != due[phone.token]:
                wrong[f"{len(pushed)} of {len(offers)} offers, cap {phone.daily_cap}"] += 1
        assert wrong == {}, "phones given the wrong offers, or more than their daily cap"
        assert all(p.json()["tag"] == p.headers["Topic"] for p in service.received)
        by_worker = dict(service.by_worker)

    db.session.remove()
    deliveries = Counter(db.session.scalars(select(PushDelivery.status)))
    digest_phones = PHONES["daily summary"][0] * len(hub_ids)
    assert deliveries == {"sent": pushes, "digest": digest_phones * 2}
    jobs = db.session.scalars(select(Job.status).where(Job.kind == "push_item")).all()
    assert jobs == ["done"] * 6  # two offers queued once, two approved twice
    assert set(by_worker) == {"a", "b"}, f"both workers should push: {by_worker}"
    assert sum(by_worker.values()) == pushes
    rows = db.session.scalar(select(func.count()).select_from(PushSubscription))
    posts = cluster.posts_served()
    assert all(posts.values()), f"both web processes should serve: {posts}"
    figures += [
        f"fan-out: {rows:,} subscriptions, 4 offers (6 jobs): {pushes:,} pushes in"
        f" {pushed_in:.1f} s from the first offer posted = {pushes / pushed_in:,.0f} pushes/s;"
        f" sent by worker a {by_worker['a']:,}, b {by_worker['b']:,}; none twice; POSTs"
        f" served by web a {posts['a']}, web b {posts['b']}",
        f"  CPU seconds: {used}",
    ]
    assert cluster.problems() == []
    figures.append(f"whole test {time.monotonic() - started:.1f} s")
    print("\npast one VM:\n  " + "\n  ".join(figures))
