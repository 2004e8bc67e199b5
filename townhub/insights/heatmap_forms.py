"""Choosing the hour of the week a heat map shows, from the query string."""

from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_babel import lazy_ngettext
from flask_babel.speaklater import LazyString
from wtforms import SelectChoice, SelectField

from townhub.common.forms import QueryForm, one_of
from townhub.insights.heatmap import MOST_WEEKS, VIEWS

WEEKDAYS = (
    _l("Monday"),
    _l("Tuesday"),
    _l("Wednesday"),
    _l("Thursday"),
    _l("Friday"),
    _l("Saturday"),
    _l("Sunday"),
)
# Plural, as in "Tuesdays from 3 June to 22 July".
WEEKDAYS_PLURAL = (
    _l("Mondays"),
    _l("Tuesdays"),
    _l("Wednesdays"),
    _l("Thursdays"),
    _l("Fridays"),
    _l("Saturdays"),
    _l("Sundays"),
)


def hour_label(hour: int) -> LazyString:
    """ "12:00 to 13:00": the London wall-clock hour starting at `hour`."""
    return _l("%(start)s to %(end)s", start=f"{hour:02d}:00", end=f"{(hour + 1) % 24:02d}:00")


class HeatmapForm(QueryForm):
    """The hour of the week, the weeks and the view; absent fields take the view's defaults."""

    weekday = SelectField(
        _l("Day of the week"),
        choices=[SelectChoice(str(n), name) for n, name in enumerate(WEEKDAYS)],
        validate_choice=False,
        validators=[
            one_of(tuple(str(n) for n in range(7)), _l("Choose a day of the week from the list"))
        ],
    )
    hour = SelectField(
        _l("Hour (London time)"),
        choices=[SelectChoice(str(n), hour_label(n)) for n in range(24)],
        validate_choice=False,
        validators=[one_of(tuple(str(n) for n in range(24)), _l("Choose an hour from the list"))],
    )
    weeks = SelectField(
        _l("Average over the last"),
        choices=[
            SelectChoice(
                str(n), lazy_ngettext("%(num)d complete week", "%(num)d complete weeks", n)
            )
            for n in range(1, MOST_WEEKS + 1)
        ],
        validate_choice=False,
        validators=[
            one_of(
                tuple(str(n) for n in range(1, MOST_WEEKS + 1)),
                _l("Choose from 1 to 52 weeks"),
            )
        ],
    )
    view = SelectField(
        _l("Map footfall by"),
        choices=[SelectChoice("hexagons", _l("Hexagon")), SelectChoice("sensors", _l("Sensor"))],
        validate_choice=False,
        validators=[one_of(VIEWS, _l("Choose hexagons or sensors"))],
    )
