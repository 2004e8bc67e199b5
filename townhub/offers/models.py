from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.businesses.models import Business
from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub


class Offer(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A business's offer, live between its start and end, reaching residents in its geofence."""

    __tablename__ = "offers"
    __table_args__ = (
        CheckConstraint("status IN ('draft', 'pending', 'published', 'hidden')", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("radius_m IS NULL OR radius_m BETWEEN 50 AND 5000", name="radius"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    business_id: Mapped[int] = mapped_column(
        ForeignKey("businesses.id", ondelete="CASCADE"), index=True
    )
    title: Mapped[str] = mapped_column(String(120))
    details: Mapped[str] = mapped_column(Text, default="")
    terms: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    # None: the whole hub; otherwise a circle of this radius around the shop.
    radius_m: Mapped[int | None] = mapped_column(Integer)
    geofence: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=4326))
    redemption_code: Mapped[str | None] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(12), default="draft")
    published_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    # Why the high street team hid it, shown to the business.
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")

    hub: Mapped[Hub] = relationship()
    business: Mapped[Business] = relationship()
