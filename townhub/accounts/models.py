from __future__ import annotations

from datetime import datetime

from sqlalchemy import CheckConstraint, Column, DateTime, ForeignKey, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.businesses.models import Business
from townhub.common.models import Timestamped
from townhub.extensions import db
from townhub.hubs.models import Hub

ROLES = ("owner", "hub_manager", "council_admin")

business_owners = Table(
    "business_owners",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("business_id", ForeignKey("businesses.id", ondelete="CASCADE"), primary_key=True),
)

hub_managers = Table(
    "hub_managers",
    db.metadata,
    Column("user_id", ForeignKey("users.id", ondelete="CASCADE"), primary_key=True),
    Column("hub_id", ForeignKey("hubs.id", ondelete="CASCADE"), primary_key=True),
)


class User(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """Someone who signs in: a business owner, a hub manager or a council admin."""

    __tablename__ = "users"
    __table_args__ = (
        CheckConstraint("role IN ('owner', 'hub_manager', 'council_admin')", name="role"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    password_hash: Mapped[str | None] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    last_signed_in_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    businesses: Mapped[list[Business]] = relationship(secondary=business_owners)
    hubs: Mapped[list[Hub]] = relationship(secondary=hub_managers)

    # Flask-Login's user protocol.
    is_active = True
    is_authenticated = True
    is_anonymous = False

    def get_id(self) -> str:
        # The session names the password too, so setting a new password (a reset after a
        # lost phone) signs every other browser out.
        return f"{self.id}:{self.password_fingerprint}"

    @property
    def password_fingerprint(self) -> str:
        return (self.password_hash or "")[-12:]


class Invite(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A one-time, expiring link that lets someone set a password: the first invitation to
    a business owner, or a new link when they have forgotten it. Only a hash of the token
    is kept, so a copy of the database cannot be used to sign in."""

    __tablename__ = "invites"
    __table_args__ = (CheckConstraint("purpose IN ('invite', 'reset')", name="purpose"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    purpose: Mapped[str] = mapped_column(String(10))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    expires_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))
    used_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True))

    user: Mapped[User] = relationship(foreign_keys=[user_id])
