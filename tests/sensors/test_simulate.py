from __future__ import annotations

import json
import threading
import time
from dataclasses import replace
from datetime import UTC, datetime

import paho.mqtt.client as mqtt
from flask import Flask
from paho.mqtt.enums import CallbackAPIVersion

from tests.factories import make_hub, make_sensor
from townhub.sensors.ingest import parse_chirpstack_uplink, parse_tts_uplink, people_count
from townhub.sensors.simulate import tts_uplink


def test_simulated_uplinks_read_like_the_things_stack_sends_them() -> None:
    at = datetime(2026, 11, 21, 9, 30, tzinfo=UTC)
    raw = json.dumps(
        tts_uplink(
            device_id="sn-clock-tower", dev_eui="70B3D57ED0060001", people=23, f_cnt=0, at=at
        )
    ).encode()

    uplink = parse_tts_uplink(raw)

    assert (uplink.device_id, uplink.dev_eui, uplink.received_at) == (
        "sn-clock-tower",
        "70B3D57ED0060001",
        at,
    )
    assert uplink.f_cnt is None  # zero is left out, as The Things Stack does
    assert uplink.message_id.startswith("as:up:")
    assert people_count(uplink, "paxcounter").people == 23
    # The raw port-1 bytes carry the same count when there is no decoder.
    assert people_count(replace(uplink, decoded=None), "paxcounter").people == 23


def test_the_simulate_command_publishes_each_sensors_own_format(app: Flask) -> None:
    hub = make_hub(slug="simulated")
    make_sensor(hub=hub, device_id="sim-pax", dev_eui="70B3D57ED00A0001")
    make_sensor(
        hub=hub,
        device_id="sim-line",
        dev_eui="70B3D57ED00A0002",
        network="chirpstack",
        kind="vs133",
        mapping={"line": "1", "counts": "cumulative"},
    )
    received: list[tuple[str, bytes]] = []
    subscribed = threading.Event()
    listener = mqtt.Client(CallbackAPIVersion.VERSION2, protocol=mqtt.MQTTv5)
    listener.on_message = lambda c, u, m: received.append((m.topic, bytes(m.payload)))
    listener.on_subscribe = lambda *args: subscribed.set()
    listener.connect("127.0.0.1", 1883)
    listener.loop_start()
    listener.subscribe([("v3/+/devices/+/up", 1), ("application/+/device/+/event/up", 1)])
    assert subscribed.wait(5)
    try:
        result = app.test_cli_runner().invoke(
            args=["sensors", "simulate", "--hub", "simulated", "--rounds", "3", "--every", "15"]
        )
        assert result.exit_code == 0, result.output
        assert "Published 6 uplink(s) for 2 sensor(s)" in result.output
        deadline = time.monotonic() + 5
        while len(received) < 6 and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        listener.loop_stop()
        listener.disconnect()

    mine = [(t, p) for t, p in received if b"sim-" in p]
    tts = [parse_tts_uplink(p) for t, p in mine if t.startswith("v3/")]
    chirpstack = [parse_chirpstack_uplink(p) for t, p in mine if t.startswith("application/")]
    assert [u.device_id for u in tts] == ["sim-pax"] * 3
    assert [u.device_id for u in chirpstack] == ["sim-line"] * 3
    totals = [u.decoded["line_1_total_in"] for u in chirpstack if u.decoded]
    assert totals == sorted(totals)  # running totals only grow
    assert [u.f_cnt for u in chirpstack] == [1, 2, 3]


def test_the_simulate_command_needs_a_hub_or_device(app: Flask) -> None:
    result = app.test_cli_runner().invoke(args=["sensors", "simulate"])
    assert result.exit_code != 0 and "Name a hub (--hub) or devices (--device)." in result.output
