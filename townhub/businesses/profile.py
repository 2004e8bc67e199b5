"""A business's own page, as its owner (or its hub's managers) keep it up to date."""

from __future__ import annotations

from pathlib import Path
from typing import Any, cast

from flask import current_app

from townhub.accounts.models import User
from townhub.accounts.service import may_act_for
from townhub.businesses import photos
from townhub.businesses.models import Business
from townhub.common import geo
from townhub.extensions import db
from townhub.hubs.area import on_high_street

EDITABLE = ("name", "category", "description", "address", "phone", "email", "website",
            "accessibility", "opening_hours")  # fmt: skip


class BusinessNotFound(LookupError):
    """No business has that id."""


class NotAllowed(PermissionError):
    """This user may not change that business."""


class TooFarAway(ValueError):
    """The position is not on or near the business's high street."""


def business_for(user: User, business_id: int) -> Business:
    """The business, if this user may change it. Raises BusinessNotFound or NotAllowed."""
    business = db.session.get(Business, business_id)
    if business is None:
        raise BusinessNotFound(business_id)
    if not may_act_for(user, business):
        raise NotAllowed(f"user {user.id} may not change business {business_id}")
    return business


def update(business: Business, **fields: Any) -> Business:
    """Change the business's text fields and hours. Commits."""
    for name, value in fields.items():
        if name not in EDITABLE:
            raise TypeError(f"{name} is not a field an owner edits")
        setattr(business, name, value)
    db.session.commit()
    return business


def move(business: Business, lon: float, lat: float) -> Business:
    """Place the shop on the map. Raises TooFarAway off its high street. Commits."""
    lon, lat = round(lon, 6), round(lat, 6)
    if not on_high_street(business.hub_id, lon, lat):
        raise TooFarAway((lon, lat))
    position = geo.point(lon, lat)
    business.location = cast(Any, position)
    db.session.commit()
    return business


def photo_folder() -> Path:
    return Path(current_app.instance_path) / "photos"


def set_photo(
    business: Business, data: bytes, alt: str, *, too_large: str, not_a_photo: str
) -> Business:
    """Store a new photo (re-encoded, no metadata) and forget the old one. Raises
    photos.PhotoRejected, changing nothing. Commits."""
    stored = photos.store(data, photo_folder(), too_large=too_large, not_a_photo=not_a_photo)
    old = business.photo
    business.photo = stored.name
    business.photo_alt = alt
    db.session.commit()
    if old and old != stored.name:
        photos.remove(photo_folder(), old)
    return business


def describe_photo(business: Business, alt: str) -> Business:
    business.photo_alt = alt
    db.session.commit()
    return business


def remove_photo(business: Business) -> Business:
    old = business.photo
    business.photo = None
    business.photo_alt = ""
    db.session.commit()
    if old:
        photos.remove(photo_folder(), old)
    return business
