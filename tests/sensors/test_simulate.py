from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime

from townhub.sensors.ingest import parse_tts_uplink, people_count
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
