from __future__ import annotations

from datetime import datetime
from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import BigInteger, DateTime, ForeignKey, String, Text
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped, utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub


class Sensor(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A LoRaWAN people counter on the street. It counts; it records no images or identifiers."""

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

    hub: Mapped[Hub] = relationship()


class SensorQuarantine(db.Model):  # type: ignore[name-defined,misc]
    """An uplink that could not be used, kept with the reason so nothing is silently dropped."""

    __tablename__ = "sensor_quarantine"

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    received_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    source: Mapped[str] = mapped_column(String(300))
    reason: Mapped[str] = mapped_column(Text)
    payload: Mapped[str] = mapped_column(Text)
