from __future__ import annotations

from datetime import datetime

import pytest

from townhub.businesses.hours import is_open
from townhub.common.formatting import LONDON

SHOP = {"mon": [["09:00", "17:30"]], "sat": [["10:00", "16:00"]]}
LATE_BAR = {"fri": [["18:00", "02:00"]], "sat": [["12:00", "24:00"]]}


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=LONDON)


@pytest.mark.parametrize(
    ("hours", "when", "expected"),
    [
        (SHOP, "2026-11-23T09:00", True),  # Monday, opening minute
        (SHOP, "2026-11-23T17:29", True),
        (SHOP, "2026-11-23T17:30", False),  # closing minute is closed
        (SHOP, "2026-11-24T12:00", False),  # Tuesday: no spans
        (LATE_BAR, "2026-11-28T01:30", True),  # Saturday 01:30 is Friday night's span
        (LATE_BAR, "2026-11-28T02:00", False),
        (LATE_BAR, "2026-11-28T23:59", True),  # open until midnight
        (LATE_BAR, "2026-11-27T17:59", False),
    ],
)
def test_open_now_follows_london_opening_hours(
    hours: dict[str, list[list[str]]], when: str, expected: bool
) -> None:
    assert is_open(hours, _at(when)) is expected


def test_no_hours_given_is_unknown_not_closed() -> None:
    assert is_open({}, _at("2026-11-23T12:00")) is None


def test_malformed_spans_are_ignored_rather_than_guessed() -> None:
    hours = {"mon": [["9am", "5pm"], ["25:00", "26:00"], ["10:00"], ["12:00", "13:00"]]}

    assert is_open(hours, _at("2026-11-23T12:30")) is True
    assert is_open(hours, _at("2026-11-23T10:30")) is False
