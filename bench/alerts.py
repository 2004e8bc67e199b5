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
from multiprocessing.connection import Connection
from pathlib import Path

import flask_migrate
import pywebpush
import sqlalchemy as sa
from flask import Flask

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # tests.support.push_service: the stand-in the tests use

from townhub import create_app  # noqa: E402
from townhub.alerts import fanout, items, push  # noqa: E402
from townhub.businesses.models import Business  # noqa: E402
from townhub.common.models import utcnow  # noqa: E402
from townhub.config import DEFAULT_DATABASE_URL  # noqa: E402
from townhub.extensions import db  # noqa: E402
from townhub.offers.models import Offer  # noqa: E402

DATABASE = "townhub_bench_alerts"
SUBSCRIPTIONS = 100_000
MATCH_RUNS = 50
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


def database_url() -> sa.URL:
    url = sa.make_url(os.environ.get("DATABASE_URL", DEFAULT_DATABASE_URL))
    return url.set(database=DATABASE)


def recreate_database(url: sa.URL, *, create: bool) -> None:
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


def timed_runs(call: Callable[[], int], runs: int) -> tuple[float, float, int]:
    """Median and p90 in ms over `runs` calls after one warm-up; what the last call found."""
    found = call()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        found = call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), statistics.quantiles(times, n=10)[-1], found


def the_offer() -> tuple[items.AlertItem, Offer]:
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


def matching(item: items.AlertItem, offer: Offer) -> None:
    """Seed 100,000 subscriptions and time one offer's match against them."""
    from tests.support.push_service import SubscriberKeys

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

    def match(limit: int) -> Callable[[], int]:
        def call() -> int:
            found = len(fanout.matching_subscriptions(item, utcnow(), limit))
            db.session.rollback()  # a fresh session each time, as each job run has
            return found

        return call

    reset = reset_peak_memory()
    batch = timed_runs(match(fanout.BATCH_SIZE), MATCH_RUNS)
    every = timed_runs(match(SUBSCRIPTIONS), MATCH_RUNS)
    where = f"{offer.radius_m} m around {offer.business.name}, {offer.hub.name}"
    say(
        f"alert matching, one offer ({where}), median of {MATCH_RUNS} runs:"
        f" first batch of {fanout.BATCH_SIZE} (as deliver() asks) median {batch[0]:.1f} ms,"
        f" p90 {batch[1]:.1f} ms; every match ({every[2]:,} phones) median {every[0]:.1f} ms,"
        f" p90 {every[1]:.1f} ms"
    )
    say(f"  peak RSS of this process while matching: {peak_memory_mib(reset)}")


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


def fan_out(app: Flask, item: items.AlertItem, offer: Offer) -> None:
    """Send the offer to 10,000 phones at the stand-in and time deliver()."""
    db.session.execute(sa.text("TRUNCATE push_deliveries, push_subscriptions RESTART IDENTITY"))
    db.session.commit()
    context = multiprocessing.get_context("spawn")  # nothing of this process's DB state
    ours, theirs = context.Pipe()
    stand_in = context.Process(target=run_stand_in, args=(theirs, FANOUT_PHONES), daemon=True)
    stand_in.start()
    try:
        made_in, browsers = ours.recv()
        endpoints, keys, secrets = (list(column) for column in zip(*browsers, strict=True))
        db.session.execute(sa.text("SELECT setseed(0.42)"))
        db.session.execute(
            sa.text(SEED_FANOUT_PHONES),
            {
                "endpoints": endpoints,
                "p256dh": keys,
                "auth": secrets,
                "business_id": offer.business_id,
            },
        )
        db.session.commit()
        db.session.execute(sa.text("ANALYZE push_subscriptions"))
        db.session.commit()
        matched = len(fanout.matching_subscriptions(item, utcnow(), FANOUT_PHONES * 2))
        db.session.rollback()
        say(
            f"alert fan-out: {FANOUT_PHONES:,} phones at the push-service stand-in, each its"
            f" own P-256 key pair (made in {made_in:.1f} s); {matched:,} match the offer"
        )

        payload = push.encode_payload(
            {**item.message("en"), "tag": item.tag, "manage": "/alerts/" + "x" * 43}
        )
        encrypted = encrypt_rate(endpoints[0], keys[0], secrets[0], payload)
        say(
            f"  pywebpush encryption alone (aes128gcm, {len(payload)}-byte payload,"
            f" one thread): {encrypted:,.0f}/s"
        )

        db.session.remove()
        reset = reset_peak_memory()
        cpu_before = cpu_seconds()
        started = time.perf_counter()
        next_retry = fanout.deliver(item)
        wall = time.perf_counter() - started
        cpu_used = cpu_seconds() - cpu_before
        outcomes = dict(
            db.session.execute(
                sa.text("SELECT status, count(*) FROM push_deliveries GROUP BY status")
            ).all()
        )
        db.session.rollback()
        ours.send("stop")
        seen = ours.recv()
    finally:
        stand_in.join(timeout=10)
        if stand_in.is_alive():
            stand_in.kill()
            stand_in.join()

    sent = outcomes.get("sent", 0)
    rate = sent / wall
    config = app.config
    say(
        f"  deliver(): {sent:,} sent in {wall:.1f} s = {rate:,.0f} pushes/s"
        f" (PUSH_CONCURRENCY {config['PUSH_CONCURRENCY']},"
        f" PUSH_TIMEOUT_SECONDS {config['PUSH_TIMEOUT_SECONDS']:g});"
        f" deliveries {dict(sorted(outcomes.items()))};"
        f" stand-in accepted {seen['accepted']:,}, refused {sum(seen['rejected'].values()):,}"
        + (f", next retry {next_retry:%H:%M:%S}" if next_retry else "")
    )
    for reason, count in sorted(seen["rejected"].items(), key=lambda pair: -pair[1])[:3]:
        say(f"    refused {count:,}x: {reason}")
    say(
        f"  fan-out rate / encryption rate = {rate / encrypted:.2f}"
        " (the share of pywebpush's bare encryption speed the whole fan-out reaches)"
    )
    say(
        f"  peak RSS of this process during deliver(): {peak_memory_mib(reset)};"
        f" the stand-in's own process: {seen['peak_rss_mib']:.0f} MB"
    )
    say(
        f"  note: the stand-in runs in its own process on this same machine"
        f" ({os.cpu_count()} CPUs) and parses, checks VAPID and decrypts (RFC 8291) every"
        f" push: it used {seen['cpu_s']:.1f} CPU-s in all, this process {cpu_used:.1f} CPU-s"
        f" in {wall:.1f} s of fan-out; a real push service's work happens elsewhere,"
        " its network latency does not happen here"
    )


def run() -> None:
    """Create the throwaway database, measure, drop it."""
    url = database_url()
    recreate_database(url, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="townhub-bench-") as instance:
            # Secrets (a VAPID key pair) for this run only; the development ones stay put.
            os.environ["TOWNHUB_INSTANCE"] = instance
            app = create_app(
                "development",
                {"SQLALCHEMY_DATABASE_URI": url.render_as_string(hide_password=False)},
            )
            del os.environ["TOWNHUB_INSTANCE"]
            with app.app_context():
                try:
                    logging.disable(logging.INFO)  # Alembic's line per migration
                    flask_migrate.upgrade()
                    logging.disable(logging.NOTSET)
                    from townhub.demo.seed import seed

                    seed(weeks=1)
                    item, offer = the_offer()
                    matching(item, offer)
                    item, offer = the_offer()
                    fan_out(app, item, offer)
                finally:
                    db.session.remove()
                    db.engine.dispose()
    finally:
        recreate_database(url, create=False)


def main() -> None:
    run()


if __name__ == "__main__":
    main()
