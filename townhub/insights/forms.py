"""The dashboard's two GET forms: which footfall to show, and which periods to compare.
They change nothing, so they carry no CSRF token and their URLs can be bookmarked."""

from __future__ import annotations

from datetime import date
from typing import Any, cast

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import DateField, SelectChoice, SelectField

from townhub.common.forms import one_of_offered
from townhub.insights.service import GRAINS, LONGEST_COMPARISON_DAYS, InsightsError
from townhub.sensors.models import Sensor

GRAIN_CHOICES = [
    SelectChoice("15m", _l("Every 15 minutes")),
    SelectChoice("hour", _l("Hourly")),
    SelectChoice("day", _l("Daily")),
    SelectChoice("week", _l("Weekly")),
]
DATE_MESSAGE = _l("Enter a real date, like 2026-11-28")


class Day(DateField):  # type: ignore[misc]
    """A date typed as 2026-11-28, refused in our words rather than WTForms'."""

    def process_formdata(self, valuelist: list[str]) -> None:
        if not valuelist or not "".join(valuelist).strip():
            self.data = None  # left empty: the default days
            return
        try:
            super().process_formdata(valuelist)
        except ValueError as error:
            raise ValueError(str(DATE_MESSAGE)) from error


class _GetForm(FlaskForm):  # type: ignore[misc]
    class Meta:
        csrf = False

    def show(self, error: InsightsError, limits: dict[str, int]) -> None:
        """Put a service's refusal on the field it is about, in words."""
        messages = {
            "ends before it starts": _l("The first day must be on or before the last day"),
            "outside the figures": _l("Choose days from 1 January 2000 up to today"),
            "too long": _l(
                "Choose %(days)s days or fewer, or a coarser grouping",
                days=limits.get(error.field, 0),
            ),
            "not over": _l("Choose days up to yesterday: today is not over yet"),
            "unknown sensor": _l("Choose one of this hub's sensors"),
            "unknown grain": _l("Choose how to group the counts"),
        }
        field = getattr(self, error.field)
        field.errors = [*field.errors, messages.get(error.message, error.message)]


class FootfallForm(_GetForm):
    page_order = ("sensor", "grain", "first", "last")

    sensor = SelectField(
        _l("Sensor"),
        default="",
        validate_choice=False,
        validators=[one_of_offered(_l("Choose one of this hub's sensors"))],
    )
    grain = SelectField(
        _l("Group the counts"),
        choices=GRAIN_CHOICES,
        default="day",
        validate_choice=False,
        validators=[one_of_offered(_l("Choose how to group the counts"))],
    )
    first = Day(_l("From"), name="from")
    last = Day(_l("To"), name="to")

    def __init__(self, *args: Any, sensors: list[Sensor], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.sensor.choices = [SelectChoice("", _l("All the hub's sensors"))] + [
            SelectChoice(str(sensor.id), sensor.name) for sensor in sensors
        ]

    def limits(self) -> dict[str, int]:
        grain = self.grain.data if self.grain.data in GRAINS else "day"
        return {"first": GRAINS[grain][2]}

    def sensor_id(self) -> int | None:
        return int(self.sensor.data) if self.sensor.data else None


class ComparisonForm(_GetForm):
    page_order = ("period_first", "period_last", "baseline_first", "baseline_last")

    period_first = Day(_l("First day of the period"), name="period_from")
    period_last = Day(_l("Last day of the period"), name="period_to")
    baseline_first = Day(_l("First day of the baseline"), name="baseline_from")
    baseline_last = Day(_l("Last day of the baseline"), name="baseline_to")

    def validate(self, extra_validators: Any = None) -> bool:
        valid: bool = super().validate(extra_validators)
        missing = {
            "period_first": _l("Enter the first day of the period"),
            "period_last": _l("Enter the last day of the period"),
            "baseline_first": _l("Enter the first day of the baseline"),
            "baseline_last": _l("Enter the last day of the baseline"),
        }
        for name, message in missing.items():
            field = getattr(self, name)
            if field.data is None and not field.errors:
                field.errors = [*field.errors, message]
                valid = False
        return valid

    def periods(self) -> tuple[tuple[date, date], tuple[date, date]]:
        """The baseline and the period, once validate() has passed."""
        fields = (self.baseline_first, self.baseline_last, self.period_first, self.period_last)
        days = [cast(date, field.data) for field in fields]
        if not all(isinstance(day, date) for day in days):
            raise ValueError("the comparison form has not been validated")
        return (days[0], days[1]), (days[2], days[3])

    def asked(self) -> bool:
        """Whether any of the comparison's days were sent."""
        return any(field.raw_data and field.raw_data[0] for field in self)

    def limits(self) -> dict[str, int]:
        return {"period_first": LONGEST_COMPARISON_DAYS, "baseline_first": LONGEST_COMPARISON_DAYS}
