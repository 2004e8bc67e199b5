from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, RadioField, SelectChoice, SelectField, SelectMultipleField
from wtforms.validators import AnyOf, ValidationError
from wtforms.widgets import CheckboxInput, ListWidget

from townhub.alerts.models import TOPICS
from townhub.common.forms import QueryForm

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

    def validate_topics(self, field: SelectMultipleField) -> None:
        if not field.data or not set(field.data) <= set(TOPICS):
            raise ValidationError(_l("Choose at least one kind of alert"))

    def validate_quiet_until(self, field: SelectField) -> None:
        if self.quiet.data and field.data == self.quiet_from.data:
            raise ValidationError(
                _l("Quiet hours must end at a different time from when they start")
            )
