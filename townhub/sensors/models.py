from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, DateTime, Float, ForeignKey, Integer, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped, utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub


class Sensor(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A LoRaWAN people counter on the street. It counts; it records no images or identifiers.

    `kind` names a preset (townhub.sensors.presets) and `mapping` its options: which line
    or counters, period or cumulative counts, the reporting period.
    """

    __tablename__ = "sensors"

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    device_id: Mapped[str] = mapped_column(String(64), unique=True)
    dev_eui: Mapped[str | None] = mapped_column(String(16), unique=True)
    network: Mapped[str] = mapped_column(String(20), default="tts")
    name: Mapped[str] = mapped_column(String(120))
    location: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    kind: Mapped[str] = mapped_column(String(30), default="paxcounter")
    mapping: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    # For the public page: who is responsible for it, and where exactly it is.
    operator: Mapped[str] = mapped_column(String(200), default="", server_default="")
    placement: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Health, updated with every counted uplink.
    last_seen_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    last_f_cnt: Mapped[int | None] = mapped_column(BigInteger)
    battery_percent: Mapped[float | None] = mapped_column(Float)
    battery_volts: Mapped[float | None] = mapped_column(Float)
    rssi: Mapped[float | None] = mapped_column(Float)
    snr: Mapped[float | None] = mapped_column(Float)
    # Set when the sensor was found silent (and its managers told); cleared when it speaks.
    silent_since: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    hub: Mapped[Hub] = relationship()


class SensorQuarantine(db.Model):  # type: ignore[name-defined,misc]
    """An uplink that could not be used, kept with the reason so nothing is silently dropped.

    hub_id is set when the device is known, so its hub's managers see it; messages from
    unknown devices have none and are shown to every hub manager (they may need registering).
    """

    __tablename__ = "sensor_quarantine"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(
        DateTime(timezone=True), default=utcnow, index=True
    )
    source: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
    hub_id: Mapped[int | None] = mapped_column(
        ForeignKey("hubs.id", ondelete="CASCADE"), index=True
    )
    sensor_id: Mapped[int | None] = mapped_column(ForeignKey("sensors.id", ondelete="SET NULL"))
    device_id: Mapped[str | None] = mapped_column(String(64))
    payload_bytes: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
