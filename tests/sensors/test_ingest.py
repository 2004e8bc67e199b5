"""The pure uplink parser, driven by fixtures modelled on the documented TTS v3 and ChirpStack v4
JSON (tests/sensors/uplinks/). No database or broker needed."""

from __future__ import annotations

import base64
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from townhub.sensors.ingest import (
    MAX_MESSAGE_BYTES,
    UnusableUplink,
    Uplink,
    parse_chirpstack_uplink,
    parse_tts_uplink,
    people_count,
)

UPLINKS = Path(__file__).parent / "uplinks"


def raw(name: str) -> bytes:
    return (UPLINKS / name).read_bytes()


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(raw(name))
    return data


def encode(data: object) -> bytes:
    return json.dumps(data).encode()


def reason(call: Any, *args: Any) -> str:
    with pytest.raises(UnusableUplink) as caught:
        call(*args)
    assert str(caught.value) == caught.value.reason
    return caught.value.reason


def uplink(
    decoded: dict[str, Any] | None = None,
    frm_payload: bytes | None = None,
    f_port: int | None = 1,
) -> Uplink:
    return Uplink(
        network="tts",
        device_id="sn-clock-tower",
        dev_eui="70B3D57ED0060001",
        received_at=datetime(2026, 11, 20, 14, 3, 11, tzinfo=UTC),
        f_cnt=1,
        f_port=f_port,
        message_id="as:up:01JD5Z8K3Q7W2X9YB4C6E8G0HM",
        decoded=decoded,
        frm_payload=frm_payload,
    )


# ---- The Things Stack v3 ----


def test_tts_paxcounter_fixture() -> None:
    up = parse_tts_uplink(raw("tts_v3_paxcounter.json"))
    assert up == Uplink(
        network="tts",
        device_id="sn-clock-tower",
        dev_eui="70B3D57ED0060001",
        received_at=datetime(2026, 11, 20, 14, 3, 11, 123456, tzinfo=UTC),
        f_cnt=42,
        f_port=1,
        message_id="as:up:01JD5Z8K3Q7W2X9YB4C6E8G0HM",
        decoded={"ble": 5, "pax": 12, "wifi": 7},
        frm_payload=bytes([7, 0, 5, 0]),
        rssi=-97.0,
        snr=7.25,
    )
    assert up.received_at.utcoffset() is not None
    assert people_count(up, "paxcounter").people == 12


def test_tts_first_uplink_has_no_f_cnt() -> None:
    up = parse_tts_uplink(raw("tts_v3_first_uplink_no_fcnt.json"))
    assert up.f_cnt is None
    assert up.device_id == "sn-market-square"
    assert up.dev_eui == "70B3D57ED0060002"
    assert up.message_id == "as:up:01JD5ZC4M1P3R5T7V9X1Z3B5D7"
    assert people_count(up, "paxcounter").people == 4


def test_tts_without_formatter_has_no_decoded_payload() -> None:
    up = parse_tts_uplink(raw("tts_v3_no_decoded_payload.json"))
    assert up.decoded is None
    assert up.frm_payload == bytes([9, 0, 3, 0])
    assert up.f_cnt == 43
    # Stock firmware sends "packed" (little-endian) counts: wifi 9 + ble 3.
    assert people_count(up, "paxcounter").people == 12
    assert people_count(up, "paxcounter", {"encoding": "plain"}).people == 0x0900 + 0x0300


def test_tts_join_accept_is_not_an_uplink() -> None:
    assert reason(parse_tts_uplink, raw("tts_v3_join_accept.json")).startswith(
        "not an uplink message"
    )
    assert "join_accept" in reason(parse_tts_uplink, raw("tts_v3_join_accept.json"))


def test_tts_nanosecond_times_are_cut_to_microseconds_in_utc() -> None:
    up = parse_tts_uplink(raw("tts_v3_paxcounter.json"))
    assert up.received_at == datetime(2026, 11, 20, 14, 3, 11, 123456, tzinfo=UTC)
    message = fixture("tts_v3_paxcounter.json")
    message["received_at"] = "2026-11-20T15:03:11.999999999+01:00"
    up = parse_tts_uplink(encode(message))
    # Cut, not rounded: rounding would carry into the next second.
    assert up.received_at == datetime(2026, 11, 20, 14, 3, 11, 999999, tzinfo=UTC)
    assert up.received_at.tzinfo is UTC


def test_tts_prefers_top_level_received_at_and_falls_back_to_inner() -> None:
    message = fixture("tts_v3_paxcounter.json")
    del message["received_at"]
    up = parse_tts_uplink(encode(message))
    assert up.received_at == datetime(2026, 11, 20, 14, 3, 10, 912345, tzinfo=UTC)
    del message["uplink_message"]["received_at"]
    assert reason(parse_tts_uplink, encode(message)) == "no received_at"


def test_tts_message_id_is_stable_across_redelivery() -> None:
    first = parse_tts_uplink(raw("tts_v3_paxcounter.json"))
    again = parse_tts_uplink(raw("tts_v3_paxcounter.json"))
    assert first.message_id == again.message_id
    other = parse_tts_uplink(raw("tts_v3_no_decoded_payload.json"))
    assert other.message_id != first.message_id


def test_tts_message_id_without_correlation_ids_is_derived() -> None:
    message = fixture("tts_v3_paxcounter.json")
    del message["correlation_ids"]
    up = parse_tts_uplink(encode(message))
    assert up.message_id == "sn-clock-tower:42:2026-11-20T14:03:11.123456+00:00"
    assert parse_tts_uplink(encode(message)).message_id == up.message_id
    del message["uplink_message"]["f_cnt"]
    assert parse_tts_uplink(encode(message)).message_id == (
        "sn-clock-tower:None:2026-11-20T14:03:11.123456+00:00"
    )


def test_tts_missing_device_id() -> None:
    message = fixture("tts_v3_paxcounter.json")
    del message["end_device_ids"]["device_id"]
    assert reason(parse_tts_uplink, encode(message)).startswith("no device id")
    del message["end_device_ids"]
    assert reason(parse_tts_uplink, encode(message)).startswith("no device id")


def test_tts_optional_fields_absent() -> None:
    message = fixture("tts_v3_paxcounter.json")
    for key in ("f_port", "frm_payload", "decoded_payload", "f_cnt"):
        del message["uplink_message"][key]
    del message["end_device_ids"]["dev_eui"]
    up = parse_tts_uplink(encode(message))
    assert (up.f_port, up.frm_payload, up.decoded, up.f_cnt, up.dev_eui) == (
        None,
        None,
        None,
        None,
        None,
    )
    assert reason(people_count, up, "paxcounter") == (
        "no decoded payload and no raw payload to count"
    )


def test_tts_bad_fields_are_named() -> None:
    message = fixture("tts_v3_paxcounter.json")
    message["uplink_message"]["frm_payload"] = "not base64!"
    assert reason(parse_tts_uplink, encode(message)).startswith("frm_payload is not valid base64")
    message = fixture("tts_v3_paxcounter.json")
    message["uplink_message"]["decoded_payload"] = [12]
    assert reason(parse_tts_uplink, encode(message)) == (
        "decoded_payload is not a JSON object but list"
    )
    message = fixture("tts_v3_paxcounter.json")
    message["uplink_message"]["f_cnt"] = -1
    assert reason(parse_tts_uplink, encode(message)) == "f_cnt is not a whole number: -1"
    message = fixture("tts_v3_paxcounter.json")
    message["received_at"] = "2026-11-20T14:03:11"
    assert reason(parse_tts_uplink, encode(message)).startswith(
        "received_at is not a time with a zone"
    )


def test_tts_integers_as_strings_and_lower_case_eui_are_accepted() -> None:
    message = fixture("tts_v3_paxcounter.json")
    message["uplink_message"]["f_cnt"] = "42"
    message["end_device_ids"]["dev_eui"] = "70b3d57ed0060001"
    up = parse_tts_uplink(encode(message))
    assert (up.f_cnt, up.dev_eui) == (42, "70B3D57ED0060001")
    message["end_device_ids"]["dev_eui"] = "not-an-eui"
    assert parse_tts_uplink(encode(message)).dev_eui is None


# ---- ChirpStack v4 ----


def test_chirpstack_paxcounter_fixture() -> None:
    up = parse_chirpstack_uplink(raw("chirpstack_v4_paxcounter.json"))
    assert up == Uplink(
        network="chirpstack",
        device_id="sn-clock-tower",
        dev_eui="70B3D57ED0060001",
        received_at=datetime(2026, 11, 20, 14, 3, 11, 123456, tzinfo=UTC),
        f_cnt=10,
        f_port=1,
        message_id="5d1e7a3c-8b2f-4c6d-9e0a-1f2b3c4d5e6f",
        decoded={"ble": 5.0, "pax": 12.0, "wifi": 7.0},
        frm_payload=bytes([7, 0, 5, 0]),
        rssi=-97.0,
        snr=7.25,
    )
    # ChirpStack turns every decoded number into a double: 12.0 is still 12 people.
    assert people_count(up, "paxcounter").people == 12


def test_chirpstack_without_codec_has_no_object_and_no_f_cnt() -> None:
    up = parse_chirpstack_uplink(raw("chirpstack_v4_no_object.json"))
    assert up.decoded is None
    assert up.f_cnt is None
    assert up.device_id == "sn-market-square"
    assert up.message_id == "c0a8e5f2-3b4d-4e1f-a2b3-c4d5e6f7a8b9"
    assert up.received_at == datetime(2026, 11, 20, 14, 5, 2, 441871, tzinfo=UTC)
    assert people_count(up, "paxcounter").people == 12


def test_chirpstack_device_id_falls_back_to_dev_eui() -> None:
    message = fixture("chirpstack_v4_paxcounter.json")
    del message["deviceInfo"]["deviceName"]
    assert parse_chirpstack_uplink(encode(message)).device_id == "70B3D57ED0060001"
    del message["deviceInfo"]["devEui"]
    assert reason(parse_chirpstack_uplink, encode(message)).startswith("no device id")


def test_chirpstack_message_id_is_the_deduplication_id() -> None:
    first = parse_chirpstack_uplink(raw("chirpstack_v4_paxcounter.json"))
    assert (
        first.message_id == parse_chirpstack_uplink(raw("chirpstack_v4_paxcounter.json")).message_id
    )
    message = fixture("chirpstack_v4_paxcounter.json")
    del message["deduplicationId"]
    assert reason(parse_chirpstack_uplink, encode(message)).startswith("no deduplicationId")


def test_chirpstack_other_events_are_not_uplinks() -> None:
    join = {
        "deduplicationId": "c9dbe358-2578-4fb7-b295-66b44edc45a6",
        "time": "2026-11-20T13:58:40.823500726+00:00",
        "deviceInfo": fixture("chirpstack_v4_paxcounter.json")["deviceInfo"],
        "devAddr": "01b2c3d4",
    }
    assert reason(parse_chirpstack_uplink, encode(join)).startswith("not an uplink event")


# ---- Messages that are not usable at all ----


@pytest.mark.parametrize("parse", [parse_tts_uplink, parse_chirpstack_uplink])
def test_not_json(parse: Any) -> None:
    assert reason(parse, b"") == "not valid JSON: Expecting value: line 1 column 1 (char 0)"
    assert reason(parse, b'{"a": ').startswith("not valid JSON: ")
    assert reason(parse, b'{"pax": NaN}') == "not valid JSON: NaN is not a JSON value"
    assert reason(parse, b"[" * 50_000) == "not valid JSON: nested too deeply"
    assert reason(parse, b"\x08\x01\x12\x04\xff\xfe").startswith("not valid UTF-8")


@pytest.mark.parametrize("parse", [parse_tts_uplink, parse_chirpstack_uplink])
def test_json_but_not_an_object(parse: Any) -> None:
    assert reason(parse, b"[1, 2]") == "not a JSON object but list"
    assert reason(parse, b'"up"') == "not a JSON object but str"
    assert reason(parse, b"null") == "not a JSON object but NoneType"


@pytest.mark.parametrize(
    ("parse", "name"),
    [
        (parse_tts_uplink, "tts_v3_paxcounter.json"),
        (parse_chirpstack_uplink, "chirpstack_v4_paxcounter.json"),
    ],
)
def test_too_large(parse: Any, name: str) -> None:
    message = raw(name)
    padded = message[:-2] + b" " * (MAX_MESSAGE_BYTES - len(message)) + message[-2:]
    assert len(padded) == MAX_MESSAGE_BYTES
    assert parse(padded).device_id == "sn-clock-tower"
    assert reason(parse, padded + b" ") == "message larger than 64 KB"


# ---- people_count ----


def test_pax_wins_over_wifi_and_ble() -> None:
    assert people_count(uplink({"pax": 9, "wifi": 7, "ble": 5}), "paxcounter").people == 9


@pytest.mark.parametrize(
    ("decoded", "people"),
    [({"wifi": 7, "ble": 5}, 12), ({"wifi": 7}, 7), ({"ble": 5}, 5), ({"pax": 0}, 0)],
)
def test_wifi_plus_ble(decoded: dict[str, Any], people: int) -> None:
    assert people_count(uplink(decoded), "paxcounter").people == people


def test_paxcounter_decoded_without_count_fields() -> None:
    status = {"voltage": 4120, "uptime": 86400}
    assert reason(people_count, uplink(status, f_port=2), "paxcounter") == (
        "decoded payload has no 'pax' field (nor 'wifi' or 'ble'; port 2)"
    )


@pytest.mark.parametrize(
    ("payload", "encoding", "people"),
    [
        (bytes([7, 0, 5, 0]), "packed", 12),
        (bytes([0, 7, 0, 5]), "plain", 12),
        (bytes([4, 0]), "packed", 4),
        (bytes([0x2C, 0x01]), "packed", 300),
        (bytes([1, 1]) + bytes(13), "packed", 257),
        (bytes([0, 3, 0, 2]) + bytes(13), "plain", 5),
    ],
)
def test_raw_paxcounter_payload(payload: bytes, encoding: str, people: int) -> None:
    counted = people_count(uplink(frm_payload=payload), "paxcounter", {"encoding": encoding})
    assert counted.people == people


def test_raw_paxcounter_default_is_packed_and_checks_port_size_and_encoding() -> None:
    assert people_count(uplink(frm_payload=bytes([7, 0, 5, 0])), "paxcounter").people == 12
    assert people_count(uplink(frm_payload=bytes([7, 0])), "paxcounter", {}).people == 7
    assert reason(people_count, uplink(frm_payload=bytes(4), f_port=2), "paxcounter") == (
        "raw Paxcounter payload on port 2, not count port 1"
    )
    assert reason(people_count, uplink(frm_payload=bytes(3)), "paxcounter") == (
        "raw Paxcounter count of 3 bytes, not 2, 4, 15 or 17"
    )
    assert reason(
        people_count, uplink(frm_payload=bytes(4)), "paxcounter", {"encoding": "cayenne"}
    ).startswith("unknown Paxcounter encoding 'cayenne'")


def test_field_kind() -> None:
    assert people_count(uplink({"in": 23}), "field", {"field": "in"}).people == 23
    assert reason(people_count, uplink({"out": 1}), "field", {"field": "in"}) == (
        "decoded payload has no 'in' field"
    )
    assert reason(people_count, uplink(None), "field", {"field": "in"}).startswith(
        "no decoded payload to read 'in' from (no formatter?)"
    )
    assert reason(people_count, uplink({"in": 1}), "field", {}) == (
        "sensor mapping has no 'field' naming the decoded count"
    )
    assert reason(people_count, uplink({"in": 1}), "camera") == "unknown sensor kind 'camera'"


def test_missing_pax_field() -> None:
    assert reason(people_count, uplink({}), "paxcounter").startswith(
        "decoded payload has no 'pax' field"
    )


@pytest.mark.parametrize("value", ["12", " 12 ", "12.0", 12.0, "+12"])
def test_numeric_strings_and_whole_floats_are_accepted(value: Any) -> None:
    # Decision: JS formatters often return toFixed() strings and ChirpStack sends 12.0;
    # both are unambiguous whole numbers, so they count.
    assert people_count(uplink({"pax": value}), "paxcounter").people == 12
    assert people_count(uplink({"n": value}), "field", {"field": "n"}).people == 12


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (-3, "'pax' is negative: -3"),
        ("-3", "'pax' is negative: -3"),
        (True, "'pax' is true, not a number"),
        (False, "'pax' is false, not a number"),
        (12.5, "'pax' is not a whole number: 12.5"),
        ("12.5", "'pax' is not a whole number: 12.5"),
        ("twelve", "'pax' is not a number: 'twelve'"),
        ("", "'pax' is not a number: ''"),
        ("1e3", "'pax' is not a number: '1e3'"),
        (None, "'pax' is not a number: None"),
        ([12], "'pax' is not a number: [12]"),
        (2**31, "'pax' is implausibly large: 2147483648"),
    ],
)
def test_bad_counts_are_refused(value: Any, expected: str) -> None:
    assert reason(people_count, uplink({"pax": value}), "paxcounter") == expected


def test_wifi_plus_ble_sum_is_bounded() -> None:
    huge = {"wifi": 2**31 - 1, "ble": 1}
    assert reason(people_count, uplink(huge), "paxcounter") == (
        "'wifi + ble' is implausibly large: 2147483648"
    )


def test_bad_wifi_or_ble_is_refused() -> None:
    assert reason(people_count, uplink({"wifi": 3, "ble": True}), "paxcounter") == (
        "'ble' is true, not a number"
    )
    assert reason(people_count, uplink({"wifi": -1}), "paxcounter") == "'wifi' is negative: -1"


def test_fixture_payloads_match_their_decoded_counts() -> None:
    # Guards the fixtures themselves: the base64 bytes say what the decoder said.
    for name in ("tts_v3_paxcounter.json", "tts_v3_first_uplink_no_fcnt.json"):
        up = fixture(name)["uplink_message"]
        payload = base64.b64decode(up["frm_payload"])
        counted = people_count(uplink(frm_payload=payload), "paxcounter")
        assert counted.people == up["decoded_payload"]["pax"]
