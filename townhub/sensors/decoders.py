"""Decoding raw LoRaWAN payloads from footfall sensors, for networks with no payload formatter.

When The Things Stack or ChirpStack has no formatter for a device we only get the bytes
(`frm_payload` / `data`) and the fPort. These functions turn those bytes into exactly the dict the
manufacturer's own JavaScript decoder returns, so one field mapping works whether the network
decoded the uplink or we did. Pure: no I/O, Flask or database.

Sources followed (read in the public GitHub copies, 2024-2025 versions):

* Milesight VS133 / VS135: Milesight-IoT/SensorDecoders, VS_Series/VS13x/VS13x_Decoder.js (the
  current decoder, "applicable to VS133 / VS135", so both models share one format) and its README
  (VS_Series/VS13x/README.md, same examples as VS_Series/VS133/README.md). The history frames
  (0x20 0xCE) and the longer list of command replies come from the newer copy Milesight published
  to The Things Network device repository: TheThingsNetwork/lorawan-devices,
  vendor/milesight-iot/vs135.js ("Copyright 2025 Milesight IoT, @product VS133 / VS135").
* Milesight VS121: Milesight-IoT/SensorDecoders, VS_Series/VS121/VS121_Decoder.js and
  VS_Series/VS121/README.md.
* IMBuildings People Counter / Office Occupancy Counter: IMBUILDINGS/PayloadParser,
  ttn-v3/imbuildings-decoder.js (identical to IMBUILDINGS/docs, assets/imbuildings-decoder.js),
  and reference-guide/payload-definitions/README.md in IMBUILDINGS/docs.

Shapes other decoders emit, so a caller can read either:

* VS133 nested shape. The formatter in The Things Network device repository for the VS133
  (vendor/milesight-iot/vs133.js, "Copyright 2023", chosen when a device is registered there as a
  VS133) groups the line channels per line and knows nothing else (no region, dwell or device
  channels)::

      {"line_1": {"total_in": 72, "total_out": 200, "period_in": 0, "period_out": 0},
       "line_2": {...}}

  Milesight's own current decoders (VS13x_Decoder.js, and vs135.js in the same device repository)
  are flat, as returned here: `line_1_total_in`, `line_1_total_out`, `line_1_period_in`,
  `line_1_period_out`, ... So the nested shape is the older device-repository one, not a newer one.
  `nested["line_N"]["total_in"]` is `flat["line_N_total_in"]`, and so on for each field.
* VS121 old shape. The device-repository vs121.js ("Copyright 2020") returns `people_counter_all`,
  `region_count` and `regions: [{"index": 0, "count": 1}, ...]`; its bit test `(region > idx) & 1`
  is wrong, so only `people_counter_all` (= `people_count_all` here) is worth reading from it.
* IMBuildings old shape. The device-repository imbuildings.js (v1.1) calls the header fields
  `device_type_identifier`, `device_type` ("People Counter") and `device_type_variant` instead of
  `payload_type` and `payload_variant`; the counter fields have the same names.

Where we differ from the JavaScript, on purpose:

* Bad input is refused with UnusableUplink (a plain-English reason) instead of being half-read:
  the JavaScript reads past the end as NaN, and stops silently at an unknown channel, returning
  whatever it had, so a damaged frame could be stored as a real count.
* VS13x_Decoder.js calls an undefined `getVal` for the on/off command replies (it throws); the
  newer vs135.js uses `getValue`, as here. vs135.js names the child period-out field after a stale
  variable; VS13x_Decoder.js has it right (`line_N_child_period_out`), as here.
* Repeated list entries in one uplink (history records, VS121 schedules) are appended, which is
  what Milesight's own merge helper does; an engine's built-in Object.assign would keep only the
  last one.
* IMBuildings variant 4 date/time must be a valid BCD date from year 100 on; JavaScript's Date.UTC
  would roll an impossible date over into another one.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from townhub.sensors.ingest import UnusableUplink

Decoded = dict[str, Any]


class _Reader:
    """A cursor over a payload that turns reading past the end into UnusableUplink.

    Every read goes through take(), so a cut-off frame can never surface as IndexError.
    """

    def __init__(self, payload: bytes, device: str) -> None:
        self.payload = payload
        self.device = device
        self.offset = 0
        self.context = "the payload"

    def at_end(self) -> bool:
        return self.offset >= len(self.payload)

    def take(self, size: int) -> bytes:
        remaining = len(self.payload) - self.offset
        if size > remaining:
            raise UnusableUplink(
                f"{self.device} payload is cut short: {self.context} needs {size} byte(s) "
                f"from byte {self.offset} but only {remaining} remain"
            )
        chunk = self.payload[self.offset : self.offset + size]
        self.offset += size
        return chunk

    def u8(self) -> int:
        return self.take(1)[0]

    def u16le(self) -> int:
        return int.from_bytes(self.take(2), "little")

    def i16le(self) -> int:
        return int.from_bytes(self.take(2), "little", signed=True)

    def u16be(self) -> int:
        return int.from_bytes(self.take(2), "big")

    def u24le(self) -> int:
        return int.from_bytes(self.take(3), "little")

    def u32le(self) -> int:
        return int.from_bytes(self.take(4), "little")

    def hex(self, size: int) -> str:
        return self.take(size).hex()


# A channel's reader: given the cursor just after the channel id and type, return its fields.
Handler = Callable[[_Reader, int, int], Decoded]


def _merge(decoded: Decoded, fields: Decoded) -> None:
    """Add a channel's fields; later channels win, lists (history, schedules) are appended."""
    for key, value in fields.items():
        existing = decoded.get(key)
        if isinstance(existing, list) and isinstance(value, list):
            decoded[key] = existing + value
        else:
            decoded[key] = value


def _decode_channels(
    payload: bytes, device: str, channels: dict[tuple[int, int], Handler]
) -> Decoded:
    """Milesight's format: a run of (channel id, channel type, value) records, nothing else."""
    if not payload:
        raise UnusableUplink(f"{device} payload is empty")
    reader = _Reader(payload, device)
    decoded: Decoded = {}
    while not reader.at_end():
        start = reader.offset
        channel_id = reader.u8()
        reader.context = f"channel 0x{channel_id:02X} at byte {start} (its type byte)"
        channel_type = reader.u8()
        reader.context = f"channel 0x{channel_id:02X} type 0x{channel_type:02X} at byte {start}"
        handler = channels.get((channel_id, channel_type))
        if handler is None:
            # The official decoders stop here (or throw): nothing after it can be framed.
            raise UnusableUplink(
                f"{device} payload has an unknown channel 0x{channel_id:02X} "
                f"type 0x{channel_type:02X} at byte {start}"
            )
        _merge(decoded, handler(reader, channel_id, channel_type))
    return decoded


# ---------------------------------------------------------------------------------------------
# Small readers shared by the Milesight tables. Each returns one named field.

_ENABLE = {0: "disable", 1: "enable"}
_YES_NO = {0: "no", 1: "yes"}
_RESULT_STATUS = {0: "success", 1: "forbidden", 2: "invalid parameter"}


def _named(mapping: dict[int, str], value: int) -> str:
    """Milesight's getValue(): the name for a code, or "unknown"."""
    return mapping.get(value, "unknown")


def _u8_field(name: str) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: reader.u8()}

    return read


def _u16_field(name: str) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: reader.u16le()}

    return read


def _u32_field(name: str) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: reader.u32le()}

    return read


def _named_field(name: str, mapping: dict[int, str]) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: _named(mapping, reader.u8())}

    return read


def _enable_field(name: str) -> Handler:
    return _named_field(name, _ENABLE)


def _yes_field(name: str) -> Handler:
    """A command acknowledgement: the decoders always say "yes" whatever the byte holds."""

    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        reader.take(1)
        return {name: "yes"}

    return read


def _with_result_flag(body: Handler) -> Handler:
    """Replies on channel 0xF8 carry a result byte; a failure wraps the request it refused."""

    def read(reader: _Reader, channel_id: int, channel_type: int) -> Decoded:
        request = body(reader, channel_id, channel_type)
        if channel_id != 0xF8:
            return request
        result = reader.u8()
        if result == 0:
            return request
        return {
            "device_response_result": {
                "channel_type": channel_type,
                "result": _named(_RESULT_STATUS, result),
                "request": request,
            }
        }

    return read


def _add_replies(
    channels: dict[tuple[int, int], Handler],
    replies: dict[int, Handler],
    extended: dict[int, Handler],
) -> None:
    """Command replies: plain ones on channels 0xFE/0xFF, extended ones on 0xF8/0xF9.

    Device-information channels already in the table take precedence, as in the decoders.
    """
    for channel_type, handler in replies.items():
        for channel_id in (0xFE, 0xFF):
            channels.setdefault((channel_id, channel_type), handler)
    for channel_type, handler in extended.items():
        for channel_id in (0xF8, 0xF9):
            channels.setdefault((channel_id, channel_type), _with_result_flag(handler))


# ---------------------------------------------------------------------------------------------
# Milesight VS133 / VS135

_LINE_FIRST_CHANNEL = {"total_in": 0x03, "total_out": 0x04, "period": 0x05}
_CHILD_LINE_FIRST_CHANNEL = {"total_in": 0x11, "total_out": 0x12, "period": 0x13}


def _line_name(channel: int, first_channel: int) -> str:
    """Each line has three channels in a row (total in, total out, period): 0x06 is line 2."""
    return f"line_{(channel - first_channel) // 3 + 1}"


def _line_total(first_channel: int, field: str) -> Handler:
    def read(reader: _Reader, channel_id: int, _channel_type: int) -> Decoded:
        return {f"{_line_name(channel_id, first_channel)}_{field}": reader.u32le()}

    return read


def _line_period(first_channel: int, prefix: str) -> Handler:
    def read(reader: _Reader, channel_id: int, _channel_type: int) -> Decoded:
        line = _line_name(channel_id, first_channel)
        period_in = reader.u16le()
        period_out = reader.u16le()
        return {f"{line}_{prefix}period_in": period_in, f"{line}_{prefix}period_out": period_out}

    return read


def _region_counts(field: str) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {f"region_{region}_{field}": reader.u8() for region in range(1, 5)}

    return read


def _region_dwell(prefix: str) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        region = reader.u8()
        average = reader.u16le()
        maximum = reader.u16le()
        return {
            f"region_{region}_{prefix}avg_dwell": average,
            f"region_{region}_{prefix}max_dwell": maximum,
        }

    return read


def _history_dwell(field: str) -> Handler:
    """History records carry one dwell figure per record: region number, then the value."""

    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        region = reader.u8()
        return {f"region_{region}_{field}": reader.u16le()}

    return read


def _line_channels(first: dict[str, int], prefix: str) -> dict[tuple[int, int], Handler]:
    """(Channel id, type) -> reader for four lines' totals (0xD2) and periods (0xCC)."""
    total_in = _line_total(first["total_in"], f"{prefix}total_in")
    total_out = _line_total(first["total_out"], f"{prefix}total_out")
    period = _line_period(first["period"], prefix)
    channels: dict[tuple[int, int], Handler] = {}
    for line in range(4):
        step = 3 * line
        channels[(first["total_in"] + step, 0xD2)] = total_in
        channels[(first["total_out"] + step, 0xD2)] = total_out
        channels[(first["period"] + step, 0xCC)] = period
    return channels


def _vs13x_ipso_version(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    version = reader.u8()
    return {"ipso_version": f"v{version >> 4}.{version & 0x0F}"}


def _vs13x_hardware_version(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    major, minor = reader.take(2)
    return {"hardware_version": f"v{major}.{minor}"}


def _vs13x_firmware_version(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    serial, major, odm, minor = reader.take(4)
    return {"firmware_version": f"v{serial}.{major}.{odm}.{minor}"}


def _vs13x_serial_number(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    return {"sn": reader.hex(8)}


def _vs13x_occlusion_alarm(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    reader.take(1)  # not read by the official decoder
    node_id = reader.u8()
    node = "master" if node_id == 0 else f"node_{node_id}"
    alarm = _named({0: "alarm_released", 1: "alarm_triggered"}, reader.u8())
    return {f"{node}_occlusion_alarm": alarm}


def _vs13x_history_handlers() -> dict[int, Handler]:
    """History record type -> reader; line and region types reuse the live channel numbers."""
    handlers: dict[int, Handler] = {}
    for first, prefix in ((_LINE_FIRST_CHANNEL, ""), (_CHILD_LINE_FIRST_CHANNEL, "child_")):
        for (channel_id, _channel_type), handler in _line_channels(first, prefix).items():
            handlers[channel_id] = handler
    handlers[0x0F] = _region_counts("count")
    handlers[0x1D] = _region_counts("child_count")
    handlers[0x10] = _history_dwell("avg_dwell")
    handlers[0x20] = _history_dwell("max_dwell")
    handlers[0x1E] = _history_dwell("child_avg_dwell")
    handlers[0x3C] = _history_dwell("child_max_dwell")
    return handlers


def _history(device: str, record_types: dict[int, Handler]) -> Handler:
    """A stored record the device resends later: timestamp, record type, then that type's data."""

    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        record: Decoded = {"timestamp": reader.u32le()}
        record_type = reader.u8()
        handler = record_types.get(record_type)
        if handler is None:
            raise UnusableUplink(
                f"{device} payload has a history record of unknown type 0x{record_type:02X} "
                f"ending at byte {reader.offset}"
            )
        record.update(handler(reader, record_type, 0))
        return {"history": [record]}

    return read


def _vs13x_retransmit_interval(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    interval_type = reader.u8()
    interval = reader.u16le()
    if interval_type == 0:
        return {"retransmit_interval": interval}
    if interval_type == 1:
        return {"resend_interval": interval}
    return {}


def _vs13x_sync_time_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    enable = _named(_ENABLE, reader.u8())
    return {"sync_time_from_gateway_config": {"enable": enable, "period": reader.u16le()}}


def _rejoin_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    enable = _named(_ENABLE, reader.u8())
    return {"rejoin_config": {"enable": enable, "max_count": reader.u8()}}


_VS13X_LOG_LEVEL = {1: "fatal", 2: "error", 3: "warning", 4: "debug", 5: "trace"}


def _vs13x_log_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    console = _named(_VS13X_LOG_LEVEL, reader.u8())
    file = _named(_VS13X_LOG_LEVEL, reader.u8())
    return {"log_config": {"console_log_level": console, "file_log_level": file}}


_VS13X_REPLIES: dict[int, Handler] = {
    0x03: _u16_field("report_interval"),
    0x04: _enable_field("confirm_mode_enable"),
    0x10: _yes_field("reboot"),
    0x11: _u32_field("timestamp"),
    0x27: _yes_field("clear_history"),
    0x40: _enable_field("adr_enable"),
    0x42: _enable_field("wifi_enable"),
    0x43: _enable_field("periodic_report_enable"),
    0x44: _enable_field("trigger_report_enable"),
    0x51: _yes_field("clear_total_count"),
    0x68: _enable_field("history_enable"),
    0x69: _enable_field("retransmit_enable"),
    0x6A: _vs13x_retransmit_interval,
    0x6D: _yes_field("stop_transmit"),
}

_VS13X_EXTENDED_REPLIES: dict[int, Handler] = {
    0x84: _vs13x_sync_time_config,
    0x85: _rejoin_config,
    0x86: _u8_field("data_rate"),
    0x87: _u8_field("tx_power_level"),
    0x88: _vs13x_log_config,
}


def _vs13x_channels() -> dict[tuple[int, int], Handler]:
    channels: dict[tuple[int, int], Handler] = {
        (0xFF, 0x01): _vs13x_ipso_version,
        (0xFF, 0x09): _vs13x_hardware_version,
        (0xFF, 0x1F): _vs13x_firmware_version,
        (0xFF, 0x16): _vs13x_serial_number,
        (0x0F, 0xE3): _region_counts("count"),
        (0x1D, 0xE3): _region_counts("child_count"),
        (0x10, 0xE4): _region_dwell(""),
        (0x1E, 0xE4): _region_dwell("child_"),
        (0x50, 0xFC): _vs13x_occlusion_alarm,
        (0x20, 0xCE): _history("VS133/VS135", _vs13x_history_handlers()),
    }
    channels.update(_line_channels(_LINE_FIRST_CHANNEL, ""))
    channels.update(_line_channels(_CHILD_LINE_FIRST_CHANNEL, "child_"))
    _add_replies(channels, _VS13X_REPLIES, _VS13X_EXTENDED_REPLIES)
    return channels


_VS13X_CHANNELS = _vs13x_channels()


def decode_vs133(payload: bytes) -> Decoded:
    """A Milesight VS133 or VS135 uplink, as Milesight's VS13x decoder returns it (flat shape).

    Fields: line_N_total_in / line_N_total_out / line_N_period_in / line_N_period_out for lines
    1-4 (and line_N_child_* for the child counts), region_N_count and region_N_child_count,
    region_R_avg_dwell / region_R_max_dwell (and _child_), ipso_version, hardware_version,
    firmware_version, sn, master_occlusion_alarm / node_N_occlusion_alarm, history (a list of
    {"timestamp", ...one record's fields}), and command replies such as report_interval.
    """
    return _decode_channels(payload, "VS133/VS135", _VS13X_CHANNELS)


# ---------------------------------------------------------------------------------------------
# Milesight VS121


def _dotted_version(name: str, size: int) -> Handler:
    """VS121 versions are the bytes in decimal joined with dots: 1F 07 00 4B is "31.7.0.75"."""

    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: ".".join(str(byte) for byte in reader.take(size))}

    return read


def _vs121_serial_number(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    return {"sn": reader.hex(6)}


def _vs121_people_count(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    """Total people, how many regions are set up, and a bit per region saying occupied or not."""
    decoded: Decoded = {"people_count_all": reader.u8()}
    region_count = reader.u8()
    decoded["region_count"] = region_count
    occupied = reader.u16be()
    for index in range(region_count):
        # JavaScript takes shift counts modulo 32; only 16 regions exist, so this is moot.
        decoded[f"region_{index + 1}"] = (occupied >> (index % 32)) & 1
    return decoded


def _vs121_people_in_out(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    # Signed here but unsigned in history records, exactly as in the official decoder.
    people_in = reader.i16le()
    return {"people_in": people_in, "people_out": reader.i16le()}


def _u16_pair(first: str, second: str) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        value = reader.u16le()
        return {first: value, second: reader.u16le()}

    return read


def _u8_run(names: list[str]) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: reader.u8() for name in names}

    return read


def _u16_run(names: list[str]) -> Handler:
    def read(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
        return {name: reader.u16le() for name in names}

    return read


def _region_count_names(first: int, last: int) -> list[str]:
    return [f"region_{region}_count" for region in range(first, last + 1)]


def _flow_names(source: str, targets: str) -> list[str]:
    """People who entered at one of the areas A-D and left at another: a_to_b and so on."""
    return [f"{source}_to_{target}" for target in targets]


def _vs121_dwell(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    reader.take(1)  # the region number, which the official decoder reads but leaves out
    average = reader.u16le()
    return {"dwell_time_avg": average, "dwell_time_max": reader.u16le()}


def _vs121_history_handlers() -> dict[int, Handler]:
    handlers: dict[int, Handler] = {
        0x01: _vs121_people_count,
        0x02: _u16_pair("people_in", "people_out"),
        0x03: _u8_field("people_count_max"),
        0x04: _u8_run(_region_count_names(1, 4)),
        0x05: _u8_run(_region_count_names(5, 8)),
        0x06: _u8_run(_region_count_names(9, 12)),
        0x07: _u8_run(_region_count_names(13, 16)),
        0x10: _u16_pair("people_total_in", "people_total_out"),
        0x11: _vs121_dwell,
        0x12: _u16_pair("line_in", "line_out"),
    }
    # 0x08-0x0F: the flow table two cells at a time: a_to_a + a_to_b, a_to_c + a_to_d, b_to_a...
    record_type = 0x08
    for source in "abcd":
        for targets in ("ab", "cd"):
            handlers[record_type] = _u16_run(_flow_names(source, targets))
            record_type += 1
    return handlers


def _vs121_d2d_key(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    return {"d2d_key": reader.hex(8)}


def _vs121_jitter_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    enable = _named(_ENABLE, reader.u8())
    return {"people_count_jitter_config": {"enable": enable, "time": reader.u16le()}}


_VS121_REPLIES: dict[int, Handler] = {
    0x03: _u16_field("from_now_on_report_interval"),
    0x04: _enable_field("confirm_mode_enable"),
    0x10: _yes_field("reboot"),
    0x35: _vs121_d2d_key,
    0x40: _enable_field("adr_enable"),
    0x43: _enable_field("report_regularly_enable"),
    0x44: _enable_field("people_count_change_report_enable"),
    0x45: _named_field(
        "people_counting_report_mode", {0: "zero_to_nonzero", 1: "once_result_change"}
    ),
    0x46: _vs121_jitter_config,
    0x48: _enable_field("line_detect_enable"),
    0x50: _enable_field("region_people_counting_enable"),
    0x51: _yes_field("clear_cumulative_count"),
    0x84: _enable_field("d2d_enable"),
}

_PEOPLE_COUNTING_TYPE = {
    0: "region_people_counting",
    1: "line_crossing_counting",
    2: "people_flow_analysis",
}
_WEEKDAYS = {0: "sun", 1: "mon", 2: "tue", 3: "wed", 4: "thu", 5: "fri", 6: "sat"}


def _d2d_command(reader: _Reader) -> str:
    """A device-to-device command: two bytes shown high byte first, as hex."""
    low, high = reader.take(2)
    return f"{high:02x}{low:02x}"


def _vs121_d2d_occupied(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    config: Decoded = {"region": reader.u8() + 1, "enable": _named(_ENABLE, reader.u8())}
    config["command"] = _d2d_command(reader)
    return {"d2d_occupied_config": config}


def _vs121_d2d_vacant(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    config: Decoded = {"region": reader.u8() + 1, "enable": _named(_ENABLE, reader.u8())}
    config["command"] = _d2d_command(reader)
    config["delay_time"] = reader.u16le()
    return {"d2d_vacant_config": config}


def _vs121_time_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    mode = _named({0: "sync_from_gateway", 1: "manual"}, reader.u8())
    return {"time_config": {"mode": mode, "timestamp": reader.u32le()}}


def _vs121_dwell_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    enable = _named(_ENABLE, reader.u8())
    config = {"enable": enable, "min_dwell_time": reader.u16le()}
    return {"region_people_counting_dwell_config": config}


def _vs121_reset_schedule(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    schedule: Decoded = {
        "mode": _named({0: "modify", 1: "add", 2: "delete"}, reader.u8()),
        "index": reader.u8() + 1,
    }
    week_mask = reader.u8()
    schedule["week_cycle"] = {
        day: _named(_ENABLE, (week_mask >> bit) & 1) for bit, day in _WEEKDAYS.items()
    }
    schedule["time"] = reader.u24le()
    return {"reset_cumulative_schedule": [schedule]}


def _vs121_detect_region(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    config = {
        "enable": _named(_ENABLE, reader.u8()),
        "detection_type": _named({0: "mapped_region", 1: "unmapped_region"}, reader.u8()),
        "reporting_type": _named({0: "occupancy", 1: "region_people_counting"}, reader.u8()),
    }
    return {"detect_region_config": config}


def _vs121_schedule_config(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    enable = _named(_ENABLE, reader.u8())
    counting = _named(_PEOPLE_COUNTING_TYPE, reader.u8())
    return {"time_schedule_config": {"enable": enable, "people_counting_type": counting}}


def _vs121_time_schedule(reader: _Reader, _channel_id: int, _channel_type: int) -> Decoded:
    schedule = {
        "people_counting_type": _named(_PEOPLE_COUNTING_TYPE, reader.u8()),
        "period": reader.u8() + 1,
        "weekday": _named(_WEEKDAYS, reader.u8()),
        "start_hour": reader.u8(),
        "start_minute": reader.u8(),
        "end_hour": reader.u8(),
        "end_minute": reader.u8(),
    }
    return {"time_schedule": [schedule]}


_VS121_EXTENDED_REPLIES: dict[int, Handler] = {
    0x10: _named_field("periodic_report_scheme", {0: "on_the_dot", 1: "from_now_on"}),
    0x11: _named_field(
        "on_the_dot_report_interval",
        {
            0: "5min",
            1: "10min",
            2: "15min",
            3: "30min",
            4: "1h",
            5: "4h",
            6: "6h",
            7: "8h",
            8: "12h",
        },
    ),
    0x3D: _enable_field("line_detect_report_enable"),
    0x85: _rejoin_config,
    0x86: _u8_field("data_rate"),
    0x87: _u8_field("tx_power_level"),
    0x88: _named_field("log_level", {2: "error", 4: "debug"}),
    0x8B: _named_field("lorawan_version", {1: "v1.0.2", 2: "v1.0.3"}),
    0x8C: _u8_field("rx2_data_rate"),
    0x8D: _u32_field("rx2_frequency"),
    0x8E: _vs121_d2d_occupied,
    0x90: _vs121_d2d_vacant,
    0x91: _vs121_time_config,
    0x92: _vs121_dwell_config,
    0x93: _named_field("report_with_timestamp", _YES_NO),
    0x94: _enable_field("timed_reset_cumulative_enable"),
    0x95: _vs121_reset_schedule,
    0x96: _vs121_detect_region,
    0x97: _vs121_schedule_config,
    0x98: _enable_field("filter_u_turn_enable"),
    0x99: _vs121_time_schedule,
}


def _vs121_channels() -> dict[tuple[int, int], Handler]:
    channels: dict[tuple[int, int], Handler] = {
        (0xFF, 0x01): _u8_field("protocol_version"),
        (0xFF, 0x08): _vs121_serial_number,
        (0xFF, 0x09): _dotted_version("hardware_version", 2),
        (0xFF, 0x1F): _dotted_version("firmware_version", 4),
        (0x04, 0xC9): _vs121_people_count,
        (0x05, 0xCC): _vs121_people_in_out,
        (0x06, 0xCD): _u8_field("people_count_max"),
        (0x07, 0xD5): _u8_run(_region_count_names(1, 8)),
        (0x08, 0xD5): _u8_run(_region_count_names(9, 16)),
        (0x09, 0xDA): _u16_run(_flow_names("a", "abcd")),
        (0x0A, 0xDA): _u16_run(_flow_names("b", "abcd")),
        (0x0B, 0xDA): _u16_run(_flow_names("c", "abcd")),
        (0x0C, 0xDA): _u16_run(_flow_names("d", "abcd")),
        (0x0D, 0xCC): _u16_pair("people_total_in", "people_total_out"),
        (0x0E, 0xE4): _vs121_dwell,
        (0x0F, 0x85): _u32_field("timestamp"),
        (0x10, 0xF7): _u16_pair("line_in", "line_out"),
        (0x20, 0xCE): _history("VS121", _vs121_history_handlers()),
    }
    _add_replies(channels, _VS121_REPLIES, _VS121_EXTENDED_REPLIES)
    return channels


_VS121_CHANNELS = _vs121_channels()


def decode_vs121(payload: bytes) -> Decoded:
    """A Milesight VS121 uplink, as Milesight's VS121 decoder returns it.

    Fields: people_count_all, region_count, region_N (1 occupied / 0 free), people_in,
    people_out, people_count_max, region_N_count (1-16), a_to_a ... d_to_d (flows),
    people_total_in, people_total_out, dwell_time_avg, dwell_time_max, timestamp, line_in,
    line_out, protocol_version, sn, hardware_version, firmware_version, history (a list of
    {"timestamp", ...one record's fields}), and command replies such as
    from_now_on_report_interval.
    """
    return _decode_channels(payload, "VS121", _VS121_CHANNELS)


# ---------------------------------------------------------------------------------------------
# IMBuildings People Counter / Office Occupancy Counter

_IMB_PEOPLE_COUNTER = 0x02
# (payload type, variant) -> total length with the header, for every header the official
# decoder recognises. A header is only trusted when the length matches too.
_IMB_HEADER_LENGTHS = {
    (0x01, 0x01): 19,
    (0x01, 0x03): 20,
    (0x01, 0x06): 14,
    (0x01, 0x07): 14,
    (0x01, 0x08): 14,
    (0x02, 0x04): 24,
    (0x02, 0x06): 23,
    (0x02, 0x07): 15,
    (0x02, 0x08): 14,
    (0x03, 0x03): 14,
    (0x03, 0x04): 23,
    (0x03, 0x05): 16,
    (0x03, 0x06): 25,
}
_IMB_PRODUCTS = {0x01: "comfort or desk sensor", 0x03: "button (Moodbox)"}
# Without the header the fPort names the variant: people-counter variant -> length without header.
_IMB_PEOPLE_PORTS = {24: 4, 26: 6, 27: 7, 28: 8}
_IMB_BODY_LENGTHS = {4: 12, 6: 13, 7: 5, 8: 4}
_IMB_OTHER_PORTS = {
    10: "downlink replies",
    11: "comfort sensor readings",
    13: "comfort sensor readings",
    16: "desk sensor readings",
    17: "desk sensor readings",
    18: "desk sensor readings",
    33: "button (Moodbox) presses",
    34: "button (Moodbox) presses",
}


def _imb_header(payload: bytes) -> tuple[int, int] | None:
    """The (payload type, variant) when the payload starts with a header of the right length."""
    if len(payload) < 2:
        return None
    key = (payload[0], payload[1])
    if _IMB_HEADER_LENGTHS.get(key) == len(payload):
        return key
    return None


def _imb_header_hint(payload: bytes) -> str:
    """Why a payload that starts like a people-counter header was not taken as one."""
    if len(payload) < 2 or payload[0] != _IMB_PEOPLE_COUNTER:
        return ""
    variant = payload[1]
    expected = _IMB_HEADER_LENGTHS.get((_IMB_PEOPLE_COUNTER, variant))
    if expected is None:
        return f"; it starts like payload type 2 variant {variant}, a variant we cannot decode"
    return (
        f"; it starts like a payload type 2 variant {variant} header, "
        f"which makes {expected} bytes, but it is {len(payload)} bytes"
    )


def _imb_variant_from_port(payload: bytes, f_port: int | None) -> int:
    """Headerless payloads: IMBuildings send each variant on its own fPort (26 is variant 6)."""
    hint = _imb_header_hint(payload)
    if f_port is None:
        raise UnusableUplink(
            "IMBuildings payload has no header we recognise and no fPort to tell the variant "
            f"from{hint}"
        )
    if f_port in _IMB_OTHER_PORTS:
        raise UnusableUplink(
            f"IMBuildings fPort {f_port} carries {_IMB_OTHER_PORTS[f_port]}, "
            f"not people counts{hint}"
        )
    variant = _IMB_PEOPLE_PORTS.get(f_port)
    if variant is None:
        raise UnusableUplink(
            f"IMBuildings payload has no header we recognise and fPort {f_port} is not a "
            f"people-counter port (24, 26, 27 or 28){hint}"
        )
    expected = _IMB_BODY_LENGTHS[variant]
    if len(payload) != expected:
        raise UnusableUplink(
            f"IMBuildings fPort {f_port} means people-counter variant {variant} without header, "
            f"which is {expected} bytes, but this payload is {len(payload)} bytes{hint}"
        )
    return variant


def _u16be_at(payload: bytes, index: int) -> int:
    return int.from_bytes(payload[index : index + 2], "big")


def _battery_volts(payload: bytes, index: int) -> float:
    return _u16be_at(payload, index) / 100


def _unbcd(value: int) -> int:
    """A binary-coded-decimal byte (0x23 is 23); refused when a digit is not 0-9."""
    high, low = value >> 4, value & 0x0F
    if high > 9 or low > 9:
        raise UnusableUplink(f"IMBuildings date/time byte 0x{value:02X} is not a BCD number")
    return high * 10 + low


def _imb_datetime(stamp: bytes) -> str:
    """Seven BCD bytes (century, year, month, day, hour, minute, second) as JavaScript ISO text."""
    year = _unbcd(stamp[0]) * 100 + _unbcd(stamp[1])
    if year < 100:
        # Date.UTC reads years 0-99 as 1900-1999; a real clock never sends them.
        raise UnusableUplink(f"IMBuildings date/time has year {year}, which cannot be right")
    month, day, hour, minute, second = (_unbcd(byte) for byte in stamp[2:7])
    try:
        moment = datetime(year, month, day, hour, minute, second, tzinfo=UTC)
    except ValueError as error:
        raise UnusableUplink(f"IMBuildings date/time is not a real date ({error})") from None
    return (
        f"{moment.year:04d}-{moment.month:02d}-{moment.day:02d}T"
        f"{moment.hour:02d}:{moment.minute:02d}:{moment.second:02d}.000Z"
    )


def _imb_variant_4(payload: bytes, has_header: bool) -> Decoded:
    """NB-IoT style: relative counts with the device's date and time (also on LoRaWAN fPort 24)."""
    decoded: Decoded = {}
    if has_header:
        # This variant's header holds a 6-byte id, then status, battery and signal strength.
        decoded["device_id"] = payload[2:8].hex()
        decoded["device_status"] = payload[8]
        decoded["battery_voltage"] = _battery_volts(payload, 9)
        decoded["rssi"] = int.from_bytes(payload[11:12], "big", signed=True)
    data = payload[-12:]
    decoded["datetime"] = _imb_datetime(data[0:7])
    decoded["counter_a"] = _u16be_at(data, 7)
    decoded["counter_b"] = _u16be_at(data, 9)
    decoded["sensor_status"] = data[11]
    return decoded


def _imb_variant_6(payload: bytes) -> Decoded:
    """Counts since the last uplink and running totals; IMBuildings recommend the totals."""
    data = payload[-13:]
    return {
        "device_status": data[0],
        "battery_voltage": _battery_volts(data, 1),
        "counter_a": _u16be_at(data, 3),
        "counter_b": _u16be_at(data, 5),
        "sensor_status": data[7],
        "total_counter_a": _u16be_at(data, 8),
        "total_counter_b": _u16be_at(data, 10),
        "payload_counter": data[12],
    }


def _imb_variant_7(payload: bytes) -> Decoded:
    data = payload[-5:]
    return {
        "sensor_status": data[0],
        "total_counter_a": _u16be_at(data, 1),
        "total_counter_b": _u16be_at(data, 3),
    }


def _imb_variant_8(payload: bytes) -> Decoded:
    """Status only: no counts at all (a heartbeat)."""
    data = payload[-4:]
    return {
        "device_status": data[0],
        "battery_voltage": _battery_volts(data, 1),
        "sensor_status": data[3],
    }


def _imb_people_counter(payload: bytes, variant: int, has_header: bool) -> Decoded:
    if variant == 4:
        return _imb_variant_4(payload, has_header)
    if variant == 6:
        return _imb_variant_6(payload)
    if variant == 7:
        return _imb_variant_7(payload)
    return _imb_variant_8(payload)


def decode_imbuildings(payload: bytes, f_port: int | None) -> Decoded:
    """An IMBuildings People Counter (or Office Occupancy Counter) uplink, payload type 2.

    With the header (recognised by type, variant and total length, as the official decoder does)
    the variant comes from the payload; without it, from the fPort (24, 26, 27, 28 carry variants
    4, 6, 7, 8). Fields: payload_type, payload_variant, device_id (header only), then per
    variant: 4 device_status, battery_voltage, rssi (header only), datetime, counter_a,
    counter_b, sensor_status; 6 device_status, battery_voltage, counter_a, counter_b,
    sensor_status, total_counter_a, total_counter_b, payload_counter; 7 sensor_status,
    total_counter_a, total_counter_b; 8 device_status, battery_voltage, sensor_status.
    """
    if not payload:
        raise UnusableUplink("IMBuildings payload is empty")
    header = _imb_header(payload)
    if header is None:
        variant = _imb_variant_from_port(payload, f_port)
        decoded: Decoded = {"payload_type": _IMB_PEOPLE_COUNTER, "payload_variant": variant}
    else:
        payload_type, variant = header
        if payload_type != _IMB_PEOPLE_COUNTER:
            product = _IMB_PRODUCTS[payload_type]
            raise UnusableUplink(
                f"IMBuildings payload type {payload_type} variant {variant} is from a {product}, "
                "not a people counter"
            )
        decoded = {
            "payload_type": payload_type,
            "payload_variant": variant,
            "device_id": payload[2:10].hex(),
        }
    decoded.update(_imb_people_counter(payload, variant, has_header=header is not None))
    return decoded


# ---------------------------------------------------------------------------------------------

KINDS = ("imbuildings", "vs121", "vs133", "vs135")


def decode(kind: str, payload: bytes, f_port: int | None) -> Decoded:
    """Decode a raw payload for a sensor kind; the VS135 shares the VS133's format and decoder."""
    if kind in ("vs133", "vs135"):
        return decode_vs133(payload)
    if kind == "vs121":
        return decode_vs121(payload)
    if kind == "imbuildings":
        return decode_imbuildings(payload, f_port)
    raise UnusableUplink(f"no decoder for sensor kind {kind!r} (known: {', '.join(KINDS)})")
