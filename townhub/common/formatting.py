"""Jinja filters for dates, numbers and distances as people say them, in Europe/London and
the page's language."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, time, timedelta
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import segno
from babel.dates import get_day_names
from flask import Flask, request
from flask_babel import format_date, format_datetime, format_decimal, get_locale, gettext

from townhub.businesses import hours
from townhub.businesses.categories import category_label

LONDON = ZoneInfo("Europe/London")


def until(moment: datetime) -> str:
    """When something ends: "Ends Friday 12 December" for a midnight end, else with the time."""
    local = moment.astimezone(LONDON)
    if (local.hour, local.minute) == (0, 0):
        return str(
            gettext("Ends %(day)s", day=format_date(local - timedelta(days=1), "EEEE d MMMM"))
        )
    return str(gettext("Ends %(when)s", when=format_datetime(moment, "EEEE d MMMM, HH:mm")))


def last_day(moment: datetime, pattern: str = "d MMMM y") -> str:
    """The last day something runs on: an end at midnight means the day before."""
    return str(format_date((moment - timedelta(microseconds=1)).astimezone(LONDON), pattern))


def number(value: float) -> str:
    return str(format_decimal(value))


def distance(metres: float) -> str:
    """A walking distance: "350 m away" below a kilometre, else "2.4 km away"."""
    if metres < 1000:
        return str(gettext("%(metres)s m away", metres=format_decimal(round(metres / 10) * 10)))
    return str(gettext("%(km)s km away", km=format_decimal(round(metres / 1000, 1))))


def opening_week(opening_hours: Mapping[str, Any]) -> list[tuple[str, list[tuple[time, time]]]]:
    """Each day, named in the page's language, with its opening times; [] when none given."""
    if not any(opening_hours.get(day) for day in hours.DAYS):
        return []
    names = get_day_names("wide", locale=get_locale())
    return [(names[i], hours.as_times(opening_hours, day)) for i, day in enumerate(hours.DAYS)]


def qr_data_uri(text: str) -> str:
    """A QR code as an SVG data URI: part of the page, so it shows offline at the till."""
    return str(segno.make(text, error="m").svg_data_uri(scale=1, border=4))


def weekday_name(weekday: int) -> str:
    """Monday (0) to Sunday (6), in the page's language."""
    return str(get_day_names("wide", locale=get_locale())[weekday])


def url_with(**changes: Any) -> str:
    """This page's URL with some query parameters set (None removes one)."""
    args = request.args.to_dict()
    args.update({name: str(value) for name, value in changes.items() if value is not None})
    for name in [name for name, value in changes.items() if value is None]:
        args.pop(name, None)
    return f"{request.path}?{urlencode(args)}" if args else request.path


def register(app: Flask) -> None:
    from townhub.common.structured_data import event_jsonld, offer_jsonld
    from townhub.insights.charts import layout as chart_layout
    from townhub.insights.pictures import change_words

    app.jinja_env.globals.update(
        chart_layout=chart_layout,
        change_words=change_words,
        weekday_name=weekday_name,
        url_with=url_with,
    )

    app.jinja_env.filters.update(
        until=until,
        last_day=last_day,
        number=number,
        distance=distance,
        category=category_label,
        opening_week=opening_week,
        qr_data_uri=qr_data_uri,
        event_jsonld=event_jsonld,
        offer_jsonld=offer_jsonld,
    )
