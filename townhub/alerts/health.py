"""Delivery health per hub, for its managers: how many phones follow it and what became of
the alerts sent to them. Counts only: no endpoint, area or phone is shown."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import distinct, func, select

from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub

PERIODS = (("today", timedelta(days=1)), ("week", timedelta(days=7)), ("month", timedelta(days=30)))
# What each delivery status counts as on the page.
COLUMNS = {
    "sent": ("sent", "digested"),
    "queued": ("pending", "retrying", "digest"),
    "failed": ("failed",),
    "removed": ("removed",),
}


@dataclass(frozen=True)
class Failure:
    http_status: int | None
    detail: str
    count: int


@dataclass(frozen=True)
class DeliveryHealth:
    phones: int
    phones_by_topic: dict[str, int]
    counts: dict[str, dict[str, int]]  # period -> column -> deliveries
    failures: list[Failure]  # the commonest reasons in the last 7 days


def delivery_health(hub: Hub, now: datetime | None = None) -> DeliveryHealth:
    now = now or utcnow()
    phones = db.session.scalar(
        select(func.count(distinct(PushSubscription.endpoint))).where(
            PushSubscription.hub_id == hub.id
        )
    )
    topic = func.unnest(PushSubscription.topics).label("topic")
    topics = select(topic).where(PushSubscription.hub_id == hub.id).subquery()
    by_topic: dict[str, int] = dict(
        db.session.execute(select(topics.c.topic, func.count()).group_by(topics.c.topic)).all()
    )
    counts: dict[str, dict[str, int]] = {}
    for period, length in PERIODS:
        rows = dict(
            db.session.execute(
                select(PushDelivery.status, func.count())
                .where(PushDelivery.hub_id == hub.id, PushDelivery.at >= now - length)
                .group_by(PushDelivery.status)
            ).all()
        )
        counts[period] = {
            column: sum(rows.get(status, 0) for status in statuses)
            for column, statuses in COLUMNS.items()
        }
    failures = [
        Failure(http_status, detail, count)
        for http_status, detail, count in db.session.execute(
            select(PushDelivery.http_status, PushDelivery.detail, func.count())
            .where(
                PushDelivery.hub_id == hub.id,
                PushDelivery.status.in_(("failed", "removed", "retrying")),
                PushDelivery.at >= now - timedelta(days=7),
            )
            .group_by(PushDelivery.http_status, PushDelivery.detail)
            .order_by(func.count().desc())
            .limit(10)
        )
    ]
    return DeliveryHealth(int(phones or 0), by_topic, counts, failures)
