from __future__ import annotations

from typing import Any

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import Field, RadioField, SelectChoice, StringField
from wtforms.validators import Length, ValidationError

from townhub.demographics import service
from townhub.demographics.labels import AGE_BAND_LABELS, TRAVEL_MODE_LABELS

# The choice that records nothing, as leaving the question does.
NOT_SAYING = "prefer_not_to_say"


def _chosen_from(values: tuple[str, ...], message: Any) -> Any:
    """One of the values, or nothing at all: every question may be left."""

    def check(form: Any, field: Field) -> None:
        if field.data not in (None, "", NOT_SAYING, *values):
            raise ValidationError(message)

    return check


def _choices(labels: dict[str, Any]) -> list[SelectChoice]:
    return [
        *(SelectChoice(value, label) for value, label in labels.items()),
        SelectChoice(NOT_SAYING, _l("Prefer not to say")),
    ]


class AboutYouForm(FlaskForm):  # type: ignore[misc]
    """A resident's optional answers. No CSRF token, so no session cookie for residents:
    the view refuses cross-site posts by their Origin instead."""

    class Meta:
        csrf = False

    age_band = RadioField(
        _l("Your age (optional)"),
        choices=_choices(AGE_BAND_LABELS),
        validate_choice=False,
        validators=[
            _chosen_from(service.AGE_BANDS, _l("Choose your age from the list")),
        ],
    )
    postcode_district = StringField(
        _l("The first part of your home postcode (optional)"),
        validators=[Length(max=10, message=_l("Enter only the first part of your postcode"))],
    )
    travel_mode = RadioField(
        _l("How did you travel to the high street today? (optional)"),
        choices=_choices(TRAVEL_MODE_LABELS),
        validate_choice=False,
        validators=[
            _chosen_from(service.TRAVEL_MODES, _l("Choose how you travelled from the list")),
        ],
    )

    def validate_postcode_district(self, field: Field) -> None:
        try:
            service.postcode_district(field.data)
        except service.InvalidAnswer:
            raise ValidationError(
                _l("Enter only the first part of your postcode, like SE25 or CR7")
            ) from None

    def answers(self) -> service.Answers:
        def given(value: str | None) -> str | None:
            return None if value in (None, "", NOT_SAYING) else value

        return service.Answers(
            age_band=given(self.age_band.data),
            postcode_district=service.postcode_district(self.postcode_district.data),
            travel_mode=given(self.travel_mode.data),
        )
