"""Bytes over the wire for a first and a repeat visit to a hub home page. Run by bench.py.

Chromium (Debian's, driven by Playwright) loads the page through a real Caddy with
`encode zstd gzip` (bench/Caddyfile), as production will serve it, in front of the
benchmark's gunicorn.

What is counted: every response that crossed the network to the browser, as Chromium's
network log (CDP) reports it: `Network.loadingFinished.encodedDataLength`, the response
headers plus the compressed body as received. Two targets are logged: the page, and the
page's service worker (auto-attached), because the worker makes requests of its own: its
precache, the offline page, a copy of the open page, and the network-first fetch of every
navigation. A response the worker answers (`response.fromServiceWorker`) costs the page
nothing; the bytes, if any, are on the worker's own fetch, counted once there. Requests
the browser sends are not counted. Map tiles (another origin) and photos (images outside
/static/) are listed but not counted.

Caddy's access log is the cross-check: a response the server sent that Chromium did not
report in full is counted from the log (the compressed body Caddy wrote, plus the headers
rebuilt from the log, within a few bytes). That is always the service worker's own script,
which the browser fetches outside the worker's target (Chromium reports its headers only),
and sometimes the worker's first requests: Playwright resumes a new worker too, so they can
run before this module's logging is on.

First visit: a fresh browser context (empty HTTP cache, no service worker); load the
page, wait until the service worker controls it and the network has been quiet for three
seconds. Repeat visit: the same page again in the same context, a new navigation, again
until three quiet seconds (which takes in the browser's update check of /sw.js, made about
two seconds after a navigation the worker controls).
"""

from __future__ import annotations

import gzip
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

BENCH = Path(__file__).resolve().parent
# The browser tests' Chromium and flags, so both measure the same browser.
sys.path.insert(0, str(BENCH.parent))
from tests.support.chromium import CHROMIUM as DEBIAN_CHROMIUM  # noqa: E402
from tests.support.chromium import CHROMIUM_ARGS  # noqa: E402
from tests.support.processes import terminate  # noqa: E402

CHROMIUM = os.environ.get("BENCH_CHROMIUM", DEBIAN_CHROMIUM)
BUDGET = 75_000  # bytes; KB below means 1,000 bytes
# The network must be quiet this long before a visit counts as over: Chromium checks the
# service worker's script for an update about 2 s after a navigation it controls.
QUIET_SECONDS = 3.0
COMPRESSIBLE = ("text/", "javascript", "json", "xml", "svg")


def kb(n: int) -> str:
    return f"{n:,} bytes ({n / 1000:.1f} KB)"


@dataclass
class Record:
    target: str  # "page" or "service worker" or "server log"
    request_id: str
    phase: str
    url: str = ""
    kind: str = ""
    status: int = 0
    from_sw: bool = False
    sw_source: str = ""
    encoding: str = ""
    content_type: str = ""
    accept_encoding: str = ""
    header_bytes: int = 0
    decoded: int = 0
    encoded: int | None = None
    failed: str = ""
    note: str = ""
    caddy_body: int | None = None
    caddy_status: int | None = None
    cost: int = 0  # what the report counts: wire, or the estimate without Caddy

    @property
    def path(self) -> str:
        parts = urlsplit(self.url)
        return parts.path + (f"?{parts.query}" if parts.query else "")

    @property
    def done(self) -> bool:
        return self.encoded is not None or bool(self.failed)

    @property
    def wire(self) -> int:
        """Bytes received over the network for this request (0 when the service worker
        answered: its own fetch, if any, carries them)."""
        if self.from_sw or self.encoded is None:
            return 0
        if self.caddy_body is not None and self.encoded < self.caddy_body:
            return self.header_bytes + self.caddy_body  # Chromium under-reported it
        return self.encoded


@dataclass
class NetLog:
    origin: str
    phase: str = "first"
    records: dict[tuple[str, str], Record] = field(default_factory=dict)
    extra_info: dict[tuple[str, str], dict] = field(default_factory=dict)
    last_event: float = field(default_factory=time.monotonic)

    def on(self, target: str, method: str, params: dict) -> None:
        self.last_event = time.monotonic()
        key = (target, params.get("requestId", ""))
        if method == "Network.requestWillBeSentExtraInfo":
            headers = {k.lower(): v for k, v in params.get("headers", {}).items()}
            self.extra_info[key] = headers
            if key in self.records:
                self.records[key].accept_encoding = headers.get("accept-encoding", "")
            return
        if method == "Network.requestWillBeSent":
            request = params["request"]
            if key in self.records and params.get("redirectResponse"):
                # A redirect: the hop so far becomes its own record.
                old, hop = self.records.pop(key), params["redirectResponse"]
                old.status = hop.get("status", 0)
                old.encoded = int(hop.get("encodedDataLength") or 0)
                old.header_bytes = old.encoded
                self.records[(target, f"{key[1]}:{len(self.records)}")] = old
            record = Record(
                target, key[1], self.phase, url=request["url"], kind=params.get("type", "")
            )
            headers = self.extra_info.get(key) or {
                k.lower(): v for k, v in request.get("headers", {}).items()
            }
            record.accept_encoding = headers.get("accept-encoding", "")
            self.records[key] = record
            return
        record = self.records.get(key)
        if record is None:
            return  # began before logging: the Caddy cross-check counts it
        if method == "Network.responseReceived":
            response = params["response"]
            headers = {k.lower(): v for k, v in response.get("headers", {}).items()}
            record.status = response.get("status", 0)
            record.from_sw = bool(response.get("fromServiceWorker"))
            record.sw_source = response.get("serviceWorkerResponseSource", "")
            record.encoding = headers.get("content-encoding", "")
            record.content_type = headers.get("content-type", "").split(";")[0]
            record.header_bytes = max(0, int(response.get("encodedDataLength") or 0))
        elif method == "Network.dataReceived":
            record.decoded += params.get("dataLength", 0)
        elif method == "Network.loadingFinished":
            record.encoded = int(params.get("encodedDataLength") or 0)
        elif method == "Network.loadingFailed":
            record.failed = params.get("errorText", "failed")

    def in_flight(self) -> int:
        return sum(1 for r in self.records.values() if not r.done)

    def phase_records(self, phase: str) -> list[Record]:
        return [r for r in self.records.values() if r.phase == phase]

    def excluded(self, record: Record) -> str:
        if not record.url.startswith(("http:", "https:")):
            return "not fetched"
        if not record.url.startswith(self.origin):
            return "another origin (map tiles)"
        if record.kind == "Image" and not record.path.startswith("/static/"):
            return "photo or tile"
        return ""


class Caddy:
    """A real Caddy (`encode zstd gzip`) in front of gunicorn, or None if there is none."""

    def __init__(self, upstream_port: int, port: int) -> None:
        self.dir = Path(tempfile.mkdtemp(prefix="townhub-bench-caddy-"))
        self.log = self.dir / "access.log"
        self.log.touch()
        self.port = port
        env = {
            **os.environ,
            "BENCH_CADDY_PORT": str(port),
            "BENCH_UPSTREAM_PORT": str(upstream_port),
            "BENCH_CADDY_LOG": str(self.log),
            # Caddy keeps state under $HOME / XDG folders: keep it in the temporary folder.
            "HOME": str(self.dir),
            "XDG_DATA_HOME": str(self.dir / "data"),
            "XDG_CONFIG_HOME": str(self.dir / "config"),
        }
        self.stderr = open(self.dir / "caddy.err", "w")  # noqa: SIM115
        self.process = subprocess.Popen(
            ["caddy", "run", "--config", str(BENCH / "Caddyfile"), "--adapter", "caddyfile"],
            env=env,
            stdout=self.stderr,
            stderr=subprocess.STDOUT,
        )
        self.version = (
            subprocess.run(["caddy", "version"], capture_output=True, text=True, check=False)
            .stdout.split(" ")[0]
            .strip()
        )

    def wait_ready(self, timeout: float = 15) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{self.port}/healthz", timeout=2):
                    return
            except urllib.error.HTTPError:
                return  # answering (a 503 from the app is still an answer)
            except OSError:
                time.sleep(0.2)
        tail = (self.dir / "caddy.err").read_text()[-2000:]
        raise RuntimeError(f"Caddy did not start:\n{tail}")

    def offset(self) -> int:
        return self.log.stat().st_size

    def entries(self, start: int, end: int) -> list[dict]:
        with self.log.open("rb") as f:
            f.seek(start)
            lines = f.read(end - start).decode().splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def stop(self) -> None:
        terminate(self.process, timeout=10)
        self.stderr.close()
        shutil.rmtree(self.dir, ignore_errors=True)


def start_caddy(upstream_port: int, port: int) -> Caddy | None:
    if shutil.which("caddy") is None:
        return None
    caddy = Caddy(upstream_port, port)
    try:
        caddy.wait_ready()
    except RuntimeError:
        caddy.stop()
        raise
    return caddy


def header_estimate(entry: dict) -> int:
    """Bytes of an HTTP/1.1 response head, from the headers in Caddy's log."""
    size = len(f"HTTP/1.1 {entry['status']} XX\r\n") + 2
    for name, values in entry.get("resp_headers", {}).items():
        for value in values:
            size += len(name) + len(value) + 4
    return size + len("Content-Length: 0000\r\n")


def reconcile(records: list[Record], entries: list[dict], netlog: NetLog, phase: str) -> None:
    """Match what the server sent (Caddy's log) with what Chromium reported, by path in
    order; count from the log what Chromium missed or under-reported."""
    network = [r for r in records if not r.from_sw and r.encoded is not None]
    for n, entry in enumerate(entries):
        uri, size = entry["request"]["uri"], int(entry.get("size", 0))
        match = next((r for r in network if r.caddy_body is None and r.path == uri), None)
        if match is not None:
            match.caddy_body, match.caddy_status = size, int(entry.get("status", 0))
            if match.encoded is not None and match.encoded < size:
                match.note = "body from Caddy's log (Chromium reported less)"
            continue
        headers = {k.lower(): v[0] for k, v in entry.get("resp_headers", {}).items()}
        dest = entry["request"].get("headers", {}).get("Sec-Fetch-Dest", [""])[0]
        # Not the page's (its log is complete: logging starts before it loads), so the
        # worker's script or the worker's own fetches, or the browser's (a manifest).
        record = Record(
            "service worker" if dest in ("serviceworker", "empty") else "browser",
            f"caddy-{phase}-{n}",
            phase,
            url=netlog.origin + uri,
            kind=dest,
            status=int(entry.get("status", 0)),
            encoding=headers.get("content-encoding", ""),
            content_type=headers.get("content-type", "").split(";")[0],
            accept_encoding=entry["request"].get("headers", {}).get("Accept-Encoding", [""])[0],
            header_bytes=header_estimate(entry),
            encoded=header_estimate(entry) + size,
            note="not in Chromium's log: counted from Caddy's log",
        )
        netlog.records[("server log", record.request_id)] = record


def body_size(url: str, encoding: str) -> int:
    request = urllib.request.Request(url, headers={"Accept-Encoding": encoding})  # noqa: S310
    with urllib.request.urlopen(request, timeout=10) as response:  # noqa: S310
        return len(response.read())


def gzip6_size(url: str) -> int:
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        body = response.read()
    return len(gzip.compress(body, 6)) if len(body) >= 512 else len(body)


def gzip6_estimate(record: Record) -> int:
    """Fallback without Caddy: the headers Chromium got plus gzip -6 of the body."""
    received_body = record.wire > record.header_bytes  # not a 304 revalidation
    if not received_body or not any(t in record.content_type for t in COMPRESSIBLE):
        return record.wire
    return record.header_bytes + gzip6_size(record.url)


def wait_quiet(page, netlog: NetLog, timeout: float = 30) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        page.wait_for_timeout(100)  # lets Playwright deliver the queued CDP events
        if netlog.in_flight() == 0 and time.monotonic() - netlog.last_event >= QUIET_SECONDS:
            return True
    return False


def wait_controlled(page, timeout: float = 20) -> bool:
    # Polled from here: the page's CSP forbids the eval that wait_for_function needs.
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if page.evaluate("navigator.serviceWorker.controller !== null"):
            return True
        page.wait_for_timeout(100)
    return False


def attach_logging(context, page, netlog: NetLog) -> None:
    session = context.new_cdp_session(page)
    methods = [
        "Network.requestWillBeSent",
        "Network.requestWillBeSentExtraInfo",
        "Network.responseReceived",
        "Network.dataReceived",
        "Network.loadingFinished",
        "Network.loadingFailed",
    ]
    for method in methods:
        session.on(method, lambda params, method=method: netlog.on("page", method, params))
    counter = [0]

    def send(session_id: str, method: str) -> None:
        counter[0] += 1
        message = json.dumps({"id": counter[0], "method": method, "params": {}})
        session.send("Target.sendMessageToTarget", {"sessionId": session_id, "message": message})

    def attached(params: dict) -> None:
        # The service worker is paused until we resume it, so its first requests are seen.
        if params["targetInfo"]["type"] == "service_worker":
            send(params["sessionId"], "Network.enable")
        if params.get("waitingForDebugger"):
            send(params["sessionId"], "Runtime.runIfWaitingForDebugger")

    def received(params: dict) -> None:
        message = json.loads(params["message"])
        if message.get("method", "").startswith("Network."):
            netlog.on("service worker", message["method"], message["params"])

    session.on("Target.attachedToTarget", attached)
    session.on("Target.receivedMessageFromTarget", received)
    session.send("Network.enable")
    # Flatten mode is not reachable through Playwright's CDPSession: use the message relay.
    session.send(
        "Target.setAutoAttach",
        {"autoAttach": True, "waitForDebuggerOnStart": True, "flatten": False},
    )


@dataclass
class Visit:
    name: str
    records: list[Record]
    netlog: NetLog

    @property
    def counted(self) -> list[Record]:
        return [r for r in self.records if not self.netlog.excluded(r) and r.wire]

    @property
    def total(self) -> int:
        return sum(r.wire for r in self.counted)


def measure(gunicorn_port: int, caddy_port: int, path: str, verbose: bool) -> list[str]:
    """Returns the lines to print."""
    from playwright.sync_api import sync_playwright

    lines: list[str] = []
    caddy = start_caddy(gunicorn_port, caddy_port)
    port = caddy.port if caddy else gunicorn_port
    origin = f"http://localhost:{port}"
    url = origin + path
    netlog = NetLog(origin)
    marks: list[int] = []
    warnings: list[str] = []
    try:
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            try:
                context = browser.new_context(service_workers="allow")
                page = context.new_page()
                attach_logging(context, page, netlog)
                marks.append(caddy.offset() if caddy else 0)
                response = page.goto(url, wait_until="load")
                if response is None or response.status != 200:
                    status = response.status if response else "no response"
                    warnings.append(
                        f"WARNING: {path} answered {status}: figures are not meaningful"
                    )
                if not wait_controlled(page):
                    warnings.append("WARNING: the service worker never controlled the page")
                if not wait_quiet(page, netlog):
                    warnings.append("WARNING: first visit: the network never went quiet")
                marks.append(caddy.offset() if caddy else 0)
                netlog.phase = "repeat"
                page.goto(url, wait_until="load")
                if not wait_quiet(page, netlog):
                    warnings.append("WARNING: repeat visit: the network never went quiet")
                marks.append(caddy.offset() if caddy else 0)
                version = browser.version
                context.close()
            finally:
                browser.close()
        visits = []
        for n, phase in enumerate(("first", "repeat")):
            records = netlog.phase_records(phase)
            if caddy:
                reconcile(records, caddy.entries(marks[n], marks[n + 1]), netlog, phase)
                records = netlog.phase_records(phase)
            visits.append(Visit(phase, records, netlog))
        lines += report(visits, netlog, caddy, version, path, verbose)
        if caddy:
            lines.append(gzip_line(visits[0], netlog))
        lines += unfetched_manifest(visits[0], netlog, url)
    finally:
        if caddy:
            caddy.stop()
    return warnings + lines


def report(
    visits: list[Visit], netlog: NetLog, caddy: Caddy | None, version: str, path: str, verbose: bool
) -> list[str]:
    via = f"Caddy {caddy.version} (encode zstd gzip)" if caddy else "gunicorn directly, NO Caddy"
    lines = [f"page weight of GET {path} via {via}, HTTP/1.1, Chromium {version}:"]
    everything = [r for v in visits for r in v.records if r.status and not r.from_sw]
    accepts = Counter(r.accept_encoding for r in everything if r.accept_encoding)
    received = Counter(
        "identity" if r.caddy_status == 304 else r.encoding or "identity" for r in everything
    )
    lines.append(
        "  Accept-Encoding sent: "
        + "; ".join(f'"{a}" ({n})' for a, n in accepts.most_common())
        + "; Content-Encoding received: "
        + ", ".join(f"{e} ({n})" for e, n in received.most_common())
        + (" (identity: images and 304s)" if caddy else "")
    )
    for visit in visits:
        counted = visit.counted
        for r in visit.records:
            r.cost = r.wire if caddy else gzip6_estimate(r)
        total = sum(r.cost for r in counted)
        if verbose:
            lines.append(f"  {visit.name} visit, every request:")
            for r in sorted(visit.records, key=lambda r: (r.target != "page", r.target)):
                lines.append("    " + resource_line(r, netlog))
        label = "" if caddy else " ESTIMATE (no Caddy: headers + gzip -6 of each text body)"
        verdict = "pass" if total <= BUDGET else "OVER"
        lines.append(
            f"  {visit.name + ' visit:':14}{kb(total)}{label},"
            f" budget {BUDGET // 1000} KB: {verdict}"
        )
        by_target: Counter[str] = Counter()
        for r in counted:
            by_target[r.target] += r.cost
        detail = ", ".join(f"{t} {n:,}" for t, n in by_target.most_common())
        from_cache = sum(1 for r in visit.records if r.from_sw and r.sw_source == "cache-storage")
        lines.append(
            f"      {len(counted)} responses over the network ({detail or 'none'}),"
            f" {sum(r.header_bytes for r in counted):,} bytes of them headers;"
            f" {from_cache} answered from the service worker's cache"
        )
        top = sorted(counted, key=lambda r: -r.cost)[:3]
        if top:
            lines.append(
                "      largest: " + ", ".join(f"{r.path} {r.cost:,} ({r.target})" for r in top)
            )
        excluded = [r for r in visit.records if netlog.excluded(r) and r.wire]
        if excluded:
            lines.append(
                f"      not counted: {len(excluded)} tiles/photos,"
                f" {sum(r.wire for r in excluded):,} bytes"
            )
    if not caddy:
        sw_script = gzip6_size(netlog.origin + "/sw.js")
        lines.append(
            f"  missing from the ESTIMATE: /sw.js (about {sw_script:,} bytes gzipped), fetched by"
            " the browser outside Chromium's log, once per visit"
        )
    return lines


def resource_line(r: Record, netlog: NetLog) -> str:
    if r.from_sw:
        how = f"from the service worker ({r.sw_source or '?'})"
    elif r.failed:
        how = f"failed: {r.failed}"
    else:
        how = "identity" if r.caddy_status == 304 else r.encoding or "identity"
    excluded = netlog.excluded(r)
    notes = "; ".join(n for n in (r.note, f"NOT COUNTED: {excluded}" if excluded else "") if n)
    status = r.caddy_status or r.status or "-"  # Chromium shows a revalidated 304 as 200
    decoded = f"{r.decoded:,}" if r.decoded else "-"
    return (
        f"{r.target:14} {status!s:>3} {r.cost:>7,} B  {decoded:>7} decoded  {how:8}"
        f" {r.kind:13} {r.path}{'  [' + notes + ']' if notes else ''}"
    )


def gzip_line(first: Visit, netlog: NetLog) -> str:
    """The first visit again as a browser without zstd (Safari) would get it: gzip."""
    delta = 0
    for r in first.counted:
        if r.status == 200 and r.encoding == "zstd":
            url = netlog.origin + r.path
            delta += body_size(url, "gzip") - body_size(url, "zstd")
    return (
        "  first visit with gzip instead of zstd (browsers without zstd):"
        f" {kb(first.total + delta)}"
    )


def unfetched_manifest(first: Visit, netlog: NetLog, url: str) -> list[str]:
    """Headless Chromium does not fetch the web app manifest; a phone offering to install
    the app does (and then its icons). Say what it weighs, without counting it."""
    with urllib.request.urlopen(url, timeout=10) as response:  # noqa: S310
        html = response.read().decode(errors="replace")
    match = re.search(r'<link[^>]+rel="manifest"[^>]+href="([^"]+)"', html)
    if not match or any(r.path == match.group(1) for r in first.records):
        return []
    size = body_size(netlog.origin + match.group(1), "zstd")
    return [
        f"  not counted: {match.group(1)} ({size:,} bytes of body), which headless Chromium"
        " does not fetch; a phone offering to install the app would, and its icons"
    ]
