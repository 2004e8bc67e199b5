from __future__ import annotations

import random
from datetime import UTC, datetime

from townhub.demo.feed import uplinks_at
from townhub.demo.places import HUBS
from townhub.sensors.ingest import parse_tts_uplink


def test_each_demo_sensor_sends_a_quarter_hour_count_real_listeners_can_read() -> None:
    moment = datetime(2026, 11, 21, 13, 0, tzinfo=UTC)  # a Saturday lunchtime

    messages = uplinks_at(moment, random.Random(1))

    devices = {sensor.device_id for hub in HUBS for sensor in hub.sensors}
    assert len(messages) == len(devices)
    for topic, payload in messages:
        uplink = parse_tts_uplink(payload)
        assert uplink.device_id in devices and topic.endswith(f"/devices/{uplink.device_id}/up")
        assert uplink.received_at == moment
