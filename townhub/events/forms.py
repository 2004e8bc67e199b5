from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectField, StringField, TextAreaField, TimeField
from wtforms.validators import DataRequired, Length, ValidationError

from townhub.common.days import london_today
from townhub.common.forms import one_of_offered


class EventForm(FlaskForm):  # type: ignore[misc]
    # "" is the high street team's own event (only hub managers are offered it).
    business_id = SelectField(
        _l("Who is running it?"),
        # Checked by one_of_offered, whose message is ours and translated.
        validate_choice=False,
        validators=[one_of_offered(_l("Choose who is running the event"))],
    )
    title = StringField(
        _l("What is the event?"),
        validators=[
            DataRequired(_l("Enter what the event is")),
            Length(max=120, message=_l("The event’s name must be 120 characters or fewer")),
        ],
    )
    day = DateField(
        _l("Day of the event"),
        invalid_value_message=_l("Enter the day as year-month-day, like 2026-12-12"),
        validators=[DataRequired(_l("Enter the day of the event, like 2026-12-12"))],
    )
    starts = TimeField(
        _l("Start time"),
        invalid_value_message=_l("Enter the start time like 10:00"),
        validators=[DataRequired(_l("Enter the start time, like 10:00"))],
    )
    ends = TimeField(
        _l("End time"),
        invalid_value_message=_l("Enter the end time like 16:00"),
        validators=[DataRequired(_l("Enter the end time, like 16:00"))],
    )
    place = StringField(
        _l("Where is it?"),
        validators=[
            DataRequired(_l("Enter where the event is")),
            Length(max=200, message=_l("The place must be 200 characters or fewer")),
        ],
    )
    description = TextAreaField(
        _l("Tell people about it (optional)"),
        validators=[
            Length(max=2000, message=_l("The description must be 2000 characters or fewer"))
        ],
    )

    def validate_day(self, field: Any) -> None:
        if field.data and field.data < london_today():
            raise ValidationError(_l("The day must be today or later"))
        if field.data and field.data > london_today() + timedelta(days=365):
            raise ValidationError(_l("The day must be within the next year"))

    def validate_ends(self, field: Any) -> None:
        if field.data and self.starts.data and field.data == self.starts.data:
            raise ValidationError(_l("The end time must differ from the start time"))
