from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import (
    BooleanField,
    HiddenField,
    RadioField,
    SelectChoice,
    SelectField,
    SelectMultipleField,
)
from wtforms.validators import AnyOf, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from townhub.alerts.models import TOPICS
from townhub.common.forms import QueryForm
from townhub.languages.views import NAMES as LANGUAGE_NAMES

TOPIC_LABELS = {
    "offers": _l("Offers from shops"),
    "events": _l("Events"),
    "travel": _l("Roadworks and diversions"),
    "notices": _l("Notices from the high street team"),
}
HOURS = [f"{hour:02d}:00" for hour in range(24)]


class AlertChoicesForm(QueryForm):
    """Changing this phone's alerts from its manage link. No CSRF token: residents have no
    session; the view refuses cross-site posts instead."""

    topics = SelectMultipleField(
        _l("What do you want to hear about?"),
        choices=[SelectChoice(topic, TOPIC_LABELS[topic]) for topic in TOPICS],
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    quiet = BooleanField(_l("No alerts at night"))
    quiet_from = SelectField(
        _l("Quiet from"),
        choices=[SelectChoice(h, h) for h in HOURS],
        default="22:00",
        validate_choice=False,
        validators=[AnyOf(HOURS, message=_l("Choose an hour from the list"))],
    )
    quiet_until = SelectField(
        _l("Quiet until"),
        choices=[SelectChoice(h, h) for h in HOURS],
        default="07:00",
        validate_choice=False,
        validators=[AnyOf(HOURS, message=_l("Choose an hour from the list"))],
    )
    daily_cap = SelectField(
        _l("At most this many alerts a day"),
        choices=[SelectChoice(str(n), str(n)) for n in range(1, 11)],
        default="3",
        validate_choice=False,
        validators=[
            AnyOf([str(n) for n in range(1, 11)], message=_l("Choose a number from 1 to 10"))
        ],
    )
    delivery = RadioField(
        _l("How should alerts arrive?"),
        choices=[
            SelectChoice("single", _l("One at a time, as they happen")),
            SelectChoice("digest", _l("One summary a day, in the evening")),
        ],
        default="single",
        validate_choice=False,
        validators=[AnyOf(["single", "digest"], message=_l("Choose how alerts should arrive"))],
    )

    language = SelectField(
        _l("Language of the alerts"),
        choices=[SelectChoice(code, name) for code, name in LANGUAGE_NAMES.items()],
        default="en",
        validate_choice=False,
        validators=[AnyOf(list(LANGUAGE_NAMES), message=_l("Choose a language from the list"))],
    )

    def validate_topics(self, field: SelectMultipleField) -> None:
        if not field.data or not set(field.data) <= set(TOPICS):
            raise ValidationError(_l("Choose at least one kind of alert"))

    def validate_quiet_until(self, field: SelectField) -> None:
        if self.quiet.data and field.data == self.quiet_from.data:
            raise ValidationError(
                _l("Quiet hours must end at a different time from when they start")
            )


RADII = ["200", "500", "1000", "2000"]


class AlertSignupForm(AlertChoicesForm):
    """Turning alerts on. The page's script asks for notification permission after the
    tap, subscribes, and fills in the browser's subscription before the form is sent:
    without it there is nothing to send alerts to."""

    area = RadioField(
        _l("Where do you want alerts about?"),
        choices=[
            SelectChoice("hub", _l("Anywhere on the high streets I choose")),
            SelectChoice("place", _l("Near a street or place")),
            SelectChoice("point", _l("Near a point I choose on the map")),
        ],
        default="hub",
        validate_choice=False,
        validators=[AnyOf(["hub", "place", "point"], message=_l("Choose where"))],
    )
    hubs = SelectMultipleField(
        _l("Which high streets?"),
        widget=ListWidget(prefix_label=False),
        option_widget=CheckboxInput(),
        validate_choice=False,
    )
    place = SelectField(_l("Street or place"), validate_choice=False)
    radius_m = SelectField(
        _l("How far from it?"),
        default="500",
        validate_choice=False,
        validators=[AnyOf(RADII, message=_l("Choose a distance from the list"))],
    )
    lon = HiddenField()
    lat = HiddenField()
    endpoint = HiddenField()
    p256dh = HiddenField()
    auth = HiddenField()

    def validate_hubs(self, field: SelectMultipleField) -> None:
        slugs = {choice[0] for choice in field.iter_choices()}
        if self.area.data == "hub" and (not field.data or not set(field.data) <= slugs):
            raise ValidationError(_l("Choose at least one high street"))

    def validate_place(self, field: SelectField) -> None:
        ids = {str(value) for value, _label, *_rest in field.iter_choices()}
        if self.area.data == "place" and field.data not in ids:
            raise ValidationError(_l("Choose a street or place from the list"))

    def validate_lon(self, field: HiddenField) -> None:
        if self.area.data != "point":
            return
        try:
            lon, lat = float(field.data or ""), float(self.lat.data or "")
        except ValueError:
            lon = lat = math.nan
        # Not a number, infinite, or off the globe: no point was placed. (Far from every
        # hub is the service's answer: "Choose a place within 3 km".)
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise ValidationError(_l("Place a point on the map, or choose a street"))

    def validate_endpoint(self, field: HiddenField) -> None:
        if not (field.data and self.p256dh.data and self.auth.data):
            raise ValidationError(
                _l("This phone did not let us send it alerts. Allow notifications and try again.")
            )
