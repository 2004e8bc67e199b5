from __future__ import annotations

import math
import re
from typing import Any
from urllib.parse import urlsplit

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from flask_wtf.file import FileField
from wtforms import (
    BooleanField,
    EmailField,
    Field,
    SearchField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Email, Length, Optional, Regexp, ValidationError

from townhub.businesses.categories import CATEGORIES, LABELS
from townhub.businesses.hours import DAYS
from townhub.common.forms import (
    UK_LATITUDE,
    UK_LONGITUDE,
    QueryForm,
    category_field,
    one_of,
    page_field,
)


class BusinessSearchForm(QueryForm):
    """What a resident looks for on the businesses page (read from the query string)."""

    q = SearchField(
        _l("Search by name or what they sell"),
        validators=[Length(max=100, message=_l("Search for 100 characters or fewer"))],
    )
    category = category_field()
    open_now = BooleanField(_l("Open now"))
    page = page_field()


# The forms an owner fills in on a phone, one short page each (GOV.UK: one thing per page).


def _required(label: Any, missing: Any, longest: int, too_long: Any) -> StringField:
    return StringField(
        label,
        validators=[DataRequired(missing), Length(max=longest, message=too_long)],
    )


class DetailsForm(FlaskForm):  # type: ignore[misc]
    name = _required(
        _l("Name of the business"),
        _l("Enter the name of the business"),
        120,
        _l("The name must be 120 characters or fewer"),
    )
    category = SelectField(
        _l("What kind of business is it?"),
        choices=[SelectChoice(slug, LABELS[slug]) for slug in CATEGORIES],
        validate_choice=False,
        validators=[one_of(CATEGORIES, _l("Choose what kind of business it is"))],
    )
    description = TextAreaField(
        _l("What do you sell or do?"),
        validators=[
            Length(max=1000, message=_l("The description must be 1000 characters or fewer"))
        ],
    )


def _website(form: Any, field: Field) -> None:
    text = (field.data or "").strip()
    if not text:
        return
    parts = urlsplit(text if "://" in text else f"https://{text}")
    if parts.scheme not in {"http", "https"} or "." not in (parts.hostname or ""):
        raise ValidationError(_l("Enter a web address like www.example.co.uk"))


class ContactForm(FlaskForm):  # type: ignore[misc]
    address = _required(
        _l("Address"),
        _l("Enter the address of the business"),
        200,
        _l("The address must be 200 characters or fewer"),
    )
    phone = StringField(
        _l("Phone number (optional)"),
        validators=[
            Length(max=40, message=_l("The phone number must be 40 characters or fewer")),
            Regexp(
                r"^[0-9 +()-]*$",
                message=_l("Enter a phone number using only digits, spaces, + and brackets"),
            ),
        ],
    )
    email = EmailField(
        _l("Email address for customers (optional)"),
        validators=[
            Optional(),
            Email(
                _l("Enter an email address in the right format, like name@example.com"),
                check_deliverability=False,
            ),
            Length(max=200, message=_l("The email address must be 200 characters or fewer")),
        ],
    )
    website = StringField(
        _l("Website (optional)"),
        validators=[
            Length(max=200, message=_l("The web address must be 200 characters or fewer")),
            _website,
        ],
    )

    def website_url(self) -> str:
        text = (self.website.data or "").strip()
        return text if not text or "://" in text else f"https://{text}"


class PositionForm(FlaskForm):  # type: ignore[misc]
    latitude = StringField(_l("Latitude"), validators=[DataRequired(_l("Enter the latitude"))])
    longitude = StringField(_l("Longitude"), validators=[DataRequired(_l("Enter the longitude"))])

    def validate_latitude(self, field: Field) -> None:
        _number(field, UK_LATITUDE, _l("Enter a latitude like 51.3975"))

    def validate_longitude(self, field: Field) -> None:
        _number(field, UK_LONGITUDE, _l("Enter a longitude like -0.0752"))


def _number(field: Field, bounds: tuple[float, float], message: Any) -> float:
    try:
        value = float((field.data or "").strip())
    except ValueError:
        raise ValidationError(message) from None
    if not (math.isfinite(value) and bounds[0] <= value <= bounds[1]):
        raise ValidationError(message)
    return value


DAY_LABELS = {
    "mon": _l("Monday"),
    "tue": _l("Tuesday"),
    "wed": _l("Wednesday"),
    "thu": _l("Thursday"),
    "fri": _l("Friday"),
    "sat": _l("Saturday"),
    "sun": _l("Sunday"),
}
_TIME = re.compile(r"^([01]?\d|2[0-3])[:.]([0-5]\d)$")


class HoursForm(FlaskForm):  # type: ignore[misc]
    """Opening and closing time for each day; both empty means closed that day."""

    def day_fields(self) -> list[tuple[str, Field, Field]]:
        return [(day, self[f"{day}_opens"], self[f"{day}_closes"]) for day in DAYS]

    def validate(self, extra_validators: Any = None) -> bool:
        valid = bool(super().validate(extra_validators))
        for day, opens, closes in self.day_fields():
            texts = [(opens.data or "").strip(), (closes.data or "").strip()]
            if not any(texts):
                continue
            day_valid = True
            for field, text in zip((opens, closes), texts, strict=True):
                if not _TIME.match(text):
                    field.errors.append(
                        _l(
                            "Enter a time like 09:00 for %(day)s, or leave both empty if closed",
                            day=DAY_LABELS[day],
                        )
                    )
                    day_valid = False
            if day_valid and _hhmm(texts[0]) == _hhmm(texts[1]):
                closes.errors.append(
                    _l(
                        "The closing time on %(day)s must differ from the opening time",
                        day=DAY_LABELS[day],
                    )
                )
                day_valid = False
            valid = valid and day_valid
        return valid

    def opening_hours(self) -> dict[str, list[list[str]]]:
        hours: dict[str, list[list[str]]] = {}
        for day, opens, closes in self.day_fields():
            texts = [(f.data or "").strip() for f in (opens, closes)]
            hours[day] = [[_hhmm(t) for t in texts]] if all(texts) else []
        return hours

    def fill(self, hours: dict[str, Any]) -> None:
        for day, opens, closes in self.day_fields():
            spans = hours.get(day) or []
            if spans:
                opens.data, closes.data = spans[0][0], spans[-1][1]


def _hhmm(text: str) -> str:
    match = _TIME.match(text)
    assert match
    return f"{int(match.group(1)):02d}:{match.group(2)}"


for _day in DAYS:
    setattr(HoursForm, f"{_day}_opens", StringField(_l("Opens")))
    setattr(HoursForm, f"{_day}_closes", StringField(_l("Closes")))


class AccessibilityForm(FlaskForm):  # type: ignore[misc]
    accessibility = TextAreaField(
        _l("Access information"),
        validators=[
            Length(max=1000, message=_l("The access information must be 1000 characters or fewer"))
        ],
    )


class PhotoForm(FlaskForm):  # type: ignore[misc]
    photo = FileField(_l("Photo"))
    alt = _required(
        _l("What does the photo show?"),
        _l("Say what the photo shows, for people who cannot see it"),
        200,
        _l("The description must be 200 characters or fewer"),
    )
