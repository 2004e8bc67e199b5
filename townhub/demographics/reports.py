"""The published tables laid out for pages, charts, CSV and JSON. Everything here is cut
from service.tables(): nothing is counted or suppressed again."""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import date
from typing import Any

from flask_babel import format_date
from flask_babel import gettext as _
from sqlalchemy import select

from townhub.demographics import service
from townhub.demographics.labels import QUESTION_LABELS, answer_label
from townhub.demographics.models import QUESTIONS
from townhub.extensions import db
from townhub.hubs.models import Hub
from townhub.insights.charts import Chart, Series


@dataclass(frozen=True)
class Figure:
    """A cell as shown: its count, or hidden, or (a postcode district not listed that
    month) counted in "Other districts"."""

    count: int | None
    hidden: bool = False
    in_other: bool = False


@dataclass(frozen=True)
class Row:
    label: Any
    figures: list[Figure]
    is_total: bool = False


@dataclass(frozen=True)
class QuestionReport:
    question: str
    title: Any
    columns: list[Any]  # column headings after the row heading
    rows: list[Row]
    chart: Chart | None


def month_label(month: date) -> str:
    return str(format_date(month, "MMMM yyyy"))


def parse_month(text: str) -> date:
    """A month from "YYYY-MM"; raises ValueError."""
    year, dash, month = text.partition("-")
    if not (dash and len(year) == 4 and year.isdigit() and len(month) == 2 and month.isdigit()):
        raise ValueError(text)
    return date(int(year), int(month), 1)


def _figure(cell: service.PublishedCell | None) -> Figure:
    if cell is None:
        return Figure(None, in_other=True)
    return Figure(cell.count, hidden=cell.hidden)


def _chart(
    chart_id: str, title: str, question: str, cells: list[service.PublishedCell], series: str
) -> Chart:
    answers = [c for c in cells if c.answer is not None]
    hidden_note = _("Hidden")
    return Chart(
        id=chart_id,
        title=title,
        description=_(
            "Bars for the answers published; hidden figures have no bar and are marked in"
            " the table."
        ),
        category_heading=str(QUESTION_LABELS[question]),
        categories=[str(answer_label(question, c.answer)) for c in answers],
        series=[Series(name=series, values=[c.count for c in answers])],
        notes={n: hidden_note for n, c in enumerate(answers) if c.hidden},
    )


def hub_report(hub: Hub, month: date | None = None) -> list[QuestionReport]:
    """For each question: the hub's answers by month (a column a month), and a chart of
    the latest month shown."""
    reports = []
    for question in QUESTIONS:
        tables = [t for t in service.tables(question) if t.has_hub(hub.id)]
        if month is not None:
            tables = [t for t in tables if t.month == month]
        answers: list[str] = []
        for table in tables:
            answers += [a for a in table.answers if a not in answers]
        if question == "postcode_district":
            # "Other districts" last, after the districts in order.
            answers = [*sorted(a for a in answers if a != "other"), "other"]
        rows = [
            Row(
                answer_label(question, answer),
                [
                    _figure(table.cell(hub.id, answer) if answer in table.answers else None)
                    for table in tables
                ],
            )
            for answer in answers
        ]
        rows.append(
            Row(
                answer_label(question, None),
                [_figure(t.cell(hub.id, None)) for t in tables],
                is_total=True,
            )
        )
        chart = None
        if tables:
            latest = tables[-1]
            chart = _chart(
                f"chart-{question}",
                _(
                    "%(question)s, %(month)s",
                    question=QUESTION_LABELS[question],
                    month=month_label(latest.month),
                ),
                question,
                [latest.cell(hub.id, a) for a in latest.answers],
                hub.name,
            )
        reports.append(
            QuestionReport(
                question,
                QUESTION_LABELS[question],
                [month_label(t.month) for t in tables],
                rows,
                chart,
            )
        )
    return reports


def council_report(month: date) -> list[QuestionReport]:
    """For each question, one month: every hub side by side, and all hubs together.
    Raises MonthNotPublished."""
    names: dict[int, str] = {
        hub_id: name for hub_id, name in db.session.execute(select(Hub.id, Hub.name))
    }
    reports = []
    for question in QUESTIONS:
        found = [t for t in service.tables(question) if t.month == month]
        if not found:
            raise service.MonthNotPublished(month)
        table = found[0]
        hub_ids: list[int | None] = [*(h for h, _ in table.hubs), None]
        columns = [names.get(h, "") if h is not None else _("All hubs") for h in hub_ids]
        rows = [
            Row(
                answer_label(question, answer),
                [_figure(table.cell(h, answer)) for h in hub_ids],
                is_total=answer is None,
            )
            for answer in [*table.answers, None]
        ]
        chart = _chart(
            f"chart-{question}",
            _(
                "%(question)s, %(month)s",
                question=QUESTION_LABELS[question],
                month=month_label(month),
            ),
            question,
            [table.cell(None, a) for a in table.answers],
            _("All hubs"),
        )
        reports.append(QuestionReport(question, QUESTION_LABELS[question], columns, rows, chart))
    return reports


def cells(hub_ids: list[int] | None, month: date | None) -> list[service.PublishedCell]:
    """Every published cell of every question, for these hubs (None: every hub and all
    hubs together). Raises MonthNotPublished."""
    found: list[service.PublishedCell] = []
    for question in QUESTIONS:
        found += service.published_table(question, hub_ids=hub_ids, month=month)
    return found


def _record(cell: service.PublishedCell) -> dict[str, Any]:
    return {
        "question": cell.question,
        "month": cell.month.strftime("%Y-%m"),
        "hub": cell.hub_slug or "all",
        "answer": cell.answer or "all",
        "count": cell.count,
        "hidden": cell.hidden,
    }


def as_json(found: list[service.PublishedCell]) -> dict[str, Any]:
    return {
        "min_count": service.min_count(),
        "about": _(
            "Counts of residents' optional answers, by month. A hidden cell (count null,"
            " hidden true) had fewer than %(k)d people, or is hidden so that such a cell"
            " cannot be worked out from the totals.",
            k=service.min_count(),
        ),
        "cells": [_record(cell) for cell in found],
    }


def as_csv(found: list[service.PublishedCell]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(["question", "month", "hub", "answer", "count", "hidden"])
    for cell in found:
        record = _record(cell)
        writer.writerow(
            [
                record["question"],
                record["month"],
                record["hub"],
                record["answer"],
                "" if record["count"] is None else record["count"],
                "true" if record["hidden"] else "false",
            ]
        )
    return out.getvalue()
