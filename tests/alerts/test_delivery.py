"""Fan-out against the strict push-service stand-in: every answer's outcome, retries,
choices that hold a push back, a hanging service, and a worker killed mid-fan-out."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from datetime import timedelta
from typing import Any

import pytest
from flask import Flask
from flask_babel import force_locale, gettext
from sqlalchemy import select, update

from tests.conftest import TEST_DATABASE_URL
from tests.factories import CLOCK_TOWER, make_business, make_hub, make_offer, make_roadwork
from tests.support.push_service import PushServiceStandIn, SubscriberKeys
from townhub.alerts import fanout
from townhub.alerts.models import PushDelivery, PushSubscription
from townhub.alerts.service import subscribe
from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.jobs.models import Job
from townhub.jobs.service import enqueue, run_next_job

pytestmark = pytest.mark.live
UP_THE_HILL = (CLOCK_TOWER[0], CLOCK_TOWER[1] + 0.0135)  # about 1.5 km north


@pytest.fixture
def push_service() -> Iterator[PushServiceStandIn]:
    with PushServiceStandIn() as service:
        yield service


def _phone(service: PushServiceStandIn, **choices: Any) -> str:
    """Subscribe a new phone to South Norwood; its endpoint token at the stand-in."""
    browser = service.subscription(SubscriberKeys.generate())
    subscribe({**browser, "hub": "south-norwood", "topics": ["offers"], **choices})
    return str(browser["endpoint"]).rsplit("/", 1)[1]


def _offer() -> int:
    hub = make_hub(slug="south-norwood")
    offer = make_offer(business=make_business(hub=hub, name="Clocktower Coffee"), radius_m=400)
    db.session.commit()
    return offer.id


def _queue(offer_id: int) -> None:
    enqueue("push_item", {"kind": "offer", "id": offer_id})
    db.session.commit()


def _run_due_jobs() -> None:
    while run_next_job():
        pass
    db.session.remove()


def _deliveries() -> dict[str, PushDelivery]:
    rows = db.session.execute(
        select(PushDelivery, PushSubscription.endpoint).outerjoin(PushSubscription)
    ).all()
    return {(endpoint or "").rsplit("/", 1)[-1]: delivery for delivery, endpoint in rows}


def _make_everything_due() -> None:
    past = utcnow() - timedelta(seconds=1)
    db.session.execute(
        update(PushDelivery).where(PushDelivery.status == "retrying").values(next_attempt_at=past)
    )
    db.session.execute(update(Job).where(Job.status == "queued").values(run_at=past))
    db.session.commit()


def test_each_answer_of_the_push_service_has_its_outcome(push_service: PushServiceStandIn) -> None:
    offer_id = _offer()
    answers = {201: None, 404: None, 410: None, 429: {"Retry-After": "120"}, 503: None}
    answers |= {400: None, 401: None, 403: None, 413: None}
    tokens = {status: _phone(push_service) for status in answers}
    for status, headers in answers.items():
        if status != 201:
            push_service.respond_with(tokens[status], status, headers)
    _queue(offer_id)

    before = utcnow()
    _run_due_jobs()

    by_token = _deliveries()
    outcome = {status: by_token.get(tokens[status]) for status in answers}
    assert outcome[201] is not None and outcome[201].status == "sent"
    removed = db.session.scalars(select(PushDelivery).where(PushDelivery.status == "removed"))
    assert sorted(d.http_status for d in removed) == [404, 410]
    remaining = {
        row.endpoint.rsplit("/", 1)[1] for row in db.session.scalars(select(PushSubscription))
    }
    assert tokens[404] not in remaining and tokens[410] not in remaining  # areas deleted too
    busy, down = outcome[429], outcome[503]
    assert busy is not None and busy.status == "retrying" and busy.next_attempt_at is not None
    assert timedelta(seconds=115) < busy.next_attempt_at - before < timedelta(seconds=130)
    assert down is not None and down.status == "retrying" and down.next_attempt_at is not None
    assert timedelta(seconds=25) < down.next_attempt_at - before < timedelta(seconds=40)
    for status in (400, 401, 403, 413):
        refused = outcome[status]
        assert refused is not None and (refused.status, refused.http_status, refused.attempts) == (
            "failed",
            status,
            1,
        )
    retry_job = db.session.scalars(select(Job).where(Job.status == "queued")).one()
    assert retry_job.run_at == down.next_attempt_at  # the earliest retry

    _make_everything_due()
    _run_due_jobs()

    by_token = _deliveries()
    assert by_token[tokens[429]].status == by_token[tokens[503]].status == "sent"
    assert by_token[tokens[503]].attempts == 2
    assert by_token[tokens[400]].attempts == 1  # never retried
    assert db.session.scalars(select(Job).where(Job.status == "queued")).all() == []
    # Each phone's browser holds exactly one copy.
    assert all(len(push_service.inbox(tokens[s])) == 1 for s in (201, 429, 503))


def test_a_failing_push_service_is_given_up_after_the_last_attempt(
    push_service: PushServiceStandIn,
) -> None:
    offer_id = _offer()
    token = _phone(push_service)
    for _ in range(fanout.MAX_ATTEMPTS):
        push_service.respond_with(token, 500)
    _queue(offer_id)

    for _ in range(fanout.MAX_ATTEMPTS):
        _run_due_jobs()
        _make_everything_due()

    delivery = _deliveries()[token]
    assert (delivery.status, delivery.attempts) == ("failed", fanout.MAX_ATTEMPTS)
    assert "gave up" in delivery.detail
    assert push_service.inbox(token) == []


def test_quiet_hours_the_daily_cap_topics_and_the_area_hold_pushes_back(
    push_service: PushServiceStandIn,
) -> None:
    offer_id = _offer()
    clock = utcnow().astimezone(LONDON)
    quiet = {
        "from": (clock - timedelta(hours=1)).strftime("%H:%M"),
        "until": (clock + timedelta(hours=1)).strftime("%H:%M"),
    }
    awake = {
        "from": (clock + timedelta(hours=1)).strftime("%H:%M"),
        "until": (clock + timedelta(hours=2)).strftime("%H:%M"),
    }
    gets_it = _phone(push_service, quiet_hours=awake)
    sleeping = _phone(push_service, quiet_hours=quiet)
    events_only = _phone(push_service, topics=["events"])
    far_away = _phone(
        push_service,
        area={"type": "circle", "lon": UP_THE_HILL[0], "lat": UP_THE_HILL[1], "radius_m": 200},
    )
    capped = _phone(push_service, daily_cap=1)
    digest = _phone(push_service, digest=True)
    earlier = make_offer(business=make_business(hub=make_hub(slug="elsewhere")), title="Earlier")
    db.session.commit()
    capped_row = db.session.scalars(
        select(PushSubscription).where(PushSubscription.endpoint.endswith(capped))
    ).one()
    db.session.add(
        PushDelivery(
            hub_id=capped_row.hub_id,
            subscription_id=capped_row.id,
            item_kind="offer",
            item_id=earlier.id,
            status="sent",
        )
    )
    db.session.commit()
    _queue(offer_id)

    _run_due_jobs()

    received = {p.endpoint_token for p in push_service.received}
    assert received == {gets_it}
    for token in (sleeping, events_only, far_away, capped, digest):
        assert push_service.inbox(token) == [], token
    assert _deliveries()[digest].status == "digest"  # kept for the evening summary


def test_the_message_is_in_the_residents_language(push_service: PushServiceStandIn) -> None:
    hub = make_hub(slug="south-norwood")
    roadwork_id = make_roadwork(hub=hub, street="Station Road").id
    db.session.commit()
    welsh = _phone(push_service, topics=["travel"], language="cy")
    english = _phone(push_service, topics=["travel"])
    enqueue("push_item", {"kind": "roadwork", "id": roadwork_id})
    db.session.commit()

    _run_due_jobs()

    (cy,), (en,) = push_service.inbox(welsh), push_service.inbox(english)
    assert en.json()["title"] == "Roadworks: Station Road"
    with force_locale("cy"):
        expected = gettext("Roadworks: %(street)s", street="Station Road")
    assert cy.json()["title"] == expected != "Roadworks: Station Road"
    assert cy.headers["Urgency"] == "high" and cy.headers["Topic"] == f"roadwork-{roadwork_id}"
    assert (
        cy.json()["manage"].startswith("/alerts/") and cy.json()["url"] == "/south-norwood/travel"
    )


def test_a_hanging_push_service_cannot_stall_the_worker(
    push_service: PushServiceStandIn, app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "PUSH_TIMEOUT_SECONDS", 0.5)
    monkeypatch.setitem(app.config, "PUSH_CONCURRENCY", 4)
    offer_id = _offer()
    with PushServiceStandIn() as healthy:
        stuck = [_phone(push_service) for _ in range(12)]
        fine = [_phone(healthy) for _ in range(3)]
        push_service.hang.set()
        _queue(offer_id)

        started = time.monotonic()
        _run_due_jobs()
        took = time.monotonic() - started

        assert {p.endpoint_token for p in healthy.received} == set(fine)
    deliveries = _deliveries()
    assert {deliveries[t].status for t in stuck} == {"retrying"}
    tried = [t for t in stuck if "not tried" not in deliveries[t].detail]
    # Paused after PAUSE_ORIGIN_AFTER timeouts: the rest wait for their retry untried.
    assert len(tried) < len(stuck)
    # 12 pushes at 0.5 s each, 4 at a time, would be 1.5 s; pausing keeps it well under
    # a stalled worker's many seconds.
    assert took < 10


def test_killing_the_worker_mid_fan_out_delivers_each_message_once(
    push_service: PushServiceStandIn, tmp_path: Any
) -> None:
    offer_id = _offer()
    phones = [_phone(push_service) for _ in range(24)]
    push_service.delay = 0.3
    _queue(offer_id)
    env = {
        **os.environ,
        "TOWNHUB_ENV": "test",
        "DATABASE_URL": TEST_DATABASE_URL,
        "TEST_DATABASE_URL": TEST_DATABASE_URL,
        "PUSH_CONCURRENCY": "2",
    }
    command = [sys.executable, "-m", "flask", "--app", "app", "worker", "--no-mqtt"]

    first = subprocess.Popen(command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        push_service.wait_for(4, timeout=30)
    finally:
        first.send_signal(signal.SIGKILL)
        first.wait(timeout=10)
    sent_before = len(push_service.received)
    assert sent_before < len(phones), "the worker finished before it could be killed"

    push_service.delay = 0.0
    second = subprocess.Popen(
        command, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            db.session.remove()
            job = db.session.scalars(select(Job)).first()
            if job is not None and job.status == "done":
                break
            time.sleep(0.2)
    finally:
        second.terminate()
        second.wait(timeout=10)

    db.session.remove()
    assert {d.status for d in _deliveries().values()} == {"sent"}
    for token in phones:
        assert len(push_service.inbox(token)) == 1, token
