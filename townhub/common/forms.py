"""Form pieces more than one feature uses: forms that read a resident's query string or
position (they change nothing, so they carry no CSRF token: a resident needs no session
cookie to browse), and checks written once for every form that needs them."""

from __future__ import annotations

import math
from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, HiddenField, SelectChoice, SelectField
from wtforms.validators import AnyOf, ValidationError

from townhub.businesses.categories import CATEGORIES, LABELS
from townhub.common.days import london_today

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


def one_of_offered(message: Any) -> Callable[[Any, Field], None]:
    """One of the choices the view set on the field for this request, with our own
    (translated) message instead of WTForms'."""

    def check(form: Any, field: Field) -> None:
        if field.data not in {str(choice.value) for choice in field.choices}:
            raise ValidationError(message)

    return check


def check_first_day(first: date) -> None:
    """The first day of a run of days (an offer, a notice, works) is within the next year;
    raises ValidationError."""
    if first > london_today() + timedelta(days=365):
        raise ValidationError(_l("The first day must be within the next year"))


def check_last_day(
    last: date, first: date | None, *, longest: int, too_long: Any, past: bool = False
) -> None:
    """The last day of a run of days is today or later (unless `past` allows it), not
    before the first day, and at most `longest` days after it; raises ValidationError."""
    if last < london_today() and not past:
        raise ValidationError(_l("The last day must be today or later"))
    if first and last < first:
        raise ValidationError(_l("The last day must be the same as or after the first day"))
    if first and (last - first).days > longest:
        raise ValidationError(too_long)


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
