from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub


class Notice(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """News from the high street team to everyone on the hub: a market moved, a road
    closed for a parade, a consultation. Shown from its first day to its last."""

    __tablename__ = "notices"
    __table_args__ = (
        CheckConstraint("status IN ('published', 'hidden')", name="status"),
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    title: Mapped[str] = mapped_column(String(120))
    body: Mapped[str] = mapped_column(Text, default="")
    starts_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), index=True)
    ends_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    status: Mapped[str] = mapped_column(String(12), default="published")

    hub: Mapped[Hub] = relationship()
