from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from townhub.common.days import london_today


class NoticeForm(FlaskForm):  # type: ignore[misc]
    title = StringField(
        _l("Headline"),
        validators=[
            DataRequired(_l("Enter a headline")),
            Length(max=120, message=_l("The headline must be 120 characters or fewer")),
        ],
    )
    body = TextAreaField(
        _l("What residents need to know"),
        validators=[
            DataRequired(_l("Enter what residents need to know")),
            Length(max=1000, message=_l("Keep it to 1,000 characters or fewer")),
        ],
    )
    first_day = DateField(
        _l("First day to show it"),
        invalid_value_message=_l("Enter the first day as year-month-day, like 2026-11-28"),
        validators=[DataRequired(_l("Enter the first day, like 2026-11-28"))],
    )
    last_day = DateField(
        _l("Last day to show it"),
        invalid_value_message=_l("Enter the last day as year-month-day, like 2026-12-05"),
        validators=[DataRequired(_l("Enter the last day, like 2026-12-05"))],
    )

    def validate_first_day(self, field: Any) -> None:
        if field.data and field.data > london_today() + timedelta(days=365):
            raise ValidationError(_l("The first day must be within the next year"))

    def validate_last_day(self, field: Any) -> None:
        if not field.data:
            return
        if field.data < london_today():
            raise ValidationError(_l("The last day must be today or later"))
        if self.first_day.data and field.data < self.first_day.data:
            raise ValidationError(_l("The last day must be the same as or after the first day"))
        if self.first_day.data and (field.data - self.first_day.data).days > 92:
            raise ValidationError(_l("A notice can show for three months at most"))
