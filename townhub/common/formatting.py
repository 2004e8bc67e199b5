"""Jinja filters for dates as people say them, in Europe/London."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from flask import Flask
from flask_babel import format_date, format_datetime, gettext

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


def register(app: Flask) -> None:
    app.jinja_env.filters["until"] = until
    app.jinja_env.filters["last_day"] = last_day
