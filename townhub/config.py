"""Settings from environment variables, one class per environment.

Development and tests generate their secrets once into the instance folder; production
refuses to start without real ones, so a default secret can never reach a live site.
"""

from __future__ import annotations

import json
import os
import secrets
import socket
from collections.abc import Callable
from pathlib import Path
from typing import Any, ClassVar

from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid01, b64urlencode

DEFAULT_DATABASE_URL = "postgresql+psycopg://townhub:townhub@127.0.0.1:5432/townhub"
DEFAULT_TEST_DATABASE_URL = "postgresql+psycopg://townhub:townhub@127.0.0.1:5432/townhub_test"


class ConfigurationError(RuntimeError):
    """The app cannot start safely with these settings."""


# Settings taken from environment variables when the app is created: name -> variable.
FROM_ENVIRONMENT = {
    "SQLALCHEMY_DATABASE_URI": "DATABASE_URL",
    "MQTT_URL": "MQTT_URL",
    "MQTT_TOPICS": "MQTT_TOPICS",
    "MQTT_SHARE_GROUP": "MQTT_SHARE_GROUP",
    "MQTT_CLIENT_ID": "MQTT_CLIENT_ID",
    "MQTT_USERNAME": "MQTT_USERNAME",
    "MQTT_PASSWORD": "MQTT_PASSWORD",
    "MQTT_CA_FILE": "MQTT_CA_FILE",
    "MQTT_PROTOCOL": "MQTT_PROTOCOL",
    "SENSOR_WEBHOOK_SECRET": "SENSOR_WEBHOOK_SECRET",
    "VAPID_CONTACT": "VAPID_CONTACT",
    "TILE_URL": "TILE_URL",
    "TILE_ATTRIBUTION": "TILE_ATTRIBUTION",
    "PUSH_CONCURRENCY": "PUSH_CONCURRENCY",
    "PUSH_SERVICE_HOSTS": "PUSH_SERVICE_HOSTS",
    "PUSH_TIMEOUT_SECONDS": "PUSH_TIMEOUT_SECONDS",
    "ALERT_DIGEST_HOUR": "ALERT_DIGEST_HOUR",
    "STREET_MANAGER_SECRET": "STREET_MANAGER_SECRET",
    "RATELIMIT_STORAGE_URI": "RATELIMIT_STORAGE_URI",
    "PROXY_COUNT": "PROXY_COUNT",
    "DEMOGRAPHICS_MIN_COUNT": "DEMOGRAPHICS_MIN_COUNT",
    "COUNCIL_NAME": "COUNCIL_NAME",
    "API_RATE_LIMIT": "API_RATE_LIMIT",
    "SITE_URL": "SITE_URL",
    "SMTP_URL": "SMTP_URL",
    "MAIL_FROM": "MAIL_FROM",
}


class BaseConfig:
    ENV_NAME = "base"
    SQLALCHEMY_DATABASE_URI = DEFAULT_DATABASE_URL
    # No JIT: Townhub's queries are short, and PostgreSQL's JIT compiles any query whose
    # cost estimate is high (a correlated subquery is enough), adding about 250 ms to
    # matching an alert against 100,000 subscriptions (bench/alerts.py).
    SQLALCHEMY_ENGINE_OPTIONS: ClassVar[dict[str, Any]] = {
        "pool_pre_ping": True,
        "pool_size": 5,
        "connect_args": {"options": "-c jit=off"},
    }
    MQTT_URL = "mqtt://127.0.0.1:1883"
    # The Things Stack v3 uplinks, and ChirpStack (v4 and v3) uplinks and status events (the
    # battery level); "+" matches every application and device.
    MQTT_TOPICS = (
        "v3/+/devices/+/up,application/+/device/+/event/up,application/+/device/+/event/status"
    )
    # Several workers split one stream through an MQTT shared subscription.
    MQTT_SHARE_GROUP = "townhub"
    # Must differ between worker processes: a broker drops a client when another connects
    # with the same id. Stable across restarts so the persistent session is picked up.
    MQTT_CLIENT_ID = f"townhub-worker-{socket.gethostname()}"
    # How long the broker keeps this worker's session (and queues its QoS 1 messages)
    # while it is away, e.g. during an upgrade.
    MQTT_SESSION_EXPIRY_SECONDS = 3600
    # Instead of user:password in MQTT_URL (The Things Stack: "<app>@<tenant>" and an API
    # key). mqtts:// turns on TLS, checked against the system's CAs or MQTT_CA_FILE.
    MQTT_USERNAME = ""
    MQTT_PASSWORD = ""
    MQTT_CA_FILE = ""
    # "5", or "3.1.1" for a broker that only speaks that (The Things Stack's MQTT server).
    MQTT_PROTOCOL = "5"
    # The shared secret network servers send in the X-Townhub-Secret header to
    # /sensors/webhooks/tts and /chirpstack. Empty: the webhooks are off.
    SENSOR_WEBHOOK_SECRET = ""
    VAPID_CONTACT = "mailto:townhub@localhost.invalid"
    # The site's address as residents and staff reach it, for links in e-mails.
    SITE_URL = "http://localhost:8000"
    # The council's mail server for e-mails to staff (a sensor gone silent):
    # smtp://user:password@host:587 (STARTTLS) or smtps://user:password@host:465. Empty:
    # e-mails are written to the worker's log instead of sent.
    SMTP_URL = ""
    MAIL_FROM = "Townhub <townhub@localhost.invalid>"
    # A tile server for the maps, e.g. "https://tiles.example.org/{z}/{x}/{y}.png". Empty: the
    # maps draw their markers and lines on a plain background, and the lists say the same.
    TILE_URL = ""
    TILE_ATTRIBUTION = ""
    BABEL_DEFAULT_LOCALE = "en"
    BABEL_DEFAULT_TIMEZONE = "Europe/London"
    LANGUAGES = ("en", "cy", "ur")
    SESSION_COOKIE_HTTPONLY = True
    SESSION_COOKIE_SAMESITE = "Lax"
    REMEMBER_COOKIE_HTTPONLY = True
    # A form left open on a phone all day must still submit: the token lives as long as
    # the session.
    WTF_CSRF_TIME_LIMIT = None
    # Requests are small; the photo upload raises its own limit (MAX_PHOTO_BYTES).
    MAX_CONTENT_LENGTH = 1024 * 1024
    WORKER_HEARTBEAT_SECONDS = 10
    WORKER_STALE_SECONDS = 60
    PUSH_TTL_SECONDS = 24 * 3600
    # Pushes in flight at once, and how long one may take: a hanging push service costs
    # at most this per attempt, and is paused for the run after a few.
    # Hosts (and their subdomains) a subscription's endpoint may point at: the push
    # services of Chrome/Android, Firefox, Edge/Windows and Safari/Apple. Empty: any host.
    PUSH_SERVICE_HOSTS = (
        "fcm.googleapis.com,android.googleapis.com,push.services.mozilla.com,"
        "notify.windows.com,push.apple.com"
    )
    PUSH_CONCURRENCY = 16
    PUSH_TIMEOUT_SECONDS = 10.0
    # London hour of the daily digest for residents who chose one summary a day.
    ALERT_DIGEST_HOUR = 18
    # The shared secret DfT Street Manager's notifications must carry (POST
    # /roadworks/street-manager?secret=...). Empty: that endpoint is off.
    STREET_MANAGER_SECRET = ""
    # k: any breakdown of residents by age band, postcode district or travel mode hides
    # cells of fewer people than this (and enough others that they cannot be worked out).
    DEMOGRAPHICS_MIN_COUNT = 10
    # Who publishes the open data (its licence names them) and runs the sensors.
    COUNCIL_NAME = ""
    # Requests to the open-data API from one address (Flask-Limiter's notation).
    API_RATE_LIMIT = "120 per minute"
    # Where sign-in and report limits are counted. "memory://" counts in each web process
    # (so two gunicorn workers allow twice the limit); "redis://..." or "memcached://..."
    # share the count.
    RATELIMIT_STORAGE_URI = "memory://"
    RATELIMIT_HEADERS_ENABLED = True
    # How many reverse proxies (Caddy) stand in front: their X-Forwarded-For/-Proto/-Host
    # are trusted, so limits count residents, not the proxy. 0 when nothing is in front.
    PROXY_COUNT = 0
    # Photos up to this size are accepted (then re-encoded much smaller).
    MAX_PHOTO_BYTES = 10 * 1024 * 1024
    SECRET_KEY = ""
    VAPID_PRIVATE_PEM = ""
    TESTING = False

    @classmethod
    def read_environment(cls, config: dict[str, Any]) -> None:
        for setting, variable in FROM_ENVIRONMENT.items():
            if variable in os.environ:
                # Numbers stay numbers: the class default says which kind.
                kind: Callable[[str], Any] = type(getattr(cls, setting, ""))
                try:
                    config[setting] = kind(os.environ[variable])
                except ValueError:
                    raise ConfigurationError(
                        f"{variable} must be a {getattr(kind, '__name__', 'value')},"
                        f" not {os.environ[variable]!r}"
                    ) from None

    @classmethod
    def finalise(cls, config: dict[str, Any], instance_path: str) -> None:
        """Fill in secrets; development generates them once, production refuses to start."""
        stored = _load_or_create_secrets(Path(instance_path), create=True)
        config["SECRET_KEY"] = os.environ.get("SECRET_KEY") or stored["SECRET_KEY"]
        config["VAPID_PRIVATE_PEM"] = (
            os.environ.get("VAPID_PRIVATE_KEY") or stored["VAPID_PRIVATE_PEM"]
        )
        _check_vapid_contact(config["VAPID_CONTACT"])
        _check_settings(config)


class DevelopmentConfig(BaseConfig):
    ENV_NAME = "development"


class TestConfig(BaseConfig):
    ENV_NAME = "test"
    TESTING = True
    SQLALCHEMY_DATABASE_URI = DEFAULT_TEST_DATABASE_URL
    MQTT_CLIENT_ID = "townhub-test-worker"
    # Test workers come and go: leave no sessions behind on the broker.
    MQTT_SESSION_EXPIRY_SECONDS = 0

    @classmethod
    def read_environment(cls, config: dict[str, Any]) -> None:
        super().read_environment(config)
        config["SQLALCHEMY_DATABASE_URI"] = os.environ.get(
            "TEST_DATABASE_URL", DEFAULT_TEST_DATABASE_URL
        )

    WTF_CSRF_ENABLED = True


class ProductionConfig(BaseConfig):
    ENV_NAME = "production"
    SESSION_COOKIE_SECURE = True
    REMEMBER_COOKIE_SECURE = True
    PREFERRED_URL_SCHEME = "https"

    @classmethod
    def finalise(cls, config: dict[str, Any], instance_path: str) -> None:
        stored = _load_or_create_secrets(Path(instance_path), create=False)
        secret = os.environ.get("SECRET_KEY") or stored.get("SECRET_KEY", "")
        vapid = os.environ.get("VAPID_PRIVATE_KEY") or stored.get("VAPID_PRIVATE_PEM", "")
        if len(secret) < 32:
            raise ConfigurationError(
                "SECRET_KEY is missing or shorter than 32 characters: set it, or run "
                "'townhub-init-secrets INSTANCE_FOLDER' once on the server."
            )
        if not vapid:
            raise ConfigurationError(
                "VAPID private key is missing: run 'townhub-init-secrets INSTANCE_FOLDER' once."
            )
        if "@localhost" in config["VAPID_CONTACT"]:
            raise ConfigurationError(
                "VAPID_CONTACT must be a real mailto: or https: address that push services "
                "can use to reach the council."
            )
        anonymous = "@" not in config["MQTT_URL"] and not config["MQTT_USERNAME"]
        if anonymous:
            raise ConfigurationError(
                "MQTT_URL has no username and password: production brokers must not allow "
                "anonymous access (mqtt://user:password@host:1883)."
            )
        if 0 < len(config["SENSOR_WEBHOOK_SECRET"]) < 32:
            raise ConfigurationError(
                "SENSOR_WEBHOOK_SECRET is shorter than 32 characters: make a long random one,"
                " or leave it empty to keep the sensor webhooks off."
            )
        if 0 < len(config["STREET_MANAGER_SECRET"]) < 32:
            raise ConfigurationError(
                "STREET_MANAGER_SECRET is shorter than 32 characters: make a long random one"
                " (python -c 'import secrets; print(secrets.token_urlsafe(32))'), or leave it"
                " empty to keep the Street Manager endpoint off."
            )
        if config["SMTP_URL"] and not config["SITE_URL"].startswith("https://"):
            raise ConfigurationError(
                f"SITE_URL must be the site's https:// address (e-mails link to it), not"
                f" {config['SITE_URL']!r}."
            )
        if config["SMTP_URL"] and "@localhost" in config["MAIL_FROM"]:
            raise ConfigurationError(
                "MAIL_FROM must be an address on the council's own domain that its mail"
                " server may send from, e.g. 'Townhub <townhub@example.gov.uk>'."
            )
        config["SECRET_KEY"] = secret
        config["VAPID_PRIVATE_PEM"] = vapid
        _check_vapid_contact(config["VAPID_CONTACT"])
        _check_settings(config)


CONFIGS: dict[str, type[BaseConfig]] = {
    "development": DevelopmentConfig,
    "test": TestConfig,
    "production": ProductionConfig,
}


def _check_vapid_contact(contact: str) -> None:
    # Apple's push service rejects a VAPID "sub" that is not mailto: or https:.
    if not (contact.startswith("mailto:") and "@" in contact) and not contact.startswith(
        "https://"
    ):
        raise ConfigurationError(
            f"VAPID_CONTACT {contact!r} must be a mailto: address or an https: URL."
        )


def _check_settings(config: dict[str, Any]) -> None:
    """Mail and broker settings that cannot work, in any environment."""
    from townhub.common.mail import MailSettingsError, check_settings

    if config["DEMOGRAPHICS_MIN_COUNT"] < 2:
        raise ConfigurationError(
            "DEMOGRAPHICS_MIN_COUNT must be 2 or more (10 is usual): a smaller one would"
            f" publish single residents' answers, not {config['DEMOGRAPHICS_MIN_COUNT']!r}."
        )
    if config["MQTT_PROTOCOL"] not in ("5", "3.1.1"):
        raise ConfigurationError(
            f"MQTT_PROTOCOL must be 5 or 3.1.1, not {config['MQTT_PROTOCOL']!r}."
        )

    try:
        check_settings(config["SMTP_URL"], config["MAIL_FROM"])
    except MailSettingsError as error:
        raise ConfigurationError(str(error)) from None


SECRETS_FILE = "secrets.json"


def _load_or_create_secrets(instance: Path, *, create: bool) -> dict[str, str]:
    """Read instance/secrets.json; create it once (mode 0600) when allowed and absent."""
    path = instance / SECRETS_FILE
    if path.exists():
        stored: dict[str, str] = json.loads(path.read_text())
        return stored
    if not create:
        return {}
    return write_new_secrets(instance)


def write_new_secrets(instance: Path) -> dict[str, str]:
    """Generate a secret key and a VAPID key pair into instance/secrets.json, never overwriting."""
    path = instance / SECRETS_FILE
    if path.exists():
        existing: dict[str, str] = json.loads(path.read_text())
        return existing
    instance.mkdir(parents=True, exist_ok=True)
    vapid = Vapid01()
    vapid.generate_keys()
    pem = vapid.private_pem().decode()
    values = {"SECRET_KEY": secrets.token_urlsafe(48), "VAPID_PRIVATE_PEM": pem}
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(values, handle, indent=2)
    return values


def vapid_public_key(private_pem: str) -> str:
    """The applicationServerKey a browser needs: the uncompressed P-256 point, base64url."""
    vapid = Vapid01.from_pem(private_pem.encode())
    raw = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    return str(b64urlencode(raw))
