from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import CheckConstraint, ForeignKey, Integer, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from townhub.common.models import Timestamped
from townhub.extensions import db


class Hub(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A high street: its name, URL slug and the boundary drawn around it."""

    __tablename__ = "hubs"
    __table_args__ = tuple(
        CheckConstraint(f"{column} > 0", name=f"{column}_positive")
        for column in (
            "target_businesses",
            "target_installs",
            "target_subscribers",
            "target_redemptions",
        )
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    boundary: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=4326))
    theme_colour: Mapped[str] = mapped_column(String(7), default="#1d3b6f")
    # What the pilot set out to reach in each hub; the council may change them per hub.
    target_businesses: Mapped[int] = mapped_column(Integer, default=20, server_default="20")
    target_installs: Mapped[int] = mapped_column(Integer, default=1000, server_default="1000")
    target_subscribers: Mapped[int] = mapped_column(Integer, default=500, server_default="500")
    target_redemptions: Mapped[int] = mapped_column(Integer, default=200, server_default="200")


class Place(db.Model):  # type: ignore[name-defined,misc]
    """A street or landmark on a hub that residents know by name: the text alternative to
    placing a point on the map when choosing an alert area."""

    __tablename__ = "places"
    __table_args__ = (
        UniqueConstraint("hub_id", "name", name="uq_places_hub_name"),
        CheckConstraint("kind IN ('street', 'landmark')", name="kind"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    hub_id: Mapped[int] = mapped_column(ForeignKey("hubs.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    kind: Mapped[str] = mapped_column(String(10))
    position: Mapped[WKBElement] = mapped_column(Geometry("POINT", srid=4326))

    hub: Mapped[Hub] = relationship()
