"""/manage/hubs/<hub>/insights: footfall against its usual level, unusual days, period
comparisons and progress against targets, for the hub's managers and the council."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from flask.testing import FlaskClient

from tests.factories import (
    PASSWORD,
    make_business,
    make_hub,
    make_sensor,
    make_subscription,
    make_user,
)
from tests.support.forms import sign_in
from townhub.common.days import at_london, london_today
from townhub.engagement.models import DailyCount
from townhub.extensions import db
from townhub.footfall.models import FootfallRollup
from townhub.hubs.models import Hub
from townhub.sensors.models import Sensor

TODAY = london_today()


def _daily(sensor: Sensor, people: dict[date, int]) -> None:
    for day, count in people.items():
        db.session.add(
            FootfallRollup(
                sensor_id=sensor.id,
                grain="1d",
                bucket_start=at_london(day),
                people=count,
                readings=24,
            )
        )
    db.session.flush()


def _steady(sensor: Sensor, days: int, per_day: int, **exceptions: int) -> dict[date, int]:
    """`days` whole days up to yesterday at per_day, with some days (named by how many days
    ago, like d3=250) otherwise."""
    people = {}
    for back in range(1, days + 1):
        day = TODAY - timedelta(days=back)
        people[day] = exceptions.get(f"d{back}", per_day)
    _daily(sensor, people)
    return people


def _manager(client: FlaskClient, hub: Hub) -> None:
    user = make_user(role="hub_manager", hubs=[hub])
    sign_in(client, user.email, PASSWORD)


def _dashboard(client: FlaskClient, hub: Hub, **args: str) -> str:
    response = client.get(f"/manage/hubs/{hub.slug}/insights", query_string=args)
    assert response.status_code == 200, response.get_data(as_text=True)[:2000]
    return response.get_data(as_text=True)


def _row(page: str, heading: str) -> list[str]:
    """The cells of the table row headed `heading`, as text."""
    match = re.search(
        rf"<tr>\s*<th scope=\"row\">(?:<a [^>]*>)?{re.escape(heading)}(?:</a>)?</th>(.*?)</tr>",
        page,
        re.S,
    )
    assert match, f"no row {heading!r}"
    return [
        re.sub(r"<[^>]+>", "", cell).strip()
        for cell in re.findall(r"<td[^>]*>(.*?)</td>", match.group(1), re.S)
    ]


def test_each_day_is_shown_beside_its_usual_level_and_unusual_days_are_flagged(
    client: FlaskClient,
) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub, name="Clock tower")
    # Five weeks at 1,000 a day; a festival 3 days ago and a heatwave 10 to 8 days ago.
    _steady(clock, 35, 1000, d3=2600, d8=640, d9=600, d10=700)
    _manager(client, hub)
    page = _dashboard(client, hub)

    festival = TODAY - timedelta(days=3)
    cells = _row(page, festival.strftime("%a %-d %b"))
    assert cells[:2] == ["2,600", "1,000"]
    assert cells[2] == "Unusual: 160% busier than usual"
    assert "Unusual: 36% quieter than usual" in _row(
        page, (TODAY - timedelta(days=8)).strftime("%a %-d %b")
    )
    # An ordinary day: its usual level is the middle of the same weekday in 4 weeks before.
    assert _row(page, (TODAY - timedelta(days=2)).strftime("%a %-d %b")) == ["1,000", "1,000", ""]
    # The runs are listed, the heatwave as one, each with a comparison one click away.
    heatwave = (
        f"{(TODAY - timedelta(days=10)):%A %-d %B} to {(TODAY - timedelta(days=8)):%A %-d %B %Y}"
    )
    assert heatwave in page
    assert "quieter than usual" in page
    assert f"period_from={(TODAY - timedelta(days=10)).isoformat()}" in page
    # The chart says what it shows, for a screen reader.
    assert '<svg class="chart-bar"' in page
    assert 'role="img" aria-labelledby="footfall-chart-title footfall-chart-desc"' in page
    assert "2 unusual days are marked" not in page  # four are: the festival and three heatwave days
    assert "4 unusual days are marked in the table." in page


def test_a_festival_does_not_make_the_weeks_after_it_look_quiet(client: FlaskClient) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub)
    _steady(clock, 35, 1000, d14=3000)
    _manager(client, hub)
    page = _dashboard(client, hub)
    assert page.count("Unusual: ") == 1
    assert _row(page, (TODAY - timedelta(days=7)).strftime("%a %-d %b"))[:2] == ["1,000", "1,000"]


def test_hourly_figures_compare_with_the_same_london_hour_of_the_weekday(
    client: FlaskClient,
) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub)
    yesterday = TODAY - timedelta(days=1)
    for weeks_back, people in ((0, 90), (1, 40), (2, 60), (3, 50), (4, 1000)):
        day = yesterday - timedelta(weeks=weeks_back)
        db.session.add(
            FootfallRollup(
                sensor_id=clock.id,
                grain="1h",
                bucket_start=at_london(day).replace(hour=12),
                people=people,
                readings=4,
            )
        )
    db.session.flush()
    _manager(client, hub)
    page = _dashboard(
        client, hub, grain="hour", **{"from": yesterday.isoformat(), "to": yesterday.isoformat()}
    )
    # The median of 40, 60, 50 and 1,000 is 55.
    assert _row(page, f"{yesterday:%a %-d %b} 12:00")[:2] == ["90", "55"]
    assert _row(page, f"{yesterday:%a %-d %b} 11:00")[:2] == ["–", "–"]


def test_two_periods_are_compared_per_day_for_the_hub_and_each_sensor(client: FlaskClient) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub, name="Clock tower")
    station = make_sensor(hub=hub, name="Station road")
    _steady(clock, 28, 100, **{f"d{n}": 130 for n in range(1, 8)})
    _steady(station, 28, 200)
    _manager(client, hub)
    page = _dashboard(
        client,
        hub,
        period_from=(TODAY - timedelta(days=7)).isoformat(),
        period_to=(TODAY - timedelta(days=1)).isoformat(),
        baseline_from=(TODAY - timedelta(days=28)).isoformat(),
        baseline_to=(TODAY - timedelta(days=8)).isoformat(),
    )
    compared = page[page.index("Change from the baseline") :]
    assert _row(compared, "Clock tower") == ["100", "130", "30% busier"]
    assert _row(compared, "Station road") == ["200", "200", "no change"]
    assert _row(compared, hub.name) == ["300", "330", "10% busier"]


def test_progress_against_the_hubs_targets(client: FlaskClient) -> None:
    hub = make_hub()
    for _ in range(3):
        make_business(hub=hub, status="approved")
    make_business(hub=hub, status="pending")
    make_subscription(hub=hub)
    for kind, count in (("install", 250), ("offer_redeem", 12)):
        db.session.add(DailyCount(day=TODAY, hub_id=hub.id, kind=kind, count=count))
    db.session.add(DailyCount(day=TODAY, hub_id=make_hub().id, kind="install", count=999))
    db.session.flush()
    _manager(client, hub)
    page = _dashboard(client, hub)
    assert _row(page, "Businesses signed up")[:2] == ["3", "20"]
    assert _row(page, "Installs on home screens")[:2] == ["250", "1,000"]
    assert _row(page, "Phones with alerts")[:2] == ["1", "500"]
    assert _row(page, "Offers redeemed")[:2] == ["12", "200"]


def test_the_live_counts_refresh_alone_for_htmx(client: FlaskClient) -> None:
    hub = make_hub()
    make_sensor(hub=hub, name="Clock tower")
    _manager(client, hub)
    response = client.get(
        f"/manage/hubs/{hub.slug}/insights",
        headers={"HX-Request": "true", "HX-Target": "insights-live"},
    )
    body = response.get_data(as_text=True)
    assert body.lstrip().startswith('<div id="insights-live"')
    assert "Clock tower" in body and "<h1>" not in body
    assert "HX-Request" in response.headers["Vary"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            {"from": "2026-11-10", "to": "2026-11-01"},
            "The first day must be on or before the last day",
        ),
        (
            {"grain": "15m", "from": "2026-11-01", "to": "2026-11-10"},
            "Choose 3 days or fewer, or a coarser grouping",
        ),
        (
            {"grain": "day", "from": "2020-01-01", "to": "2026-11-01"},
            "Choose 366 days or fewer, or a coarser grouping",
        ),
        ({"grain": "year"}, "Choose how to group the counts"),
        ({"from": "31/02/2026"}, "Enter a real date, like 2026-11-28"),
        ({"to": "2999-01-01"}, "Choose days from 1 January 2000 up to today"),
        ({"sensor": "99999999"}, "Choose one of this hub's sensors"),
        ({"sensor": "x"}, "Choose one of this hub's sensors"),
        ({"period_from": "2026-01-01"}, "Enter the last day of the period"),
        (
            {
                "period_from": "2020-01-01",
                "period_to": "2026-01-01",
                "baseline_from": "2019-01-01",
                "baseline_to": "2019-02-01",
            },
            "Choose 366 days or fewer, or a coarser grouping",
        ),
    ],
)
def test_impossible_requests_are_explained(
    client: FlaskClient, args: dict[str, str], message: str
) -> None:
    hub = make_hub()
    _manager(client, hub)
    response = client.get(f"/manage/hubs/{hub.slug}/insights", query_string=args)
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "There is a problem" in page and message in page
    assert "<title>Error: " in page


def test_another_hubs_sensor_is_refused_without_a_trace(client: FlaskClient) -> None:
    hub, other = make_hub(), make_hub()
    mine = make_sensor(hub=hub, name="Clock tower")
    theirs = make_sensor(hub=other, name="Secret corner")
    _steady(theirs, 7, 4321)
    _manager(client, hub)
    response = client.get(f"/manage/hubs/{hub.slug}/insights", query_string={"sensor": theirs.id})
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert "Secret corner" not in page and "4,321" not in page
    assert (
        client.get(
            f"/manage/hubs/{hub.slug}/insights", query_string={"sensor": mine.id}
        ).status_code
        == 200
    )


def test_only_the_hubs_managers_and_the_council_see_its_dashboard(client: FlaskClient) -> None:
    hub, other = make_hub(), make_hub()
    secret = make_sensor(hub=hub, name="Secret corner")
    _steady(secret, 7, 4321)
    for user in (
        make_user(role="hub_manager", hubs=[other]),
        make_user(role="owner", businesses=[make_business(hub=hub)]),
    ):
        sign_in(client, user.email, PASSWORD)
        response = client.get(f"/manage/hubs/{hub.slug}/insights")
        assert response.status_code == 403
        assert "Secret corner" not in response.get_data(as_text=True)
        client.post("/manage/sign-out")
    council = make_user(role="council_admin")
    sign_in(client, council.email, PASSWORD)
    assert "Secret corner" in _dashboard(client, hub)


def test_the_council_sees_every_hub_side_by_side(client: FlaskClient) -> None:
    north, south = make_hub(name="North Street"), make_hub(name="South Street")
    _steady(make_sensor(hub=north), 35, 100)
    _steady(make_sensor(hub=south), 35, 200, d2=400)
    council = make_user(role="council_admin")
    sign_in(client, council.email, PASSWORD)
    response = client.get("/manage/insights")
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    page = page[page.index("Footfall by hub") :]
    assert _row(page, "North Street")[:3] == ["700", "700", "the same as usual"]
    assert _row(page, "South Street")[:4] == ["1,600", "1,400", "14% busier than usual", "1"]

    manager = make_user(role="hub_manager", hubs=[north])
    client.post("/manage/sign-out")
    sign_in(client, manager.email, PASSWORD)
    assert client.get("/manage/insights").status_code == 403


def test_days_left_empty_mean_the_latest_days(client: FlaskClient) -> None:
    hub = make_hub()
    _steady(make_sensor(hub=hub), 3, 100)
    _manager(client, hub)
    page = _dashboard(client, hub, grain="hour", **{"from": "", "to": ""})
    assert "There is a problem" not in page
    assert f"{(TODAY - timedelta(days=1)):%a %-d %b} 00:00" in page
