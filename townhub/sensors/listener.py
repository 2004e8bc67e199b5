"""The MQTT listener: a paho-mqtt 2.x client run inside the worker process, never in web.

It subscribes through an MQTT shared subscription ($share/<group>/<topic>), so several
workers split the stream instead of each counting every message, with QoS 1 and a
persistent session so messages published while it was away are delivered when it returns.
"""

from __future__ import annotations

import logging
import threading
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from townhub.extensions import db
from townhub.sensors.service import ingest_uplink, network_for_topic, quarantine

log = logging.getLogger(__name__)


class Listener:
    """Owns one paho client; `connected` is read by the worker's heartbeat."""

    def __init__(self, app: Flask, client_id: str) -> None:
        self.app = app
        self.connected = threading.Event()
        self.topics = [t.strip() for t in app.config["MQTT_TOPICS"].split(",") if t.strip()]
        group = app.config["MQTT_SHARE_GROUP"]
        self.subscriptions = [f"$share/{group}/{t}" if group else t for t in self.topics]
        url = urlsplit(app.config["MQTT_URL"])
        self.host = url.hostname or "127.0.0.1"
        self.port = url.port or (8883 if url.scheme == "mqtts" else 1883)
        self.client = mqtt.Client(
            CallbackAPIVersion.VERSION2,
            client_id=client_id,
            protocol=mqtt.MQTTv5,
            manual_ack=True,
        )
        self.stopping = threading.Event()
        if url.username:
            self.client.username_pw_set(unquote(url.username), unquote(url.password or ""))
        if url.scheme == "mqtts":
            self.client.tls_set()
        self.client.reconnect_delay_set(min_delay=1, max_delay=60)
        self.client.on_connect = self._on_connect
        self.client.on_disconnect = self._on_disconnect
        self.client.on_message = self._on_message

    def start(self) -> None:
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]
        properties.SessionExpiryInterval = int(self.app.config["MQTT_SESSION_EXPIRY_SECONDS"])
        self.client.connect_async(
            self.host, self.port, keepalive=30, clean_start=False, properties=properties
        )
        self.client.loop_start()

    def stop(self) -> None:
        self.stopping.set()
        self.client.disconnect()
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
        client.subscribe([(topic, 1) for topic in self.subscriptions])
        self.connected.set()
        log.info(
            "MQTT connected to %s:%s, subscribed to %s",
            self.host,
            self.port,
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
        log.warning("MQTT disconnected (%s); paho reconnects with backoff", reason)

    def _on_message(self, client: mqtt.Client, userdata: object, message: mqtt.MQTTMessage) -> None:
        # Acknowledged only once the count or its quarantine row is committed: while the
        # database is down this waits (and the broker keeps the message), so nothing is
        # acknowledged and lost.
        source, payload = f"mqtt:{message.topic}", bytes(message.payload)
        delay = 1.0
        while not self.stopping.is_set():
            if self._store(source, message.topic, payload):
                client.ack(message.mid, message.qos)
                return
            self.stopping.wait(delay)
            delay = min(delay * 2, 30.0)

    def _store(self, source: str, topic: str, payload: bytes) -> bool:
        with self.app.app_context():
            try:
                ingest_uplink(network_for_topic(topic), source, payload)
                return True
            except Exception as error:
                log.exception("could not ingest message on %s", topic)
                db.session.rollback()
                try:
                    quarantine(source, f"could not be stored: {error}", payload)
                    return True
                except Exception:
                    log.exception("could not quarantine it either; will retry")
                    db.session.rollback()
                    return False
