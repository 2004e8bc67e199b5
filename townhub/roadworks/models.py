from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub


class Roadwork(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """Works on a street (a line or an area), with an optional diversion as a line and in words."""

    __tablename__ = "roadworks"
    __table_args__ = (
        UniqueConstraint("hub_id", "reference", name="uq_roadworks_hub_reference"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint(
            "GeometryType(geometry) IN ('LINESTRING', 'POLYGON', 'MULTILINESTRING')",
            name="geometry_kind",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    reference: Mapped[str] = mapped_column(String(60))
    street: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text)
    traffic_management: Mapped[str] = mapped_column(String(120), default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    geometry: Mapped[WKBElement] = mapped_column(Geometry("GEOMETRY", srid=4326))
    diversion: Mapped[WKBElement | None] = mapped_column(Geometry("LINESTRING", srid=4326))
    diversion_text: Mapped[str] = mapped_column(Text, default="")
    source: Mapped[str] = mapped_column(String(30), default="hub")

    hub: Mapped[Hub] = relationship()
