from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from townhub.common.models import Timestamped
from townhub.extensions import db

SUBJECT_KINDS = ("business", "offer", "event")
REPORT_REASONS = ("wrong", "offensive", "scam", "other")


class AuditEntry(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """One moderation or account action: who did what to which item, and why. Kept when
    the actor or the item is deleted, so the name and title are copied in."""

    __tablename__ = "audit_log"

    id: Mapped[int] = mapped_column(primary_key=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    actor_name: Mapped[str] = mapped_column(String(120))
    hub_id: Mapped[int | None] = mapped_column(
        ForeignKey("hubs.id", ondelete="SET NULL"), index=True
    )
    action: Mapped[str] = mapped_column(String(40))
    subject_kind: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int | None] = mapped_column(Integer)
    subject_title: Mapped[str] = mapped_column(String(200))
    reason: Mapped[str] = mapped_column(Text, default="")


class Report(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A resident's report that a business, offer or event is wrong or harmful. Nothing
    about the resident is kept."""

    __tablename__ = "reports"
    __table_args__ = (
        CheckConstraint("subject_kind IN ('business', 'offer', 'event')", name="subject_kind"),
        CheckConstraint("reason IN ('wrong', 'offensive', 'scam', 'other')", name="reason"),
        CheckConstraint("status IN ('open', 'dismissed', 'hidden')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    subject_kind: Mapped[str] = mapped_column(String(10))
    subject_id: Mapped[int] = mapped_column(Integer)
    reason: Mapped[str] = mapped_column(String(10))
    details: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="open")
    resolved_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))
    resolved_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
