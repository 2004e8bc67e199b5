from datetime import UTC, datetime

from flask import Flask

from townhub.common.formatting import last_day, until


def test_an_end_at_london_midnight_reads_as_the_day_before(app: Flask) -> None:
    # 00:00 on 13 December in London is 00:00 UTC (GMT); in June it is 23:00 UTC (BST).
    with app.test_request_context():
        assert until(datetime(2026, 12, 13, 0, 0, tzinfo=UTC)) == "Ends Saturday 12 December"
        assert until(datetime(2026, 6, 12, 23, 0, tzinfo=UTC)) == "Ends Friday 12 June"
        assert until(datetime(2026, 6, 12, 16, 30, tzinfo=UTC)) == "Ends Friday 12 June, 17:30"
        assert last_day(datetime(2026, 12, 13, 0, 0, tzinfo=UTC)) == "12 December 2026"
