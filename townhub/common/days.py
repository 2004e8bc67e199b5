"""Days and times on the high street's clock (Europe/London), whatever the server's."""

from __future__ import annotations

from datetime import date, datetime, time

from townhub.common.formatting import LONDON


def london_today() -> date:
    return datetime.now(LONDON).date()


def at_london(day: date, clock: time = time.min) -> datetime:
    """That London day at that London time (midnight by default), across clock changes."""
    return datetime.combine(day, clock, tzinfo=LONDON)
