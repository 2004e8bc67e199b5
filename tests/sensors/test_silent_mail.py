"""A sensor gone silent is e-mailed to its hub's managers, once, and again when it is
heard, through a real SMTP server on 127.0.0.1; a mail server that is down or unsafe
delays the message and never loses or repeats it."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from tests.factories import PASSWORD, make_business, make_hub, make_silent_sensor, make_user
from tests.support.forms import sign_in
from tests.support.mail_server import MailServerStandIn
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.jobs.models import Job
from townhub.jobs.service import run_next_job
from townhub.sensors.models import Sensor
from townhub.sensors.register import check_silent_sensors
from townhub.sensors.service import Message, ingest_batch

# The worker claims jobs on a connection of its own, so these tests commit for real.
pytestmark = pytest.mark.live

REGISTER = "http://townhub.example.gov.uk/manage/hubs/south-norwood/sensors"


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


@pytest.fixture
def mail_server(app: Flask, monkeypatch: pytest.MonkeyPatch) -> Iterator[MailServerStandIn]:
    server = MailServerStandIn().start()
    monkeypatch.setitem(app.config, "SMTP_URL", server.url())
    monkeypatch.setitem(app.config, "SITE_URL", "http://townhub.example.gov.uk")
    monkeypatch.setitem(app.config, "MAIL_FROM", "Townhub <townhub@croydon.example.gov.uk>")
    yield server
    server.stop()


def _uplink(sensor: Sensor, f_cnt: int) -> Message:
    body = {
        "end_device_ids": {"device_id": sensor.device_id},
        "received_at": utcnow().isoformat(),
        "correlation_ids": [f"as:up:{f_cnt}"],
        "uplink_message": {"f_cnt": f_cnt, "decoded_payload": {"pax": 4}},
    }
    return Message("tts", "test", json.dumps(body).encode())


def _run_jobs() -> None:
    while run_next_job():
        pass


def test_managers_of_the_hub_are_mailed_once_when_it_goes_silent_and_when_it_is_heard(
    hub: Hub, mail_server: MailServerStandIn
) -> None:
    sensor = make_silent_sensor(hub=hub)
    ada = make_user(role="hub_manager", hubs=[hub], email="ada@croydon.example.gov.uk")
    ben = make_user(role="hub_manager", hubs=[hub, make_hub()], email="ben@example.org")
    make_user(role="hub_manager", hubs=[make_hub()], email="other-hub@example.org")
    make_user(role="council_admin", email="council@example.org")
    make_user(role="owner", businesses=[make_business(hub=hub)], email="shop@example.org")

    check_silent_sensors({})
    check_silent_sensors({})  # still silent: nobody is told twice
    _run_jobs()

    assert sorted(mail_server.recipients) == [[ada.email], [ben.email]]
    mail = mail_server.messages[0]
    assert mail["Subject"] == "South Norwood: the sensor “Clock tower” has gone silent"
    assert mail["From"] == "Townhub <townhub@croydon.example.gov.uk>"
    assert mail["Auto-Submitted"] == "auto-generated"
    text = mail.get_content()
    assert sensor.device_id in text and "usually sends every 10 minutes" in text
    assert REGISTER in text
    assert "because you manage South Norwood" in text

    ingest_batch([_uplink(sensor, 9)])
    ingest_batch([_uplink(sensor, 10)])  # heard again only once
    _run_jobs()

    assert len(mail_server.messages) == 4
    again = [m for m in mail_server.messages if "heard again" in m["Subject"]]
    assert sorted(str(m["To"]) for m in again) == [ada.email, ben.email]
    assert REGISTER in again[0].get_content()
    assert sensor.silent_since is None


def test_a_mail_server_that_is_busy_delays_the_mail_and_sends_it_once_later(
    hub: Hub, mail_server: MailServerStandIn
) -> None:
    make_silent_sensor(hub=hub)
    make_user(role="hub_manager", hubs=[hub], email="ada@example.org")
    make_user(role="hub_manager", hubs=[hub], email="ben@example.org")
    mail_server.refuse_with = "451 4.3.0 Mailbox busy, try again later"

    check_silent_sensors({})
    _run_jobs()

    jobs = db.session.scalars(select(Job).where(Job.kind == "send_mail")).all()
    assert [(job.status, job.attempts) for job in jobs] == [("queued", 1), ("queued", 1)]
    assert all("451" in job.last_error for job in jobs)
    assert mail_server.messages == []

    mail_server.refuse_with = None
    for job in jobs:
        job.run_at = utcnow()  # the backoff is over
    db.session.commit()
    _run_jobs()

    assert sorted(mail_server.recipients) == [["ada@example.org"], ["ben@example.org"]]
    assert {job.status for job in jobs} == {"done"}


def test_a_password_goes_to_a_local_relay_but_never_in_the_clear_elsewhere(
    app: Flask, hub: Hub, monkeypatch: pytest.MonkeyPatch
) -> None:
    local = MailServerStandIn(user=("townhub", "s3cret")).start()
    # 127.0.0.2 is this machine too, but Townhub cannot know that from the name alone.
    elsewhere = MailServerStandIn(host="127.0.0.2", user=("townhub", "s3cret")).start()
    try:
        make_silent_sensor(hub=hub)
        make_user(role="hub_manager", hubs=[hub], email="ada@example.org")

        monkeypatch.setitem(app.config, "SMTP_URL", local.url("townhub:s3cret"))
        check_silent_sensors({})
        _run_jobs()
        assert local.logins == ["townhub"] and local.recipients == [["ada@example.org"]]

        monkeypatch.setitem(app.config, "SMTP_URL", elsewhere.url("townhub:s3cret"))
        db.session.execute(Sensor.__table__.update().values(silent_since=None))
        db.session.commit()
        check_silent_sensors({})
        _run_jobs()
        job = db.session.scalars(select(Job).order_by(Job.id.desc())).first()
        assert job is not None and job.status == "queued"
        assert "does not offer STARTTLS" in job.last_error
        assert elsewhere.logins == [] and elsewhere.messages == []
    finally:
        local.stop()
        elsewhere.stop()


def test_without_a_mail_server_the_mail_is_logged_and_the_register_says_so(
    app: Flask,
    client: FlaskClient,
    hub: Hub,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    monkeypatch.setitem(app.config, "SMTP_URL", "")
    make_silent_sensor(hub=hub)
    manager = make_user(role="hub_manager", hubs=[hub])

    with caplog.at_level(logging.INFO, logger="townhub.common.mail"):
        check_silent_sensors({})
        _run_jobs()

    assert "has gone silent" in caplog.text and manager.email in caplog.text
    job = db.session.scalars(select(Job).where(Job.kind == "send_mail")).one()
    assert job.status == "done"
    sign_in(client, manager.email, PASSWORD)
    page = client.get("/manage/hubs/south-norwood/sensors").get_data(as_text=True)
    assert "has not given it a mail server (SMTP_URL)" in page


def test_the_register_says_managers_are_mailed_when_a_mail_server_is_set(
    client: FlaskClient, hub: Hub, mail_server: MailServerStandIn
) -> None:
    manager = make_user(role="hub_manager", hubs=[hub])
    sign_in(client, manager.email, PASSWORD)

    page = client.get("/manage/hubs/south-norwood/sensors").get_data(as_text=True)

    assert "Townhub e-mails this hub's managers" in page
