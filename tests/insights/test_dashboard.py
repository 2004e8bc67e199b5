"""/manage/hubs/<hub>/insights: footfall against its usual level, unusual days, period
comparisons and progress against targets, for the hub's managers and the council."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from flask.testing import FlaskClient

from tests.factories import (
    PASSWORD,
    make_business,
    make_hub,
    make_roadwork,
    make_rollup,
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


def _daily(sensor: Sensor, people: dict[date, int]) -> None:
    for day, count in people.items():
        make_rollup(sensor=sensor, start=day, people=count, readings=24)


def _steady(sensor: Sensor, days: int, per_day: int, **exceptions: int) -> dict[date, int]:
    """`days` whole days up to yesterday at per_day, with some days (named by how many days
    ago, like d3=250) otherwise."""
    people = {}
    for back in range(1, days + 1):
        day = london_today() - timedelta(days=back)
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

    festival = london_today() - timedelta(days=3)
    cells = _row(page, festival.strftime("%a %-d %b"))
    assert cells[:2] == ["2,600", "1,000"]
    assert cells[2] == "Unusual: 160% busier than usual"
    assert "Unusual: 36% quieter than usual" in _row(
        page, (london_today() - timedelta(days=8)).strftime("%a %-d %b")
    )
    # An ordinary day: its usual level is the middle of the same weekday in 4 weeks before.
    assert _row(page, (london_today() - timedelta(days=2)).strftime("%a %-d %b")) == [
        "1,000",
        "1,000",
        "",
    ]
    # The runs are listed, the heatwave as one, each with a comparison one click away.
    first, last = london_today() - timedelta(days=10), london_today() - timedelta(days=8)
    heatwave = f"{first:%A %-d %B} to {last:%A %-d %B %Y}"
    assert heatwave in page
    assert "quieter than usual" in page
    assert f"period_from={(london_today() - timedelta(days=10)).isoformat()}" in page
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
    assert _row(page, (london_today() - timedelta(days=7)).strftime("%a %-d %b"))[:2] == [
        "1,000",
        "1,000",
    ]


def test_hourly_figures_compare_with_the_same_london_hour_of_the_weekday(
    client: FlaskClient,
) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub)
    yesterday = london_today() - timedelta(days=1)
    for weeks_back, people in ((0, 90), (1, 40), (2, 60), (3, 50), (4, 1000)):
        day = yesterday - timedelta(weeks=weeks_back)
        make_rollup(sensor=clock, start=at_london(day).replace(hour=12), people=people)
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
        period_from=(london_today() - timedelta(days=7)).isoformat(),
        period_to=(london_today() - timedelta(days=1)).isoformat(),
        baseline_from=(london_today() - timedelta(days=28)).isoformat(),
        baseline_to=(london_today() - timedelta(days=8)).isoformat(),
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
        db.session.add(DailyCount(day=london_today(), hub_id=hub.id, kind=kind, count=count))
    db.session.add(DailyCount(day=london_today(), hub_id=make_hub().id, kind="install", count=999))
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
    assert f"{(london_today() - timedelta(days=1)):%a %-d %b} 00:00" in page


def test_a_sensor_that_went_silent_does_not_make_the_hub_look_quiet(client: FlaskClient) -> None:
    hub = make_hub()
    _steady(make_sensor(hub=hub, name="Clock tower"), 35, 1000)
    station = make_sensor(hub=hub, name="Station road")
    people = _steady(station, 35, 1000)
    silent_day = london_today() - timedelta(days=2)
    db.session.execute(
        FootfallRollup.__table__.delete().where(
            FootfallRollup.sensor_id == station.id,
            FootfallRollup.bucket_start == at_london(silent_day),
        )
    )
    assert people[silent_day] == 1000
    _manager(client, hub)
    page = _dashboard(client, hub)
    # Only the clock tower counted: compared with its own usual level alone.
    assert _row(page, silent_day.strftime("%a %-d %b")) == ["1,000", "1,000", ""]
    assert "No unusual days in this period." in page


def test_today_is_counted_so_far_but_not_compared_as_a_whole_day(client: FlaskClient) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub, name="Clock tower")
    _steady(clock, 35, 1000)
    _daily(clock, {london_today(): 300})
    _manager(client, hub)
    page = _dashboard(client, hub)
    assert _row(page, london_today().strftime("%a %-d %b")) == [
        "300",
        "1,000",
        "So far: this is not over yet",
    ]
    # The sensor's total for the 28 days is over the 27 whole days, against 27 usual days.
    sensors = page[page.index('id="sensors-title"') :]
    assert _row(sensors, "Clock tower") == ["27,000", "27,000", "the same as usual"]
    # A period comparison may end yesterday at the latest.
    response = client.get(
        f"/manage/hubs/{hub.slug}/insights",
        query_string={
            "period_from": london_today().isoformat(),
            "period_to": london_today().isoformat(),
            "baseline_from": (london_today() - timedelta(days=7)).isoformat(),
            "baseline_to": (london_today() - timedelta(days=1)).isoformat(),
        },
    )
    assert response.status_code == 400
    assert "Choose days up to yesterday: today is not over yet" in response.get_data(as_text=True)


def test_weeks_start_on_monday_and_a_long_look_back_still_works(client: FlaskClient) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub, name="Clock tower")
    _steady(clock, 500, 100)
    _manager(client, hub)
    wednesday = london_today() - timedelta(days=400)
    wednesday -= timedelta(days=(wednesday.weekday() - 2) % 7)
    page = _dashboard(client, hub, grain="week", **{"from": wednesday.isoformat()})
    monday = wednesday - timedelta(days=2)
    # The first week is the whole week from its Monday, in the chart and in the total.
    assert _row(page, f"Week of {monday.day} {monday:%b %Y}")[:2] == ["700", "700"]
    weeks = (london_today() - monday).days // 7
    total = _row(page[page.index('id="sensors-title"') :], "Clock tower")[0]
    assert total == f"{weeks * 700:,}"  # whole weeks only: this week is not over


def test_the_hour_the_clocks_go_back_is_shown_twice(client: FlaskClient) -> None:
    hub = make_hub()
    clock = make_sensor(hub=hub)
    # 25 October 2026: 01:00 BST is 00:00 UTC and 01:00 GMT is 01:00 UTC.
    for hour, people in ((0, 100), (1, 150)):
        make_rollup(sensor=clock, start=datetime(2026, 10, 25, hour, tzinfo=UTC), people=people)
    _manager(client, hub)
    page = _dashboard(client, hub, grain="hour", **{"from": "2026-10-25", "to": "2026-10-25"})
    rows = re.findall(r"<tr>\s*<th scope=\"row\">Sun 25 Oct 01:00</th><td[^>]*>([^<]*)</td>", page)
    assert rows == ["100", "150"]
    assert page.count('<th scope="row">Sun 25 Oct') == 25  # a day of 25 hours


def test_a_roadwork_preset_ends_on_its_last_day(client: FlaskClient) -> None:
    hub = make_hub()
    first, last = london_today() - timedelta(days=20), london_today() - timedelta(days=10)
    make_roadwork(
        hub=hub,
        street="Portland Road",
        starts_at=at_london(first),
        ends_at=at_london(last + timedelta(days=1)),
    )
    _manager(client, hub)
    page = _dashboard(client, hub)
    assert f"period_from={first.isoformat()}&amp;period_to={last.isoformat()}" in page


def test_both_forms_wrong_give_one_error_summary(client: FlaskClient) -> None:
    hub = make_hub()
    _manager(client, hub)
    response = client.get(
        f"/manage/hubs/{hub.slug}/insights", query_string={"from": "soon", "period_from": "x"}
    )
    page = response.get_data(as_text=True)
    assert response.status_code == 400
    assert page.count('class="error-summary"') == 1
    assert page.count("<li><a href=") >= 2


def test_the_minutes_refresh_answers_even_when_the_page_has_errors(client: FlaskClient) -> None:
    hub = make_hub()
    make_sensor(hub=hub, name="Clock tower")
    _manager(client, hub)
    response = client.get(
        f"/manage/hubs/{hub.slug}/insights",
        query_string={"from": "soon"},
        headers={"HX-Request": "true", "HX-Target": "insights-live"},
    )
    assert response.status_code == 200
    assert "Clock tower" in response.get_data(as_text=True)


def test_dates_before_the_figures_are_refused_not_a_crash(client: FlaskClient) -> None:
    hub = make_hub()
    _manager(client, hub)
    for args in ({"to": "0001-01-01"}, {"from": "0001-01-01"}, {"from": "1999-12-31"}):
        response = client.get(f"/manage/hubs/{hub.slug}/insights", query_string=args)
        assert response.status_code == 400
        assert "Choose days from 1 January 2000 up to today" in response.get_data(as_text=True)
