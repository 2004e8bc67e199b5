from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
)
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column

from townhub.extensions import db


class FootfallCount(db.Model):  # type: ignore[name-defined,misc]
    """People counted by one sensor over one period, one row an uplink. Counts only: no
    identity of anyone.

    For counters that report running totals, `readings` keeps the raw totals and `people`
    the difference from the uplink before it in time, so a late uplink can be slotted in.
    """

    __tablename__ = "footfall_counts"
    __table_args__ = (
        CheckConstraint("people >= 0", name="people_not_negative"),
        CheckConstraint("period_minutes > 0", name="period_positive"),
        Index("ix_footfall_counts_sensor_time", "sensor_id", "measured_at"),
        # The last count each sensor sent: one index lookup per sensor.
        Index("ix_footfall_counts_sensor_latest", "sensor_id", "id"),
        # The same frame seen again (by another route, or with another message id) is one.
        Index(
            "uq_footfall_counts_frame",
            "sensor_id",
            "f_cnt",
            "measured_at",
            unique=True,
            postgresql_where="f_cnt IS NOT NULL",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_minutes: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    # The network's id for the uplink; unique so a redelivered message counts once.
    uplink_id: Mapped[str | None] = mapped_column(String(200), unique=True)
    f_cnt: Mapped[int | None] = mapped_column(BigInteger)
    readings: Mapped[dict[str, Any] | None] = mapped_column(JSONB)


class FootfallRollup(db.Model):  # type: ignore[name-defined,misc]
    """Totals per sensor for 15 minutes, an hour (UTC) and a day (London), kept current as
    counts arrive, late ones included. `readings` is how many uplinks made the total."""

    __tablename__ = "footfall_rollups"
    __table_args__ = (CheckConstraint("grain IN ('15m', '1h', '1d')", name="known_grain"),)

    sensor_id: Mapped[int] = mapped_column(
        ForeignKey("sensors.id", ondelete="CASCADE"), primary_key=True
    )
    grain: Mapped[str] = mapped_column(String(3), primary_key=True)
    bucket_start: Mapped[datetime] = mapped_column(DateTime(timezone=True), primary_key=True)
    people: Mapped[int] = mapped_column(BigInteger)
    readings: Mapped[int] = mapped_column(Integer)
