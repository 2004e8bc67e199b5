"""Opening hours: {"mon": [["09:00", "17:30"]], ...} in Europe/London local time.

A span may run past midnight ("18:00"-"02:00"): the hours after midnight belong to the day
the span started on, as a shop's sign would say.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, time, timedelta
from typing import Any

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _minutes(text: str) -> int | None:
    try:
        hours, minutes = (int(part) for part in text.split(":"))
    except (ValueError, AttributeError):
        return None
    if not (0 <= hours <= 24 and 0 <= minutes < 60) or (hours == 24 and minutes):
        return None
    return hours * 60 + minutes


def spans(hours: Mapping[str, Any], day: str) -> list[tuple[int, int]]:
    """The day's opening spans as minutes after its midnight; a span past midnight ends
    after 1440. Malformed spans are left out rather than guessed."""
    result = []
    for span in hours.get(day) or []:
        if not isinstance(span, Sequence) or len(span) != 2:
            continue
        start, end = _minutes(span[0]), _minutes(span[1])
        if start is None or end is None or start == end:
            continue
        result.append((start, end if end > start else end + 1440))
    return result


def is_open(hours: Mapping[str, Any], local: datetime) -> bool | None:
    """Whether the business is open at this London time; None when it gave no hours."""
    if not any(hours.get(day) for day in DAYS):
        return None
    minute = local.hour * 60 + local.minute
    today = DAYS[local.weekday()]
    yesterday = DAYS[(local.weekday() - 1) % 7]
    if any(start <= minute < end for start, end in spans(hours, today)):
        return True
    return any(start <= minute + 1440 < end for start, end in spans(hours, yesterday))


def as_times(hours: Mapping[str, Any], day: str) -> list[tuple[time, time]]:
    """The day's spans as clock times, for showing."""
    midnight = datetime(2000, 1, 1)
    return [
        ((midnight + timedelta(minutes=s)).time(), (midnight + timedelta(minutes=e)).time())
        for s, e in spans(hours, day)
    ]
