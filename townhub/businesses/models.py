from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.dialects.postgresql import JSONB
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub


class Business(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A shop, café or service on the high street."""

    __tablename__ = "businesses"
    __table_args__ = (
        UniqueConstraint("hub_id", "slug", name="uq_businesses_hub_slug"),
        CheckConstraint("status IN ('pending', 'approved', 'hidden')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    # {"mon": [["09:00", "17:30"]], ..., "sun": []} in Europe/London local time.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")

    hub: Mapped[Hub] = relationship()
