from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.businesses.models import Business
from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub


class Event(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """Something happening on the high street at a time and place."""

    __tablename__ = "events"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'pending', 'published', 'hidden')", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="SET NULL"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    description: Mapped[str] = mapped_column(Text, default="")
    place: Mapped[str] = mapped_column(String(200))
    location: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326))
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    # Why the high street team hid it, shown to the business.
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    hub: Mapped[Hub] = relationship()
    business: Mapped[Business | None] = relationship()
