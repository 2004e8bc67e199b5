"""The MQTT listener: a paho-mqtt 2.x client run inside the worker process, never in web.

It subscribes through an MQTT shared subscription ($share/<group>/<topic>), so several
workers split the stream instead of each counting every message, with QoS 1 and a
persistent session so messages published while it was away are delivered when it returns.

paho's thread only queues what arrives; a writer thread stores it in batches (one
transaction for up to BATCH_MAX messages) and acknowledges each message only after its
count or quarantine row is committed. While the database is away the writer waits and
retries the same batch; once RECEIVE_MAXIMUM messages wait, paho's thread waits too and
the broker holds the rest, so nothing acknowledged is ever lost and memory stays bounded.
(A wait longer than the keepalive makes the broker drop the connection; it sends the
unacknowledged messages again on the next, and repeats count once.)
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from sqlalchemy import text

from townhub.extensions import db
from townhub.sensors.service import (
    Message,
    ingest_batch,
    network_for_topic,
    quarantine,
    record_status,
)

log = logging.getLogger(__name__)

BATCH_MAX = 500
# How long the writer lets a batch fill once the first message is in.
BATCH_WAIT_SECONDS = 0.05
# Messages the broker may send before we acknowledge any (MQTT 5 Receive Maximum).
RECEIVE_MAXIMUM = 1000
RETRY_FIRST_SECONDS = 0.5
RETRY_MAX_SECONDS = 30.0


@dataclass(frozen=True)
class Received:
    mid: int
    qos: int
    topic: str
    payload: bytes
    # Which connection it came on: a packet id means nothing on a later connection.
    connection: int


def broker_settings(config: Mapping[str, Any]) -> tuple[str, int, str | None, str | None, bool]:
    """Host, port, username, password and TLS from MQTT_URL, MQTT_USERNAME, MQTT_PASSWORD."""
    url = urlsplit(config["MQTT_URL"])
    tls = url.scheme in ("mqtts", "ssl")
    username = config.get("MQTT_USERNAME") or (unquote(url.username) if url.username else None)
    password = config.get("MQTT_PASSWORD") or (unquote(url.password) if url.password else None)
    return url.hostname or "127.0.0.1", url.port or (8883 if tls else 1883), username, password, tls


def configure(client: mqtt.Client, config: Mapping[str, Any]) -> tuple[str, int]:
    """Credentials and TLS on a client, as the configuration says; the host and port."""
    host, port, username, password, tls = broker_settings(config)
    if username:
        # The Things Stack: the username is "<app>@<tenant>" and the password an API key.
        client.username_pw_set(username, password or "")
    if tls:
        client.tls_set(ca_certs=config.get("MQTT_CA_FILE") or None)
    return host, port


class Listener:
    """Owns one paho client and its writer; `connected` is read by the worker's heartbeat."""

    def __init__(self, app: Flask, client_id: str) -> None:
        self.app = app
        self.connected = threading.Event()
        self.disconnected = threading.Event()
        self.stopping = threading.Event()
        self.topics = [t.strip() for t in app.config["MQTT_TOPICS"].split(",") if t.strip()]
        group = app.config["MQTT_SHARE_GROUP"]
        self.subscriptions = [f"$share/{group}/{t}" if group else t for t in self.topics]
        # MQTT 5 by default; 3.1.1 for brokers without it (The Things Stack's), where a
        # persistent session is asked for with clean_session=False instead of an expiry.
        self.v5 = app.config["MQTT_PROTOCOL"] != "3.1.1"
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5 if self.v5 else mqtt.MQTTv311,
            clean_session=None if self.v5 else False,
            manual_ack=True,
        )
        self.host, self.port = configure(self.client, app.config)
        self.client.reconnect_delay_set(min_delay=1, max_delay=60)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message
        self.pending: list[Received] = []
        self.arrived = threading.Condition()
        self.connection = 0
        self.writer = threading.Thread(target=self._write, name="mqtt-writer", daemon=True)

    def start(self) -> None:
        if self.v5:
            properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
            properties.SessionExpiryInterval = int(self.app.config["MQTT_SESSION_EXPIRY_SECONDS"])
            properties.ReceiveMaximum = RECEIVE_MAXIMUM
            self.client.connect_async(
                self.host, self.port, keepalive=30, clean_start=False, properties=properties
            )
        else:
            self.client.connect_async(self.host, self.port, keepalive=30)
        self.client.loop_start()
        self.writer.start()

    def stop(self) -> None:
        """Store what has arrived (one try), then leave; the broker keeps the rest."""
        self.stopping.set()
        with self.arrived:
            self.arrived.notify_all()
        self.writer.join(timeout=30)
        self.client.disconnect()
        # Let paho send the DISCONNECT (and the last acknowledgements) before its loop ends.
        self.disconnected.wait(timeout=2)
        self.client.loop_stop()
        self.connected.clear()

    def _on_connect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: object,
        properties: object,
    ) -> None:
        if getattr(reason, "is_failure", False):
            log.error("MQTT connection refused: %s", reason)
            return
        with self.arrived:
            self.connection += 1
        client.subscribe([(topic, 1) for topic in self.subscriptions])
        self.disconnected.clear()
        self.connected.set()
        log.info(
            "MQTT connected to %s:%s (session kept: %s), subscribed to %s",
            self.host,
            self.port,
            getattr(flags, "session_present", "?"),
            ", ".join(self.subscriptions),
        )

    def _on_disconnect(
        self,
        client: mqtt.Client,
        userdata: object,
        flags: object,
        reason: object,
        properties: object,
    ) -> None:
        self.connected.clear()
        self.disconnected.set()
        with self.arrived:
            # Packet ids of this connection mean nothing on the next: acknowledge none.
            self.connection += 1
        if not self.stopping.is_set():
            log.warning("MQTT disconnected (%s); paho reconnects with backoff", reason)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        if self.stopping.is_set():
            return  # not acknowledged: the broker sends it again to the next session
        received = Received(
            message.mid, message.qos, message.topic, bytes(message.payload), self.connection
        )
        with self.arrived:
            # Mosquitto 2.0.11 sends past our Receive Maximum once acknowledgements flow
            # (its issue 2301): hold paho's thread instead, so the broker keeps the backlog
            # and memory stays bounded while the database is away.
            while len(self.pending) >= RECEIVE_MAXIMUM and not self.stopping.is_set():
                self.arrived.wait(timeout=1)
            self.pending.append(received)
            self.arrived.notify_all()

    def _write(self) -> None:
        while True:
            batch = self._next_batch()
            if not batch:
                if self.stopping.is_set():
                    return
                continue
            self._store_until_done(batch)
            with self.arrived:
                connection = self.connection
            for item in batch:
                # A message from an earlier connection is redelivered on this one (the
                # session was kept) and will be acknowledged then, as a duplicate.
                if item.qos and item.connection == connection:
                    self.client.ack(item.mid, item.qos)

    def _next_batch(self) -> list[Received]:
        with self.arrived:
            if not self.pending and not self.stopping.is_set():
                self.arrived.wait(timeout=0.5)
            if self.pending and len(self.pending) < BATCH_MAX and not self.stopping.is_set():
                self.arrived.wait(timeout=BATCH_WAIT_SECONDS)
            batch, self.pending = self.pending[:BATCH_MAX], self.pending[BATCH_MAX:]
            self.arrived.notify_all()  # room again for paho's thread, if it waits
        return batch

    def _store_until_done(self, batch: list[Received]) -> None:
        delay = RETRY_FIRST_SECONDS
        while not self._store(batch):
            if self.stopping.is_set():
                return  # not acknowledged: the broker delivers them again next time
            log.warning(
                "database unavailable: %s messages wait, retrying in %ss", len(batch), delay
            )
            self.stopping.wait(delay)
            delay = min(delay * 2, RETRY_MAX_SECONDS)

    def _store(self, batch: list[Received]) -> bool:
        # ChirpStack status events (a battery level, about daily) are few: one at a time.
        statuses = [m for m in batch if m.topic.endswith("/event/status")]
        messages = [
            Message(network_for_topic(m.topic), f"mqtt:{m.topic}", m.payload)
            for m in batch
            if not m.topic.endswith("/event/status")
        ]
        with self.app.app_context():
            try:
                for status in statuses:
                    record_status(f"mqtt:{status.topic}", status.payload)
                ingest_batch(messages)
                return True
            except Exception:
                log.exception("could not store a batch of %s messages", len(batch))
                db.session.rollback()
            if not database_answers():
                return False
            # The database is there, so something in the batch itself fails: store the
            # messages one by one, and keep any that still fails with the error as reason.
            return all(store_alone(message) for message in messages)


def database_answers() -> bool:
    try:
        db.session.execute(text("SELECT 1"))
        db.session.rollback()
        return True
    except Exception:
        db.session.rollback()
        return False


def store_alone(message: Message) -> bool:
    """Store one message, or quarantine it with the error; False if the database is gone."""
    try:
        ingest_batch([message])
        return True
    except Exception as error:
        log.exception("could not store a message from %s", message.source)
        db.session.rollback()
        try:
            quarantine(message.source, f"could not be stored: {error}", message.raw)
            return True
        except Exception:
            db.session.rollback()
            return False
