"""Uplinks shaped as The Things Stack v3 and ChirpStack v4 send them, for demos and load.

Each registered sensor gets messages in its own kind's decoded shape (a Paxcounter's pax,
a VS133's line counts, an IMBuildings counter's a and b ...) and its network's JSON, with
a count that follows the street's day, so a demo dashboard looks like a high street.
"""

from __future__ import annotations

import base64
import json
import math
import random
import secrets
import time
import uuid
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion

from townhub.common.formatting import LONDON

TTS_TOPIC = "v3/{application}@{tenant}/devices/{device}/up"
CHIRPSTACK_TOPIC = "application/{application}/device/{dev_eui}/event/up"
CHIRPSTACK_APPLICATION = "9a4f5c1e-2d3b-4e6f-8a7b-1c2d3e4f5a6b"
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
    decoded: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """An uplink as TTS v3 JSON: by default a Paxcounter's (port 1: Wi-Fi and BLE counts,
    little-endian), or the given decoded payload."""
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
            "decoded_payload": decoded or {"pax": people, "wifi": wifi, "ble": ble},
            "rx_metadata": [{"gateway_ids": {"gateway_id": "townhub-gw"}, "rssi": -97, "snr": 7.5}],
            "settings": {"frequency": "868100000"},  # TTS writes frequencies as strings
            "received_at": stamp,
        },
    }
    if f_cnt:  # The Things Stack leaves zero values out
        message["uplink_message"]["f_cnt"] = f_cnt
    return message


def chirpstack_uplink(
    *,
    device_id: str,
    dev_eui: str,
    f_cnt: int,
    at: datetime,
    decoded: dict[str, Any] | None,
    data: bytes = b"",
) -> dict[str, Any]:
    """An uplink as ChirpStack v4 JSON: lower-case EUI, +00:00 offsets, every number a
    double in `object`, and no `object` at all without a codec."""
    message: dict[str, Any] = {
        "deduplicationId": str(uuid.uuid4()),
        "time": at.isoformat(),
        "deviceInfo": {
            "applicationId": CHIRPSTACK_APPLICATION,
            "applicationName": "townhub-footfall",
            "deviceName": device_id,
            "devEui": dev_eui.lower(),
        },
        "fCnt": f_cnt,
        "fPort": 1,
        "data": base64.b64encode(data).decode(),
        "rxInfo": [{"gatewayId": "b827ebfffe6c9a10", "rssi": -101, "snr": 4.25}],
        "txInfo": {"frequency": 868100000},
    }
    if decoded is not None:
        message["object"] = {k: float(v) if isinstance(v, int) else v for k, v in decoded.items()}
    return message


@dataclass
class SimulatedSensor:
    """What the simulator needs to know of a registered sensor, and its running state."""

    device_id: str
    dev_eui: str | None
    network: str
    kind: str
    mapping: dict[str, Any]
    f_cnt: int = 0
    totals: int = 0


def street_level(moment: datetime) -> float:
    """How busy a high street is at a moment, 0 to 1: quiet at night, a midday peak,
    busier on Saturdays."""
    local = moment.astimezone(LONDON)
    hour = local.hour + local.minute / 60
    day = max(0.0, math.sin(math.pi * (hour - 6) / 15)) if 6 <= hour <= 21 else 0.02
    return day * (1.3 if local.weekday() == 5 else 0.7 if local.weekday() == 6 else 1.0)


def decoded_for(sensor: SimulatedSensor, people: int) -> dict[str, Any]:
    """The decoded payload a sensor of this kind sends for this many people."""
    in_, out = people - people // 2, people // 2
    cumulative = sensor.mapping.get("counts") == "cumulative"
    if sensor.kind in ("vs133", "vs135"):
        line = sensor.mapping.get("line", "1")
        if cumulative:
            sensor.totals += people
            return {
                f"line_{line}_total_in": sensor.totals - sensor.totals // 2,
                f"line_{line}_total_out": sensor.totals // 2,
            }
        return {f"line_{line}_period_in": in_, f"line_{line}_period_out": out}
    if sensor.kind == "vs121":
        return {"people_counter_all": people, "region_count": 1}
    if sensor.kind == "imbuildings":
        sensor.totals += people
        half = sensor.totals // 2
        return {
            "counter_a": in_,
            "counter_b": out,
            "total_counter_a": sensor.totals - half,
            "total_counter_b": half,
        }
    if sensor.kind == "field":
        return {str(sensor.mapping.get("field", "people")): people}
    return {"pax": people, "wifi": people // 2, "ble": people - people // 2}


def uplinks(
    sensors: list[SimulatedSensor], start: datetime, every: timedelta, rounds: int, peak: int = 120
) -> Iterator[tuple[str, bytes, int]]:
    """(topic, message, people) for each sensor each round, in each sensor's network's JSON."""
    rng = random.Random(start.isoformat())  # noqa: S311 (demo counts, not secrets)
    for n in range(rounds):
        at = start + every * n
        for sensor in sensors:
            people = max(0, round(peak * street_level(at) * rng.uniform(0.8, 1.2)))
            sensor.f_cnt += 1
            decoded = decoded_for(sensor, people)
            if sensor.network == "chirpstack" and sensor.dev_eui:
                message = chirpstack_uplink(
                    device_id=sensor.device_id,
                    dev_eui=sensor.dev_eui,
                    f_cnt=sensor.f_cnt,
                    at=at,
                    decoded=decoded,
                )
                topic = CHIRPSTACK_TOPIC.format(
                    application=CHIRPSTACK_APPLICATION, dev_eui=sensor.dev_eui.lower()
                )
            else:
                message = tts_uplink(
                    device_id=sensor.device_id,
                    dev_eui=sensor.dev_eui,
                    people=people,
                    f_cnt=sensor.f_cnt,
                    at=at,
                    decoded=decoded,
                )
                topic = TTS_TOPIC.format(
                    application="townhub-footfall", tenant="ttn", device=sensor.device_id
                )
            yield topic, json.dumps(message).encode(), people


def connect(config: Mapping[str, Any], client_id: str | None = None) -> mqtt.Client:
    """A publishing client on the configured broker (MQTT_URL and the other MQTT_
    settings), its network loop running."""
    from townhub.sensors.listener import configure

    client = mqtt.Client(
        CallbackAPIVersion.VERSION2, client_id=client_id or f"townhub-simulate-{_ulid()}"
    )
    client.max_inflight_messages_set(1000)
    client.max_queued_messages_set(0)
    host, port = configure(client, config)
    client.connect(host, port)
    client.loop_start()
    return client


def publish_all(
    client: mqtt.Client, messages: Iterable[tuple[str, bytes]], per_second: float = 0
) -> int:
    """Publish with QoS 1 (at most `per_second`, 0 for as fast as the broker takes them)
    and wait until the broker has acknowledged every one. Returns how many."""
    sent = []
    started = time.monotonic()
    for n, (topic, payload) in enumerate(messages):
        if per_second:
            ahead = started + n / per_second - time.monotonic()
            if ahead > 0:
                time.sleep(ahead)
        sent.append(client.publish(topic, payload, qos=1))
    for info in sent:
        info.wait_for_publish(timeout=60)
    return len(sent)


def publish(broker_url: str, topic: str, payloads: list[bytes]) -> None:
    """Publish messages with QoS 1 to a broker URL, waiting until it acknowledged each."""
    client = connect({"MQTT_URL": broker_url})
    try:
        publish_all(client, ((topic, payload) for payload in payloads))
    finally:
        client.disconnect()
        client.loop_stop()
