from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from townhub.common.forms import check_first_day, check_last_day


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
        if field.data:
            check_first_day(field.data)

    def validate_last_day(self, field: Any) -> None:
        if field.data:
            check_last_day(
                field.data,
                self.first_day.data,
                longest=92,
                too_long=_l("A notice can show for three months at most"),
            )
