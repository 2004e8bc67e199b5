from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    IntegerField,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, NumberRange, Optional, ValidationError

from townhub.common.forms import (
    PositionFields,
    QueryForm,
    category_field,
    check_first_day,
    check_last_day,
    one_of,
)


class OfferForm(FlaskForm):  # type: ignore[misc]
    business_id = SelectField(
        _l("Business"), coerce=int, validators=[DataRequired(_l("Choose the business"))]
    )
    title = StringField(
        _l("What is the offer?"),
        validators=[
            DataRequired(_l("Enter what the offer is")),
            Length(max=120, message=_l("The offer must be 120 characters or fewer")),
        ],
    )
    details = TextAreaField(_l("Details (optional)"), validators=[Length(max=1000)])
    terms = TextAreaField(_l("Terms (optional)"), validators=[Length(max=1000)])
    starts_on = DateField(
        _l("First day of the offer"),
        invalid_value_message=_l("Enter the first day as year-month-day, like 2026-11-28"),
        validators=[DataRequired(_l("Enter the first day of the offer, like 2026-11-28"))],
    )
    ends_on = DateField(
        _l("Last day of the offer"),
        invalid_value_message=_l("Enter the last day as year-month-day, like 2026-12-05"),
        validators=[DataRequired(_l("Enter the last day of the offer, like 2026-12-05"))],
    )
    reach = RadioField(
        _l("Who should hear about it?"),
        choices=[
            SelectChoice("hub", _l("Everyone following the high street")),
            SelectChoice("radius", _l("People close to the shop")),
        ],
        default="hub",
        validators=[DataRequired(_l("Choose who should hear about the offer"))],
    )
    radius_m = IntegerField(
        _l("How close, in metres"),
        validators=[
            Optional(),
            NumberRange(min=200, max=2000, message=_l("Enter a distance from 200 to 2000 metres")),
        ],
    )
    redemption_code = StringField(
        _l("Code to show at the till (optional)"), validators=[Length(max=40)]
    )

    def validate_starts_on(self, field: Any) -> None:
        if field.data:
            check_first_day(field.data)

    def validate_ends_on(self, field: Any) -> None:
        if field.data:
            check_last_day(
                field.data,
                self.starts_on.data,
                longest=366,
                too_long=_l("An offer can run for a year at most"),
            )

    def validate_radius_m(self, field: Any) -> None:
        if self.reach.data == "radius" and field.data is None:
            raise ValidationError(_l("Enter how close people must be, in metres"))


class OfferFilterForm(PositionFields, QueryForm):
    """Filtering residents' offers: by category from the query string, or nearest first
    when the browser posts the resident's position (used for that request only)."""

    category = category_field()
    sort = SelectField(
        _l("Sort by"),
        choices=[
            SelectChoice("ending", _l("Ending soonest")),
            SelectChoice("distance", _l("Nearest to me")),
        ],
        default="ending",
        validate_choice=False,
        validators=[one_of(("ending", "distance"), _l("Choose how to sort the offers"))],
    )

    def validate_sort(self, field: Field) -> None:
        if field.data == "distance" and not (self.latitude.data or "").strip():
            raise ValidationError(
                _l("To sort by distance, allow your phone to share your position")
            )
