"""Forms that read a resident's query string or position. They change nothing, so they
carry no CSRF token: a resident needs no session cookie to browse."""

from __future__ import annotations

import math
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectChoice, SelectField
from wtforms.validators import AnyOf, ValidationError

from townhub.businesses.categories import CATEGORIES, LABELS

# A box around the United Kingdom (with Shetland and Northern Ireland). A position outside
# it is a mistake or a spoofed browser, and no hub is anywhere near it.
UK_LATITUDE = (49.8, 60.9)
UK_LONGITUDE = (-8.7, 1.8)


class QueryForm(FlaskForm):  # type: ignore[misc]
    """A form read from the query string or a position post, with no CSRF token."""

    class Meta:
        csrf = False


def one_of(values: tuple[str, ...], message: Any) -> AnyOf:
    """A choice from a list, with our own (translated) message instead of WTForms'."""
    return AnyOf(values, message=message)


def category_field() -> SelectField:
    return SelectField(
        _l("Category"),
        choices=[SelectChoice("", _l("All categories"))]
        + [SelectChoice(slug, LABELS[slug]) for slug in CATEGORIES],
        default="",
        # Checked by one_of, whose message is ours and translated.
        validate_choice=False,
        validators=[one_of(("", *CATEGORIES), _l("Choose a category from the list"))],
    )


def _page_number(form: Any, field: Field) -> None:
    text = (field.data or "").strip()
    if text and not (text.isdigit() and 1 <= int(text) <= 1000):
        raise ValidationError(_l("Choose a page from the list"))


def page_field() -> HiddenField:
    """The page of results: a number from 1, read from the query string."""
    return HiddenField(_l("Page"), validators=[_page_number])


def page_number(field: Field) -> int:
    text = (field.data or "").strip()
    return int(text) if text.isdigit() else 1


def _coordinate(field: Field, bounds: tuple[float, float]) -> float | None:
    text = (field.data or "").strip()
    if not text:
        return None
    try:
        value = float(text)
    except ValueError:
        raise ValidationError(_l("Your position could not be read. Try again.")) from None
    if not math.isfinite(value):
        raise ValidationError(_l("Your position could not be read. Try again."))
    if not bounds[0] <= value <= bounds[1]:
        raise ValidationError(
            _l("Your position is outside the United Kingdom, so no hub is near it.")
        )
    return value


class PositionFields:
    """Latitude and longitude from the browser, used for one request and never kept."""

    latitude = HiddenField(_l("Latitude"))
    longitude = HiddenField(_l("Longitude"))

    def validate_latitude(self, field: Field) -> None:
        _coordinate(field, UK_LATITUDE)

    def validate_longitude(self, field: Field) -> None:
        _coordinate(field, UK_LONGITUDE)
        if bool((self.latitude.data or "").strip()) != bool((field.data or "").strip()):
            raise ValidationError(_l("Your position could not be read. Try again."))

    def position(self) -> tuple[float, float] | None:
        """(longitude, latitude) when both were given and valid, else None."""
        lat = _coordinate(self.latitude, UK_LATITUDE)
        lon = _coordinate(self.longitude, UK_LONGITUDE)
        return None if lat is None or lon is None else (lon, lat)
