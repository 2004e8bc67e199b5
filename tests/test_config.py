"""Secrets are made once in development; production refuses to start without real ones."""

from __future__ import annotations

import json
import threading
from pathlib import Path

import pytest

from townhub import create_app
from townhub.config import ConfigurationError
from townhub.keys import main as init_secrets


def test_development_generates_secrets_once_and_keeps_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TOWNHUB_INSTANCE", str(tmp_path))

    first = create_app("development")
    second = create_app("development")

    stored = json.loads((tmp_path / "secrets.json").read_text())
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"] == stored["SECRET_KEY"]
    assert len(stored["SECRET_KEY"]) >= 32
    assert "BEGIN PRIVATE KEY" in first.config["VAPID_PRIVATE_PEM"]
    assert (tmp_path / "secrets.json").stat().st_mode & 0o777 == 0o600


def _production_env(monkeypatch: pytest.MonkeyPatch, instance: Path) -> None:
    monkeypatch.setenv("TOWNHUB_INSTANCE", str(instance))
    monkeypatch.setenv("VAPID_CONTACT", "mailto:streets@croydon.example.gov.uk")
    monkeypatch.setenv("MQTT_URL", "mqtt://townhub:s3cret@127.0.0.1:1883")
    monkeypatch.delenv("SECRET_KEY", raising=False)
    monkeypatch.delenv("VAPID_PRIVATE_KEY", raising=False)


def test_production_refuses_to_start_without_secrets(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production_env(monkeypatch, tmp_path)

    with pytest.raises(ConfigurationError, match="SECRET_KEY"):
        create_app("production")
    assert not (tmp_path / "secrets.json").exists()  # production never makes its own


def test_production_starts_once_secrets_are_initialised(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _production_env(monkeypatch, tmp_path)
    assert init_secrets([str(tmp_path)]) == 0

    app = create_app("production")

    assert app.config["SESSION_COOKIE_SECURE"] is True


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("VAPID_CONTACT", "townhub@croydon.example", "mailto"),
        ("VAPID_CONTACT", "mailto:townhub@localhost.invalid", "real mailto"),
        ("MQTT_URL", "mqtt://127.0.0.1:1883", "anonymous"),
        ("SECRET_KEY", "short", "SECRET_KEY"),
    ],
)
def test_production_refuses_unsafe_settings(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    _production_env(monkeypatch, tmp_path)
    init_secrets([str(tmp_path)])
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError, match=message):
        create_app("production")


@pytest.mark.parametrize(
    ("settings", "message"),
    [
        ({"SMTP_URL": "http://mail.example.gov.uk"}, "SMTP_URL must look like"),
        ({"SMTP_URL": "smtp://mail.example.gov.uk:submission"}, "port that is not a number"),
        ({"SMTP_URL": "smtp://", "MAIL_FROM": "x@example.gov.uk"}, "SMTP_URL must look like"),
        ({"MAIL_FROM": "Townhub"}, "MAIL_FROM must be an e-mail address"),
        ({"MAIL_FROM": "townhub@localhost.invalid"}, "council's own domain"),
        ({"SITE_URL": "http://townhub.example.gov.uk"}, "SITE_URL must be the site's https"),
    ],
)
def test_production_refuses_mail_settings_it_cannot_use(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, settings: dict[str, str], message: str
) -> None:
    _production_env(monkeypatch, tmp_path)
    init_secrets([str(tmp_path)])
    monkeypatch.setenv("SITE_URL", "https://townhub.example.gov.uk")
    monkeypatch.setenv("SMTP_URL", "smtp://townhub:pw@mail.example.gov.uk:587")
    monkeypatch.setenv("MAIL_FROM", "Townhub <townhub@example.gov.uk>")
    assert create_app("production").config["SMTP_URL"]  # the good settings start
    for variable, value in settings.items():
        monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError, match=message):
        create_app("production")


@pytest.mark.parametrize(
    ("variable", "value", "message"),
    [
        ("MQTT_PROTOCOL", "4", "MQTT_PROTOCOL must be 5 or 3.1.1, not '4'"),
        ("SMTP_URL", "mail.example.gov.uk", "SMTP_URL must look like"),
        ("MAIL_FROM", "nobody", "MAIL_FROM must be an e-mail address"),
    ],
)
def test_any_environment_refuses_broker_and_mail_settings_that_cannot_work(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, variable: str, value: str, message: str
) -> None:
    monkeypatch.setenv("TOWNHUB_INSTANCE", str(tmp_path))
    monkeypatch.setenv("SMTP_URL", "smtp://127.0.0.1:2525")
    monkeypatch.setenv(variable, value)

    with pytest.raises(ConfigurationError, match=message):
        create_app("development")


def test_creating_the_web_app_starts_no_background_threads(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The MQTT listener runs only in the worker process, so however many web workers run,
    # none of them consumes uplinks.
    monkeypatch.setenv("TOWNHUB_INSTANCE", str(tmp_path))
    before = set(threading.enumerate())

    create_app("development")

    # Flask-Limiter's in-memory store sweeps expired counts on a one-shot 10 ms timer:
    # let such timers end; anything still running is a real background thread.
    for thread in set(threading.enumerate()) - before:
        if isinstance(thread, threading.Timer):
            thread.join(timeout=1)
    assert set(threading.enumerate()) == before
