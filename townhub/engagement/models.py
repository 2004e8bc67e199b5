from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from townhub.extensions import db

# What residents do that a hub counts. Each is a number per day: no identifiers, no times.
KINDS = (
    "visit",  # arrived at a hub page from outside it (a QR poster, a link, the home screen)
    "install",  # added the hub to a home screen
    "business_view",
    "offer_view",
    "offer_save",
    "offer_redeem",
    "event_view",
    "event_calendar",  # downloaded an event's calendar file
)


class DailyCount(db.Model):  # type: ignore[name-defined,misc]
    """How many times something happened on one day in one hub, and nothing more.

    `item_id` is the offer, event or business the count is about (0 for the hub itself);
    `ref` is the business whose QR poster brought the resident ("" for none). There is
    deliberately no foreign key on either: the counts outlive what they counted.
    """

    __tablename__ = "daily_counts"
    __table_args__ = (
        UniqueConstraint("day", "hub_id", "kind", "item_id", "ref", name="uq_daily_counts_key"),
        CheckConstraint("kind IN (" + ", ".join(f"'{k}'" for k in KINDS) + ")", name="kind"),
        CheckConstraint("count > 0", name="count_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))
    item_id: Mapped[int] = mapped_column(Integer, default=0)
    ref: Mapped[str] = mapped_column(String(80), default="")
    count: Mapped[int] = mapped_column(Integer, default=1)
