"""The daily digest against the push-service stand-in: one summary for the day's collected
alerts, at the digest hour or after quiet hours, in the resident's language, never twice;
and the recurring-job schedule that runs it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from flask_babel import force_locale, ngettext
from sqlalchemy import func, select

from tests.factories import make_business, make_hub, make_offer, make_roadwork
from tests.support.push_service import PushServiceStandIn, SubscriberKeys
from townhub.alerts import digest
from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.alerts.service import subscribe
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.models import Job
from townhub.jobs.service import enqueue, run_next_job, schedule_due

pytestmark = pytest.mark.live


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    with PushServiceStandIn() as service:
        yield service


def _phone(service: PushServiceStandIn, **choices: Any) -> tuple[str, str]:
    """A phone that chose the digest; (its token at the stand-in, its manage token)."""
    browser = service.subscription(SubscriberKeys.generate())
    rows = subscribe(
        {
            **browser,
            "hub": "south-norwood",
            "topics": ["offers", "travel"],
            "digest": True,
            **choices,
        }
    )
    return str(browser["endpoint"]).rsplit("/", 1)[1], rows[0].token


@pytest.fixture
def hub() -> Hub:
    hub = make_hub(slug="south-norwood")
    db.session.commit()
    return hub


def _collect_the_days_alerts(hub: Hub) -> None:
    """Two offers and a roadwork published and fanned out: digest phones collect them."""
    business = make_business(hub=hub)
    items = [
        ("offer", make_offer(business=business, title="Two for one").id),
        ("offer", make_offer(business=business, title="Free refill").id),
        ("roadwork", make_roadwork(hub=hub, street="Station Road").id),
    ]
    db.session.commit()
    for kind, item_id in items:
        enqueue("push_item", {"kind": kind, "id": item_id})
    db.session.commit()
    while run_next_job():
        pass


def _statuses() -> list[str]:
    db.session.expire_all()
    return sorted(db.session.scalars(select(PushDelivery.status)))


def _at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(digest, "utcnow", lambda: moment)


def _tomorrow_at(hour: int) -> datetime:
    day = utcnow().astimezone(LONDON).date() + timedelta(days=1)
    return datetime(day.year, day.month, day.day, hour, 30, tzinfo=LONDON)


def test_one_summary_of_the_days_alerts_at_the_digest_hour(
    push_service: PushServiceStandIn, monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    phone, token = _phone(push_service)
    _collect_the_days_alerts(hub)

    assert push_service.inbox(phone) == [] and _statuses() == ["digest"] * 3

    digest.send_digests({})  # before the digest hour: what came today waits
    assert push_service.inbox(phone) == []

    _at(monkeypatch, _tomorrow_at(18))
    digest.send_digests({})
    digest.send_digests({})  # and never twice

    (summary,) = push_service.inbox(phone)
    message = summary.json()
    assert message["title"] == "Today on your high streets"
    assert message["body"] == "New near you: 2 offers and 1 roadworks update."
    assert message["url"] == f"/alerts/{token}/latest"
    assert message["manage"] == f"/alerts/{token}"
    assert summary.headers["Urgency"] == "low"
    assert len(push_service.received) == 1
    assert _statuses() == ["digested"] * 3


def test_a_phone_in_quiet_hours_gets_its_summary_when_they_end(
    push_service: PushServiceStandIn, monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    phone, _ = _phone(push_service, quiet_hours={"from": "17:00", "until": "09:00"})
    _collect_the_days_alerts(hub)

    _at(monkeypatch, _tomorrow_at(18))
    digest.send_digests({})
    assert push_service.inbox(phone) == []

    _at(monkeypatch, _tomorrow_at(18) + timedelta(hours=15))  # 09:30 the day after
    digest.send_digests({})
    assert len(push_service.inbox(phone)) == 1


def test_the_summary_is_in_the_residents_language(
    push_service: PushServiceStandIn, monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    phone, _ = _phone(push_service, language="cy")
    _collect_the_days_alerts(hub)

    _at(monkeypatch, _tomorrow_at(19))
    digest.send_digests({})

    (summary,) = push_service.inbox(phone)
    with force_locale("cy"):
        offers = ngettext("%(num)d offer", "%(num)d offers", 2)
    assert offers != "2 offers" and offers in summary.json()["body"]


def test_a_phone_gone_from_its_push_service_is_forgotten(
    push_service: PushServiceStandIn, monkeypatch: pytest.MonkeyPatch, hub: Hub
) -> None:
    phone, _ = _phone(push_service)
    kept, _ = _phone(push_service)
    _collect_the_days_alerts(hub)
    push_service.respond_with(phone, 410)

    _at(monkeypatch, _tomorrow_at(18))
    digest.send_digests({})

    assert len(push_service.inbox(kept)) == 1
    remaining = [row.endpoint for row in db.session.scalars(select(PushSubscription))]
    assert len(remaining) == 1 and remaining[0].endswith(kept)
    assert _statuses() == ["digested"] * 3 + ["removed"] * 3


def test_the_latest_page_lists_what_the_summary_was_about(
    push_service: PushServiceStandIn, client: FlaskClient, hub: Hub
) -> None:
    _, token = _phone(push_service)
    _collect_the_days_alerts(hub)

    page = client.get(f"/alerts/{token}/latest").get_data(as_text=True)

    for words in ("Two for one", "Free refill", "Roadworks: Station Road"):
        assert words in page
    assert page.count("In your next daily summary") == 3
    assert client.get("/alerts/not-a-token/latest").status_code == 404


def test_recurring_jobs_are_queued_once_per_slot_whoever_schedules_them() -> None:
    now = datetime(2020, 1, 21, 18, 5, tzinfo=LONDON)

    first = schedule_due(now)
    again = schedule_due(now + timedelta(minutes=2))  # another worker, same slot
    next_hour = schedule_due(now + timedelta(hours=1))

    assert first >= 1 and again == 0 and next_hour == first
    jobs = list(db.session.scalars(select(Job).where(Job.kind == "send_digests")))
    assert sorted(job.run_at for job in jobs) == [
        datetime(2020, 1, 21, 18, tzinfo=LONDON),
        datetime(2020, 1, 21, 19, tzinfo=LONDON),
    ]
    assert run_next_job() and run_next_job()  # the digest job runs as a job
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).where(Job.status == "done")) == 2
