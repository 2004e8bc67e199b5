from __future__ import annotations

from datetime import datetime

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    CheckConstraint,
    DateTime,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped, utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub

TOPICS = ("offers", "events", "travel", "notices")


class PushSubscription(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """One browser's Web Push subscription and the alert area its resident chose.

    No account and no identity: the endpoint is the only handle, and deleting the row
    deletes the area.
    """

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        CheckConstraint(
            "(area_centre IS NULL AND area_radius_m IS NULL) OR "
            "(area_centre IS NOT NULL AND area_radius_m BETWEEN 200 AND 2000)",
            name="area",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(Text, unique=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(60))
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    topics: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # No centre: the whole hub. Otherwise a circle, its centre coarsened to about 50 m.
    area_centre: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326))
    area_radius_m: Mapped[int | None] = mapped_column(Integer)
    language: Mapped[str] = mapped_column(String(10), default="en")

    hub: Mapped[Hub] = relationship()


class PushDelivery(db.Model):  # type: ignore[name-defined,misc]
    """The outcome of sending one item to one subscription; unique so nothing is sent twice."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "item_kind", "item_id", name="uq_push_deliveries_once"),
        CheckConstraint("status IN ('sent', 'failed', 'removed')", name="status"),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL")
    )
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer)
    status: Mapped[str] = mapped_column(String(10))
    http_status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
