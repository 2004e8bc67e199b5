"""Sending an item to every matching phone: one PostGIS query picks them, a delivery row
records each before it is sent, a bounded pool sends, and every answer has its outcome.

Crash safety: a delivery is written as `pending` (and committed) before its push goes
out. A worker that dies mid-batch leaves its job queued and those rows pending; the next
run sends them again with the same Web Push `Topic`, which a push service uses to replace
a message it has not yet delivered (RFC 8030 section 5.4), and the same notification tag,
which replaces one already shown. No phone shows an alert twice.
"""

from __future__ import annotations

import logging
import threading
from concurrent.futures import ALL_COMPLETED, FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any
from urllib.parse import urlsplit

import requests
from flask import current_app
from sqlalchemy import (
    ColumnElement,
    and_,
    case,
    delete,
    exists,
    func,
    not_,
    or_,
    select,
    update,
)
from sqlalchemy.dialects.postgresql import distinct_on, insert
from sqlalchemy.orm import aliased

from townhub.alerts import items, push
from townhub.alerts.models import BNG, PushDelivery, PushSubscription
from townhub.common import geo
from townhub.common.days import at_london
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.service import enqueue, handles

log = logging.getLogger(__name__)

BATCH_SIZE = 500
# Phones chosen per matching query: each query re-checks every remaining match, so few
# large picks cost far less than many small ones (bench/alerts.py).
MATCH_SIZE = 5000
MAX_ATTEMPTS = 6
RETRY_BASE = timedelta(seconds=30)
LONGEST_RETRY_AFTER = timedelta(hours=1)
# After this many unreachable or failing answers from one push service in a run, the rest
# of its pushes wait for a retry instead of each waiting for its own timeout.
PAUSE_ORIGIN_AFTER = 5
MAX_RADIUS_M = 2000
COUNTED_TODAY = ("pending", "retrying", "sent")
# The PostgreSQL advisory lock held while phones are chosen for an item ("push" in ASCII).
CHOOSING_LOCK = 0x70757368


@dataclass(frozen=True)
class Outcome:
    status: str  # sent, retrying, failed, removed
    http_status: int | None
    detail: str
    next_attempt_at: datetime | None = None


def in_quiet_hours(sub: Any, now: datetime) -> ColumnElement[bool]:
    """True where the phone's quiet hours (London time, possibly past midnight) cover now."""
    clock = now.astimezone(LONDON).time()
    return and_(
        sub.quiet_from.is_not(None),
        case(
            (
                sub.quiet_from <= sub.quiet_until,
                and_(sub.quiet_from <= clock, clock < sub.quiet_until),
            ),
            else_=or_(sub.quiet_from <= clock, clock < sub.quiet_until),
        ),
    )


def matching_subscriptions(
    item: items.AlertItem, now: datetime, limit: int = BATCH_SIZE
) -> list[PushSubscription]:
    """One query: phones whose area meets the item's geofence, that chose its topic, are
    not in quiet hours and under today's cap (digest phones collect regardless), and have
    not had this item. One row per phone even when several of its hubs match."""
    sub = PushSubscription
    same_phone = aliased(PushSubscription)
    already = exists().where(
        PushDelivery.item_kind == item.delivery_kind,
        PushDelivery.item_id == item.id,
        PushDelivery.subscription_id == same_phone.id,
        same_phone.endpoint == sub.endpoint,
    )
    phone_today = aliased(PushSubscription)
    used_today = (
        select(func.count(PushDelivery.id))
        .join(phone_today, phone_today.id == PushDelivery.subscription_id)
        .where(
            phone_today.endpoint == sub.endpoint,
            PushDelivery.status.in_(COUNTED_TODAY),
            PushDelivery.at >= at_london(now.astimezone(LONDON).date()),
        )
        .scalar_subquery()
    )
    # The item's geofence in British National Grid, transformed once (an InitPlan), not
    # once per candidate row; and the hubs it touches, found once.
    fence_bng = select(geo.in_grid(item.geofence, BNG)).scalar_subquery()
    hubs_touched = select(Hub.id).where(geo.intersects(Hub.boundary, item.geofence))
    area_meets = or_(
        and_(sub.area_centre.is_(None), sub.hub_id.in_(hubs_touched)),
        and_(
            sub.area_bng.is_not(None),
            # The constant distance lets the GiST index find candidates; the row's own
            # radius then decides.
            func.ST_DWithin(sub.area_bng, fence_bng, MAX_RADIUS_M),
            func.ST_DWithin(sub.area_bng, fence_bng, sub.area_radius_m),
        ),
    )
    # One row per phone: DISTINCT ON over the narrow (endpoint, id) pairs, then the rows.
    chosen = (
        select(sub.id)
        .where(
            sub.topics.contains([item.topic]),
            area_meets,
            or_(sub.digest, not_(in_quiet_hours(sub, now))),
            or_(sub.digest, used_today < sub.daily_cap),
            ~already,
        )
        .ext(distinct_on(sub.endpoint))
        .order_by(sub.endpoint, sub.id)
        .limit(limit)
    )
    return list(db.session.scalars(select(sub).where(sub.id.in_(chosen)).order_by(sub.id)))


def _record_chosen(item: items.AlertItem, phones: list[PushSubscription]) -> None:
    """Write a delivery for each chosen phone before anything is sent. Commits."""
    now = utcnow()
    db.session.execute(
        insert(PushDelivery)
        .values(
            [
                {
                    "hub_id": item.hub.id,
                    "subscription_id": phone.id,
                    "item_kind": item.delivery_kind,
                    "item_id": item.id,
                    "status": "digest" if phone.digest else "pending",
                    "attempts": 0,
                    "detail": "",
                    "at": now,
                }
                for phone in phones
            ]
        )
        .on_conflict_do_nothing(constraint="uq_push_deliveries_once")
    )
    db.session.commit()


def _to_send(item: items.AlertItem, now: datetime) -> list[tuple[PushDelivery, PushSubscription]]:
    """Deliveries of this item waiting to go: pending (new, or left by a crash) and
    retries that are due. Locked until the batch's outcomes are committed, and those
    another worker has locked are skipped: two jobs for one item (an offer approved twice)
    never send one delivery twice."""
    rows = db.session.execute(
        select(PushDelivery, PushSubscription)
        .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
        .where(
            PushDelivery.item_kind == item.delivery_kind,
            PushDelivery.item_id == item.id,
            or_(
                PushDelivery.status == "pending",
                and_(PushDelivery.status == "retrying", PushDelivery.next_attempt_at <= now),
            ),
        )
        .order_by(PushDelivery.id)
        .limit(BATCH_SIZE)
        .with_for_update(of=PushDelivery, skip_locked=True)
    )
    return [(delivery, phone) for delivery, phone in rows]


def _retry_after(header: str | None, now: datetime) -> timedelta:
    if header:
        try:
            wait = timedelta(seconds=max(0, int(header)))
        except ValueError:
            try:
                wait = parsedate_to_datetime(header) - now
            except (TypeError, ValueError):
                wait = RETRY_BASE
        return min(max(wait, timedelta(seconds=1)), LONGEST_RETRY_AFTER)
    return RETRY_BASE


def outcome_of(result: push.PushResult, attempts: int, now: datetime) -> Outcome:
    """What an answer means: sent, removed, retried later, or failed for good."""
    status = result.status
    if status is not None and 200 <= status < 300:
        return Outcome("sent", status, "")
    if status in {404, 410}:
        return Outcome("removed", status, result.detail)
    retryable = status is None or status == 429 or status >= 500
    if not retryable:
        # 400, 401, 403, 413 and the like: sending again would get the same answer.
        log.warning("push refused with %s: %s", status, result.detail)
        return Outcome("failed", status, result.detail)
    if attempts >= MAX_ATTEMPTS:
        return Outcome("failed", status, f"gave up after {attempts} attempts: {result.detail}")
    if status == 429:
        wait = _retry_after(result.retry_after, now)
    else:
        wait = RETRY_BASE * 2 ** (attempts - 1)
    return Outcome("retrying", status, result.detail, now + wait)


class Sender:
    """A bounded pool of concurrent pushes, one HTTP session per thread."""

    def __init__(self, concurrency: int) -> None:
        self.concurrency = concurrency
        self.pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="push")
        self.local = threading.local()
        config = current_app.config
        self.vapid = {
            "private_pem": config["VAPID_PRIVATE_PEM"],
            "contact": config["VAPID_CONTACT"],
            "ttl": config["PUSH_TTL_SECONDS"],
            "timeout": config["PUSH_TIMEOUT_SECONDS"],
        }

    def _session(self) -> requests.Session:
        if not hasattr(self.local, "session"):
            self.local.session = requests.Session()
        session: requests.Session = self.local.session
        return session

    def send(self, phone: PushSubscription, payload: bytes, urgency: str, topic: str) -> Any:
        endpoint, p256dh, auth = phone.endpoint, phone.p256dh, phone.auth
        return self.pool.submit(
            lambda: push.send(
                endpoint=endpoint,
                p256dh=p256dh,
                auth=auth,
                payload=payload,
                urgency=urgency,
                topic=topic,
                session=self._session(),
                **self.vapid,
            )
        )

    def close(self) -> None:
        self.pool.shutdown(wait=True)


def _payload(item: items.AlertItem, phone: PushSubscription, cache: dict[str, Any]) -> bytes:
    message = cache.get(phone.language)
    if message is None:
        message = cache[phone.language] = item.message(phone.language)
    return push.encode_payload({**message, "tag": item.tag, "manage": f"/alerts/{phone.token}"})


def _send_batch(
    item: items.AlertItem,
    batch: list[tuple[PushDelivery, PushSubscription]],
    sender: Sender,
    paused: dict[str, int],
    messages: dict[str, Any],
) -> None:
    """Send a batch, as many at once as the pool allows, and record every outcome.

    A sliding window: a new push starts as soon as one finishes, so one slow answer does
    not hold up the others, and no more are started than the pool runs at once, so a push
    service that stops answering is noticed (and paused) after a few, not after the whole
    batch has queued for it. Commits.
    """
    now = utcnow()
    gone: set[str] = set()
    in_flight: dict[Future[push.PushResult], tuple[PushDelivery, PushSubscription, str]] = {}

    def record(delivery: PushDelivery, phone: PushSubscription, result: push.PushResult) -> None:
        outcome = outcome_of(result, delivery.attempts, now)
        delivery.status = outcome.status
        delivery.http_status = outcome.http_status
        delivery.detail = outcome.detail[:500]
        delivery.next_attempt_at = outcome.next_attempt_at
        delivery.at = now
        if outcome.status == "removed":
            gone.add(phone.endpoint)

    def collect(return_when: str) -> None:
        done, _ = wait(in_flight, return_when=return_when)
        for future in done:
            delivery, phone, origin = in_flight.pop(future)
            result = future.result()
            if result.status is None or result.status >= 500:
                paused[origin] = paused.get(origin, 0) + 1
            record(delivery, phone, result)

    for delivery, phone in batch:
        origin = urlsplit(phone.endpoint).netloc
        delivery.attempts += 1
        if paused.get(origin, 0) >= PAUSE_ORIGIN_AFTER:
            record(delivery, phone, push.PushResult(None, f"{origin} is not answering; not tried"))
            continue
        payload = _payload(item, phone, messages)
        in_flight[sender.send(phone, payload, item.urgency, item.tag)] = (delivery, phone, origin)
        if len(in_flight) >= sender.concurrency:
            collect(FIRST_COMPLETED)
    if in_flight:
        collect(ALL_COMPLETED)
    if gone:
        # The browser has gone away: forget every hub's row for it, and its areas.
        db.session.flush()
        db.session.execute(delete(PushSubscription).where(PushSubscription.endpoint.in_(gone)))
    db.session.commit()


def deliver(item: items.AlertItem) -> datetime | None:
    """Send the item to every matching phone; the time the next retry is due, if any."""
    now = utcnow()
    sender = Sender(current_app.config["PUSH_CONCURRENCY"])
    paused: dict[str, int] = {}
    messages: dict[str, Any] = {}
    try:
        while True:
            batch = _to_send(item, now)
            if not batch:
                # One worker chooses at a time (until _record_chosen commits), so phones
                # another worker has just chosen for another item count against their cap.
                db.session.execute(select(func.pg_advisory_xact_lock(CHOOSING_LOCK)))
                phones = matching_subscriptions(item, now, limit=MATCH_SIZE)
                if not phones:
                    db.session.commit()  # lets the lock go
                    break
                _record_chosen(item, phones)
                batch = _to_send(item, now)
                if not batch:
                    continue  # all of them collect for a digest
            _send_batch(item, batch, sender, paused, messages)
    finally:
        sender.close()
    next_due: datetime | None = db.session.scalar(
        select(func.min(PushDelivery.next_attempt_at)).where(
            PushDelivery.item_kind == item.delivery_kind,
            PushDelivery.item_id == item.id,
            PushDelivery.status == "retrying",
        )
    )
    return next_due


@handles("push_item")
def push_item(payload: dict[str, Any]) -> None:
    """Job: alert matching phones about an offer, event or roadwork; queue its retries."""
    item = items.load(payload["kind"], payload["id"], bool(payload.get("reminder")))
    if item is None:
        # Withdrawn or over: nobody wants it now, including those waiting for a retry.
        db.session.execute(
            update(PushDelivery)
            .where(
                PushDelivery.item_kind.in_([payload["kind"], f"{payload['kind']}_reminder"]),
                PushDelivery.item_id == payload["id"],
                PushDelivery.status.in_(("pending", "retrying")),
            )
            .values(status="failed", detail="the item ended before it could be sent")
        )
        db.session.commit()
        return
    next_due = deliver(item)
    if next_due is not None:
        enqueue("push_item", payload, run_at=next_due)
        db.session.commit()


@handles("push_offer")
def push_offer(payload: dict[str, Any]) -> None:
    """Job queued before alerts covered events and roadworks: the same as an offer item."""
    push_item({"kind": "offer", "id": payload["offer_id"]})
