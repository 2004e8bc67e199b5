from __future__ import annotations

from datetime import datetime

from sqlalchemy import BigInteger, CheckConstraint, DateTime, ForeignKey, Index, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from townhub.extensions import db


class FootfallCount(db.Model):  # type: ignore[name-defined,misc]
    """People counted by one sensor over one period. Counts only: no identity of anyone."""

    __tablename__ = "footfall_counts"
    __table_args__ = (
        CheckConstraint("people >= 0", name="people_not_negative"),
        CheckConstraint("period_minutes > 0", name="period_positive"),
        Index("ix_footfall_counts_sensor_time", "sensor_id", "measured_at"),
        # The last count each sensor sent: one index lookup per sensor.
        Index("ix_footfall_counts_sensor_latest", "sensor_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    sensor_id: Mapped[int] = mapped_column(ForeignKey("sensors.id", ondelete="CASCADE"))
    measured_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    period_minutes: Mapped[int] = mapped_column(Integer)
    people: Mapped[int] = mapped_column(Integer)
    # The network's id for the uplink; unique so a redelivered message counts once.
    uplink_id: Mapped[str | None] = mapped_column(String(200), unique=True)
