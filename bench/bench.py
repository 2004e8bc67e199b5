"""Measure the hub page under load and MQTT ingest, with peak memory. Run by bench/run."""

from __future__ import annotations

import json
import os
import re
import signal
import subprocess
import threading
import time
import urllib.request
from datetime import UTC, datetime
from pathlib import Path

import paho.mqtt.client as mqtt
import sqlalchemy as sa
from paho.mqtt.enums import CallbackAPIVersion

from townhub.config import DEFAULT_DATABASE_URL
from townhub.sensors.simulate import tts_uplink

PORT = 8765
BASE = f"http://127.0.0.1:{PORT}"
UPLINKS = int(os.environ.get("BENCH_UPLINKS", "5000"))
WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROOT = Path(__file__).resolve().parents[1]


def rss_kib(pid: int) -> int:
    try:
        text = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return 0
    match = re.search(r"VmRSS:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


def pss_kib(pid: int) -> int:
    """Proportional set size: shared pages split between the processes sharing them, so a
    sum over processes does not count preloaded code once per gunicorn worker."""
    try:
        text = Path(f"/proc/{pid}/smaps_rollup").read_text()
    except OSError:
        return 0
    match = re.search(r"Pss:\s+(\d+) kB", text)
    return int(match.group(1)) if match else 0


def tree(pid: int) -> list[int]:
    pids = [pid]
    try:
        children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    except OSError:
        return pids
    for child in children:
        pids.extend(tree(int(child)))
    return pids


class MemorySampler(threading.Thread):
    def __init__(self, roots: list[int]) -> None:
        super().__init__(daemon=True)
        self.roots, self.stop = roots, threading.Event()
        self.peak_rss_kib = self.peak_pss_kib = 0

    def run(self) -> None:
        while not self.stop.is_set():
            pids = [p for root in self.roots for p in tree(root)]
            self.peak_rss_kib = max(self.peak_rss_kib, sum(rss_kib(p) for p in pids))
            self.peak_pss_kib = max(self.peak_pss_kib, sum(pss_kib(p) for p in pids))
            time.sleep(0.1)


def wait_healthy(timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{BASE}/healthz", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("Townhub did not become healthy")


def run_wrk(path: str) -> str:
    out = subprocess.run(
        ["wrk", "-t2", "-c16", f"-d{WRK_SECONDS}s", "--latency", f"{BASE}{path}"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    p99 = re.search(r"99%\s+([\d.]+\w+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return (
        f"{float(rate.group(1)) if rate else 0:,.0f} req/s, p99 {p99.group(1) if p99 else '?'}"
        f", non-2xx {errors.group(1) if errors else 0}"
    )


def ingest(engine: sa.Engine) -> str:
    with engine.connect() as connection:
        before = connection.execute(sa.text("SELECT count(*) FROM footfall_counts")).scalar_one()
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id="townhub-bench-publisher")
    client.connect("127.0.0.1", 1883)
    client.loop_start()
    topic = "v3/townhub-footfall@ttn/devices/sn-clock-tower/up"
    started = time.monotonic()
    for n in range(UPLINKS):
        message = tts_uplink(
            device_id="sn-clock-tower",
            dev_eui="70B3D57ED0060001",
            people=n % 50,
            f_cnt=n + 1,
            at=datetime.now(UTC),
        )
        client.publish(topic, json.dumps(message).encode(), qos=1)
    client.loop_stop()
    client.disconnect()
    deadline = time.monotonic() + 300
    stored = 0
    while time.monotonic() < deadline:
        with engine.connect() as connection:
            stored = (
                connection.execute(sa.text("SELECT count(*) FROM footfall_counts")).scalar_one()
                - before
            )
        if stored >= UPLINKS:
            break
        time.sleep(0.2)
    elapsed = time.monotonic() - started
    return (
        f"{stored:,} of {UPLINKS:,} uplinks stored in {elapsed:.1f} s = {stored / elapsed:,.0f}/s"
    )


def main() -> None:
    env = {
        **os.environ,
        "MQTT_SHARE_GROUP": "townhub-bench",
        "MQTT_CLIENT_ID": "townhub-bench-worker",
    }
    web = subprocess.Popen(
        [
            "gunicorn",
            "--workers",
            "2",
            "--worker-class",
            "gthread",
            "--threads",
            "4",
            "--bind",
            f"127.0.0.1:{PORT}",
            "app:app",
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    worker = subprocess.Popen(
        ["flask", "--app", "app", "worker"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sampler = MemorySampler([web.pid, worker.pid])
    try:
        wait_healthy()
        sampler.start()
        pids = [p for root in (web.pid, worker.pid) for p in tree(root)]
        rss, pss = sum(map(rss_kib, pids)) / 1024, sum(map(pss_kib, pids)) / 1024
        print(f"idle memory (gunicorn 2x4 --preload + worker): RSS {rss:.0f} MB, PSS {pss:.0f} MB")
        for path in ("/south-norwood/", "/south-norwood/footfall", "/healthz"):
            print(f"GET {path:28} {run_wrk(path)}")
        engine = sa.create_engine(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
        print(f"MQTT ingest (QoS 1, one insert each): {ingest(engine)}")
        peak_pss, peak_rss = sampler.peak_pss_kib / 1024, sampler.peak_rss_kib / 1024
        print(
            f"peak memory of Townhub's processes under load: PSS {peak_pss:.0f} MB,"
            f" RSS {peak_rss:.0f} MB (budget 400 MB; RSS counts shared pages once per process)"
        )
    finally:
        sampler.stop.set()
        for process in (web, worker):
            process.send_signal(signal.SIGTERM)
        for process in (web, worker):
            process.wait(timeout=20)


if __name__ == "__main__":
    main()
