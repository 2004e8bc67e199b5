"""Measure the hub page under load and MQTT ingest, with peak memory, and the hub page's
weight over the wire; then alert matching and fan-out (bench/alerts.py). Run by bench/run;
`bench/run --verbose` lists every request of the page-weight visits."""

from __future__ import annotations

import argparse
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from pathlib import Path

import alerts  # bench/alerts.py: this script's folder is on sys.path
import ingest  # bench/ingest.py: this script's folder is on sys.path
import insights  # bench/insights.py: this script's folder is on sys.path
import pageweight  # bench/pageweight.py: this script's folder is on sys.path
import sqlalchemy as sa

from townhub.config import DEFAULT_DATABASE_URL

WRK_SECONDS = int(os.environ.get("BENCH_SECONDS", "10"))
ROOT = Path(__file__).resolve().parents[1]
HUB = "/south-norwood/"
TRIVIAL = "/robots.txt"  # plain text, no database
TRIVIAL_FALLBACK = "/static/css/townhub.css"


def free_port() -> int:
    """A port nothing listens on now (never 8000, where a demo may run)."""
    while True:
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        if port != 8000:
            return port


PORT = free_port()
BASE = f"http://127.0.0.1:{PORT}"


def database_url(name: str) -> sa.URL:
    """A database of a benchmark's own (alerts.py, ingest.py), beside the development
    database on its server."""
    url = sa.make_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    return url.set(database=name)


def recreate_database(url: sa.URL, *, create: bool) -> None:
    """Drop the database if it is there (whoever is connected), and make it new and empty
    unless `create` is false."""
    admin = sa.create_engine(url.set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(sa.text(f'DROP DATABASE IF EXISTS "{url.database}" WITH (FORCE)'))
        if create:
            connection.execute(
                sa.text(
                    f"CREATE DATABASE \"{url.database}\" ENCODING 'UTF8' "
                    "LC_COLLATE 'C.UTF-8' LC_CTYPE 'C.UTF-8' TEMPLATE template0"
                )
            )
    admin.dispose()


def procfile_web() -> list[str]:
    """The Procfile's `web` command, so the benchmark serves the app as production does."""
    for line in (ROOT / "Procfile").read_text().splitlines():
        if line.startswith("web:"):
            return ["bash", "-c", "exec " + line.removeprefix("web:").strip()]
    raise SystemExit("Procfile has no web line")


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


def wait_healthy(timeout: float = 30, base: str = BASE, path: str = "/healthz") -> None:
    """Until `path` answers 200 (by default /healthz, which wants the worker too)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{base}{path}", timeout=2) as response:  # noqa: S310
                if response.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.5)
    raise SystemExit("Townhub did not become healthy")


UNITS_MS = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0, "h": 3_600_000.0}


def wrk_ms(out: str, percent: int) -> float:
    match = re.search(rf"^\s+{percent}%\s+([\d.]+)(us|ms|s|m|h)\s*$", out, re.MULTILINE)
    return float(match.group(1)) * UNITS_MS[match.group(2)] if match else float("nan")


def run_wrk(
    path: str, base: str = BASE, connections: int = 16, headers: tuple[str, ...] = ()
) -> dict:
    header_args = [arg for header in headers for arg in ("-H", header)]
    out = subprocess.run(
        [
            "wrk",
            "-t2",
            f"-c{connections}",
            f"-d{WRK_SECONDS}s",
            "--latency",
            *header_args,
            f"{base}{path}",
        ],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    rate = re.search(r"Requests/sec:\s+([\d.]+)", out)
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    socket_errors = re.search(r"Socket errors: (.*)", out)
    return {
        "rate": float(rate.group(1)) if rate else 0.0,
        "p50": wrk_ms(out, 50),
        "p99": wrk_ms(out, 99),
        "non2xx": int(errors.group(1)) if errors else 0,
        "socket_errors": socket_errors.group(1).strip() if socket_errors else "",
    }


def wrk_line(path: str, result: dict) -> str:
    line = (
        f"GET {path:28} {result['rate']:7,.0f} req/s, p50 {result['p50']:6.1f} ms,"
        f" p99 {result['p99']:6.1f} ms, non-2xx {result['non2xx']}"
    )
    if result["non2xx"]:
        line += "  <- WARNING: errors, the figure is not the page's"
    if result["socket_errors"]:
        line += f", socket errors: {result['socket_errors']}"
    return line


def trivial_route() -> str:
    """/robots.txt once the app has it; until then a static file, with a warning."""
    request = urllib.request.Request(f"{BASE}{TRIVIAL}", method="GET")  # noqa: S310
    opener = urllib.request.build_opener(NoRedirect)
    try:
        with opener.open(request, timeout=5) as response:
            if response.status == 200:
                return TRIVIAL
            status = response.status
    except urllib.error.HTTPError as error:
        status = error.code
    except OSError as error:
        status = error
    print(
        f"WARNING: GET {TRIVIAL} answered {status}, not 200: using {TRIVIAL_FALLBACK}"
        " as the trivial route for the ratios"
    )
    return TRIVIAL_FALLBACK


class NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        return None


def load(paths: list[str]) -> None:
    trivial = trivial_route()
    results = {}
    # The trivial route right before the hub page, so the two see the same conditions.
    for path in [trivial, *paths]:
        results[path] = run_wrk(path)
        print(wrk_line(path, results[path]))
    hub, base = results[HUB], results[trivial]
    if base["rate"] and base["p50"] and base["p99"]:
        print(
            f"hub page / trivial route ({trivial}), same gunicorn, same run:"
            f" throughput {hub['rate'] / base['rate']:.2f}x,"
            f" p50 latency {hub['p50'] / base['p50']:.1f}x,"
            f" p99 latency {hub['p99'] / base['p99']:.1f}x"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument(
        "-v", "--verbose", action="store_true", help="list every request of the page weight"
    )
    parser.add_argument(
        "--only",
        choices=["weight", "load", "ingest", "alerts", "insights"],
        help="measure only this (and memory)",
    )
    args = parser.parse_args()
    # `kill` of bench/run (or of this script) still stops what it started.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    if args.only == "alerts":  # its own database, in this process: no web or worker
        alerts.run()
        return
    if args.only == "ingest":  # its own database and worker: no web, no demo worker
        ingest.run(MemorySampler)
        return
    if args.only == "insights":  # its own database and web: no worker
        insights.run(sys.modules[__name__])
        return
    env = {
        **os.environ,
        "HOST": "127.0.0.1",
        "PORT": str(PORT),
        "MQTT_SHARE_GROUP": "townhub-bench",
        "MQTT_CLIENT_ID": "townhub-bench-worker",
    }
    command = procfile_web()
    web = subprocess.Popen(
        command,
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
        print(f"web (the Procfile's line, PORT={PORT}): {command[2].removeprefix('exec ')}")
        load1, load5, _ = os.getloadavg()
        print(
            f"machine: {os.cpu_count()} CPUs, load average {load1:.1f} (1 min), {load5:.1f} (5 min)"
        )
        pids = [p for root in (web.pid, worker.pid) for p in tree(root)]
        rss, pss = sum(map(rss_kib, pids)) / 1024, sum(map(pss_kib, pids)) / 1024
        print(f"idle memory (gunicorn 2x4 --preload + worker): RSS {rss:.0f} MB, PSS {pss:.0f} MB")
        if args.only in (None, "weight"):
            for line in pageweight.measure(PORT, free_port(), HUB, args.verbose):
                print(line, flush=True)
        if args.only in (None, "load"):
            load([HUB, "/south-norwood/footfall", "/healthz"])
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
            try:
                process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
    if args.only is None:  # after web and worker have stopped, so they take no CPU from them
        ingest.run(MemorySampler)
        alerts.run()
        insights.run(sys.modules[__name__])


if __name__ == "__main__":
    main()
