"""Uplinks shaped like The Things Stack v3 sends them, for demos and load tests."""

from __future__ import annotations

import base64
import secrets
from datetime import datetime
from typing import Any
from urllib.parse import unquote, urlsplit

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

TTS_TOPIC = "v3/{application}@{tenant}/devices/{device}/up"
# Crockford base32, as in the ULIDs The Things Stack puts in its correlation ids.
_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


def _ulid() -> str:
    return "".join(secrets.choice(_ULID_ALPHABET) for _ in range(26))


def tts_uplink(
    *,
    device_id: str,
    dev_eui: str | None,
    people: int,
    f_cnt: int,
    at: datetime,
    application: str = "townhub-footfall",
) -> dict[str, Any]:
    """A Paxcounter uplink (port 1: Wi-Fi and BLE counts, little-endian) as TTS v3 JSON."""
    wifi, ble = people // 2, people - people // 2
    raw = wifi.to_bytes(2, "little") + ble.to_bytes(2, "little")
    stamp = at.strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    ids: dict[str, Any] = {
        "device_id": device_id,
        "application_ids": {"application_id": application},
    }
    if dev_eui:
        ids["dev_eui"] = dev_eui
    message: dict[str, Any] = {
        "end_device_ids": ids,
        "correlation_ids": [f"as:up:{_ulid()}"],
        "received_at": stamp,
        "uplink_message": {
            "f_port": 1,
            "frm_payload": base64.b64encode(raw).decode(),
            "decoded_payload": {"pax": people, "wifi": wifi, "ble": ble},
            "received_at": stamp,
        },
    }
    if f_cnt:  # The Things Stack leaves zero values out
        message["uplink_message"]["f_cnt"] = f_cnt
    return message


def publish(broker_url: str, topic: str, payloads: list[bytes]) -> None:
    """Publish messages with QoS 1 to the broker named by an mqtt:// or mqtts:// URL,
    waiting until the broker has acknowledged each one."""
    url = urlsplit(broker_url)
    client = mqtt.Client(CallbackAPIVersion.VERSION2, client_id=f"townhub-simulate-{_ulid()}")
    if url.username:
        client.username_pw_set(unquote(url.username), unquote(url.password or ""))
    if url.scheme == "mqtts":
        client.tls_set()
    client.connect(
        url.hostname or "127.0.0.1", url.port or (8883 if url.scheme == "mqtts" else 1883)
    )
    client.loop_start()
    try:
        for payload in payloads:
            client.publish(topic, payload, qos=1).wait_for_publish(timeout=10)
    finally:
        client.disconnect()
        client.loop_stop()
