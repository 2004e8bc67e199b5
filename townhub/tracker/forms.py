from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import (
    DateField,
    Field,
    RadioField,
    SelectChoice,
    SelectField,
    StringField,
    TextAreaField,
)
from wtforms.validators import DataRequired, Length, Optional, ValidationError

from townhub.businesses.categories import CATEGORIES, LABELS
from townhub.common.days import london_today
from townhub.common.forms import QueryForm, one_of, one_of_offered
from townhub.tracker.models import SHOWN_STATUSES, STORED_STATUSES

STATUS_LABELS = {
    "not_contacted": _l("Not contacted"),
    "visited": _l("Visited"),
    "invited": _l("Invited"),
    "active": _l("Active"),
    "declined": _l("Said no for now"),
}

STATUS_HINT = _l(
    "“Invited” and “Active” are not chosen here: they show by themselves once the owner "
    "has been invited to Townhub or has signed in."
)


def _stored_status_field(label: Any, default: str | None = None) -> RadioField:
    return RadioField(
        label,
        choices=[SelectChoice(name, STATUS_LABELS[name]) for name in STORED_STATUSES],
        default=default,
        # Checked by one_of, whose message is ours and translated.
        validate_choice=False,
        validators=[one_of(STORED_STATUSES, _l("Choose a status from the list"))],
    )


def _next_step_field() -> StringField:
    return StringField(
        _l("Next step (optional)"),
        validators=[Length(max=200, message=_l("The next step must be 200 characters or fewer"))],
    )


def _next_step_on_field() -> DateField:
    return DateField(
        _l("Date of the next step (optional)"),
        invalid_value_message=_l("Enter a real date for the next step, like 2026-11-28"),
        validators=[Optional()],
    )


class _NextStepDate:
    """The next step's date must be today or later, unless it is the one already recorded
    (an overdue step can stay while other things change)."""

    recorded_next_step_on: date | None = None

    def validate_next_step_on(self, field: Field) -> None:
        if not field.data or field.data == self.recorded_next_step_on:
            return
        if field.data < london_today():
            raise ValidationError(_l("The date of the next step must be today or later"))
        if field.data > london_today() + timedelta(days=366):
            raise ValidationError(_l("The date of the next step must be within the next year"))


class TrackedBusinessForm(_NextStepDate, FlaskForm):  # type: ignore[misc]
    name = StringField(
        _l("Name of the business"),
        validators=[
            DataRequired(_l("Enter the name of the business")),
            Length(max=120, message=_l("The name must be 120 characters or fewer")),
        ],
    )
    address = StringField(
        _l("Address"),
        validators=[
            DataRequired(_l("Enter the address")),
            Length(max=200, message=_l("The address must be 200 characters or fewer")),
        ],
    )
    category = SelectField(
        _l("Category"),
        choices=[SelectChoice("", _l("Choose a category"))]
        + [SelectChoice(slug, LABELS[slug]) for slug in CATEGORIES],
        default="",
        validate_choice=False,
        validators=[one_of(CATEGORIES, _l("Choose a category from the list"))],
    )
    status = _stored_status_field(_l("Status"), default="not_contacted")
    next_step = _next_step_field()
    next_step_on = _next_step_on_field()
    handled_by = SelectField(
        _l("Who is handling it (optional)"),
        # Checked by one_of_offered, whose message is ours and translated.
        validate_choice=False,
        validators=[one_of_offered(_l("Choose someone from the list"))],
    )

    def handled_by_id(self) -> int | None:
        text = self.handled_by.data or ""
        return int(text) if text.isdigit() else None


class VisitNoteForm(_NextStepDate, FlaskForm):  # type: ignore[misc]
    visited_on = DateField(
        _l("Date of the visit"),
        default=london_today,
        validators=[DataRequired(_l("Enter the date of the visit, like 2026-11-28"))],
    )
    note = TextAreaField(
        _l("What happened"),
        validators=[
            DataRequired(_l("Enter what happened on the visit")),
            Length(max=2000, message=_l("Keep the note to 2,000 characters or fewer")),
        ],
    )
    status = _stored_status_field(_l("Status after this visit"))
    next_step = _next_step_field()
    next_step_on = _next_step_on_field()

    def validate_visited_on(self, field: Field) -> None:
        if not field.data:
            return
        if field.data > london_today():
            raise ValidationError(_l("The date of the visit must be today or earlier"))
        if field.data < london_today() - timedelta(days=5 * 366):
            raise ValidationError(_l("The date of the visit must be in the last five years"))


class TrackerFilterForm(QueryForm):
    """Which businesses to list, read from the query string."""

    status = SelectField(
        _l("Show"),
        choices=[SelectChoice("", _l("All businesses"))]
        + [SelectChoice(name, STATUS_LABELS[name]) for name in SHOWN_STATUSES],
        default="",
        validate_choice=False,
        validators=[one_of(("", *SHOWN_STATUSES), _l("Choose a status from the list"))],
    )
