"""The raw-payload decoders, checked against the examples published with the official decoders.

Vectors marked "official" are copied verbatim (bytes and decoded JSON) from:
Milesight-IoT/SensorDecoders VS_Series/VS13x/README.md and VS_Series/VS121/README.md,
TheThingsNetwork/lorawan-devices vendor/milesight-iot/vs133-codec.yaml and vs135-codec.yaml,
IMBUILDINGS/PayloadParser README.md and TheThingsNetwork/lorawan-devices
vendor/imbuildings/imbuildings-codec.yaml. The rest are built from the payload tables and
decoder source, since no official example exists for them. Pure: no database or app.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

import pytest

from townhub.sensors.decoders import decode, decode_imbuildings, decode_vs121, decode_vs133
from townhub.sensors.ingest import UnusableUplink


def payload(text: str) -> bytes:
    return bytes.fromhex(text.replace(" ", ""))


# 0x65F5E100 little-endian, used as a history/record timestamp below.
STAMP = "00E1F565"
STAMP_VALUE = 1710612736

# --- Milesight VS133 / VS135 -------------------------------------------------------------------

VS13X_OFFICIAL = [
    (
        "03D248000000 04D2C8000000 06D200000000 07D200000000 "
        "09D200000000 0AD200000000 0CD2B4140000 0DD28D1A0000",
        {
            "line_1_total_in": 72,
            "line_1_total_out": 200,
            "line_2_total_in": 0,
            "line_2_total_out": 0,
            "line_3_total_in": 0,
            "line_3_total_out": 0,
            "line_4_total_in": 5300,
            "line_4_total_out": 6797,
        },
    ),
    (
        "05CC00000000 08CC00000000 0BCC00000000 0ECC05000700",
        {
            "line_1_period_in": 0,
            "line_1_period_out": 0,
            "line_2_period_in": 0,
            "line_2_period_out": 0,
            "line_3_period_in": 0,
            "line_3_period_out": 0,
            "line_4_period_in": 5,
            "line_4_period_out": 7,
        },
    ),
    (
        "0FE302100709",
        {"region_1_count": 2, "region_2_count": 16, "region_3_count": 7, "region_4_count": 9},
    ),
    (
        "10E40109101121 10E40275217533 10E40381212389 10E40476001387",
        {
            "region_1_avg_dwell": 4105,
            "region_1_max_dwell": 8465,
            "region_2_avg_dwell": 8565,
            "region_2_max_dwell": 13173,
            "region_3_avg_dwell": 8577,
            "region_3_max_dwell": 35107,
            "region_4_avg_dwell": 118,
            "region_4_max_dwell": 34579,
        },
    ),
]

VS13X_BUILT = [
    (
        "FF0110 FF090100 FF1F01020304 FF166791D19604920005",
        {
            "ipso_version": "v1.0",
            "hardware_version": "v1.0",
            "firmware_version": "v1.2.3.4",
            "sn": "6791d19604920005",
        },
    ),
    (
        "11D205000000 12D206000000 13CC01000200 1DE301020304 1EE40210002000",
        {
            "line_1_child_total_in": 5,
            "line_1_child_total_out": 6,
            "line_1_child_period_in": 1,
            "line_1_child_period_out": 2,
            "region_1_child_count": 1,
            "region_2_child_count": 2,
            "region_3_child_count": 3,
            "region_4_child_count": 4,
            "region_2_child_avg_dwell": 16,
            "region_2_child_max_dwell": 32,
        },
    ),
    (
        "50FC000001 50FC000200",
        {"master_occlusion_alarm": "alarm_triggered", "node_2_occlusion_alarm": "alarm_released"},
    ),
    (
        f"20CE{STAMP}032A000000 20CE{STAMP}0E03000400 20CE{STAMP}10013C00",
        {
            "history": [
                {"timestamp": STAMP_VALUE, "line_1_total_in": 42},
                {"timestamp": STAMP_VALUE, "line_4_period_in": 3, "line_4_period_out": 4},
                {"timestamp": STAMP_VALUE, "region_1_avg_dwell": 60},
            ]
        },
    ),
    (
        "FF031E00 FF10FF FE0401 FF6A003C00 FF6A017800",
        {
            "report_interval": 30,
            "reboot": "yes",
            "confirm_mode_enable": "enable",
            "retransmit_interval": 60,
            "resend_interval": 120,
        },
    ),
    (
        "F8860301 F9880204",
        {
            "device_response_result": {
                "channel_type": 0x86,
                "result": "forbidden",
                "request": {"data_rate": 3},
            },
            "log_config": {"console_log_level": "error", "file_log_level": "debug"},
        },
    ),
    ("F8860300", {"data_rate": 3}),
]


@pytest.mark.parametrize(("hex_payload", "expected"), VS13X_OFFICIAL + VS13X_BUILT)
def test_vs133_decodes_like_the_milesight_decoder(hex_payload: str, expected: Any) -> None:
    decoded = decode_vs133(payload(hex_payload))
    assert decoded == expected
    assert list(decoded) == list(expected)  # same key order as the JavaScript object


def test_vs135_uses_the_vs133_format() -> None:
    # TheThingsNetwork/lorawan-devices vendor/milesight-iot/vs135-codec.yaml, verbatim.
    raw = payload(VS13X_OFFICIAL[0][0])
    assert decode("vs135", raw, 85) == VS13X_OFFICIAL[0][1]
    assert decode("vs135", raw, 85) == decode("vs133", raw, 85)


def test_vs133_flat_fields_are_the_nested_device_repository_fields() -> None:
    """The TTN device-repository vs133.js nests per line; ours is flat with the same numbers."""
    raw = payload("03d248000000 04d2c8000000 06d200000000 07d200000000 05cc00000000 08cc00000000")
    nested = {  # vendor/milesight-iot/vs133-codec.yaml, verbatim
        "line_1": {"total_in": 72, "total_out": 200, "period_in": 0, "period_out": 0},
        "line_2": {"total_in": 0, "total_out": 0, "period_in": 0, "period_out": 0},
    }
    flattened = {
        f"{line}_{field}": value
        for line, fields in nested.items()
        for field, value in fields.items()
    }
    assert decode_vs133(raw) == flattened


# --- Milesight VS121 ---------------------------------------------------------------------------

VS121_OFFICIAL = [
    (
        "FF0101 FF086600B0940976 FF090100 FF1F1F07004B",
        {
            "protocol_version": 1,
            "sn": "6600b0940976",
            "hardware_version": "1.0",
            "firmware_version": "31.7.0.75",
        },
    ),
    (
        "04C9030800A1 06CD05",
        {
            "people_count_all": 3,
            "region_count": 8,
            "region_1": 1,
            "region_2": 0,
            "region_3": 0,
            "region_4": 0,
            "region_5": 0,
            "region_6": 1,
            "region_7": 0,
            "region_8": 1,
            "people_count_max": 5,
        },
    ),
    (
        "07D50001000000000003 08D50100000000000000",
        {
            "region_1_count": 0,
            "region_2_count": 1,
            "region_3_count": 0,
            "region_4_count": 0,
            "region_5_count": 0,
            "region_6_count": 0,
            "region_7_count": 0,
            "region_8_count": 3,
            "region_9_count": 1,
            "region_10_count": 0,
            "region_11_count": 0,
            "region_12_count": 0,
            "region_13_count": 0,
            "region_14_count": 0,
            "region_15_count": 0,
            "region_16_count": 0,
        },
    ),
    ("05CC02000100", {"people_in": 2, "people_out": 1}),
    (
        "09DA0001000200000000 0ADA0000000000000000 0BDA0000000000000012 0CDA0000000000000000",
        {
            "a_to_a": 256,
            "a_to_b": 512,
            "a_to_c": 0,
            "a_to_d": 0,
            "b_to_a": 0,
            "b_to_b": 0,
            "b_to_c": 0,
            "b_to_d": 0,
            "c_to_a": 0,
            "c_to_b": 0,
            "c_to_c": 0,
            "c_to_d": 4608,
            "d_to_a": 0,
            "d_to_b": 0,
            "d_to_c": 0,
            "d_to_d": 0,
        },
    ),
]

VS121_BUILT = [
    # Live in/out counts are signed in the official decoder.
    ("05CCFFFF0100", {"people_in": -1, "people_out": 1}),
    (
        f"0DCC10002000 0EE40105000900 0F85{STAMP} 10F703000400",
        {
            "people_total_in": 16,
            "people_total_out": 32,
            "dwell_time_avg": 5,
            "dwell_time_max": 9,
            "timestamp": STAMP_VALUE,
            "line_in": 3,
            "line_out": 4,
        },
    ),
    (
        f"20CE{STAMP}02FFFF0100 20CE{STAMP}0901000200 20CE{STAMP}0105030005",
        {
            "history": [
                # ...but unsigned in history records.
                {"timestamp": STAMP_VALUE, "people_in": 65535, "people_out": 1},
                {"timestamp": STAMP_VALUE, "a_to_c": 1, "a_to_d": 2},
                {
                    "timestamp": STAMP_VALUE,
                    "people_count_all": 5,
                    "region_count": 3,
                    "region_1": 1,
                    "region_2": 0,
                    "region_3": 1,
                },
            ]
        },
    ),
    (
        "FF033C00 FF46010A00 FE5101",
        {
            "from_now_on_report_interval": 60,
            "people_count_jitter_config": {"enable": "enable", "time": 10},
            "clear_cumulative_count": "yes",
        },
    ),
    (
        "F99501000310 0E00 F99501014000 0000",
        {
            "reset_cumulative_schedule": [
                {
                    "mode": "add",
                    "index": 1,
                    "week_cycle": {
                        "sun": "enable",
                        "mon": "enable",
                        "tue": "disable",
                        "wed": "disable",
                        "thu": "disable",
                        "fri": "disable",
                        "sat": "disable",
                    },
                    "time": 3600,
                },
                {
                    "mode": "add",
                    "index": 2,
                    "week_cycle": {
                        "sun": "disable",
                        "mon": "disable",
                        "tue": "disable",
                        "wed": "disable",
                        "thu": "disable",
                        "fri": "disable",
                        "sat": "enable",
                    },
                    "time": 0,
                },
            ]
        },
    ),
    (
        "F88E0001100000",
        {"d2d_occupied_config": {"region": 1, "enable": "enable", "command": "0010"}},
    ),
]


@pytest.mark.parametrize(("hex_payload", "expected"), VS121_OFFICIAL + VS121_BUILT)
def test_vs121_decodes_like_the_milesight_decoder(hex_payload: str, expected: Any) -> None:
    decoded = decode_vs121(payload(hex_payload))
    assert decoded == expected
    assert list(decoded) == list(expected)


# --- IMBuildings -------------------------------------------------------------------------------

IMB_README = "02060004A30B00F6B5690800F80003000220060305E661"

IMB_CASES: list[tuple[str, int | None, dict[str, Any]]] = [
    (
        # IMBUILDINGS/PayloadParser README.md, verbatim (less the parser's own received_at).
        IMB_README,
        None,
        {
            "payload_type": 2,
            "payload_variant": 6,
            "device_id": "0004a30b00f6b569",
            "device_status": 8,
            "battery_voltage": 2.48,
            "counter_a": 3,
            "counter_b": 2,
            "sensor_status": 32,
            "total_counter_a": 1539,
            "total_counter_b": 1510,
            "payload_counter": 97,
        },
    ),
    (
        # TTN vendor/imbuildings/imbuildings-codec.yaml bytes and values; that older decoder
        # names the header fields device_type_identifier / device_type_variant instead.
        "0206 0004a30b00f0d40e 00 0100 0000 0000 20 000d 000a 6a",
        1,
        {
            "payload_type": 2,
            "payload_variant": 6,
            "device_id": "0004a30b00f0d40e",
            "device_status": 0,
            "battery_voltage": 2.56,
            "counter_a": 0,
            "counter_b": 0,
            "sensor_status": 32,
            "total_counter_a": 13,
            "total_counter_b": 10,
            "payload_counter": 106,
        },
    ),
    (
        IMB_README[20:],  # the same reading sent without its header, on fPort 26
        26,
        {
            "payload_type": 2,
            "payload_variant": 6,
            "device_status": 8,
            "battery_voltage": 2.48,
            "counter_a": 3,
            "counter_b": 2,
            "sensor_status": 32,
            "total_counter_a": 1539,
            "total_counter_b": 1510,
            "payload_counter": 97,
        },
    ),
    (
        "0207 0004A30B00F6B569 20 0603 05E6",
        None,
        {
            "payload_type": 2,
            "payload_variant": 7,
            "device_id": "0004a30b00f6b569",
            "sensor_status": 32,
            "total_counter_a": 1539,
            "total_counter_b": 1510,
        },
    ),
    (
        "20 0603 05E6",
        27,
        {
            "payload_type": 2,
            "payload_variant": 7,
            "sensor_status": 32,
            "total_counter_a": 1539,
            "total_counter_b": 1510,
        },
    ),
    (
        "0208 0004A30B00F6B569 08 012C 20",
        None,
        {
            "payload_type": 2,
            "payload_variant": 8,
            "device_id": "0004a30b00f6b569",
            "device_status": 8,
            "battery_voltage": 3.0,
            "sensor_status": 32,
        },
    ),
    (
        "08 00F8 20",
        28,
        {
            "payload_type": 2,
            "payload_variant": 8,
            "device_status": 8,
            "battery_voltage": 2.48,
            "sensor_status": 32,
        },
    ),
    (
        # Variant 4 keeps a 6-byte id, then status, battery, signal, BCD date/time and counts.
        "0204 00A30B00F6B5 08 00F8 D6 20211220195858 0003 0002 20",
        None,
        {
            "payload_type": 2,
            "payload_variant": 4,
            "device_id": "00a30b00f6b5",
            "device_status": 8,
            "battery_voltage": 2.48,
            "rssi": -42,
            "datetime": "2021-12-20T19:58:58.000Z",
            "counter_a": 3,
            "counter_b": 2,
            "sensor_status": 32,
        },
    ),
    (
        "20211220195858 0003 0002 20",
        24,
        {
            "payload_type": 2,
            "payload_variant": 4,
            "datetime": "2021-12-20T19:58:58.000Z",
            "counter_a": 3,
            "counter_b": 2,
            "sensor_status": 32,
        },
    ),
]


@pytest.mark.parametrize(("hex_payload", "f_port", "expected"), IMB_CASES)
def test_imbuildings_decodes_like_the_imbuildings_decoder(
    hex_payload: str, f_port: int | None, expected: dict[str, Any]
) -> None:
    decoded = decode_imbuildings(payload(hex_payload), f_port)
    assert decoded == expected
    assert list(decoded) == list(expected)


def test_imbuildings_header_wins_over_the_fport() -> None:
    """As in the official decoder: a recognised header is read whatever port it came on."""
    assert decode("imbuildings", payload(IMB_README), 28) == IMB_CASES[0][2]


@pytest.mark.parametrize(
    ("hex_payload", "f_port", "reason"),
    [
        (IMB_README[20:], None, "no fPort to tell the variant"),
        (IMB_README[20:], 11, "fPort 11 carries comfort sensor readings"),
        (IMB_README[20:], 99, "fPort 99 is not a people-counter port"),
        (IMB_README[20:-2], 26, "which is 13 bytes, but this payload is 12 bytes"),
        (IMB_README[:-2], 26, "starts like a payload type 2 variant 6 header"),
        ("0209" + "00" * 23, None, "payload type 2 variant 9, a variant we cannot decode"),
        ("0103" + "00" * 18, None, "type 1 variant 3 is from a comfort or desk sensor"),
        ("2021122A195858 0003 0002 20", 24, "0x2A is not a BCD number"),
        ("20211320195858 0003 0002 20", 24, "not a real date"),
        ("00211220195858 0003 0002 20", 24, "year 21"),
        ("", 26, "empty"),
    ],
)
def test_imbuildings_refuses_what_it_cannot_place(
    hex_payload: str, f_port: int | None, reason: str
) -> None:
    with pytest.raises(UnusableUplink) as caught:
        decode_imbuildings(payload(hex_payload), f_port)
    assert reason in caught.value.reason


# --- Refusals and robustness -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("decoder", "hex_payload", "reason"),
    [
        (decode_vs133, "", "VS133/VS135 payload is empty"),
        (decode_vs121, "", "VS121 payload is empty"),
        (decode_vs133, "03D248000000 99010000", "unknown channel 0x99 type 0x01 at byte 6"),
        (decode_vs133, "03CC48000000", "unknown channel 0x03 type 0xCC at byte 0"),
        (decode_vs121, "FF99", "unknown channel 0xFF type 0x99 at byte 0"),
        (decode_vs133, "03D248000000 04", "channel 0x04 at byte 6 (its type byte)"),
        (decode_vs133, "03D24800", "channel 0x03 type 0xD2 at byte 0 needs 4 byte(s)"),
        (decode_vs121, f"20CE{STAMP}7F00000000", "history record of unknown type 0x7F"),
        (decode_vs133, f"20CE{STAMP}7F00000000", "history record of unknown type 0x7F"),
    ],
)
def test_milesight_refuses_empty_cut_and_unknown(
    decoder: Callable[[bytes], dict[str, Any]], hex_payload: str, reason: str
) -> None:
    with pytest.raises(UnusableUplink) as caught:
        decoder(payload(hex_payload))
    assert reason in caught.value.reason


def test_unknown_kind_is_refused() -> None:
    with pytest.raises(UnusableUplink, match="no decoder for sensor kind 'vs999'"):
        decode("vs999", b"\x01", None)


def test_decode_dispatches_each_kind() -> None:
    assert decode("vs133", payload("0FE302100709"), 85) == VS13X_OFFICIAL[2][1]
    assert decode("vs121", payload("05CC02000100"), 85) == {"people_in": 2, "people_out": 1}
    assert decode("imbuildings", payload(IMB_README[20:]), 26) == IMB_CASES[2][2]


def _dict_or_unusable(call: Callable[[], dict[str, Any]]) -> None:
    """The only outcomes allowed: a decoded dict, or UnusableUplink with a reason."""
    try:
        result = call()
    except UnusableUplink as refusal:
        assert refusal.reason
    else:
        assert isinstance(result, dict)


GOOD_PAYLOADS: list[tuple[str, bytes, int | None]] = [
    *[("vs133", payload(text), 85) for text, _ in VS13X_OFFICIAL + VS13X_BUILT],
    *[("vs121", payload(text), 85) for text, _ in VS121_OFFICIAL + VS121_BUILT],
    *[("imbuildings", payload(text), port) for text, port, _ in IMB_CASES],
]


@pytest.mark.parametrize(("kind", "raw", "f_port"), GOOD_PAYLOADS)
def test_every_cut_of_a_good_payload_is_decoded_or_refused(
    kind: str, raw: bytes, f_port: int | None
) -> None:
    for length in range(len(raw)):
        _dict_or_unusable(lambda cut=raw[:length]: decode(kind, cut, f_port))


def test_cutting_a_milesight_record_short_is_refused() -> None:
    """A cut inside a record must never pass as a shorter, valid-looking reading."""
    raw = payload(VS13X_OFFICIAL[0][0])
    for length in range(1, len(raw)):
        if length % 6:
            with pytest.raises(UnusableUplink):
                decode_vs133(raw[:length])


# Real channel headers, so the fuzz also reaches the readers behind them, not only the refusals.
CHANNEL_HEADERS = {
    "vs133": ["03D2", "05CC", "13CC", "0FE3", "10E4", "50FC", "20CE", "FF16", "FF6A", "F888"],
    "vs121": ["04C9", "05CC", "07D5", "09DA", "0EE4", "20CE", "FF46", "F895", "F899", "F990"],
    "imbuildings": ["0204", "0206", "0207", "0208", "0103", "0209"],
}


@pytest.mark.parametrize("kind", ["vs133", "vs135", "vs121", "imbuildings"])
def test_random_bytes_are_decoded_or_refused(kind: str) -> None:
    rng = random.Random(f"townhub-decoders-{kind}")
    headers = CHANNEL_HEADERS["vs133" if kind == "vs135" else kind]
    for _ in range(3000):
        raw = bytes(rng.randrange(256) for _ in range(rng.randrange(0, 40)))
        if rng.random() < 0.5:
            raw = payload(rng.choice(headers)) + raw
        f_port = rng.choice([None, 1, 24, 26, 27, 28, 85])
        _dict_or_unusable(lambda raw=raw, f_port=f_port: decode(kind, raw, f_port))
