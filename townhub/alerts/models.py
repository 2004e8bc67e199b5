from __future__ import annotations

from datetime import datetime, time

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    BigInteger,
    Boolean,
    CheckConstraint,
    Computed,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    Time,
    UniqueConstraint,
)
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped, utcnow
from townhub.extensions import db
from townhub.hubs.models import Hub

TOPICS = ("offers", "events", "travel", "notices")


# Alert areas are matched in British National Grid metres (EPSG:27700): a planar
# distance check on an indexed point, the fastest shape measured (FIELD-NOTES).
BNG = 27700


class PushSubscription(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """One browser's Web Push subscription for one hub, and the alert area its resident
    chose there. A phone following two hubs has two rows with the same endpoint.

    No account and no identity: the endpoint is the only handle, the manage token the
    only key to change it, and deleting the rows deletes the areas.
    """

    __tablename__ = "push_subscriptions"
    __table_args__ = (
        UniqueConstraint("endpoint", "hub_id", name="uq_push_subscriptions_endpoint_hub"),
        CheckConstraint(
            "(area_centre IS NULL AND area_radius_m IS NULL) OR "
            "(area_centre IS NOT NULL AND area_radius_m BETWEEN 200 AND 2000)",
            name="area",
        ),
        CheckConstraint("daily_cap BETWEEN 1 AND 20", name="daily_cap"),
        CheckConstraint("(quiet_from IS NULL) = (quiet_until IS NULL)", name="quiet_hours"),
        Index("ix_push_subscriptions_area_bng", "area_bng", postgresql_using="gist"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    endpoint: Mapped[str] = mapped_column(Text, index=True)
    p256dh: Mapped[str] = mapped_column(String(200))
    auth: Mapped[str] = mapped_column(String(60))
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    topics: Mapped[list[str]] = mapped_column(ARRAY(String(20)))
    # No centre: the whole hub. Otherwise a circle, its centre coarsened to about 50 m.
    area_centre: Mapped[WKBElement | None] = mapped_column(Geometry("POINT", srid=4326))
    area_radius_m: Mapped[int | None] = mapped_column(Integer)
    area_bng: Mapped[WKBElement | None] = mapped_column(
        Geometry("POINT", srid=BNG, spatial_index=False),
        Computed(f"ST_Transform(area_centre, {BNG})", persisted=True),
    )
    language: Mapped[str] = mapped_column(String(10), default="en")
    # No alerts between these London times (may run past midnight); both or neither.
    quiet_from: Mapped[time | None] = mapped_column(Time)
    quiet_until: Mapped[time | None] = mapped_column(Time)
    daily_cap: Mapped[int] = mapped_column(Integer, default=3)
    # One summary a day instead of single alerts.
    digest: Mapped[bool] = mapped_column(Boolean, default=False)
    # The key to this phone's alerts in /alerts/<token> and every notification's
    # unsubscribe link; the same for all of one endpoint's rows.
    token: Mapped[str] = mapped_column(String(64), index=True)

    hub: Mapped[Hub] = relationship()


class PushDelivery(db.Model):  # type: ignore[name-defined,misc]
    """The outcome of sending one item to one subscription; unique so nothing is sent twice."""

    __tablename__ = "push_deliveries"
    __table_args__ = (
        UniqueConstraint("subscription_id", "item_kind", "item_id", name="uq_push_deliveries_once"),
        CheckConstraint(
            "status IN ('pending', 'retrying', 'sent', 'failed', 'removed', 'digest', 'digested')",
            name="status",
        ),
        Index(
            "ix_push_deliveries_due",
            "next_attempt_at",
            postgresql_where="status IN ('pending', 'retrying')",
        ),
        Index("ix_push_deliveries_subscription_at", "subscription_id", "at"),
        # "Has this phone had this item?": the unique index leads with the subscription,
        # so it cannot answer by item; without this, matching scans it for every phone.
        Index("ix_push_deliveries_item", "item_kind", "item_id", "subscription_id"),
        # The hourly digest run looks for what phones have collected.
        Index(
            "ix_push_deliveries_collected",
            "subscription_id",
            postgresql_where="status = 'digest'",
        ),
    )

    id: Mapped[int] = mapped_column(BigInteger, primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    subscription_id: Mapped[int | None] = mapped_column(
        ForeignKey("push_subscriptions.id", ondelete="SET NULL")
    )
    item_kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer)
    # pending: chosen, being sent (after a crash: sent again, with the same Topic, which
    # the push service replaces); retrying: waiting for next_attempt_at; digest: kept for
    # the day's summary; digested: in a summary that was sent.
    status: Mapped[str] = mapped_column(String(10))
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    http_status: Mapped[int | None] = mapped_column(Integer)
    detail: Mapped[str] = mapped_column(Text, default="")
    at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
