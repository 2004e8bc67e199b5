"""Insights at a year's scale: the hub dashboard rendered over one year of 15-minute counts
from 30 sensors (1,051,200 counts and their roll-ups), and the hourly open-data export of
that whole year (262,800 rows), each as a ratio to a trivial route in the same run, with
the peak memory of the web processes beside them.

Runs on its own database (townhub_bench_insights on the development server), made here and
dropped at the end. Run by `bench/run --only insights` and the full `bench/run`. Prints
figures; asserts nothing.
"""

from __future__ import annotations

import http.cookiejar
import os
import re
import signal
import statistics
import subprocess
import sys
import time
import urllib.parse
import urllib.request
from datetime import date, timedelta
from types import ModuleType

DATABASE = "townhub_bench_insights"
SENSORS = 30
HUB = "bench-street"
EMAIL = "council@example.org"
PASSWORD = "bench-password-not-secret"  # noqa: S105 - a throwaway database
EXPORT_RUNS = 3

# A year of 15-minute counts for 30 sensors along one street: a daily shape, busier
# weekends, and noise. Written by PostgreSQL itself: a million rows in seconds.
COUNTS = """
INSERT INTO footfall_counts (sensor_id, measured_at, period_minutes, people)
SELECT s.id, t, 15,
       greatest(0, round(
           (20 + s.id % 7 * 4)
           * (0.2 + greatest(0, sin(pi() * (extract(hour FROM t AT TIME ZONE 'Europe/London')
                                             - 6) / 15)))
           * CASE WHEN extract(isodow FROM t) >= 6 THEN 1.3 ELSE 1 END
           * (0.8 + random() * 0.4)
       ))::int
FROM sensors s
CROSS JOIN generate_series(:start, :end, interval '15 minutes') AS t
WHERE s.hub_id = :hub_id
"""


def run(bench: ModuleType) -> None:
    """Build the year, serve it with the Procfile's web command, and measure."""
    url = bench.database_url(DATABASE)
    bench.recreate_database(url, create=True)
    env = {**os.environ, "DATABASE_URL": url.render_as_string(hide_password=False)}
    today = date.today()
    first = today - timedelta(days=365)
    started = time.monotonic()
    _build(env, first, today)
    print(
        f"insights: one year of 15-minute counts from {SENSORS} sensors built in"
        f" {time.monotonic() - started:.0f} s"
    )
    port = bench.free_port()
    base = f"http://127.0.0.1:{port}"
    web = subprocess.Popen(
        bench.procfile_web(),
        cwd=bench.ROOT,
        env={**env, "HOST": "127.0.0.1", "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    sampler = bench.MemorySampler([web.pid])
    try:
        bench.wait_healthy(base=base, path=bench.TRIVIAL)  # no worker here: no /healthz
        sampler.start()
        cookie = _sign_in(base)
        dashboard = f"/manage/hubs/{HUB}/insights"
        year = urllib.parse.urlencode({"grain": "week", "from": first.isoformat()})
        hours = urllib.parse.urlencode(
            {"grain": "hour", "from": (today - timedelta(days=13)).isoformat()}
        )
        pages = [bench.TRIVIAL, dashboard, f"{dashboard}?{year}", f"{dashboard}?{hours}"]
        results = {}
        for path in pages:
            results[path] = bench.run_wrk(path, base, 8, (f"Cookie: {cookie}",))
            print(bench.wrk_line(path, results[path]))
        trivial = results[bench.TRIVIAL]
        for path in pages[1:]:
            result = results[path]
            if trivial["rate"] and result["rate"]:
                print(
                    f"  {path} / trivial route: throughput {result['rate'] / trivial['rate']:.3f}x,"
                    f" p50 latency {result['p50'] / trivial['p50']:.0f}x"
                )
        _export(base, first, today, bench)
        print(
            f"peak memory of the web processes (gunicorn, --preload): PSS"
            f" {sampler.peak_pss_kib / 1024:.0f} MB, RSS {sampler.peak_rss_kib / 1024:.0f} MB"
        )
    finally:
        sampler.stop.set()
        web.send_signal(signal.SIGTERM)
        try:
            web.wait(timeout=20)
        except subprocess.TimeoutExpired:
            web.kill()
            web.wait()
        bench.recreate_database(url, create=False)


def _build(env: dict[str, str], first: date, last: date) -> None:
    """Migrate, add the hub, its sensors and a council admin, the counts and roll-ups: in a
    child process, so the app's imports and session stay out of this one."""
    script = f"""
import sqlalchemy as sa
from datetime import date
from townhub import create_app
from townhub.accounts.models import User
from townhub.accounts.service import hash_password
from townhub.common import geo
from townhub.common.days import at_london
from townhub.extensions import db
from townhub.footfall import rollups
from townhub.hubs.models import Hub
from townhub.sensors.models import Sensor
import flask_migrate

app = create_app()
with app.app_context():
    flask_migrate.upgrade()
    hub = Hub(slug={HUB!r}, name="Bench Street", boundary=geo.polygon(
        [(-0.08, 51.39), (-0.07, 51.39), (-0.07, 51.40), (-0.08, 51.40), (-0.08, 51.39)]))
    db.session.add(hub)
    db.session.flush()
    for n in range({SENSORS}):
        db.session.add(Sensor(hub_id=hub.id, device_id=f"bench-{{n}}", name=f"Sensor {{n:02}}",
            location=geo.point(-0.0795 + n * 0.0003, 51.395), kind="vs133", mapping={{}}))
    db.session.add(User(email={EMAIL!r}, name="Bench", role="council_admin",
        password_hash=hash_password({PASSWORD!r})))
    db.session.flush()
    db.session.execute(sa.text({COUNTS!r}), {{
        "start": at_london(date.fromisoformat({first.isoformat()!r})),
        "end": at_london(date.fromisoformat({last.isoformat()!r})),
        "hub_id": hub.id}})
    rollups.rebuild([s.id for s in db.session.scalars(sa.select(Sensor))])
    db.session.commit()
    db.session.execute(sa.text("ANALYZE"))
"""
    subprocess.run([sys.executable, "-c", script], env=env, check=True)


def _sign_in(base: str) -> str:
    """The session cookie of the bench's council admin, as a Cookie header."""
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    with opener.open(f"{base}/manage/sign-in") as response:
        page = response.read().decode()
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page)
    assert token, "no CSRF token on the sign-in page"
    form = urllib.parse.urlencode(
        {"csrf_token": token.group(1), "email": EMAIL, "password": PASSWORD}
    ).encode()
    opener.open(f"{base}/manage/sign-in", data=form).read()
    return "; ".join(f"{cookie.name}={cookie.value}" for cookie in jar)


def _export(base: str, first: date, last: date, bench: ModuleType) -> None:
    """The year's hourly export, fetched whole a few times, against the trivial route
    fetched the same way."""

    def fetch(path: str) -> tuple[float, int]:
        started = time.perf_counter()
        with urllib.request.urlopen(f"{base}{path}", timeout=300) as response:  # noqa: S310
            size = len(response.read())
        return time.perf_counter() - started, size

    trivial = statistics.median(fetch(bench.TRIVIAL)[0] for _ in range(20))
    query = urllib.parse.urlencode(
        {
            "from": f"{first.isoformat()}T00:00:00Z",
            "to": f"{last.isoformat()}T00:00:00Z",
            "interval": "hour",
        }
    )
    for suffix in (".csv", ""):
        path = f"/api/v1/hubs/{HUB}/footfall{suffix}?{query}"
        runs = [fetch(path) for _ in range(EXPORT_RUNS)]
        seconds = statistics.median(run[0] for run in runs)
        size = runs[0][1]
        print(
            f"GET {path.split('?')[0]} (a year, hourly, {SENSORS} sensors):"
            f" {seconds:.2f} s, {size / 1e6:.1f} MB, {size / 1e6 / seconds:.1f} MB/s;"
            f" {seconds / trivial:,.0f}x the trivial route's {trivial * 1000:.1f} ms"
        )
