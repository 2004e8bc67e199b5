"""Footfall heat maps for hub managers: the figures (London hours across clock changes), the
hexagon grid, the tables, who may see them and what bad input gets."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from html import unescape
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import event as sql_event

from tests.factories import PASSWORD, make_business, make_hub, make_rollup, make_sensor, make_user
from tests.support.forms import sign_in
from tests.support.plurals import unpluralised
from townhub.common import geo
from townhub.common.days import at_london
from townhub.common.formatting import LONDON
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.insights import heatmap
from townhub.sensors.models import Sensor

PAGE = "/manage/hubs/south-norwood/heatmap"
TUESDAY = 1
# Two sensors on one lamp column share a hexagon; the station is 400 m away.
CLOCK_TOWER = (-0.0752, 51.3975)
STATION = (-0.0712, 51.4000)
PURLEY_RING = [(-0.1200, 51.3340), (-0.1100, 51.3340), (-0.1100, 51.3400), (-0.1200, 51.3400)]


@pytest.fixture
def hub() -> Hub:
    return make_hub(slug="south-norwood", name="South Norwood")


@pytest.fixture
def manager(client: FlaskClient, hub: Hub) -> FlaskClient:
    sign_in(client, make_user(role="hub_manager", hubs=[hub]).email, PASSWORD)
    return client


def sensor(hub: Hub, name: str, at: tuple[float, float]) -> Sensor:
    return make_sensor(hub=hub, name=name, location=geo.point(*at))


def counted(sensor: Sensor, start: datetime, people: int, readings: int = 4) -> None:
    """An hourly roll-up, as the footfall roll-ups store it (bucket_start in UTC)."""
    make_rollup(sensor=sensor, start=start.astimezone(UTC), people=people, readings=readings)


def london(day: date, hour: int) -> datetime:
    return at_london(day, time(hour))


def tuesdays(weeks: int) -> list[date]:
    """The Tuesdays of the last `weeks` complete weeks, oldest first."""
    first, _last = heatmap.window(weeks)
    return [first + timedelta(days=TUESDAY, weeks=n) for n in range(weeks)]


def summer_and_winter(days: list[date]) -> tuple[date, date]:
    summer = next(d for d in days if london(d, 12).utcoffset() == timedelta(hours=1))
    winter = next(d for d in days if london(d, 12).utcoffset() == timedelta(0))
    return summer, winter


class _Tables(HTMLParser):
    """Each table's caption and rows, as the text of their cells."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None
        self._name = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows, self._name = [], ""
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in {"td", "th"}:
            self._cell = []
        elif tag == "li" and self._cell is not None:
            self._cell.append(" ")

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self._name, self._caption = " ".join("".join(self._caption).split()), None
        elif tag in {"td", "th"} and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[self._name] = self._rows

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def tables(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def figures_table(html: str) -> list[list[str]]:
    [rows] = [
        rows
        for caption, rows in tables(html).items()
        if caption.startswith("People an hour") and "by day and hour" not in caption
    ]
    return rows[1:]


def week_table(html: str) -> list[list[str]]:
    [rows] = [rows for caption, rows in tables(html).items() if "by day and hour" in caption]
    return rows


def get(client: FlaskClient, **params: Any) -> tuple[int, str]:
    answer = client.get(PAGE, query_string=params)
    return answer.status_code, answer.get_data(as_text=True)


# ---- the figures ----


def test_a_tuesday_noon_is_noon_in_london_in_summer_and_in_winter(hub: Hub) -> None:
    # Fixed weeks around both clock changes of 2025: 12:00 in London is 11:00 UTC in
    # summer (BST) and 12:00 UTC in winter (GMT).
    clock = sensor(hub, "Clock tower", CLOCK_TOWER)
    summer, winter = date(2025, 7, 15), date(2025, 12, 2)
    counted(clock, datetime(2025, 7, 15, 11, tzinfo=UTC), 100)
    counted(clock, datetime(2025, 12, 2, 12, tzinfo=UTC), 200)
    # Decoys: 12:00 UTC in summer is 13:00 in London; 11:00 UTC in winter is 11:00.
    counted(clock, datetime(2025, 7, 15, 12, tzinfo=UTC), 999)
    counted(clock, datetime(2025, 12, 2, 11, tzinfo=UTC), 555)
    today = date(2026, 1, 5)  # a Monday: the last 52 complete weeks take in both days
    assert heatmap.window(52, today)[0] <= summer and winter <= heatmap.window(52, today)[1]

    def at(hour: int) -> tuple[Decimal | None, int]:
        [figure] = heatmap.heat_map(hub, heatmap.Slot(TUESDAY, hour, 52), today=today).sensors
        return figure.people, figure.days

    assert at(12) == (Decimal(150), 2)
    assert at(13) == (Decimal(999), 1)
    assert at(11) == (Decimal(555), 1)
    assert at(14) == (None, 0)


def test_an_hour_the_clocks_go_back_through_is_one_hour_of_that_day(hub: Hub) -> None:
    # 26 October 2025: 01:00 to 02:00 in London happened twice, at 00:00 and 01:00 UTC.
    clock = sensor(hub, "Clock tower", CLOCK_TOWER)
    counted(clock, datetime(2025, 10, 26, 0, tzinfo=UTC), 30, readings=4)
    counted(clock, datetime(2025, 10, 26, 1, tzinfo=UTC), 20, readings=4)
    counted(clock, datetime(2025, 10, 19, 0, tzinfo=UTC), 10, readings=4)  # 01:00 BST

    slot = heatmap.Slot(weekday=6, hour=1, weeks=2)
    [figure] = heatmap.heat_map(hub, slot, today=date(2025, 10, 27)).sensors

    assert (figure.people, figure.days, figure.readings) == (Decimal(30), 2, 12)


def test_the_page_shows_tuesday_noon_in_london_in_summer_and_winter(
    manager: FlaskClient, hub: Hub
) -> None:
    clock = sensor(hub, "Clock tower", CLOCK_TOWER)
    summer, winter = summer_and_winter(tuesdays(52))
    assert london(summer, 12).astimezone(UTC).hour == 11
    assert london(winter, 12).astimezone(UTC).hour == 12
    counted(clock, london(summer, 12), 101)
    counted(clock, london(winter, 12), 202)
    counted(clock, london(summer, 13), 999)
    counted(clock, london(winter, 11), 555)

    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=52, view="sensors")

    assert status == 200
    assert figures_table(html) == [["1. Clock tower", "151.5", "2", "8"]]
    assert "Busiest: Clock tower, 151.5 people an hour on average." in html


def test_the_week_is_added_up_in_the_database_in_one_query(hub: Hub) -> None:
    # Three sensors counting 10 people an hour from 08:00 to 18:00 on two Tuesdays.
    sensors = [sensor(hub, f"Lamp {n}", CLOCK_TOWER) for n in range(3)]
    for day in tuesdays(2):
        for each in sensors:
            for hour in range(8, 18):
                counted(each, london(day, hour), 10 + hour)
    answered: list[tuple[str, int]] = []

    def note(_conn: Any, cursor: Any, statement: str, *_args: Any) -> None:
        answered.append((statement, cursor.rowcount))

    sql_event.listen(db.engine, "after_cursor_execute", note)
    try:
        heat = heatmap.heat_map(hub, heatmap.Slot(TUESDAY, 12, 2), hexagons=False)
    finally:
        sql_event.remove(db.engine, "after_cursor_execute", note)

    [rows] = [rows for sql, rows in answered if "footfall_rollups" in sql]
    # A row for each sensor in the chosen hour and a row for each hour of the week with
    # counts: the sensors are added up in the database, not row by row here.
    assert rows == 3 + 10
    assert [s.people for s in heat.sensors] == [Decimal(22)] * 3
    assert heat.week[TUESDAY][8:18] == [Decimal(3 * (10 + hour)) for hour in range(8, 18)]
    assert heat.week[TUESDAY][7] is None and heat.week[TUESDAY + 1][12] is None


# ---- hexagons ----


@pytest.fixture
def street(hub: Hub) -> dict[str, Sensor]:
    """Three sensors with known counts on the last four Tuesdays at 12:00 London time: two
    on the clock tower's lamp column (one hexagon) and one at the station."""
    sensors = {
        "clock": sensor(hub, "Clock tower", CLOCK_TOWER),
        "library": sensor(hub, "Library", CLOCK_TOWER),
        "station": sensor(hub, "Station", STATION),
    }
    for day, clock, library, station in zip(
        tuesdays(4), [100, 200, 100, 200], [250, 251, 250, 251], [40, 41, 42, 0], strict=True
    ):
        counted(sensors["clock"], london(day, 12), clock, readings=4)
        counted(sensors["library"], london(day, 12), library, readings=3)
        counted(sensors["station"], london(day, 12), station, readings=2)
        # Another hour of the same day is not in Tuesday 12:00.
        counted(sensors["clock"], london(day, 13), 5000)
    return sensors


def test_the_hexagon_with_two_sensors_shows_their_sum(
    manager: FlaskClient, street: dict[str, Sensor]
) -> None:
    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=4, view="hexagons")

    assert status == 200
    # Averages: clock 150, library 250.5, station 30.75 (shown to a tenth: 30.8).
    rows = figures_table(html)
    assert sorted(row[1:] for row in rows) == [
        ["1. Clock tower: 150 2. Library: 250.5", "400.5", "28"],
        ["3. Station: 30.8", "30.8", "8"],
    ]
    assert {row[0] for row in rows} == {"Hexagon 1", "Hexagon 2"}
    assert "Busiest: the hexagon with Clock tower; Library, 400.5 people an hour" in html


def test_hexagons_without_a_sensor_are_no_sensor_not_zero(
    hub: Hub, street: dict[str, Sensor]
) -> None:
    heat = heatmap.heat_map(hub, heatmap.Slot(TUESDAY, 12, 4))
    empty = [h for h in heat.hexagons if not h.sensors]
    with_sensors = [h for h in heat.hexagons if h.sensors]

    assert len(with_sensors) == 2
    assert len(empty) > 20  # a readable grid over 600 m of street
    assert all(h.people is None for h in empty)
    # Each sensor is in exactly one hexagon, and inside it.
    placed = [s.name for h in with_sensors for s in h.sensors]
    assert sorted(placed) == ["Clock tower", "Library", "Station"]
    drawing = heatmap.draw(heat, "hexagons")
    assert [h.figure_class for h in drawing.hexagons if not h.has_sensors] == [None] * len(empty)


def test_the_page_draws_empty_hexagons_hatched_and_says_they_are_not_counted(
    manager: FlaskClient, hub: Hub, street: dict[str, Sensor]
) -> None:
    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=4, view="hexagons")
    hexagons = heatmap.heat_map(hub, heatmap.Slot(TUESDAY, 12, 4)).hexagons
    empty = len([h for h in hexagons if not h.sensors])

    assert status == 200
    assert html.count('fill="url(#heatmap-hatch)"') == empty + 1  # and the key's swatch
    assert f"{empty} hexagons have no sensor: nobody counts there" in html
    # Figures are written only in the two hexagons with sensors: no "0" anywhere else.
    written = re.findall(r'font-weight="700"[^>]*>([^<]+)</text>', html)
    assert sorted(written) == ["30.8", "400.5"]
    svg = html[html.index('<svg class="heatmap__map"') : html.index("</svg>")]
    assert 'role="img" aria-labelledby="heatmap-map-title heatmap-map-desc"' in svg
    title = "Footfall around South Norwood: Tuesdays, 12:00 to 13:00"
    assert f'<title id="heatmap-map-title">{title}</title>' in svg
    assert "Busiest: the hexagon with Clock tower; Library, 400.5 people an hour" in svg


def test_the_map_describes_one_sensor_in_the_singular(manager: FlaskClient, hub: Hub) -> None:
    clock = sensor(hub, "Clock tower", CLOCK_TOWER)
    for day in tuesdays(4):
        counted(clock, london(day, 12), 100)

    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=4, view="hexagons")

    assert status == 200
    [desc] = re.findall(r'<desc id="heatmap-map-desc">(.*?)</desc>', html, re.S)
    desc = " ".join(unescape(desc).split())
    assert "1 sensor. 1 hexagon of " in desc and " m a side has a sensor." in desc
    assert re.search(r" \d+ hexagons have no sensor\.$", desc)


# Placeholders that stand for a number of things (weekday names, %(days)s, and averages
# are not): a message with one needs ngettext, choosing its form by that one number, so
# each language can give it its own plural form (Welsh has six).
COUNTS = {"num", "count", "filled", "empty"}


def test_every_message_with_a_count_chooses_its_plural_form_by_it() -> None:
    root = Path(__file__).resolve().parents[2]
    paths = [root / "townhub" / "insights" / f"heatmap{end}.py" for end in ("", "_forms", "_views")]
    paths += sorted(root.glob("townhub/templates/insights/heatmap*.html"))
    assert unpluralised(paths, COUNTS) == []


def test_the_sensor_table_figures_equal_the_stored_averages(
    manager: FlaskClient, street: dict[str, Sensor]
) -> None:
    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=4, view="sensors")

    assert status == 200
    assert figures_table(html) == [
        ["1. Clock tower", "150", "4", "16"],
        ["2. Library", "250.5", "4", "12"],
        ["3. Station", "30.8", "4", "8"],
    ]
    # One circle a sensor, labelled with its number and figure.
    assert html.count('<circle class="heatmap__sensor"') == 3
    assert ">1: 150</text>" in html and ">2: 250.5</text>" in html


def test_the_busiest_times_table_adds_up_the_sensors_and_links_each_hour(
    manager: FlaskClient, street: dict[str, Sensor]
) -> None:
    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=4, view="sensors")

    assert status == 200
    rows = week_table(html)
    assert rows[0] == [
        "Hour",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
    ]
    assert len(rows) == 25 and all(len(row) == 8 for row in rows)
    noon, one = rows[1 + 12], rows[1 + 13]
    assert noon[0] == "12:00 to 13:00"
    assert noon[2] == "431.3"  # 150 + 250.5 + 30.75
    assert one[2] == "5,000"
    assert noon[1] == "– no counts"
    link = "/manage/hubs/south-norwood/heatmap?weekday=1&amp;hour=13&amp;weeks=4&amp;view=sensors"
    assert f'<a href="{link}" hx-get="{link}">5,000</a>' in html
    assert re.search(
        r'<a href="[^"]*weekday=1&amp;hour=12[^"]*" hx-get="[^"]*" aria-current="true">', html
    )


def test_another_hubs_sensors_never_appear(
    manager: FlaskClient, hub: Hub, street: dict[str, Sensor]
) -> None:
    purley = make_hub(slug="purley", name="Purley", ring=PURLEY_RING)
    # Even a sensor of another hub standing on this hub's street is not this hub's.
    for name, at in [("Purley Cross secret", (-0.1179, 51.33665)), ("Trespasser", CLOCK_TOWER)]:
        other = sensor(purley, name, at)
        for day in tuesdays(4):
            counted(other, london(day, 12), 7777)

    for view in ("hexagons", "sensors"):
        status, html = get(manager, weekday=TUESDAY, hour=12, weeks=4, view=view)
        assert status == 200
        assert "Purley Cross secret" not in html and "Trespasser" not in html
        assert "7777" not in html and "7,777" not in html
        assert week_table(html)[1 + 12][2] == "431.3"


# ---- who may see it ----


def test_a_manager_of_another_hub_is_refused_and_sees_nothing_of_it(
    client: FlaskClient, hub: Hub, street: dict[str, Sensor]
) -> None:
    purley = make_hub(slug="purley", name="Purley", ring=PURLEY_RING)
    sign_in(client, make_user(role="hub_manager", hubs=[purley]).email, PASSWORD)

    answer = client.get(PAGE, query_string={"weekday": 1, "hour": 12, "weeks": 4})

    assert answer.status_code == 403
    html = unescape(answer.get_data(as_text=True))
    assert "Only this hub's managers can see its footfall heat map." in html
    assert "Clock tower" not in html and "Library" not in html and "Station" not in html
    assert client.get("/manage/hubs/purley/heatmap").status_code == 200


def test_business_owners_are_refused(client: FlaskClient, hub: Hub) -> None:
    owner = make_user(role="owner", businesses=[make_business(hub=hub)])
    sign_in(client, owner.email, PASSWORD)

    answer = client.get(PAGE)

    assert answer.status_code == 403
    assert "Only this hub's managers can see its footfall heat map." in unescape(
        answer.get_data(as_text=True)
    )


def test_council_admins_see_every_hub_and_strangers_must_sign_in(
    client: FlaskClient, hub: Hub
) -> None:
    assert client.get(PAGE).status_code == 302
    sign_in(client, make_user(role="council_admin").email, PASSWORD)
    assert client.get(PAGE).status_code == 200
    assert client.get("/manage/hubs/nowhere/heatmap").status_code == 404


# ---- choosing, and bad input ----


def test_without_choices_it_shows_this_hour_today_over_eight_weeks_as_hexagons(
    manager: FlaskClient, street: dict[str, Sensor]
) -> None:
    before = datetime.now(LONDON)
    status, html = get(manager)
    after = datetime.now(LONDON)

    assert status == 200

    def chosen(name: str) -> str:
        select = re.search(rf'<select[^>]*name="{name}"[^>]*>(.*?)</select>', html, re.S)
        assert select
        [value] = re.findall(r'<option selected value="([^"]*)"', select.group(1))
        return value

    assert (chosen("weekday"), chosen("hour")) in {
        (str(moment.weekday()), str(moment.hour)) for moment in (before, after)
    }
    assert (chosen("weeks"), chosen("view")) == ("8", "hexagons")
    assert "Average over 8 complete weeks" in html


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("weekday", "7", "Choose a day of the week from the list"),
        ("weekday", "-1", "Choose a day of the week from the list"),
        ("weekday", "tuesday", "Choose a day of the week from the list"),
        ("weekday", "", "Choose a day of the week from the list"),
        ("hour", "24", "Choose an hour from the list"),
        ("hour", "1.5", "Choose an hour from the list"),
        ("weeks", "0", "Choose from 1 to 52 weeks"),
        ("weeks", "53", "Choose from 1 to 52 weeks"),
        ("weeks", "99999999999999999999", "Choose from 1 to 52 weeks"),
        ("view", "tiles", "Choose hexagons or sensors"),
    ],
)
def test_each_bad_choice_is_a_400_with_the_error_summary(
    manager: FlaskClient, street: dict[str, Sensor], field: str, value: str, message: str
) -> None:
    params = {"weekday": "1", "hour": "12", "weeks": "4", "view": "sensors", field: value}

    status, html = get(manager, **params)

    assert status == 400
    assert "<title>Error: Footfall heat map: South Norwood" in html
    assert 'class="error-summary"' in html and "There is a problem" in html
    assert f'<a href="#{field}">{message}</a>' in html
    assert f'<p class="error-message" id="{field}-error">' in html
    assert '<svg class="heatmap__map"' not in html and "Clock tower" not in html


def test_htmx_gets_only_the_results_region(manager: FlaskClient, street: dict[str, Sensor]) -> None:
    headers = {"HX-Request": "true", "HX-Target": "heatmap-results"}
    answer = manager.get(PAGE + "?weekday=1&hour=12&weeks=4&view=sensors", headers=headers)

    html = answer.get_data(as_text=True)
    assert answer.status_code == 200
    assert "HX-Request" in answer.headers["Vary"]
    # The answer is the results region and nothing else (no layout, and none of the
    # partial's Jinja comment or blank lines around it), so the outerHTML swap replaces
    # the region with exactly one new one.
    assert html.strip().startswith('<div id="heatmap-results">')
    assert html.strip().endswith("</div>")
    assert "<html" not in html and "{#" not in html and "#}" not in html
    assert html.count('id="heatmap-results"') == 1
    assert figures_table(html)[0] == ["1. Clock tower", "150", "4", "16"]

    bad = manager.get(PAGE + "?weekday=1&hour=25", headers=headers)
    assert bad.status_code == 400
    assert "<html" not in bad.get_data(as_text=True)
    assert '<a href="#hour">Choose an hour from the list</a>' in bad.get_data(as_text=True)


# ---- nothing to show ----


def test_a_hub_with_no_sensors_says_so(manager: FlaskClient) -> None:
    status, html = get(manager, weekday=1, hour=12)

    assert status == 200
    assert "This hub has no sensors yet, so there is nothing to draw." in html
    assert '<svg class="heatmap__map"' not in html


def test_sensors_with_no_counts_in_the_hour_say_so(
    manager: FlaskClient, street: dict[str, Sensor]
) -> None:
    for view in ("hexagons", "sensors"):
        status, html = get(manager, weekday=1, hour=3, weeks=4, view=view)
        assert status == 200
        assert "None of the hub's sensors counted anyone on Tuesdays from 03:00 to 04:00" in html
        assert "No counts in this hour." in html
    assert figures_table(html) == [
        ["1. Clock tower", "no counts", "0", "0"],
        ["2. Library", "no counts", "0", "0"],
        ["3. Station", "no counts", "0", "0"],
    ]


def test_classes_split_the_figures_into_five_with_their_ranges() -> None:
    classes = heatmap.figure_classes([Decimal("412"), Decimal("30.8")])

    assert [(c.low, c.high) for c in classes] == [
        (0, 83),
        (83, 166),
        (166, 249),
        (249, 332),
        (332, 415),
    ]
    assert [heatmap.class_of(Decimal(v), classes) for v in ("0", "82.9", "83", "331.9", "412")] == [
        0,
        0,
        1,
        3,
        4,
    ]
    assert heatmap.figure_classes([]) == []


def test_one_week_names_its_day(manager: FlaskClient, street: dict[str, Sensor]) -> None:
    [last_tuesday] = tuesdays(1)

    status, html = get(manager, weekday=TUESDAY, hour=12, weeks=1, view="sensors")

    assert status == 200
    assert f"Last complete week: Tuesday {last_tuesday.day} {last_tuesday:%B %Y}" in html
    assert figures_table(html)[0] == ["1. Clock tower", "200", "1", "4"]

    small = heatmap.figure_classes([Decimal("0.1")])
    assert [(c.low, c.high) for c in small][-1] == (Decimal("0.4"), Decimal("0.5"))
    assert heatmap.class_of(Decimal("0.1"), small) == 1


def test_hexagons_are_about_a_fourteenth_of_the_hub_so_a_1_km_street_gets_70_m() -> None:
    # 0.0144 degrees of longitude at 51.4 degrees north is about 1 km.
    street = make_hub(
        ring=[(-0.080, 51.397), (-0.0656, 51.397), (-0.0656, 51.398), (-0.080, 51.398)]
    )
    tiny = make_hub(
        ring=[(-0.080, 51.397), (-0.0799, 51.397), (-0.0799, 51.3971), (-0.080, 51.3971)]
    )

    assert heatmap.hexagon_side(street) == 70
    assert heatmap.hexagon_side(tiny) == heatmap.SMALLEST_SIDE_M
