"""What the high street team and the council see of residents' answers, and the attack
the protection exists for: fetch every page, chart, CSV and JSON file for every role, put
every published number into one system of equations over the true counts, and fail to
work out any hidden cell."""

from __future__ import annotations

import csv
import io
import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from html.parser import HTMLParser
from typing import Any

import numpy as np
import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.factories import PASSWORD, make_business, make_hub, make_user
from tests.support.forms import sign_in
from townhub.common.days import london_today
from townhub.common.formatting import LONDON
from townhub.demographics import service
from townhub.demographics.disclosure import TOTAL
from townhub.demographics.labels import QUESTION_LABELS, answer_label
from townhub.demographics.models import QUESTIONS
from townhub.hubs.models import Hub

# A cell of the published cube: question, month, hub slug (None: all hubs), answer (None:
# all answers).
Key = tuple[str, date, str | None, str | None]

DISTRICTS = ["SE25", "SE19", "CR7", "CR0", "SE20", "BR3", "CR8"]


def _months_back(n: int) -> date:
    month = london_today().replace(day=1)
    for _ in range(n):
        month = (month - timedelta(days=1)).replace(day=1)
    return month


@dataclass
class Street:
    hubs: list[Hub]
    months: list[date]
    truth: dict[tuple[str, date, str, str], int]  # what residents answered, counted here


def _resident(rng: random.Random) -> service.Answers:
    return service.Answers(
        age_band=rng.choice([*service.AGE_BANDS, "25-34", "35-44", None]),
        postcode_district=rng.choice([*DISTRICTS, "SE25", "SE25", "CR7", None]),
        travel_mode=rng.choice([*service.TRAVEL_MODES, "walk", "walk", "bus", None]),
    )


@pytest.fixture
def street() -> Street:
    """Three hubs, three ended months of answers with many small cells (one hub with none
    in one month), through the same service the form uses."""
    hubs = [
        make_hub(slug="south-norwood", name="South Norwood"),
        make_hub(slug="purley", name="Purley"),
        make_hub(slug="thornton-heath", name="Thornton Heath"),
    ]
    months = [_months_back(3), _months_back(2), _months_back(1)]
    rng = random.Random(7)
    truth: dict[tuple[str, date, str, str], int] = {}
    for month in months:
        for hub in hubs:
            if hub.slug == "purley" and month == months[1]:
                continue
            for _ in range(rng.randint(6, 45)):
                answers = _resident(rng)
                service.record(hub, answers, today=month + timedelta(days=rng.randint(0, 27)))
                for question in QUESTIONS:
                    answer = getattr(answers, question)
                    if answer is not None:
                        key = (question, month, hub.slug, answer)
                        truth[key] = truth.get(key, 0) + 1
    return Street(hubs, months, truth)


def _as(app: Flask, role: str, hubs: list[Hub] | None = None, **kwargs: Any) -> FlaskClient:
    browser = app.test_client()
    user = make_user(role=role, hubs=hubs, **kwargs)
    sign_in(browser, user.email, PASSWORD)
    return browser


# ---- reading what was published ----


class _Tables(HTMLParser):
    """Every table of a page: caption, column headings, and rows of (heading, cells)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: list[dict[str, Any]] = []
        self._text: list[str] | None = None
        self._row: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self.tables.append({"caption": "", "rows": []})
        elif tag == "tr" and self.tables:
            self._row = []
        elif tag in ("caption", "th", "td") and self.tables:
            self._text = []

    def handle_data(self, data: str) -> None:
        if self._text is not None:
            self._text.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._text is not None:
            self.tables[-1]["caption"] = " ".join("".join(self._text).split())
            self._text = None
        elif tag in ("th", "td") and self._text is not None and self._row is not None:
            self._row.append(" ".join("".join(self._text).split()))
            self._text = None
        elif tag == "tr" and self._row is not None:
            self.tables[-1]["rows"].append(self._row)
            self._row = None


def _number(text: str) -> int | None:
    """A published figure, or None for a hidden one."""
    if text in ("hidden", "–"):
        return None
    return int(text.replace(",", ""))


def _from_page(
    html: str, hub_names: dict[str, str], page_hub: str | None
) -> Iterator[tuple[Key, int | None]]:
    """Every figure of a residents page, keyed by the cell it shows (read from the English
    headings, as a person would)."""
    questions = {str(QUESTION_LABELS[q]): q for q in QUESTIONS}
    slugs = {name: slug for slug, name in hub_names.items()}
    parser = _Tables()
    parser.feed(html)
    if not parser.tables:
        assert "No figures for" in html
    for table in parser.tables:
        caption: str = table["caption"]
        heading, *rows = table["rows"]
        if caption.startswith("Figures for: "):  # a chart's table: one month, one series
            label, _, month_text = caption.removeprefix("Figures for: ").rpartition(", ")
            question = questions[label]
            month = datetime.strptime(month_text, "%B %Y").date()
            hub = None if heading[1] == "All hubs" else slugs[heading[1]]
            for row in rows:
                yield (question, month, hub, _answer(question, row[0])), _number(row[1])
        elif " by month" in caption:  # a hub's table: answers by month
            question = questions[caption.removesuffix(" by month")]
            months = [datetime.strptime(m, "%B %Y").date() for m in heading[1:]]
            for row in rows:
                for month, text in zip(months, row[1:], strict=True):
                    if text != "in Other districts":
                        yield (question, month, page_hub, _answer(question, row[0])), _number(text)
        else:  # the council's table: answers by hub, one month
            label, _, month_text = caption.rpartition(", ")
            question = questions[label.removesuffix(" by hub")]
            month = datetime.strptime(month_text, "%B %Y").date()
            hubs = [None if h == "All hubs" else slugs[h] for h in heading[1:]]
            for row in rows:
                for hub, text in zip(hubs, row[1:], strict=True):
                    yield (question, month, hub, _answer(question, row[0])), _number(text)


def _answer(question: str, label: str) -> str | None:
    answers = [*service.AGE_BANDS, *service.TRAVEL_MODES, *DISTRICTS, "other", None]
    found = [a for a in answers if str(answer_label(question, a)) == label]
    assert found, f"unknown answer {label!r}"
    return found[0]


def _from_records(records: list[dict[str, Any]]) -> Iterator[tuple[Key, int | None]]:
    for r in records:
        key = (
            r["question"],
            datetime.strptime(r["month"], "%Y-%m").date(),
            None if r["hub"] == "all" else r["hub"],
            None if r["answer"] == "all" else r["answer"],
        )
        assert (r["count"] is None) == r["hidden"]
        yield key, r["count"]


def _from_csv(text: str) -> Iterator[tuple[Key, int | None]]:
    assert text.startswith("question,month,hub,answer,count,hidden\r\n")
    rows = list(csv.DictReader(io.StringIO(text)))
    yield from _from_records(
        [
            {**r, "count": int(r["count"]) if r["count"] else None, "hidden": r["hidden"] == "true"}
            for r in rows
        ]
    )


def _everything_published(app: Flask, street: Street) -> list[tuple[str, Key, int | None]]:
    """Every figure of every view of every role: (where, cell, figure)."""
    names = {hub.slug: hub.name for hub in street.hubs}
    months = [m.strftime("%Y-%m") for m in street.months]
    seen: list[tuple[str, Key, int | None]] = []

    def read(browser: FlaskClient, path: str, page_hub: str | None = None) -> None:
        response = browser.get(path)
        assert response.status_code == 200, path
        if path.split("?")[0].endswith(".json"):
            figures = _from_records(response.get_json()["cells"])
        elif path.split("?")[0].endswith(".csv"):
            figures = _from_csv(response.get_data(as_text=True))
        else:
            figures = _from_page(response.get_data(as_text=True), names, page_hub)
        seen.extend((path, key, value) for key, value in figures)

    council = _as(app, "council_admin")
    for base in ("/manage/residents", "/manage/residents.csv", "/manage/residents.json"):
        read(council, base)
        for month in months:
            read(council, f"{base}?month={month}")
    for hub in street.hubs:
        manager = _as(app, "hub_manager", hubs=[hub])
        for browser in (manager, council):
            for suffix in ("", ".csv", ".json"):
                path = f"/manage/hubs/{hub.slug}/residents{suffix}"
                read(browser, path, hub.slug)
                for month in months:
                    read(browser, f"{path}?month={month}", hub.slug)
    return seen


# ---- the attack ----


def _cube() -> dict[Key, tuple[list[tuple[str, date, str, str]], int, bool]]:
    """Every cell of the published cube: the base cells it adds up, its true count and
    whether it is hidden."""
    cube = {}
    for question in QUESTIONS:
        for table in service.tables(question):
            slugs = [slug for _, slug in table.hubs]
            hub_choices: list[tuple[int, str | None]] = [*enumerate(slugs), (TOTAL, None)]
            answer_choices: list[tuple[int, str | None]] = [
                *enumerate(table.answers),
                (TOTAL, None),
            ]
            for h, slug in hub_choices:
                for a, answer in answer_choices:
                    members = [
                        (question, table.month, s, b)
                        for s in (slugs if slug is None else [slug])
                        for b in (table.answers if answer is None else [answer])
                    ]
                    cell = (h, a)
                    cube[(question, table.month, slug, answer)] = (
                        members,
                        table.suppressed.values[cell],
                        cell in table.suppressed.hidden,
                    )
    return cube


def test_no_hidden_cell_can_be_worked_out_from_every_view_together(
    app: Flask, client: FlaskClient, street: Street
) -> None:
    # This month's answers, through the form: not published until the month ends.
    for travel in ("bus", "walk"):
        app.test_client().post("/south-norwood/about-you", data={"travel_mode": travel})
    cube = _cube()
    seen = _everything_published(app, street)
    assert len(seen) > 1000

    # The counts in the cube are the residents' answers (districts given by fewer than k
    # people in a month count as "other").
    for question, month, slug, answer in street.truth:
        members = [
            key for key in cube if key[:3] == (question, month, slug) and key[3] == answer
        ] or [(question, month, slug, "other")]
        assert members[0] in cube
    published: dict[Key, int | None] = {}
    for where, key, value in seen:
        assert key in cube, f"{where} shows a cell outside the cube: {key}"
        members, true_value, hidden = cube[key]
        # Every view shows a cell the same way: hidden everywhere, or its true count.
        assert value == (None if hidden else true_value), f"{where}: {key}"
        published[key] = value
    assert all(key[1] in street.months for key in published)  # never this month
    hidden_seen = [key for key, value in published.items() if value is None]
    assert hidden_seen and any(v for v in published.values())

    # Every cell under k is hidden, in every view.
    for key, (_, true_value, hidden) in cube.items():
        if true_value < service.min_count():
            assert hidden, key

    # One system of equations from every published figure, over every base cell.
    base = sorted({m for members, _, _ in cube.values() for m in members}, key=str)
    column = {cell: n for n, cell in enumerate(base)}

    def form(key: Key) -> np.ndarray:
        vector = np.zeros(len(base))
        for member in cube[key][0]:
            vector[column[member]] = 1
        return vector

    equations = np.array([form(key) for key, value in published.items() if value is not None])
    rank = np.linalg.matrix_rank(equations)
    forms = {tuple(form(key)) for key, value in published.items() if value is not None}
    for key, (_, _, hidden) in cube.items():
        if not hidden:
            continue
        # Not published as itself under another name (a total equal to the cell) ...
        assert tuple(form(key)) not in forms, key
        # ... nor by any sum or difference of published figures.
        assert np.linalg.matrix_rank(np.vstack([equations, form(key)])) == rank + 1, key


def test_the_tables_are_one_cube_cut_the_same_way_for_every_view(
    app: Flask, street: Street
) -> None:
    k = service.min_count()
    for question in QUESTIONS:
        whole = service.published_table(question)
        one_hub = service.published_table(question, hub_ids=[street.hubs[0].id])
        one_month = service.published_table(question, month=street.months[1])
        assert set(one_hub) <= set(whole) and set(one_month) <= set(whole)
        assert {c.month for c in whole} == set(street.months)
    assert k == 10


def test_hub_managers_see_their_hub_and_the_council_sees_every_hub(
    app: Flask, street: Street
) -> None:
    south_norwood = street.hubs[0]
    manager = _as(app, "hub_manager", hubs=[south_norwood])

    page = manager.get("/manage/hubs/south-norwood/residents")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Residents of South Norwood who answered" in text
    assert 'role="img"' in text  # the charts
    assert "hidden" in text and "fewer than 10 people" in text
    assert manager.get("/manage/hubs/south-norwood/residents.csv").mimetype == "text/csv"
    for path in ("/manage/hubs/purley/residents", "/manage/hubs/purley/residents.json"):
        refused = manager.get(path)
        assert refused.status_code == 403
        assert "managers and the council can see what its residents" in refused.get_data(
            as_text=True
        )
    for path in ("/manage/residents", "/manage/residents.csv", "/manage/residents.json"):
        refused = manager.get(path)
        assert refused.status_code == 403
        assert "Only the council can see every hub" in refused.get_data(as_text=True)

    council = _as(app, "council_admin").get("/manage/residents").get_data(as_text=True)
    assert all(name in council for name in ("South Norwood", "Purley", "Thornton Heath"))
    assert "All hubs" in council


def test_business_owners_and_strangers_see_nothing(app: Flask, street: Street) -> None:
    owner = _as(app, "owner", businesses=[make_business(hub=street.hubs[0])])
    paths = [
        "/manage/hubs/south-norwood/residents",
        "/manage/hubs/south-norwood/residents.csv",
        "/manage/hubs/south-norwood/residents.json",
        "/manage/residents",
        "/manage/residents.csv",
        "/manage/residents.json",
    ]
    for path in paths:
        refused = owner.get(path)
        assert refused.status_code == 403, path
        assert b"council" in refused.data
        assert app.test_client().get(path).status_code == 302  # to sign in


@pytest.mark.parametrize(
    ("month", "status", "message"),
    [
        ("2026-13", 400, "like 2026-03"),
        ("March", 400, "like 2026-03"),
        ("1999-01", 404, "Nothing is published for that month."),
    ],
)
def test_a_month_that_is_wrong_or_not_published_is_refused(
    app: Flask, street: Street, month: str, status: int, message: str
) -> None:
    council = _as(app, "council_admin")
    for path in ("/manage/residents", "/manage/hubs/purley/residents.csv"):
        response = council.get(f"{path}?month={month}")
        assert response.status_code == status
        assert message in response.get_data(as_text=True)


def test_this_month_is_not_published_until_it_ends(app: Flask, client: FlaskClient) -> None:
    make_hub(slug="south-norwood", name="South Norwood")
    for travel in ["bus"] * 12 + ["walk"] * 11:
        app.test_client().post("/south-norwood/about-you", data={"travel_mode": travel})

    council = _as(app, "council_admin")
    assert "Nothing is published yet" in council.get("/manage/residents").get_data(as_text=True)
    assert council.get("/manage/residents.json").get_json()["cells"] == []
    next_month = (london_today().replace(day=28) + timedelta(days=5)).replace(day=1)
    cells = service.published_table("travel_mode", today=next_month)
    assert [c.count for c in cells if c.answer == "bus"] == [12, 12]
    assert [c.count for c in cells if c.answer is None] == [23, 23]
    # Had "walk" been shown too, the hidden zeros of every other way would be pinned (the
    # total leaves nothing for them): the smaller figure is hidden instead.
    assert all(c.hidden for c in cells if c.answer not in ("bus", None))


def test_k_comes_from_the_settings(app: Flask, street: Street) -> None:
    before = app.config["DEMOGRAPHICS_MIN_COUNT"]
    app.config["DEMOGRAPHICS_MIN_COUNT"] = 40
    try:
        cells = service.published_table("age_band")
        assert all(c.hidden for c in cells if c.hub_id is not None and c.answer is not None)
    finally:
        app.config["DEMOGRAPHICS_MIN_COUNT"] = before


def test_a_month_is_published_an_hour_after_it_ends(app: Flask) -> None:
    hub = make_hub(slug="south-norwood", name="South Norwood")
    service.record(hub, service.Answers(travel_mode="bus"), today=date(2026, 10, 31))
    midnight = datetime(2026, 11, 1, tzinfo=LONDON)
    # An answer begun at 23:59:59 on the 31st may still be on its way at 00:30.
    assert service.published_months(now=midnight + timedelta(minutes=30)) == []
    assert service.published_months(now=midnight + timedelta(minutes=61)) == [date(2026, 10, 1)]


def test_every_way_of_travelling_has_its_row_another_way_too(app: Flask) -> None:
    from townhub.demographics import reports

    hub = make_hub(slug="south-norwood", name="South Norwood")
    last_month = london_today().replace(day=1) - timedelta(days=1)
    for travel in ["bus"] * 12 + ["other"] * 11:
        service.record(hub, service.Answers(travel_mode=travel), today=last_month)
    travel = next(r for r in reports.hub_report(hub) if r.question == "travel_mode")
    labels = [str(row.label) for row in travel.rows]
    assert "Another way" in labels
