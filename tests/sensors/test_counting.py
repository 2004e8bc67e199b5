"""Counting exactly once: presets, running totals (wrap-arounds, resets, late uplinks),
batches with repeats, roll-ups and sensor health, against the real database."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from sqlalchemy import select

from tests.factories import make_sensor
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.footfall.models import FootfallCount, FootfallRollup
from townhub.sensors.models import Sensor, SensorQuarantine
from townhub.sensors.service import Message, Outcome, bucket_time, buckets, ingest_batch

T0 = datetime(2026, 11, 16, 10, 15, 2, tzinfo=UTC)  # a Monday, mid-morning


def tts(
    device_id: str,
    decoded: dict[str, Any] | None,
    *,
    at: datetime,
    f_cnt: int | None,
    message_id: str | None = None,
    raw: bytes | None = None,
    f_port: int = 1,
    rssi: float = -101,
) -> Message:
    up: dict[str, Any] = {
        "f_port": f_port,
        "rx_metadata": [{"rssi": rssi, "snr": 5.5}, {"rssi": rssi - 10, "snr": -3}],
    }
    if f_cnt:
        up["f_cnt"] = f_cnt
    if decoded is not None:
        up["decoded_payload"] = decoded
    if raw is not None:
        up["frm_payload"] = base64.b64encode(raw).decode()
    message = {
        "end_device_ids": {"device_id": device_id},
        "correlation_ids": [f"as:up:{message_id or f'{device_id}-{f_cnt}-{at:%H%M%S}'}"],
        "received_at": at.isoformat(),
        "uplink_message": up,
    }
    return Message("tts", "test", json.dumps(message).encode())


def counts(sensor: Sensor) -> list[int]:
    rows = db.session.scalars(
        select(FootfallCount.people)
        .where(FootfallCount.sensor_id == sensor.id)
        .order_by(FootfallCount.measured_at)
    )
    return list(rows)


def rollup(sensor: Sensor, grain: str) -> dict[datetime, tuple[int, int]]:
    rows = db.session.execute(
        select(FootfallRollup.bucket_start, FootfallRollup.people, FootfallRollup.readings)
        .where(FootfallRollup.sensor_id == sensor.id, FootfallRollup.grain == grain)
        .order_by(FootfallRollup.bucket_start)
    )
    return {start: (people, readings) for start, people, readings in rows}


def outcomes(*messages: Message) -> list[str]:
    return [result.outcome.value for result in ingest_batch(list(messages))]


# ---- presets ----


def test_vs133_flat_and_nested_shapes_give_the_same_count() -> None:
    sensor = make_sensor(kind="vs133", mapping={"line": "1", "direction": "both"})
    flat = {"line_1_period_in": 7, "line_1_period_out": 5, "line_2_period_in": 99}
    nested = {"line_1": {"period_in": 3, "period_out": 4}, "line_2": {"period_in": 99}}

    assert outcomes(
        tts(sensor.device_id, flat, at=T0, f_cnt=1),
        tts(sensor.device_id, nested, at=T0 + timedelta(minutes=15), f_cnt=2),
    ) == ["counted", "counted"]
    assert counts(sensor) == [12, 7]


def test_vs133_one_direction_only() -> None:
    sensor = make_sensor(kind="vs133", mapping={"line": "2", "direction": "in"})
    outcomes(
        tts(sensor.device_id, {"line_2_period_in": 8, "line_2_period_out": 30}, at=T0, f_cnt=1)
    )
    assert counts(sensor) == [8]


def test_vs121_counts_the_people_present_under_either_name() -> None:
    sensor = make_sensor(kind="vs121", mapping={})
    later = T0 + timedelta(minutes=15)
    outcomes(
        tts(sensor.device_id, {"people_counter_all": 6, "region_count": 2}, at=T0, f_cnt=1),
        tts(sensor.device_id, {"people_count_all": 3, "region_count": 2}, at=later, f_cnt=2),
    )
    assert counts(sensor) == [6, 3]


def test_raw_payloads_are_decoded_when_the_network_did_not() -> None:
    vs133 = make_sensor(kind="vs133", mapping={"line": "1"})
    vs121 = make_sensor(kind="vs121", mapping={})
    # Line 1 period counts: channel 0x05, type 0xCC, in 3 and out 2 (uint16 little-endian).
    line = bytes([0x05, 0xCC, 3, 0, 2, 0])
    # People counting: channel 0x04, type 0xC9: 4 people, 2 regions, region bits, 0.
    people = bytes([0x04, 0xC9, 4, 2, 0b11, 0])
    outcomes(
        tts(vs133.device_id, None, at=T0, f_cnt=1, raw=line, f_port=85),
        tts(vs121.device_id, None, at=T0, f_cnt=1, raw=people, f_port=85),
    )
    assert (counts(vs133), counts(vs121)) == ([5], [4])


def test_imbuildings_counters_a_and_b_added() -> None:
    sensor = make_sensor(kind="imbuildings", mapping={"counters": "a+b"})
    decoded = {"counter_a": 11, "counter_b": 9, "total_counter_a": 500, "total_counter_b": 480}
    outcomes(tts(sensor.device_id, decoded, at=T0, f_cnt=1))
    assert counts(sensor) == [20]


def test_a_custom_field_by_dotted_path() -> None:
    sensor = make_sensor(kind="field", mapping={"field": "people.passing"})
    outcomes(tts(sensor.device_id, {"people": {"passing": 14}}, at=T0, f_cnt=1))
    assert counts(sensor) == [14]


def test_a_status_message_updates_health_but_is_not_counted_or_quarantined() -> None:
    sensor = make_sensor(kind="vs133", mapping={})
    status = {"battery": 87, "firmware_version": "v1.2", "sn": "6732A41234"}

    assert outcomes(tts(sensor.device_id, status, at=T0, f_cnt=1, f_port=85)) == ["status"]
    assert counts(sensor) == []
    assert db.session.scalars(select(SensorQuarantine)).all() == []
    assert (sensor.battery_percent, sensor.last_seen_at) == (87.0, T0)


def test_missing_mapping_fields_are_quarantined_with_the_names() -> None:
    sensor = make_sensor(kind="vs133", mapping={"line": "3"})

    [result] = ingest_batch([tts(sensor.device_id, {"line_1_period_in": 4}, at=T0, f_cnt=1)])

    assert result.outcome is Outcome.QUARANTINED
    assert result.reason == (
        "decoded payload has no 'line_3_period_in' or 'line_3_period_out' field (port 1)"
    )
    row = db.session.scalars(select(SensorQuarantine)).one()
    assert (row.hub_id, row.sensor_id, row.device_id) == (
        sensor.hub_id,
        sensor.id,
        sensor.device_id,
    )
    assert counts(sensor) == []


def test_a_bad_preset_setting_is_quarantined_not_guessed() -> None:
    sensor = make_sensor(kind="vs133", mapping={"line": "9"})
    [result] = ingest_batch([tts(sensor.device_id, {"line_1_period_in": 4}, at=T0, f_cnt=1)])
    assert result.reason == "sensor setting line='9' is not one of 1, 2, 3, 4"


# ---- running totals ----


def totals_sensor() -> Sensor:
    return make_sensor(
        kind="vs133", mapping={"line": "1", "direction": "both", "counts": "cumulative"}
    )


def total(sensor: Sensor, n: int, in_: int, out: int, f_cnt: int) -> Message:
    decoded = {"line_1_total_in": in_, "line_1_total_out": out}
    return tts(sensor.device_id, decoded, at=T0 + timedelta(minutes=15 * n), f_cnt=f_cnt)


def test_running_totals_become_differences() -> None:
    sensor = totals_sensor()
    outcomes(
        total(sensor, 0, 1000, 900, 10),
        total(sensor, 1, 1010, 905, 11),
        total(sensor, 2, 1030, 905, 12),
    )
    # The first reading is the baseline: what it counted before is unknown.
    assert counts(sensor) == [0, 15, 20]


def test_a_wrap_past_two_to_the_32_is_a_small_step_not_a_huge_or_negative_one() -> None:
    sensor = totals_sensor()
    top = 2**32 - 3
    outcomes(total(sensor, 0, top, 50, 10), total(sensor, 1, 4, 50, 11))
    assert counts(sensor) == [0, 7]


def test_a_device_restart_counts_from_zero_again() -> None:
    sensor = totals_sensor()
    outcomes(
        total(sensor, 0, 5000, 4000, 900),
        # The frame counter went back to 1: the device rejoined, its totals restarted.
        total(sensor, 1, 6, 2, 1),
        total(sensor, 2, 10, 3, 2),
    )
    assert counts(sensor) == [0, 8, 5]


def test_a_cleared_counter_without_a_restart_is_not_taken_for_a_wrap() -> None:
    sensor = totals_sensor()
    outcomes(total(sensor, 0, 70_000, 0, 10), total(sensor, 1, 12, 0, 11))
    assert counts(sensor) == [0, 12]


def test_a_late_reading_is_slotted_in_and_the_next_one_corrected() -> None:
    sensor = totals_sensor()
    outcomes(total(sensor, 0, 100, 0, 10), total(sensor, 2, 130, 0, 12))
    assert counts(sensor) == [0, 30]

    outcomes(total(sensor, 1, 110, 0, 11))  # arrives last

    assert counts(sensor) == [0, 10, 20]
    hours = rollup(sensor, "1h")
    assert sum(people for people, _ in hours.values()) == 30
    assert sum(readings for _, readings in hours.values()) == 3


def test_out_of_order_totals_give_the_same_counts_as_in_order() -> None:
    in_order, shuffled = totals_sensor(), totals_sensor()
    values = [(0, 50, 1), (1, 58, 2), (2, 58, 3), (3, 71, 4), (4, 90, 5)]
    outcomes(*[total(in_order, n, v, 0, f) for n, v, f in values])
    for n, v, f in [values[3], values[0], values[4], values[2], values[1]]:
        outcomes(total(shuffled, n, v, 0, f))
    assert counts(shuffled) == counts(in_order) == [0, 8, 0, 13, 19]
    assert rollup(shuffled, "15m") == rollup(in_order, "15m")


# ---- exactly once ----


def test_repeats_in_one_batch_and_across_batches_count_once() -> None:
    sensor = make_sensor()
    first = tts(sensor.device_id, {"pax": 5}, at=T0, f_cnt=7)
    second = tts(sensor.device_id, {"pax": 9}, at=T0 + timedelta(minutes=15), f_cnt=8)

    assert outcomes(first, first, second) == ["counted", "duplicate", "counted"]
    assert outcomes(second, first) == ["duplicate", "duplicate"]
    assert counts(sensor) == [5, 9]
    assert sum(p for p, _ in rollup(sensor, "1d").values()) == 14


def test_the_same_frame_under_another_message_id_counts_once() -> None:
    sensor = make_sensor()
    one = tts(sensor.device_id, {"pax": 5}, at=T0, f_cnt=7, message_id="A")
    again = tts(sensor.device_id, {"pax": 5}, at=T0, f_cnt=7, message_id="B")
    assert outcomes(one, again) == ["counted", "duplicate"]


def test_a_repeated_running_total_counts_once() -> None:
    sensor = totals_sensor()
    assert outcomes(total(sensor, 0, 10, 0, 1), total(sensor, 1, 15, 0, 2)) == ["counted"] * 2
    assert outcomes(total(sensor, 1, 15, 0, 2)) == ["duplicate"]
    assert counts(sensor) == [0, 5]


# ---- roll-ups ----


def test_counts_are_filed_under_the_quarter_they_counted() -> None:
    # A 15-minute count sent at 10:15:02 covers 10:00 to 10:15.
    assert buckets(bucket_time(T0, 15))[:2] == [
        ("15m", datetime(2026, 11, 16, 10, 0, tzinfo=UTC)),
        ("1h", datetime(2026, 11, 16, 10, 0, tzinfo=UTC)),
    ]


def test_days_are_london_days() -> None:
    summer_late = datetime(2026, 7, 1, 23, 30, tzinfo=UTC)  # 00:30 on 2 July in London
    assert buckets(summer_late)[2] == ("1d", datetime(2026, 7, 1, 23, 0, tzinfo=UTC))


def test_rollups_keep_up_with_late_data() -> None:
    sensor = make_sensor()
    outcomes(
        tts(sensor.device_id, {"pax": 4}, at=T0, f_cnt=1),
        tts(sensor.device_id, {"pax": 6}, at=T0 + timedelta(minutes=15), f_cnt=2),
    )
    outcomes(tts(sensor.device_id, {"pax": 10}, at=T0 - timedelta(days=2), f_cnt=3))

    assert rollup(sensor, "15m") == {
        datetime(2026, 11, 14, 10, 0, tzinfo=UTC): (10, 1),
        datetime(2026, 11, 16, 10, 0, tzinfo=UTC): (4, 1),
        datetime(2026, 11, 16, 10, 15, tzinfo=UTC): (6, 1),
    }
    assert rollup(sensor, "1h")[datetime(2026, 11, 16, 10, tzinfo=UTC)] == (10, 2)
    assert rollup(sensor, "1d") == {
        datetime(2026, 11, 14, 0, 0, tzinfo=UTC): (10, 1),
        datetime(2026, 11, 16, 0, 0, tzinfo=UTC): (10, 2),
    }


# ---- health ----


def test_health_follows_the_latest_uplink_not_a_late_one() -> None:
    sensor = make_sensor()
    sensor.silent_since = T0 - timedelta(hours=3)
    outcomes(
        tts(sensor.device_id, {"pax": 4, "battery": 71}, at=T0, f_cnt=20, rssi=-90),
    )
    outcomes(tts(sensor.device_id, {"pax": 4, "battery": 90}, at=T0 - timedelta(hours=1), f_cnt=19))

    assert sensor.last_seen_at == T0
    assert (sensor.last_f_cnt, sensor.rssi, sensor.snr) == (20, -90.0, 5.5)
    assert sensor.battery_percent == 71.0
    assert sensor.silent_since is None


def test_a_message_from_the_future_is_quarantined() -> None:
    sensor = make_sensor()
    [result] = ingest_batch(
        [tts(sensor.device_id, {"pax": 1}, at=utcnow() + timedelta(days=1), f_cnt=1)]
    )
    assert result.outcome is Outcome.QUARANTINED and "in the future" in (result.reason or "")


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\xff{}", "not valid UTF-8"),
        (b'{"a": 1}\x00', "contains a NUL character"),
        (b'{"a": "\\u0000"}', "contains a NUL character"),
        (b"[1]", "not a JSON object"),
    ],
)
def test_odd_bytes_are_quarantined_and_storable(raw: bytes, reason: str) -> None:
    [result] = ingest_batch([Message("tts", "test", raw)])
    assert result.outcome is Outcome.QUARANTINED
    assert (result.reason or "").startswith(reason) or reason in (result.reason or "")
    assert db.session.scalars(select(SensorQuarantine.payload_bytes)).one() == len(raw)
