"""Parsing LoRaWAN uplinks from The Things Stack v3 and ChirpStack v4 into one shape.

Pure (no database, MQTT or Flask) so odd real messages can be tested from recorded fixtures.
Anything unusable raises UnusableUplink with a reason; the caller quarantines, never drops.
Formats: thethingsindustries.com/docs/integrations/data-formats/ ,
chirpstack.io/docs/chirpstack/integrations/events.html (v4), the v3 `integration.UplinkEvent`
in chirpstack-api 3.x (JSON marshaler), cyberman54.github.io/ESP32-Paxcounter/
"""

from __future__ import annotations

import base64
import binascii
import hashlib
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
    # The best gateway's signal, and a battery level the network server reported itself.
    rssi: float | None = None
    snr: float | None = None
    battery_percent: float | None = None


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
        **_best_signal(up.get("rx_metadata"), snr_name="snr"),
        battery_percent=_tts_battery(up.get("last_battery_percentage")),
    )


def parse_chirpstack_uplink(raw: bytes) -> Uplink:
    """An `up` event from ChirpStack v4, or from the older v3, with the JSON marshaler."""
    message = _load(raw)
    # Join, status and log events look alike but never carry radio or frame fields.
    if not {"rxInfo", "txInfo", "fCnt", "fPort", "data", "object", "objectJSON"} & set(message):
        raise UnusableUplink("not an uplink event (no rxInfo, txInfo or frame fields)")
    if "deviceInfo" not in message and ("applicationID" in message or "devEUI" in message):
        return _chirpstack_v3(message)
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
        **_best_signal(message.get("rxInfo"), snr_name="snr"),
    )


def _chirpstack_v3(message: dict[str, Any]) -> Uplink:
    """ChirpStack v3: numeric application ids, the EUI as hex or (protobuf JSON) base64, the
    decoded object as `object` or as JSON text in `objectJSON`, and no deduplication id."""
    dev_eui = _dev_eui(message.get("devEUI")) or _dev_eui_base64(message.get("devEUI"))
    device_id = _text(message.get("deviceName")) or dev_eui
    if device_id is None:
        raise UnusableUplink("no device id (neither deviceName nor devEUI)")
    f_cnt = _whole(message.get("fCnt"), "fCnt")
    # publishedAt (v3.10 on) or a gateway's time. Older v3 sends neither: the count is then
    # dated on arrival, and the frame known by its counter and payload alone, which is
    # what a redelivery repeats (a restarted device repeating both is the rare miss).
    rx_info = message.get("rxInfo")
    gateways = rx_info if isinstance(rx_info, list) else []
    stamps = [g.get("time") for g in gateways if isinstance(g, dict) and g.get("time")]
    published = message.get("publishedAt") or (stamps[0] if stamps else None)
    received_at = _time(published, "publishedAt") if published else datetime.now(UTC)
    data = _base64(message.get("data"), "data")
    digest = hashlib.sha256(data or b"").hexdigest()[:16]
    stamp = received_at.isoformat() if published else "arrival"
    message_id = f"v3:{dev_eui or device_id}:{f_cnt}:{stamp}:{digest}"
    return Uplink(
        network="chirpstack",
        device_id=device_id,
        dev_eui=dev_eui,
        received_at=received_at,
        f_cnt=f_cnt,
        f_port=_whole(message.get("fPort"), "fPort"),
        message_id=_bounded_id(message_id),
        decoded=_v3_object(message),
        frm_payload=data,
        **_best_signal(gateways, snr_name="loRaSNR"),
    )


def _v3_object(message: dict[str, Any]) -> dict[str, Any] | None:
    if message.get("object") is not None:
        return _decoded(message["object"], "object")
    text = message.get("objectJSON")
    if text in (None, ""):
        return None
    if not isinstance(text, str):
        raise UnusableUplink(f"objectJSON is not JSON text: {_show(text)}")
    try:
        return _decoded(json.loads(text, parse_constant=_no_constant), "objectJSON")
    except ValueError as error:
        raise UnusableUplink(f"objectJSON is not valid JSON: {error}") from None


@dataclass(frozen=True)
class DeviceStatus:
    device_id: str
    dev_eui: str | None
    battery_percent: float | None


def parse_chirpstack_status(raw: bytes) -> DeviceStatus:
    """A ChirpStack v4 `status` event: the battery level the device reported to the network
    server (absent for mains-powered devices or when the device could not tell)."""
    message = _load(raw)
    info = _object(message.get("deviceInfo"))
    dev_eui = _dev_eui(info.get("devEui"))
    device_id = _text(info.get("deviceName")) or dev_eui
    if device_id is None:
        raise UnusableUplink("no device id (deviceInfo has neither deviceName nor devEui)")
    level = _finite(message.get("batteryLevel"))
    unknown = message.get("batteryLevelUnavailable") or message.get("externalPowerSource")
    usable = level is not None and not unknown and 0 <= level <= 100
    return DeviceStatus(device_id, dev_eui, level if usable else None)


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
        return PeopleCount(to_people(decoded[field], field))
    raise UnusableUplink(f"unknown sensor kind {kind!r}")


def _paxcounter(uplink: Uplink, mapping: dict[str, Any]) -> int:
    decoded = uplink.decoded
    if decoded is not None:
        if "pax" in decoded:
            return to_people(decoded["pax"], "pax")
        present = [name for name in ("wifi", "ble") if name in decoded]
        if not present:
            # Paxcounters also send status (port 2), config (3) and GPS (4): no count in those.
            raise UnusableUplink(
                f"decoded payload has no 'pax' field (nor 'wifi' or 'ble'; port {uplink.f_port})"
            )
        return to_people(sum(to_people(decoded[name], name) for name in present), "wifi + ble")
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


def to_people(value: Any, name: str, limit: int = MAX_PEOPLE) -> int:
    """A decoded count as a whole number of people, or UnusableUplink saying why not."""
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
    if value > limit:
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
    if "\x00" in text or "\\u0000" in text:
        raise UnusableUplink("contains a NUL character, which cannot be stored")
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


def _dev_eui_base64(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    try:
        raw = base64.b64decode(value, validate=True)
    except binascii.Error:
        return None
    return raw.hex().upper() if len(raw) == 8 else None


def _best_signal(gateways: Any, *, snr_name: str) -> dict[str, float | None]:
    """The strongest gateway's RSSI and its SNR; missing or odd values are left out."""
    best: tuple[float, float | None] | None = None
    for gateway in gateways if isinstance(gateways, list) else []:
        if not isinstance(gateway, dict):
            continue
        rssi, snr = _finite(gateway.get("rssi")), _finite(gateway.get(snr_name))
        if rssi is not None and (best is None or rssi > best[0]):
            best = (rssi, snr)
    return {"rssi": best[0], "snr": best[1]} if best else {"rssi": None, "snr": None}


def _tts_battery(value: Any) -> float | None:
    # uplink_message.last_battery_percentage: {"f_cnt": .., "value": 87.4, "received_at": ..}
    level = _finite(value.get("value")) if isinstance(value, dict) else None
    return level if level is not None and 0 <= level <= 100 else None


def _finite(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value) if math.isfinite(value) else None


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
