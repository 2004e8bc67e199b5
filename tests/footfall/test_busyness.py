from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from tests.factories import make_hub, make_sensor
from townhub.common.formatting import LONDON
from townhub.footfall.service import busyness, record_count

# A Saturday afternoon, and the same hour on the four Saturdays before it.
NOW = datetime(2026, 11, 21, 14, 30, tzinfo=LONDON)


def _counts(now_people: int | None, history: list[int]) -> str:
    hub = make_hub()
    sensor = make_sensor(hub=hub)
    if now_people is not None:
        record_count(sensor, NOW - timedelta(minutes=20), 60, now_people, f"n-{hub.id}")
    for weeks_back, people in enumerate(history, start=1):
        record_count(
            sensor,
            NOW - timedelta(weeks=weeks_back, minutes=20),
            60,
            people,
            f"h-{hub.id}-{weeks_back}",
        )
    # An hour earlier today does not count as "now".
    record_count(sensor, NOW - timedelta(minutes=90), 60, 9999, f"e-{hub.id}")
    return busyness(hub, NOW).level


@pytest.mark.parametrize(
    ("now_people", "history", "level"),
    [
        (500, [1000, 1000, 900, 1100], "quieter"),
        (1000, [1000, 1000, 900, 1100], "usual"),
        (1500, [1000, 1000, 900, 1100], "busier"),
        (800, [1000], "usual"),  # one week of history is still a comparison
        (800, [], "new"),
        (None, [1000, 1000], "unknown"),
    ],
)
def test_now_is_compared_with_the_same_hour_in_the_previous_four_weeks(
    now_people: int | None, history: list[int], level: str
) -> None:
    assert _counts(now_people, history) == level


def test_the_same_hour_is_london_wall_clock_time_across_a_clock_change() -> None:
    # Sunday 1 November 2026 14:30 GMT; four weeks earlier was 4 October, in BST.
    now = datetime(2026, 11, 1, 14, 30, tzinfo=LONDON)
    hub = make_hub()
    sensor = make_sensor(hub=hub)
    record_count(sensor, now - timedelta(minutes=10), 60, 100, "dst-now")
    bst = datetime(2026, 10, 4, 14, 20, tzinfo=LONDON)
    record_count(sensor, bst, 60, 400, "dst-then")

    result = busyness(hub, now)

    assert (result.people, result.usual, result.level) == (100, 400, "quieter")
