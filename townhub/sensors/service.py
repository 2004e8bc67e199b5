"""Turning uplinks into footfall counts, or into quarantine rows with the reason.

Many messages go in one transaction (the listener batches them): each is counted once or
quarantined, the roll-ups and each sensor's health move with the counts, and only then is
anything acknowledged to the broker or the webhook caller. Exactly once rests on two unique
keys in footfall_counts (the network's message id; the device, frame counter and time), so
a redelivery, a second route or a second worker adds nothing.
"""

from __future__ import annotations

import enum
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import and_, or_, select, tuple_
from sqlalchemy.dialects.postgresql import insert

from townhub.common.formatting import LONDON
from townhub.common.models import utcnow
from townhub.extensions import db
from townhub.footfall.models import FootfallCount, FootfallRollup
from townhub.sensors import presets, register
from townhub.sensors.ingest import (
    MAX_MESSAGE_BYTES,
    MAX_PEOPLE,
    UnusableUplink,
    Uplink,
    parse_chirpstack_status,
    parse_chirpstack_uplink,
    parse_tts_uplink,
)
from townhub.sensors.models import Sensor, SensorQuarantine

MAX_CLOCK_SKEW = timedelta(minutes=10)
# A running total that goes down by less than this much past the top of its range wrapped
# round; a bigger fall means the counter was cleared (or the device restarted) instead.
MAX_STEP = 100_000
GRAINS = {"15m": timedelta(minutes=15), "1h": timedelta(hours=1)}


class Outcome(enum.Enum):
    COUNTED = "counted"
    DUPLICATE = "duplicate"
    STATUS = "status"  # a status message: the sensor's health was updated, nothing to count
    QUARANTINED = "quarantined"


@dataclass(frozen=True)
class Message:
    network: str  # "tts" or "chirpstack"
    source: str  # where it came from: "mqtt:<topic>" or "webhook:<network>"
    raw: bytes
    # The size it was, when only the first part was read (a webhook body over 64 KB).
    size: int | None = None


@dataclass(frozen=True)
class Result:
    outcome: Outcome
    reason: str | None = None


def network_for_topic(topic: str) -> str:
    """Which network server's JSON a topic carries: The Things Stack v3 or ChirpStack."""
    return "chirpstack" if topic.startswith("application/") else "tts"


def ingest_uplink(network: str, source: str, raw: bytes) -> Outcome:
    """Count one uplink once, or quarantine it with the reason. Commits."""
    return ingest_batch([Message(network, source, raw)])[0].outcome


def ingest_batch(messages: Sequence[Message]) -> list[Result]:
    """Count each message once or quarantine it, all in one transaction, then commit.

    Bad input never raises; a database error does, with nothing committed, so the caller
    can keep the messages unacknowledged and try again.
    """
    batch = _Batch()
    parsed = [_parse(message) for message in messages]
    sensors = _lock_sensors([item for item in parsed if isinstance(item, Uplink)])
    results = [
        batch.take(index, message, item, sensors)
        for index, (message, item) in enumerate(zip(messages, parsed, strict=True))
    ]
    batch.insert_period_counts(results)
    batch.save_rollups()
    batch.save_health(sensors)
    db.session.commit()
    return [result or Result(Outcome.DUPLICATE) for result in results]


def record_status(source: str, raw: bytes) -> Result:
    """A ChirpStack status event: keep the battery level it reports. Commits."""
    try:
        status = parse_chirpstack_status(raw)
        sensor = db.session.scalars(
            select(Sensor).where(
                or_(Sensor.device_id == status.device_id, Sensor.dev_eui == status.dev_eui)
            )
        ).first()
        if sensor is None:
            raise UnusableUplink(f"status from unknown device {status.device_id!r}")
    except UnusableUplink as problem:
        quarantine(source, problem.reason, raw)
        return Result(Outcome.QUARANTINED, problem.reason)
    if status.battery_percent is not None:
        sensor.battery_percent = status.battery_percent
    db.session.commit()
    return Result(Outcome.STATUS)


def quarantine(source: str, reason: str, raw: bytes, sensor: Sensor | None = None) -> None:
    """Keep an unusable message with its reason. Commits."""
    db.session.add(_quarantine_row(source, reason, raw, sensor))
    db.session.commit()


def _quarantine_row(
    source: str,
    reason: str,
    raw: bytes,
    sensor: Sensor | None,
    device_id: str | None = None,
    size: int | None = None,
) -> SensorQuarantine:
    # Keep what we can of an oversized message; the reason says it was cut.
    text = raw[:MAX_MESSAGE_BYTES].decode("utf-8", errors="replace").replace("\x00", "\ufffd")
    return SensorQuarantine(
        source=source[:300],
        reason=reason,
        payload=text,
        payload_bytes=max(size or 0, len(raw)),
        hub_id=sensor.hub_id if sensor else None,
        sensor_id=sensor.id if sensor else None,
        device_id=(sensor.device_id if sensor else device_id or None),
    )


def _parse(message: Message) -> Uplink | UnusableUplink:
    try:
        if message.network == "chirpstack":
            uplink = parse_chirpstack_uplink(message.raw)
        else:
            uplink = parse_tts_uplink(message.raw)
    except UnusableUplink as problem:
        return problem
    if uplink.received_at > utcnow() + MAX_CLOCK_SKEW:
        return UnusableUplink(
            f"received_at {uplink.received_at.isoformat()} is in the future: "
            "check the network server's clock"
        )
    return uplink


def _lock_sensors(uplinks: list[Uplink]) -> list[Sensor]:
    """The batch's sensors, locked in id order: two workers counting the same sensor's
    running totals take turns, and never deadlock."""
    ids = {u.device_id for u in uplinks}
    euis = {u.dev_eui for u in uplinks if u.dev_eui}
    if not ids:
        return []
    query = (
        select(Sensor)
        .where(or_(Sensor.device_id.in_(ids), Sensor.dev_eui.in_(euis)))
        .order_by(Sensor.id)
        .with_for_update()
    )
    return list(db.session.scalars(query))


def _match(uplink: Uplink, sensors: list[Sensor]) -> Sensor:
    for sensor in sensors:
        if sensor.device_id == uplink.device_id:
            return sensor
    for sensor in sensors:
        if uplink.dev_eui and sensor.dev_eui == uplink.dev_eui:
            return sensor
    raise UnusableUplink(
        f"unknown device {uplink.device_id!r}"
        + (f" (DevEUI {uplink.dev_eui})" if uplink.dev_eui else "")
        + ": register the sensor first"
    )


def bucket_time(measured_at: datetime, period_minutes: int) -> datetime:
    """The moment a count is filed under: the middle of the period it covers, so an uplink
    a few seconds either side of a quarter hour lands in the quarter it counted."""
    return measured_at - timedelta(minutes=period_minutes) / 2


def buckets(moment: datetime) -> list[tuple[str, datetime]]:
    """The 15-minute and hour (UTC) and London day a moment falls in."""
    epoch = datetime(2000, 1, 1, tzinfo=moment.tzinfo)
    found = [(grain, moment - (moment - epoch) % size) for grain, size in GRAINS.items()]
    local = moment.astimezone(LONDON)
    day = datetime(local.year, local.month, local.day, tzinfo=LONDON)
    return [*found, ("1d", day.astimezone(moment.tzinfo))]


def difference(
    before: dict[str, Any], before_f_cnt: int | None, after: dict[str, Any], f_cnt: int | None
) -> int:
    """People counted between two readings of running totals.

    A total that went down either wrapped round past 2**32 (a small step past the top) or
    started again from zero: the device restarted (its frame counter went back too) or
    the counter was cleared. Either way the new value is what was counted since.
    """
    restarted = before_f_cnt is not None and f_cnt is not None and f_cnt < before_f_cnt
    people = 0
    for name, value in after.items():
        previous = before.get(name)
        if not isinstance(previous, int):
            continue  # a field the reading before did not have: no baseline for it yet
        if value >= previous:
            people += value - previous
        elif not restarted and presets.COUNTER_MODULUS - previous + value <= MAX_STEP:
            people += presets.COUNTER_MODULUS - previous + value
        else:
            people += value
    return min(people, MAX_PEOPLE)


@dataclass
class _Health:
    seen_at: datetime
    f_cnt: int | None
    rssi: float | None
    snr: float | None
    battery_percent: float | None
    battery_volts: float | None


@dataclass
class _Batch:
    rows: list[dict[str, Any]] = field(default_factory=list)
    row_result: list[int] = field(default_factory=list)  # the result index of each row
    rollups: dict[tuple[int, str, datetime], list[int]] = field(
        default_factory=lambda: defaultdict(lambda: [0, 0])
    )
    health: dict[int, _Health] = field(default_factory=dict)
    health_of_row: list[tuple[Sensor, _Health]] = field(default_factory=list)

    def take(
        self, index: int, message: Message, item: Uplink | UnusableUplink, sensors: list[Sensor]
    ) -> Result | None:
        """The message's result, or None for a period count that waits for the batch's
        insert to learn whether it is new."""
        if isinstance(item, UnusableUplink):
            return self._quarantine(message, item.reason, None)
        uplink, sensor = item, None
        try:
            sensor = _match(uplink, sensors)
            reading = presets.read(uplink, sensor.kind, sensor.mapping)
        except UnusableUplink as problem:
            return self._quarantine(message, problem.reason, sensor, uplink.device_id)
        health = _Health(
            uplink.received_at,
            uplink.f_cnt,
            uplink.rssi,
            uplink.snr,
            reading.battery_percent or uplink.battery_percent,
            reading.battery_volts,
        )
        if reading.status_only:
            self._seen(sensor, health)
            return Result(Outcome.STATUS)
        period = presets.period_minutes(sensor.mapping)
        if reading.totals is not None:
            return self._count_running_totals(sensor, uplink, reading.totals, period, health)
        self.rows.append(
            {
                "sensor_id": sensor.id,
                "measured_at": uplink.received_at,
                "period_minutes": period,
                "people": reading.people,
                "uplink_id": _uplink_key(uplink),
                "f_cnt": uplink.f_cnt,
            }
        )
        self.health_of_row.append((sensor, health))
        self.row_result.append(index)
        return None

    def insert_period_counts(self, results: list[Result | None]) -> None:
        """Insert the batch's period counts in one statement; the rows it returns are the
        new ones, and only those are counted."""
        if not self.rows:
            return
        inserted = set(
            db.session.scalars(
                insert(FootfallCount)
                .values(self.rows)
                .on_conflict_do_nothing()
                .returning(FootfallCount.uplink_id)
            )
        )
        for index, row, (sensor, health) in zip(
            self.row_result, self.rows, self.health_of_row, strict=True
        ):
            if row["uplink_id"] not in inserted:
                results[index] = Result(Outcome.DUPLICATE)
                continue
            inserted.discard(row["uplink_id"])  # a second copy in this batch is a repeat
            results[index] = Result(Outcome.COUNTED)
            self._add(sensor.id, row["measured_at"], row["period_minutes"], row["people"], 1)
            self._seen(sensor, health)

    def save_rollups(self) -> None:
        changes = [
            {
                "sensor_id": sensor_id,
                "grain": grain,
                "bucket_start": start,
                "people": people,
                "readings": readings,
            }
            for (sensor_id, grain, start), (people, readings) in self.rollups.items()
            if people or readings
        ]
        if not changes:
            return
        statement = insert(FootfallRollup).values(changes)
        db.session.execute(
            statement.on_conflict_do_update(
                index_elements=["sensor_id", "grain", "bucket_start"],
                set_={
                    "people": FootfallRollup.people + statement.excluded.people,
                    "readings": FootfallRollup.readings + statement.excluded.readings,
                },
            )
        )

    def save_health(self, sensors: list[Sensor]) -> None:
        """Each sensor's latest uplink in this batch, unless it already knew a later one."""
        for sensor in sensors:
            health = self.health.get(sensor.id)
            if health is None:
                continue
            if sensor.last_seen_at is not None and sensor.last_seen_at > health.seen_at:
                continue  # a late message: its signal and battery are old news
            sensor.last_seen_at = health.seen_at
            if sensor.silent_since is not None:
                register.heard_again(sensor)
            sensor.last_f_cnt = health.f_cnt
            sensor.rssi = health.rssi if health.rssi is not None else sensor.rssi
            sensor.snr = health.snr if health.snr is not None else sensor.snr
            if health.battery_percent is not None:
                sensor.battery_percent = health.battery_percent
            if health.battery_volts is not None:
                sensor.battery_volts = health.battery_volts

    def _quarantine(
        self, message: Message, reason: str, sensor: Sensor | None, device_id: str | None = None
    ) -> Result:
        db.session.add(
            _quarantine_row(message.source, reason, message.raw, sensor, device_id, message.size)
        )
        return Result(Outcome.QUARANTINED, reason)

    def _seen(self, sensor: Sensor, health: _Health) -> None:
        known = self.health.get(sensor.id)
        if known is None or health.seen_at >= known.seen_at:
            self.health[sensor.id] = health

    def _add(
        self, sensor_id: int, measured_at: datetime, period: int, people: int, readings: int
    ) -> None:
        for grain, start in buckets(bucket_time(measured_at, period)):
            change = self.rollups[(sensor_id, grain, start)]
            change[0] += people
            change[1] += readings

    def _count_running_totals(
        self,
        sensor: Sensor,
        uplink: Uplink,
        totals: dict[str, int],
        period: int,
        health: _Health,
    ) -> Result:
        """Store the totals, then count the difference from the reading before in time, and
        correct the reading after it (a late uplink splits what that one counted)."""
        row_id = db.session.scalar(
            insert(FootfallCount)
            .values(
                sensor_id=sensor.id,
                measured_at=uplink.received_at,
                period_minutes=period,
                people=0,
                uplink_id=_uplink_key(uplink),
                f_cnt=uplink.f_cnt,
                readings=totals,
            )
            .on_conflict_do_nothing()
            .returning(FootfallCount.id)
        )
        if row_id is None:
            return Result(Outcome.DUPLICATE)
        here = tuple_(FootfallCount.measured_at, FootfallCount.id)
        point = tuple_(uplink.received_at, row_id)
        same = and_(FootfallCount.sensor_id == sensor.id, FootfallCount.readings.is_not(None))
        before = db.session.scalars(
            select(FootfallCount).where(same, here < point).order_by(here.desc()).limit(1)
        ).first()
        after = db.session.scalars(
            select(FootfallCount).where(same, here > point).order_by(here.asc()).limit(1)
        ).first()
        people = (
            difference(before.readings or {}, before.f_cnt, totals, uplink.f_cnt) if before else 0
        )
        db.session.execute(
            FootfallCount.__table__.update().where(FootfallCount.id == row_id).values(people=people)
        )
        self._add(sensor.id, uplink.received_at, period, people, 1)
        if after is not None:
            corrected = difference(totals, uplink.f_cnt, after.readings or {}, after.f_cnt)
            self._add(
                sensor.id, after.measured_at, after.period_minutes, corrected - after.people, 0
            )
            after.people = corrected
        self._seen(sensor, health)
        return Result(Outcome.COUNTED)


def _uplink_key(uplink: Uplink) -> str:
    return f"{uplink.network}:{uplink.message_id}"
