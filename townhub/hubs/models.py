from __future__ import annotations

from geoalchemy2 import Geometry, WKBElement
from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from townhub.common.models import Timestamped
from townhub.extensions import db


class Hub(Timestamped, db.Model):  # type: ignore[name-defined,misc]
    """A high street: its name, URL slug and the boundary drawn around it."""

    __tablename__ = "hubs"

    id: Mapped[int] = mapped_column(primary_key=True)
    slug: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    boundary: Mapped[WKBElement] = mapped_column(Geometry("POLYGON", srid=4326))
    theme_colour: Mapped[str] = mapped_column(String(7), default="#1d3b6f")
