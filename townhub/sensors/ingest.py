"""Parsing LoRaWAN uplinks from The Things Stack v3 and ChirpStack v4 into one shape.

Pure (no database, MQTT or Flask) so odd real messages can be tested from recorded fixtures.
Anything unusable raises UnusableUplink with a reason; the caller quarantines, never drops.
Formats: thethingsindustries.com/docs/integrations/data-formats/ ,
chirpstack.io/docs/chirpstack/integrations/events.html , cyberman54.github.io/ESP32-Paxcounter/
"""

from __future__ import annotations

import base64
import binascii
import json
import math
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

MAX_MESSAGE_BYTES = 64 * 1024
# footfall_counts.people is a 32-bit integer; a bigger count is a broken decoder, not a crowd.
MAX_PEOPLE = 2**31 - 1
# footfall_counts.uplink_id is 200 characters and gets a network prefix.
MAX_MESSAGE_ID = 150

_TIME = re.compile(r"(\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d)(?:\.(\d+))?(Z|[+-]\d\d:\d\d)", re.I)
_DEV_EUI = re.compile(r"[0-9A-F]{16}")
# Decimal text only: JS formatters often return counts via toFixed(), which gives strings.
_NUMBER_TEXT = re.compile(r"[+-]?[0-9]{1,12}(?:\.[0-9]{1,12})?")
# Paxcounter port-1 payload sizes: wifi, wifi+ble, and each with 13 GPS bytes appended.
_PAX_SIZES = {2: False, 4: True, 15: False, 17: True}  # size -> has a BLE count


class UnusableUplink(Exception):
    """Raised with a plain-English reason the message cannot be used (it will be quarantined)."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


@dataclass(frozen=True)
class Uplink:
    network: str
    device_id: str
    dev_eui: str | None
    received_at: datetime
    f_cnt: int | None
    f_port: int | None
    message_id: str
    decoded: dict[str, Any] | None
    frm_payload: bytes | None


@dataclass(frozen=True)
class PeopleCount:
    people: int


def parse_tts_uplink(raw: bytes) -> Uplink:
    """An `up` message from The Things Stack v3 (MQTT or webhook JSON)."""
    message = _load(raw)
    up = message.get("uplink_message")
    if not isinstance(up, dict):
        # Joins, downlink events and so on share the topic tree; name what it was instead.
        others = sorted(set(message) - {"end_device_ids", "correlation_ids", "received_at"})
        shown = f" ({', '.join(others[:3])})" if others else ""
        raise UnusableUplink(f"not an uplink message{shown}")
    ids = _object(message.get("end_device_ids"))
    device_id = _text(ids.get("device_id"))
    if device_id is None:
        raise UnusableUplink("no device id (end_device_ids.device_id is missing)")
    # The Application Server's time is the top-level one; the inner one is the Network Server's.
    received_at = _time(message.get("received_at") or up.get("received_at"), "received_at")
    # TTS leaves out zero values, so a first uplink has no f_cnt: absent means unknown here.
    f_cnt = _whole(up.get("f_cnt"), "f_cnt")
    # The as:up id is fixed when TTS handles the uplink, so a redelivery repeats it exactly.
    message_id = _as_up_id(message) or f"{device_id}:{f_cnt}:{received_at.isoformat()}"
    return Uplink(
        network="tts",
        device_id=device_id,
        dev_eui=_dev_eui(ids.get("dev_eui")),
        received_at=received_at,
        f_cnt=f_cnt,
        f_port=_whole(up.get("f_port"), "f_port"),
        message_id=_bounded_id(message_id),
        decoded=_decoded(up.get("decoded_payload"), "decoded_payload"),
        frm_payload=_base64(up.get("frm_payload"), "frm_payload"),
    )


def parse_chirpstack_uplink(raw: bytes) -> Uplink:
    """An `up` event from ChirpStack v4 with the JSON marshaler (protobuf JSON mapping)."""
    message = _load(raw)
    # Join, status and log events look alike but never carry radio or frame fields.
    if not {"rxInfo", "txInfo", "fCnt", "fPort", "data", "object"} & set(message):
        raise UnusableUplink("not an uplink event (no rxInfo, txInfo or frame fields)")
    info = _object(message.get("deviceInfo"))
    dev_eui = _dev_eui(info.get("devEui"))
    device_id = _text(info.get("deviceName")) or dev_eui
    if device_id is None:
        raise UnusableUplink("no device id (deviceInfo has neither deviceName nor devEui)")
    dedup = _text(message.get("deduplicationId"))
    if dedup is None:
        raise UnusableUplink("no deduplicationId to recognise a redelivered uplink")
    return Uplink(
        network="chirpstack",
        device_id=device_id,
        dev_eui=dev_eui,
        received_at=_time(message.get("time"), "time"),
        f_cnt=_whole(message.get("fCnt"), "fCnt"),
        f_port=_whole(message.get("fPort"), "fPort"),
        message_id=_bounded_id(dedup),
        decoded=_decoded(message.get("object"), "object"),
        frm_payload=_base64(message.get("data"), "data"),
    )


def people_count(uplink: Uplink, kind: str, mapping: dict[str, Any] | None = None) -> PeopleCount:
    """How many people one uplink reports, by the sensor's kind and mapping.

    "paxcounter": decoded pax, else wifi + ble; with no decoder, the raw port-1 payload in
    mapping["encoding"]: "packed" (little-endian, the firmware default) or "plain" (big-endian).
    "field": the decoded field named by mapping["field"].
    Numbers may arrive as 12, 12.0 (ChirpStack turns every number into a double) or "12"
    (toFixed() in JS formatters); fractions, negatives, booleans and null are refused.
    """
    mapping = mapping or {}
    if kind == "paxcounter":
        return PeopleCount(_paxcounter(uplink, mapping))
    if kind == "field":
        field = mapping.get("field")
        if not isinstance(field, str) or not field:
            raise UnusableUplink("sensor mapping has no 'field' naming the decoded count")
        decoded = uplink.decoded
        if decoded is None:
            raise UnusableUplink(f"no decoded payload to read {field!r} from (no formatter?)")
        if field not in decoded:
            raise UnusableUplink(f"decoded payload has no {field!r} field")
        return PeopleCount(_people(decoded[field], field))
    raise UnusableUplink(f"unknown sensor kind {kind!r}")


def _paxcounter(uplink: Uplink, mapping: dict[str, Any]) -> int:
    decoded = uplink.decoded
    if decoded is not None:
        if "pax" in decoded:
            return _people(decoded["pax"], "pax")
        present = [name for name in ("wifi", "ble") if name in decoded]
        if not present:
            # Paxcounters also send status (port 2), config (3) and GPS (4): no count in those.
            raise UnusableUplink(
                f"decoded payload has no 'pax' field (nor 'wifi' or 'ble'; port {uplink.f_port})"
            )
        return _people(sum(_people(decoded[name], name) for name in present), "wifi + ble")
    payload = uplink.frm_payload
    if payload is None:
        raise UnusableUplink("no decoded payload and no raw payload to count")
    encoding = mapping.get("encoding", "packed")
    if encoding not in ("packed", "plain"):
        raise UnusableUplink(f"unknown Paxcounter encoding {encoding!r}: use 'packed' or 'plain'")
    if uplink.f_port != 1:
        raise UnusableUplink(f"raw Paxcounter payload on port {uplink.f_port}, not count port 1")
    if len(payload) not in _PAX_SIZES:
        raise UnusableUplink(f"raw Paxcounter count of {len(payload)} bytes, not 2, 4, 15 or 17")
    order: Literal["little", "big"] = "little" if encoding == "packed" else "big"
    wifi = int.from_bytes(payload[0:2], order)
    ble = int.from_bytes(payload[2:4], order) if _PAX_SIZES[len(payload)] else 0
    return wifi + ble


def _people(value: Any, name: str) -> int:
    if isinstance(value, bool):  # bool is an int in Python; true is not "1 person"
        raise UnusableUplink(f"{name!r} is {str(value).lower()}, not a number")
    if isinstance(value, str):
        if not _NUMBER_TEXT.fullmatch(value.strip()):
            raise UnusableUplink(f"{name!r} is not a number: {_show(value)}")
        value = float(value) if "." in value else int(value)
    if isinstance(value, float):
        if not math.isfinite(value) or not value.is_integer():
            raise UnusableUplink(f"{name!r} is not a whole number: {_show(value)}")
        value = int(value)
    if not isinstance(value, int):
        raise UnusableUplink(f"{name!r} is not a number: {_show(value)}")
    if value < 0:
        raise UnusableUplink(f"{name!r} is negative: {value}")
    if value > MAX_PEOPLE:
        raise UnusableUplink(f"{name!r} is implausibly large: {value}")
    return value


def _load(raw: bytes) -> dict[str, Any]:
    if len(raw) > MAX_MESSAGE_BYTES:
        raise UnusableUplink("message larger than 64 KB")
    try:
        text = bytes(raw).decode("utf-8")
    except UnicodeDecodeError as error:
        # The usual cause is an integration set to Protobuf rather than JSON.
        raise UnusableUplink(f"not valid UTF-8 (Protobuf rather than JSON?): {error}") from None
    try:
        data = json.loads(text, parse_constant=_no_constant)
    except RecursionError:
        raise UnusableUplink("not valid JSON: nested too deeply") from None
    except ValueError as error:  # JSONDecodeError, or an integer literal over 4300 digits
        raise UnusableUplink(f"not valid JSON: {error}") from None
    if not isinstance(data, dict):
        raise UnusableUplink(f"not a JSON object but {type(data).__name__}")
    return data


def _no_constant(name: str) -> Any:
    # Python's json accepts NaN and Infinity, which are not JSON and not counts.
    raise UnusableUplink(f"not valid JSON: {name} is not a JSON value")


def _time(value: Any, name: str) -> datetime:
    if value is None:
        raise UnusableUplink(f"no {name}")
    match = _TIME.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise UnusableUplink(f"{name} is not a time with a zone: {_show(value)}")
    base, fraction, zone = match.groups()
    # Both networks send nanoseconds; datetime holds microseconds, so cut (never round up).
    micro = (fraction or "")[:6].ljust(6, "0")
    zone = "+00:00" if zone.upper() == "Z" else zone
    try:
        return datetime.fromisoformat(f"{base}.{micro}{zone}").astimezone(UTC)
    except ValueError as error:
        raise UnusableUplink(f"{name} is not a real time: {error}") from None


def _whole(value: Any, name: str) -> int | None:
    if value is None:
        return None
    # Protobuf's JSON mapping may render integers as strings; both are accepted.
    if isinstance(value, str) and value.isascii() and value.isdigit() and len(value) <= 10:
        return int(value)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    raise UnusableUplink(f"{name} is not a whole number: {_show(value)}")


def _decoded(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise UnusableUplink(f"{name} is not a JSON object but {type(value).__name__}")
    return value


def _base64(value: Any, name: str) -> bytes | None:
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise UnusableUplink(f"{name} is not base64 text: {_show(value)}")
    try:
        return base64.b64decode(value, validate=True)
    except binascii.Error as error:
        raise UnusableUplink(f"{name} is not valid base64: {error}") from None


def _dev_eui(value: Any) -> str | None:
    # Ids are keyed on device_id; a malformed EUI is dropped rather than failing the message.
    if not isinstance(value, str):
        return None
    eui = value.strip().replace("-", "").replace(":", "").upper()
    return eui if _DEV_EUI.fullmatch(eui) else None


def _as_up_id(message: dict[str, Any]) -> str | None:
    ids = message.get("correlation_ids")
    if not isinstance(ids, list):
        return None
    return next((i for i in ids if isinstance(i, str) and i.startswith("as:up:")), None)


def _bounded_id(message_id: str) -> str:
    if len(message_id) > MAX_MESSAGE_ID:
        raise UnusableUplink(f"message id longer than {MAX_MESSAGE_ID} characters")
    return message_id


def _object(value: Any) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def _text(value: Any) -> str | None:
    return (value.strip() or None) if isinstance(value, str) else None


def _show(value: Any) -> str:
    shown = repr(value)
    return shown if len(shown) <= 40 else shown[:37] + "..."
