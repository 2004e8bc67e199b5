"""The daily digest: phones that chose one summary a day collect their alerts as `digest`
deliveries during the day (see fanout), and get one notification about them in the
evening, or when their quiet hours end.

An item collected before the latest digest time (ALERT_DIGEST_HOUR, London) is due; a
phone in quiet hours then waits for the next hourly run after them. The notification
opens /alerts/<token>/latest, which lists what it summarised.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, time, timedelta
from typing import Any

from babel.lists import format_list
from flask import current_app
from flask_babel import force_locale, get_locale, gettext, ngettext
from sqlalchemy import delete, not_, select, update
from sqlalchemy.dialects.postgresql import distinct_on

from townhub.alerts import push
from townhub.alerts.fanout import BATCH_SIZE, Sender, in_quiet_hours, outcome_of
from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.common.days import at_london
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.jobs.service import every

log = logging.getLogger(__name__)

TOPIC_OF_KIND = {
    "offer": "offers",
    "event": "events",
    "roadwork": "travel",
    "roadwork_reminder": "travel",
    "notice": "notices",
}


def latest_digest_time(now: datetime) -> datetime:
    """The most recent ALERT_DIGEST_HOUR in London at or before `now`."""
    local = now.astimezone(LONDON)
    hour = current_app.config["ALERT_DIGEST_HOUR"]
    moment = at_london(local.date(), time(hour))
    if moment > local:
        moment = at_london(local.date() - timedelta(days=1), time(hour))
    return moment


def phones_due(now: datetime, limit: int = BATCH_SIZE) -> list[PushSubscription]:
    """One row per phone with collected items due for a summary, not in quiet hours."""
    sub = PushSubscription
    query = (
        select(sub)
        .join(PushDelivery, PushDelivery.subscription_id == sub.id)
        .where(
            PushDelivery.status == "digest",
            PushDelivery.at < latest_digest_time(now),
            not_(in_quiet_hours(sub, now)),
        )
        .ext(distinct_on(sub.endpoint))
        .order_by(sub.endpoint, sub.id)
        .limit(limit)
    )
    return list(db.session.scalars(query))


def _collected(endpoint: str) -> list[PushDelivery]:
    """Everything this phone (all its hubs) has collected and not yet had summarised."""
    return list(
        db.session.scalars(
            select(PushDelivery)
            .join(PushSubscription, PushSubscription.id == PushDelivery.subscription_id)
            .where(PushSubscription.endpoint == endpoint, PushDelivery.status == "digest")
            .order_by(PushDelivery.id)
        )
    )


def summary(counts: Counter[str], language: str) -> dict[str, str]:
    """The digest notification's words, in the resident's language."""
    with force_locale(language):
        parts = []
        if counts["offers"]:
            parts.append(ngettext("%(num)d offer", "%(num)d offers", counts["offers"]))
        if counts["events"]:
            parts.append(ngettext("%(num)d event", "%(num)d events", counts["events"]))
        if counts["travel"]:
            parts.append(
                ngettext("%(num)d roadworks update", "%(num)d roadworks updates", counts["travel"])
            )
        if counts["notices"]:
            parts.append(ngettext("%(num)d notice", "%(num)d notices", counts["notices"]))
        return {
            "title": gettext("Today on your high streets"),
            "body": gettext(
                "New near you: %(list)s.", list=format_list(parts, locale=str(get_locale()))
            ),
            "manage_label": gettext("Change or stop alerts"),
        }


def send_digest(phone: PushSubscription, sender: Sender, now: datetime) -> Any:
    """Start sending one phone's summary; (deliveries, future result) or None if empty."""
    collected = _collected(phone.endpoint)
    if not collected:
        return None
    counts = Counter(TOPIC_OF_KIND.get(d.item_kind, "notices") for d in collected)
    day = now.astimezone(LONDON).date().isoformat()
    payload = push.encode_payload(
        {
            **summary(counts, phone.language),
            "url": f"/alerts/{phone.token}/latest",
            "tag": f"digest-{day}",
            "manage": f"/alerts/{phone.token}",
        }
    )
    return collected, sender.send(phone, payload, "low", f"digest-{day}")


@every("send_digests", timedelta(hours=1))
def send_digests(payload: dict[str, Any]) -> None:
    """Job, hourly: send every due phone its summary and record the outcome. A summary
    that could not be sent stays collected and is tried again next hour."""
    now = utcnow()
    sender = Sender(current_app.config["PUSH_CONCURRENCY"])
    tried: set[str] = set()
    try:
        while phones := [p for p in phones_due(now) if p.endpoint not in tried]:
            started = []
            for phone in phones:
                tried.add(phone.endpoint)
                sending = send_digest(phone, sender, now)
                if sending:
                    started.append((phone, *sending))
            for phone, collected, pending in started:
                _record(phone, collected, pending.result(), now)
            db.session.commit()
    finally:
        sender.close()


def _record(
    phone: PushSubscription, collected: list[PushDelivery], result: push.PushResult, now: datetime
) -> None:
    outcome = outcome_of(result, 1, now)
    ids = [d.id for d in collected]
    if outcome.status == "sent":
        db.session.execute(
            update(PushDelivery).where(PushDelivery.id.in_(ids)).values(status="digested", at=now)
        )
    elif outcome.status == "removed":
        db.session.execute(
            update(PushDelivery)
            .where(PushDelivery.id.in_(ids))
            .values(status="removed", http_status=outcome.http_status, detail=outcome.detail)
        )
        db.session.execute(
            delete(PushSubscription).where(PushSubscription.endpoint == phone.endpoint)
        )
    elif outcome.status == "failed":
        # Refused for good (400, 403, 413...): sending again would get the same answer.
        db.session.execute(
            update(PushDelivery)
            .where(PushDelivery.id.in_(ids))
            .values(status="failed", http_status=outcome.http_status, detail=outcome.detail[:500])
        )
    else:
        log.info("digest for a phone not sent (%s); trying next hour", outcome.detail)
