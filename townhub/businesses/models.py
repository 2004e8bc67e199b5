from __future__ import annotations

from typing import Any

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Computed,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    false,
)
from sqlalchemy.dialects.postgresql import JSONB, TSVECTOR
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
        Index("ix_businesses_search", "search", postgresql_using="gin"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    slug: Mapped[str] = mapped_column(String(80))
    name: Mapped[str] = mapped_column(String(120))
    category: Mapped[str] = mapped_column(String(40))
    description: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(200), default="")
    phone: Mapped[str] = mapped_column(String(40), default="")
    email: Mapped[str] = mapped_column(String(200), default="", server_default="")
    website: Mapped[str] = mapped_column(String(200), default="", server_default="")
    accessibility: Mapped[str] = mapped_column(Text, default="")
    location: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))
    # {"mon": [["09:00", "17:30"]], ..., "sun": []} in Europe/London local time.
    opening_hours: Mapped[dict[str, Any]] = mapped_column(JSONB, default=dict)
    status: Mapped[str] = mapped_column(String(12), default="pending")
    # Why the high street team hid it, shown to the owner.
    hidden_reason: Mapped[str] = mapped_column(Text, default="", server_default="")
    # A trusted business's offers and events go live at once; until then they wait for
    # a hub manager's approval.
    trusted: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The shop's photo: a file name in the instance's photo folder (re-encoded, no
    # metadata), and what it shows for people who cannot see it.
    photo: Mapped[str | None] = mapped_column(String(80))
    photo_alt: Mapped[str] = mapped_column(String(200), default="", server_default="")
    # Full-text search over what a resident would type: the name counts most.
    search: Mapped[str] = mapped_column(
        TSVECTOR,
        Computed(
            "setweight(to_tsvector('english', coalesce(name, '')), 'A') || "
            "setweight(to_tsvector('english', coalesce(category, '')), 'B') || "
            "setweight(to_tsvector('english', coalesce(description, '')), 'C') || "
            "setweight(to_tsvector('english', coalesce(address, '')), 'D')",
            persisted=True,
        ),
        deferred=True,
    )

    hub: Mapped[Hub] = relationship()
