from __future__ import annotations

from datetime import date

from sqlalchemy import CheckConstraint, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.accounts.models import User
from townhub.businesses.models import Business
from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub

# What the high street team records. "Invited" and "active" are never stored: they are
# read from the business's owners and their invites (tracker.service.shown_status).
STORED_STATUSES: tuple[str, ...] = ("not_contacted", "visited", "declined")
SHOWN_STATUSES: tuple[str, ...] = ("not_contacted", "visited", "invited", "active", "declined")


class TrackedBusiness(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A business on the high street that the team is bringing onto Townhub: one not on it
    yet (name, address and category as the team wrote them down), or one already on it."""

    __tablename__ = "tracked_businesses"
    __table_args__ = (
        CheckConstraint("status IN ('not_contacted', 'visited', 'declined')", name="status"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    # Set once the business is on Townhub; one entry per business. If the business is
    # deleted the entry stays, with its visit notes, as a business not on Townhub.
    business_id: Mapped[int | None] = mapped_column(
        ForeignKey("businesses.id", ondelete="SET NULL"), unique=True
    )
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str] = mapped_column(String(200), default="")
    category: Mapped[str] = mapped_column(String(40))
    status: Mapped[str] = mapped_column(String(20), default="not_contacted")
    next_step: Mapped[str] = mapped_column(String(200), default="", server_default="")
    next_step_on: Mapped[date | None] = mapped_column(Date)
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    hub: Mapped[Hub] = relationship()
    business: Mapped[Business | None] = relationship()
    handled_by: Mapped[User | None] = relationship()


class VisitNote(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """What happened on one visit to a tracked business, in the team's words."""

    __tablename__ = "visit_notes"

    id: Mapped[int] = mapped_column(primary_key=True)
    tracked_business_id: Mapped[int] = mapped_column(
        ForeignKey("tracked_businesses.id", ondelete="CASCADE"), index=True
    )
    visited_on: Mapped[date] = mapped_column(Date)
    note: Mapped[str] = mapped_column(Text)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))

    author: Mapped[User | None] = relationship()
