"""What each kind of people counter sends, and how to read a count from it.

A preset knows a device's decoded fields, so a hub manager picks "Milesight VS133, line 1,
both directions" instead of writing a field mapping. When the network server has no
payload formatter, the raw bytes are decoded here (townhub.sensors.decoders) into the same
fields the manufacturer's decoder would give, so one mapping serves both.

Pure: no database. A count is either for the period since the last uplink, or a set of
running totals that the caller turns into differences (townhub.sensors.service).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from flask_babel import lazy_gettext as _l

from townhub.sensors import decoders
from townhub.sensors.ingest import MAX_PEOPLE, UnusableUplink, Uplink, people_count, to_people

# Milesight and IMBuildings running totals are unsigned 32-bit numbers.
COUNTER_MODULUS = 2**32
DEFAULT_PERIOD_MINUTES = 15


@dataclass(frozen=True)
class Preset:
    label: Any  # lazy text
    counts_what: Any  # for the public sensor page
    # "passing": people crossing a line; "present": people seen at one moment.
    measure: str
    # The options a hub manager picks, with their allowed values (first is the default).
    options: dict[str, tuple[str, ...]]


PRESETS: dict[str, Preset] = {
    "paxcounter": Preset(
        _l("Paxcounter (Wi-Fi and Bluetooth signals nearby)"),
        _l(
            "how many phones and other devices are nearby, from the Wi-Fi and Bluetooth "
            "signals they send out; the device keeps no addresses, only the number"
        ),
        "present",
        {"encoding": ("packed", "plain")},
    ),
    "vs133": Preset(
        _l("Milesight VS133 people counter (line crossing)"),
        _l("people walking across a line on the pavement, in each direction"),
        "passing",
        {
            "line": ("1", "2", "3", "4"),
            "direction": ("both", "in", "out"),
            "counts": ("period", "cumulative"),
        },
    ),
    "vs135": Preset(
        _l("Milesight VS135 people counter (line crossing)"),
        _l("people walking across a line on the pavement, in each direction"),
        "passing",
        {
            "line": ("1", "2", "3", "4"),
            "direction": ("both", "in", "out"),
            "counts": ("period", "cumulative"),
        },
    ),
    "vs121": Preset(
        _l("Milesight VS121 occupancy sensor"),
        _l("how many people are in its view at one moment"),
        "present",
        {},
    ),
    "imbuildings": Preset(
        _l("IMBuildings people counter"),
        _l("people passing its infrared beam, in each direction"),
        "passing",
        {"counters": ("a+b", "a", "b"), "counts": ("period", "cumulative")},
    ),
    "field": Preset(
        _l("Another counter: name the decoded field"),
        _l("people, as counted by the device's own decoder"),
        "passing",
        {"counts": ("period", "cumulative")},
    ),
}

# Decoded fields that only describe the device. A message with these and no count is a
# status message (a boot or battery report): it updates the sensor's health, and is kept
# out of quarantine because nothing in it was lost.
STATUS_FIELDS = frozenset(
    {
        "battery",
        "battery_level",
        "batteryLevel",
        "battery_voltage",
        "voltage",
        "device_status",
        "firmware_version",
        "hardware_version",
        "protocol_version",
        "sn",
        "power_on",
        "device_type",
        "ipso_version",
        "tsl_version",
        "bat",
    }
)


@dataclass(frozen=True)
class Reading:
    """One uplink's count: `people` for a period, or running `totals` by field."""

    people: int | None = None
    totals: dict[str, int] | None = None
    status_only: bool = False
    battery_percent: float | None = None
    battery_volts: float | None = None


def option(mapping: dict[str, Any], kind: str, name: str) -> str:
    """A preset option from the mapping, or its default."""
    allowed = PRESETS[kind].options.get(name, ("",))
    value = str(mapping.get(name, allowed[0]))
    if value not in allowed:
        raise UnusableUplink(f"sensor setting {name}={value!r} is not one of {', '.join(allowed)}")
    return value


def counts_cumulative(kind: str, mapping: dict[str, Any]) -> bool:
    if kind not in PRESETS or "counts" not in PRESETS[kind].options:
        return False
    return mapping.get("counts") == "cumulative"


def period_minutes(mapping: dict[str, Any]) -> int:
    value = mapping.get("period_minutes", DEFAULT_PERIOD_MINUTES)
    return value if isinstance(value, int) and 1 <= value <= 1440 else DEFAULT_PERIOD_MINUTES


def read(uplink: Uplink, kind: str, mapping: dict[str, Any]) -> Reading:
    """The count in one uplink for a sensor of this kind and mapping."""
    if kind not in PRESETS:
        raise UnusableUplink(f"unknown sensor kind {kind!r}")
    if kind == "paxcounter":
        decoded = uplink.decoded or {}
        if uplink.decoded is not None and not {"pax", "wifi", "ble"} & set(decoded):
            return _status_or_missing(uplink, decoded, ["pax"])
        return replace(_battery(decoded), people=people_count(uplink, kind, mapping).people)
    decoded = _decoded(uplink, kind)
    fields = _count_fields(kind, mapping)
    present = {name: value for name in fields if (value := _field(decoded, name)) is not None}
    if not present:
        return _status_or_missing(uplink, decoded, fields)
    missing = [name for name in fields if name not in present]
    if missing:
        raise UnusableUplink(f"decoded payload has no {_names(missing)} field")
    cumulative = counts_cumulative(kind, mapping)
    limit = COUNTER_MODULUS - 1 if cumulative else MAX_PEOPLE
    values = {name: to_people(value, name, limit) for name, value in present.items()}
    battery = _battery(decoded)
    if cumulative:
        return replace(battery, totals=values)
    total = sum(values.values())
    if total > MAX_PEOPLE:
        raise UnusableUplink(f"{_names(fields)} add up to an implausible {total}")
    return replace(battery, people=total)


def _decoded(uplink: Uplink, kind: str) -> dict[str, Any]:
    if uplink.decoded is not None:
        return uplink.decoded
    if kind == "field":
        raise UnusableUplink("no decoded payload to read the field from (no payload formatter?)")
    if uplink.frm_payload is None:
        raise UnusableUplink("no decoded payload and no raw payload to count")
    return decoders.decode(kind, uplink.frm_payload, uplink.f_port)


def _count_fields(kind: str, mapping: dict[str, Any]) -> list[str]:
    cumulative = counts_cumulative(kind, mapping)
    if kind in ("vs133", "vs135"):
        line = option(mapping, kind, "line")
        direction = option(mapping, kind, "direction")
        which = "total" if cumulative else "period"
        ways = ["in", "out"] if direction == "both" else [direction]
        return [f"line_{line}_{which}_{way}" for way in ways]
    if kind == "vs121":
        return ["people_counter_all"]
    if kind == "imbuildings":
        counters = option(mapping, kind, "counters").split("+")
        prefix = "total_counter_" if cumulative else "counter_"
        return [prefix + counter for counter in counters]
    field = mapping.get("field")
    if not isinstance(field, str) or not field.strip():
        raise UnusableUplink("sensor mapping has no 'field' naming the decoded count")
    return [field.strip()]


# Other names decoders have used for the same field: Milesight's current VS121 decoder
# says people_count_all where older ones (and many network servers) say people_counter_all.
ALIASES = {"people_counter_all": ("people_count_all",)}


def _field(decoded: dict[str, Any], name: str) -> Any:
    """A decoded field by its flat name (`line_1_total_in`), or in the nested shape of
    The Things Network's device repository decoder (`line_1.total_in`), or by a dotted
    path for custom fields."""
    if name in decoded:
        return decoded[name]
    for alias in ALIASES.get(name, ()):
        if alias in decoded:
            return decoded[alias]
    if "." in name:
        value: Any = decoded
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value
    for cut in range(len(name)):
        if name[cut] == "_" and isinstance(decoded.get(name[:cut]), dict):
            value = _field(decoded[name[:cut]], name[cut + 1 :])
            if value is not None:
                return value
    return None


def _status_or_missing(uplink: Uplink, decoded: dict[str, Any], fields: list[str]) -> Reading:
    if STATUS_FIELDS & set(decoded):
        return replace(_battery(decoded), status_only=True)
    port = f" (port {uplink.f_port})" if uplink.f_port is not None else ""
    raise UnusableUplink(f"decoded payload has no {_names(fields)} field{port}")


def _battery(decoded: dict[str, Any]) -> Reading:
    """A reading with only the battery level or voltage the payload carries, if any."""
    percent = next(
        (
            v
            for k in ("battery", "battery_level", "batteryLevel")
            if (v := _number(decoded, k)) is not None
        ),
        None,
    )
    volts = _number(decoded, "battery_voltage")
    if volts is None:
        volts = _number(decoded, "voltage")
    if volts is not None and volts > 100:  # millivolts, as Paxcounter sends
        volts = volts / 1000
    return Reading(
        battery_percent=percent if percent is not None and 0 <= percent <= 100 else None,
        battery_volts=volts if volts is not None and 0 < volts < 100 else None,
    )


def _number(decoded: dict[str, Any], name: str) -> float | None:
    value = decoded.get(name)
    if isinstance(value, bool) or not isinstance(value, int | float):
        return None
    return float(value)


def _names(fields: list[str]) -> str:
    return " or ".join(repr(name) for name in fields)
