"""Alerts: how long one offer takes to match against 100,000 alert areas, and how fast it
fans out to 10,000 phones through the local push-service stand-in, beside how fast
pywebpush encrypts on this machine, with this process's peak memory for each.

Runs on its own throwaway database (townhub_bench_alerts on the development server),
dropped at the end: the development database and its demo data are not touched.
Run by `bench/run --only alerts` and the full `bench/run`; or `python bench/alerts.py`
once PostgreSQL answers. Prints figures; asserts nothing.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import re
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import datetime
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import flask_migrate
import pywebpush
import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.push_service: the stand-in the tests use

from townhub import create_app  # noqa: E402
from townhub.alerts import fanout, items, push  # noqa: E402
from townhub.businesses.models import Business  # noqa: E402
from townhub.common.formatting import LONDON  # noqa: E402
from townhub.common.models import utcnow  # noqa: E402
from townhub.extensions import db  # noqa: E402
from townhub.offers.models import Offer  # noqa: E402

DATABASE = "townhub_bench_alerts"
SUBSCRIPTIONS = 100_000
MATCH_RUNS = 50
# Each matching figure stops early (and says so) if its runs take longer than this.
MATCH_BUDGET_SECONDS = 45
FANOUT_PHONES = 10_000
ENCRYPT_SECONDS = 3.0
# The offer both parts alert about: a 400 m circle around a South Norwood cafe.
OFFER_BUSINESS = "platform-one-coffee"

# 100,000 rows over the three demo hubs. One phone in ten follows all three hubs (three
# rows, one endpoint, whole hubs); of the rest one in five takes its whole hub and the
# others a circle of 200-2,000 m centred up to 3 km from the hub's centre, snapped to
# the 50 m grid the service stores. Choices are per phone, as the service makes them.
SEED_SUBSCRIPTIONS = """
WITH hub AS (
    SELECT id, (row_number() OVER (ORDER BY id) - 1)::int AS k, ST_Centroid(boundary) AS c
    FROM hubs
),
row_ AS (
    SELECT n, n % 3 AS k,
           CASE WHEN (n / 3) % 10 = 0 THEN 'multi-' || (n / 3) ELSE 'one-' || n END AS phone
    FROM generate_series(0, :count - 1) AS n
),
phone AS MATERIALIZED (
    SELECT phone, phone LIKE 'multi-%' AS multi,
           random() AS r_area, random() AS r_dist, random() AS r_angle, random() AS r_radius,
           1 + floor(random() * 15)::int AS topic_bits, random() AS r_quiet,
           floor(random() * 24)::int AS quiet_hour, random() AS r_cap, random() AS r_lang,
           random() AS r_digest
    FROM (SELECT DISTINCT phone FROM row_) AS d
)
INSERT INTO push_subscriptions (endpoint, p256dh, auth, hub_id, topics, area_centre,
    area_radius_m, language, quiet_from, quiet_until, daily_cap, digest, token)
SELECT
    'https://fcm.googleapis.com/fcm/send/bench-' || p.phone,
    :p256dh, :auth, hub.id,
    array_remove(ARRAY[
        CASE WHEN p.topic_bits & 1 > 0 THEN 'offers' END,
        CASE WHEN p.topic_bits & 2 > 0 THEN 'events' END,
        CASE WHEN p.topic_bits & 4 > 0 THEN 'travel' END,
        CASE WHEN p.topic_bits & 8 > 0 THEN 'notices' END], NULL)::varchar(20)[],
    CASE WHEN NOT p.multi AND p.r_area >= 0.2 THEN ST_SetSRID(ST_MakePoint(
        round((ST_X(hub.c) + 3000 * sqrt(p.r_dist) * cos(2 * pi() * p.r_angle)
               / (111320 * cos(radians(ST_Y(hub.c)))))::numeric / 0.0007) * 0.0007,
        round((ST_Y(hub.c) + 3000 * sqrt(p.r_dist) * sin(2 * pi() * p.r_angle)
               / 111200)::numeric / 0.00045) * 0.00045), 4326) END,
    CASE WHEN NOT p.multi AND p.r_area >= 0.2 THEN 200 + floor(p.r_radius * 1801)::int END,
    CASE WHEN p.r_lang < 0.8 THEN 'en' WHEN p.r_lang < 0.9 THEN 'cy' ELSE 'ur' END,
    CASE WHEN p.r_quiet < 0.15 THEN time '22:00'
         WHEN p.r_quiet < 0.3 THEN make_time(p.quiet_hour, 0, 0) END,
    CASE WHEN p.r_quiet < 0.15 THEN time '07:00'
         WHEN p.r_quiet < 0.3 THEN make_time(p.quiet_hour, 0, 0) + interval '8 hours' END,
    (ARRAY[1, 3, 3, 3, 5, 10])[1 + floor(p.r_cap * 6)::int],
    p.r_digest < 0.05,
    md5(p.phone) || md5(p.phone || '-token')
FROM row_ JOIN phone AS p USING (phone) JOIN hub USING (k)
"""

# Earlier alerts today, so the daily cap has something to count: one other offer for
# three rows in ten, two for one in ten.
SEED_EARLIER_DELIVERIES = """
INSERT INTO push_deliveries (hub_id, subscription_id, item_kind, item_id, status, attempts,
    detail, at)
SELECT s.hub_id, s.id, 'offer', o.id, 'sent', 1, '', now()
FROM push_subscriptions AS s
CROSS JOIN LATERAL (
    SELECT id FROM offers WHERE id <> :offer_id ORDER BY id
    LIMIT CASE WHEN s.id % 10 = 0 THEN 2 WHEN s.id % 10 < 4 THEN 1 ELSE 0 END
) AS o
"""

# The fan-out's phones, all matching the offer: half take South Norwood whole, half a
# circle of 200-2,000 m whose centre is within its own radius of the cafe. Topics always
# include offers; no quiet hours, no digest, nothing sent today.
SEED_FANOUT_PHONES = """
WITH browser AS (
    SELECT endpoint, p256dh, auth, n, random() AS r_radius, random() AS r_dist,
           random() AS r_angle, random() AS r_lang, 1 + floor(random() * 7)::int AS bits
    FROM unnest(CAST(:endpoints AS text[]), CAST(:p256dh AS text[]), CAST(:auth AS text[]))
        WITH ORDINALITY AS b(endpoint, p256dh, auth, n)
),
shop AS (SELECT hub_id, location AS c FROM businesses WHERE id = :business_id)
INSERT INTO push_subscriptions (endpoint, p256dh, auth, hub_id, topics, area_centre,
    area_radius_m, language, quiet_from, quiet_until, daily_cap, digest, token)
SELECT b.endpoint, b.p256dh, b.auth, shop.hub_id,
    array_remove(ARRAY['offers',
        CASE WHEN b.bits & 1 > 0 THEN 'events' END,
        CASE WHEN b.bits & 2 > 0 THEN 'travel' END,
        CASE WHEN b.bits & 4 > 0 THEN 'notices' END], NULL)::varchar(20)[],
    CASE WHEN b.n % 2 = 1 THEN ST_SetSRID(ST_MakePoint(
        ST_X(shop.c) + (200 + floor(b.r_radius * 1801)) * b.r_dist * cos(2 * pi() * b.r_angle)
            / (111320 * cos(radians(ST_Y(shop.c)))),
        ST_Y(shop.c) + (200 + floor(b.r_radius * 1801)) * b.r_dist * sin(2 * pi() * b.r_angle)
            / 111200), 4326) END,
    CASE WHEN b.n % 2 = 1 THEN 200 + floor(b.r_radius * 1801)::int END,
    CASE WHEN b.r_lang < 0.8 THEN 'en' WHEN b.r_lang < 0.9 THEN 'cy' ELSE 'ur' END,
    NULL, NULL, 3, false, md5(b.endpoint) || md5(b.endpoint || '-token')
FROM browser AS b CROSS JOIN shop
"""


def say(line: str) -> None:
    print(line, flush=True)


# Peak memory of this process, phase by phase: writing 5 to clear_refs resets the
# kernel's high-water mark (VmHWM) to the current RSS. Where that is not allowed the
# figure is the peak since the process started (getrusage), and says so.
def reset_peak_memory() -> bool:
    try:
        Path("/proc/self/clear_refs").write_text("5")
    except OSError:
        return False
    return True


def peak_memory_mib(reset_worked: bool) -> str:
    try:
        found = re.search(r"VmHWM:\s+(\d+) kB", Path("/proc/self/status").read_text())
    except OSError:
        found = None
    if found and reset_worked:
        return f"{int(found.group(1)) / 1024:.0f} MB"
    since_start = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return f"{since_start:.0f} MB (since the process started)"


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def timed_runs(call: Callable[[], int], runs: int) -> tuple[float, float, int, int]:
    """Median and p90 in ms over `runs` calls after one warm-up (fewer if they outlast
    MATCH_BUDGET_SECONDS); what the last call found, and how many runs were timed."""
    found = call()
    times: list[float] = []
    budget_ends = time.monotonic() + MATCH_BUDGET_SECONDS
    while len(times) < runs and (len(times) < 2 or time.monotonic() < budget_ends):
        started = time.perf_counter()
        found = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=10)[-1], found, len(times)


def demo_offer() -> tuple[items.AlertItem, Offer]:
    offer = db.session.scalars(
        sa.select(Offer)
        .join(Business, Business.id == Offer.business_id)
        .where(Business.slug == OFFER_BUSINESS)
        .order_by(Offer.id)
    ).first()
    assert offer is not None, f"the demo data has no offer from {OFFER_BUSINESS}"
    item = items.load("offer", offer.id)
    assert item is not None, "the demo offer is not current"
    return item, offer


def matching() -> None:
    """Seed 100,000 subscriptions and time one offer's match against them."""
    from tests.support.push_service import SubscriberKeys

    item, offer = demo_offer()
    started = time.perf_counter()
    keys = SubscriberKeys.generate()  # one valid browser key for all: nothing is sent here
    db.session.execute(sa.text("SELECT setseed(0.42)"))
    db.session.execute(
        sa.text(SEED_SUBSCRIPTIONS),
        {"count": SUBSCRIPTIONS, "p256dh": keys.p256dh, "auth": keys.auth},
    )
    db.session.execute(sa.text(SEED_EARLIER_DELIVERIES), {"offer_id": offer.id})
    db.session.commit()
    db.session.execute(sa.text("ANALYZE push_subscriptions, push_deliveries"))
    db.session.commit()
    facts = db.session.execute(
        sa.text(
            "SELECT count(*), count(DISTINCT endpoint), count(area_centre),"
            " min(ST_X(area_centre)), max(ST_X(area_centre)),"
            " min(ST_Y(area_centre)), max(ST_Y(area_centre)),"
            " (SELECT count(*) FROM push_deliveries)"
            " FROM push_subscriptions"
        )
    ).one()
    say(
        f"alerts: {facts[0]:,} subscriptions ({facts[1]:,} phones; {facts[2]:,} circles of"
        f" 200-2,000 m, centres lon {facts[3]:.3f}..{facts[4]:.3f},"
        f" lat {facts[5]:.3f}..{facts[6]:.3f}; the rest whole hubs) over 3 hubs,"
        f" {facts[7]:,} earlier alerts today, seeded in {time.perf_counter() - started:.1f} s"
    )

    # Noon in London today: the same quiet hours are in force whenever the bench runs, and
    # the earlier alerts (stamped now) fall on the same day.
    noon = datetime.now(LONDON).replace(hour=12, minute=0, second=0, microsecond=0)

    def match(limit: int) -> Callable[[], int]:
        def call() -> int:
            found = len(fanout.matching_subscriptions(item, noon, limit))
            db.session.rollback()  # a fresh transaction each time, as each job run has
            return found

        return call

    rss_before = rss_mib()
    reset = reset_peak_memory()
    batch = timed_runs(match(fanout.BATCH_SIZE), MATCH_RUNS)
    every = timed_runs(match(SUBSCRIPTIONS), MATCH_RUNS)
    say(
        f"alert matching, one offer ({offer.radius_m} m around {offer.business.name},"
        f" {offer.hub.name}), fanout.matching_subscriptions() at 12:00 London time:"
    )
    say(
        f"  first batch of {fanout.BATCH_SIZE} (the limit deliver() asks for):"
        f" median {batch[0]:.1f} ms, p90 {batch[1]:.1f} ms ({batch[3]} runs)"
    )
    say(
        f"  every match, {every[2]:,} phones: median {every[0]:.1f} ms,"
        f" p90 {every[1]:.1f} ms ({every[3]} runs)"
    )
    say(
        f"  peak RSS of this process while matching: {peak_memory_mib(reset)}"
        f" (before: {rss_before})"
    )


def run_stand_in(connection: Connection, phones: int) -> None:
    """In a child process: the tests' push-service stand-in with `phones` subscriptions,
    each with its own P-256 key pair and auth secret, until told to stop."""
    from tests.support.push_service import PushServiceStandIn, SubscriberKeys

    with PushServiceStandIn() as service:
        started = time.perf_counter()
        browsers = [service.subscription(SubscriberKeys.generate()) for _ in range(phones)]
        made_in = time.perf_counter() - started
        connection.send(
            (
                made_in,
                [(b["endpoint"], b["keys"]["p256dh"], b["keys"]["auth"]) for b in browsers],
            )
        )
        connection.recv()  # the fan-out is over
        reasons: dict[str, int] = {}
        for _, reason in service.rejected:
            reasons[reason[:120]] = reasons.get(reason[:120], 0) + 1
        connection.send(
            {
                "accepted": len(service.received),
                "rejected": reasons,
                "cpu_s": cpu_seconds(),
                "peak_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
            }
        )


def encrypt_rate(endpoint: str, p256dh: str, auth: str, payload: bytes) -> float:
    """aes128gcm encryptions a second with pywebpush, one thread, no sending."""
    pusher = pywebpush.WebPusher({"endpoint": endpoint, "keys": {"p256dh": p256dh, "auth": auth}})
    count, started = 0, time.perf_counter()
    while (elapsed := time.perf_counter() - started) < ENCRYPT_SECONDS:
        for _ in range(50):
            pusher.encode(payload, content_encoding="aes128gcm")
        count += 50
    return count / elapsed


class StepClock:
    """Wall time inside deliver()'s own steps, by wrapping them for the run."""

    STEPS = ("matching_subscriptions", "_record_chosen", "_to_send", "_send_batch")

    def __init__(self) -> None:
        self.seconds = dict.fromkeys(self.STEPS, 0.0)
        self.calls = dict.fromkeys(self.STEPS, 0)
        self.originals: dict[str, Callable[..., Any]] = {}

    def __enter__(self) -> StepClock:
        for name in self.STEPS:
            original = self.originals[name] = getattr(fanout, name)
            setattr(fanout, name, self._timed(name, original))
        return self

    def __exit__(self, *exc_info: object) -> None:
        for name, original in self.originals.items():
            setattr(fanout, name, original)

    def _timed(self, name: str, original: Callable[..., Any]) -> Callable[..., Any]:
        def timed(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return original(*args, **kwargs)
            finally:
                self.seconds[name] += time.perf_counter() - started
                self.calls[name] += 1

        return timed


def fan_out(app: Flask) -> None:
    """Send the demo offer to 10,000 phones at the stand-in and time deliver()."""
    item, offer = demo_offer()
    offer_id, business_id = offer.id, offer.business_id
    db.session.execute(sa.text("TRUNCATE push_deliveries, push_subscriptions RESTART IDENTITY"))
    db.session.commit()
    context = multiprocessing.get_context("spawn")  # a clean process: no inherited connections
    ours, theirs = context.Pipe()
    stand_in = context.Process(target=run_stand_in, args=(theirs, FANOUT_PHONES), daemon=True)
    stand_in.start()
    try:
        made_in, browsers = ours.recv()
        endpoints, keys, secrets = (list(column) for column in zip(*browsers, strict=True))
        db.session.execute(sa.text("SELECT setseed(0.42)"))
        db.session.execute(
            sa.text(SEED_FANOUT_PHONES),
            {"endpoints": endpoints, "p256dh": keys, "auth": secrets, "business_id": business_id},
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE push_subscriptions"))
        db.session.commit()
        matched = len(fanout.matching_subscriptions(item, utcnow(), FANOUT_PHONES * 2))
        payload = push.encode_payload(
            {**item.message("en"), "tag": item.tag, "manage": "/alerts/" + "x" * 43}
        )
        db.session.remove()
        say(
            f"alert fan-out: {FANOUT_PHONES:,} phones at the push-service stand-in, each its"
            f" own P-256 key pair (made in {made_in:.1f} s); {matched:,} match the offer"
        )
        encrypted = encrypt_rate(endpoints[0], keys[0], secrets[0], payload)
        say(
            f"  pywebpush encryption alone (aes128gcm, {len(payload)}-byte payload,"
            f" one thread, {ENCRYPT_SECONDS:g} s): {encrypted:,.0f}/s"
        )

        fresh = items.load("offer", offer_id)  # as the push_item job does, in a fresh session
        assert fresh is not None
        rss_before = rss_mib()
        reset = reset_peak_memory()
        cpu_before, database_before = cpu_seconds(), postgres_cpu_seconds()
        started = time.perf_counter()
        with StepClock() as steps:
            next_retry = fanout.deliver(fresh)
        wall = time.perf_counter() - started
        cpu_used = cpu_seconds() - cpu_before
        database_after = postgres_cpu_seconds()
        database_used = (
            database_after - database_before
            if database_after is not None and database_before is not None
            else None
        )
        peak = peak_memory_mib(reset)
        outcomes = db.session.execute(
            sa.text(
                "SELECT status, http_status, left(detail, 100), count(*) FROM push_deliveries"
                " GROUP BY 1, 2, 3 ORDER BY 4 DESC"
            )
        ).all()
        db.session.remove()
        ours.send("stop")
        seen = ours.recv()
    finally:
        stand_in.join(timeout=10)
        if stand_in.is_alive():
            stand_in.kill()
            stand_in.join()

    sent = sum(count for status, _, _, count in outcomes if status == "sent")
    rate = sent / wall
    config = app.config
    say(
        f"  fanout.deliver(): {sent:,} sent in {wall:.1f} s = {rate:,.0f} pushes/s"
        f" (PUSH_CONCURRENCY {config['PUSH_CONCURRENCY']},"
        f" PUSH_TIMEOUT_SECONDS {config['PUSH_TIMEOUT_SECONDS']:g});"
        f" the stand-in accepted {seen['accepted']:,} and refused"
        f" {sum(seen['rejected'].values()):,}"
        + (f"; next retry due {next_retry:%H:%M:%S}" if next_retry else "")
    )
    for status, http_status, detail, count in outcomes:
        if status != "sent":
            say(f"    {count:,} {status} ({http_status}): {detail}")
    for reason, count in sorted(seen["rejected"].items(), key=lambda pair: -pair[1])[:3]:
        say(f"    refused {count:,}x: {reason}")
    s = steps.seconds
    say(
        f"  of which choosing {s['matching_subscriptions']:.1f} s"
        f" ({steps.calls['matching_subscriptions']} matching queries,"
        f" {s['matching_subscriptions'] / steps.calls['matching_subscriptions'] * 1000:.0f} ms"
        " each),"
        f" writing the pending rows {s['_record_chosen']:.1f} s,"
        f" loading batches {s['_to_send']:.1f} s,"
        f" sending and recording outcomes {s['_send_batch']:.1f} s"
        f" ({steps.calls['_send_batch']} batches of up to {fanout.BATCH_SIZE})"
    )
    say(
        f"  fan-out rate / encryption rate = {rate / encrypted:.3f}"
        " (how near the whole fan-out comes to pywebpush's bare encryption speed)"
    )
    say(
        f"  peak RSS of this process during deliver(): {peak} (before: {rss_before});"
        f" the stand-in's process: {seen['peak_rss_mib']:.0f} MB"
    )
    database = f"{database_used:.1f}" if database_used is not None else "n/a"
    say(
        f"  note: the stand-in is a separate process on this same machine"
        f" ({os.cpu_count()} CPUs): it parses each request, checks its VAPID signature and"
        f" decrypts it (RFC 8291), sharing the cores with the fan-out and PostgreSQL."
        f" CPU seconds over the {wall:.1f} s: this process {cpu_used:.1f},"
        f" the stand-in {seen['cpu_s']:.1f} (including making the keys),"
        f" PostgreSQL {database}. A real push service's work happens elsewhere; its network"
        " latency does not happen here."
    )


def rss_mib() -> str:
    try:
        found = re.search(r"VmRSS:\s+(\d+) kB", Path("/proc/self/status").read_text())
    except OSError:
        return "n/a"
    return f"{int(found.group(1)) / 1024:.0f} MB" if found else "n/a"


def postgres_cpu_seconds() -> float | None:
    """CPU time of the PostgreSQL backends serving the bench database (None if the server
    is not on this machine, or its processes cannot be read)."""
    ticks, total, found = os.sysconf("SC_CLK_TCK"), 0.0, False
    marker = f" {DATABASE} ".encode()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            title = (entry / "cmdline").read_bytes()
            if not title.startswith(b"postgres:") or marker not in title:
                continue
            fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += (int(fields[11]) + int(fields[12])) / ticks  # utime, stime
        found = True
    return total if found else None


def run() -> None:
    """Create the throwaway database, measure, drop it."""
    load1, load5, _ = os.getloadavg()
    say(
        f"alerts bench: database {DATABASE} (made and dropped here); machine: {os.cpu_count()}"
        f" CPUs, load average {load1:.1f} (1 min), {load5:.1f} (5 min)"
    )
    from bench import database_url, recreate_database  # bench.py imports this module

    url = database_url(DATABASE)
    recreate_database(url, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="townhub-bench-") as instance:
            # Secrets (a VAPID key pair) for this run only; the development ones stay put.
            previous = os.environ.get("TOWNHUB_INSTANCE")
            os.environ["TOWNHUB_INSTANCE"] = instance
            try:
                app = create_app(
                    "development",
                    {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)},
                )
            finally:
                if previous is None:
                    del os.environ["TOWNHUB_INSTANCE"]
                else:
                    os.environ["TOWNHUB_INSTANCE"] = previous
            with app.app_context():
                try:
                    logging.disable(logging.INFO)  # Alembic's line per migration
                    flask_migrate.upgrade()
                    logging.disable(logging.NOTSET)
                    from townhub.demo.seed import seed

                    seed(weeks=1)
                    matching()
                    fan_out(app)
                finally:
                    db.session.remove()
                    db.engine.dispose()
    finally:
        recreate_database(url, create=False)


if __name__ == "__main__":
    run()
