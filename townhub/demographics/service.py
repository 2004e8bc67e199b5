"""Residents' optional answers about themselves: counted as separate monthly tallies, and
published only through small-number protection.

What is published: for every month that has ended (London), question by question, one
table of hubs x answers with all its totals, suppressed once (disclosure.suppress) from
every hub's counts. Every page, chart, CSV and JSON file, for a hub manager or the
council, is cut from those same tables, so no two of them can be set against each other.

Why months that have ended, and no totals across months: a figure that changes while
someone watches gives away the answer of whoever just answered (a survey stall at a
street fair), and a running total over months gives away the newest month's hidden
cells when this month's total is set against last month's. An ended month's table never
changes again, so each is safe on its own and against the others.
"""

from __future__ import annotations

import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert

from townhub.common.days import at_london, london_today
from townhub.common.formatting import LONDON
from townhub.demographics import disclosure
from townhub.demographics.models import QUESTIONS, DemographicTally
from townhub.extensions import db
from townhub.hubs.models import Hub

AGE_BANDS = ("16-24", "25-34", "35-44", "45-54", "55-64", "65-74", "75+")
TRAVEL_MODES = (
    "walk",
    "cycle",
    "bus",
    "train_tram",
    "car_van",
    "taxi",
    "wheelchair_scooter",
    "other",
)
# The districts fewer than k residents of all hubs gave in a month, added up.
OTHER_DISTRICTS = "other"
# A UK postcode's first half: A9, A99, AA9, AA99, A9A or AA9A (SE25, CR7, CR0, EC1A, W1A).
_OUTWARD_CODE = re.compile(r"[A-Z]{1,2}[0-9][A-Z0-9]?")


class InvalidAnswer(ValueError):
    """An answer that is not one of the choices, or not a postcode district."""


class MonthNotPublished(LookupError):
    """Nothing is published for that month: it has not ended, or nobody answered by then."""


@dataclass(frozen=True)
class Answers:
    """One resident's answers; None for a question they left (or preferred not to say)."""

    age_band: str | None = None
    postcode_district: str | None = None
    travel_mode: str | None = None


@dataclass(frozen=True)
class PublishedCell:
    """One figure of a published table. `hub_id` None is every hub together, `answer`
    None every answer together. `count` is None exactly when the cell is hidden."""

    question: str
    month: date
    hub_id: int | None
    hub_slug: str | None
    answer: str | None
    count: int | None

    @property
    def hidden(self) -> bool:
        return self.count is None


@dataclass(frozen=True)
class MonthTable:
    """One question's published table for one month."""

    question: str
    month: date
    hubs: tuple[tuple[int, str], ...]  # (id, slug), in the table's order
    answers: tuple[str, ...]
    suppressed: disclosure.Suppressed

    def cell(self, hub_id: int | None, answer: str | None) -> PublishedCell:
        hub_index = disclosure.TOTAL if hub_id is None else [h for h, _ in self.hubs].index(hub_id)
        answer_index = disclosure.TOTAL if answer is None else self.answers.index(answer)
        slug = None if hub_id is None else self.hubs[hub_index][1]
        count = self.suppressed.published((hub_index, answer_index))
        return PublishedCell(self.question, self.month, hub_id, slug, answer, count)

    def has_hub(self, hub_id: int) -> bool:
        return any(h == hub_id for h, _ in self.hubs)


def min_count() -> int:
    """k: cells of fewer residents than this are never published."""
    return int(current_app.config["DEMOGRAPHICS_MIN_COUNT"])


def month_of(day: date) -> date:
    return day.replace(day=1)


def _next_month(month: date) -> date:
    return date(month.year + month.month // 12, month.month % 12 + 1, 1)


def postcode_district(text: str | None) -> str | None:
    """The district a resident typed (" se25 " -> "SE25"), None for nothing; raises
    InvalidAnswer when it is not the first half of a UK postcode."""
    cleaned = re.sub(r"\s+", "", text or "").upper()
    if not cleaned:
        return None
    if not _OUTWARD_CODE.fullmatch(cleaned):
        raise InvalidAnswer(cleaned)
    return cleaned


def check(answers: Answers) -> None:
    """Raises InvalidAnswer for an answer that is not one of the choices."""
    if answers.age_band is not None and answers.age_band not in AGE_BANDS:
        raise InvalidAnswer(answers.age_band)
    if answers.travel_mode is not None and answers.travel_mode not in TRAVEL_MODES:
        raise InvalidAnswer(answers.travel_mode)
    district = answers.postcode_district
    if district is not None and postcode_district(district) != district:
        raise InvalidAnswer(district)


def record(hub: Hub, answers: Answers, today: date | None = None) -> int:
    """Add one to this month's tally of each answer given; how many were added. Each in a
    transaction of its own and in random order, so not even the database's transaction
    log ties one resident's answers together. Raises InvalidAnswer (nothing added)."""
    check(answers)
    month = month_of(today or london_today())
    given = [
        (question, answer)
        for question, answer in zip(
            QUESTIONS,
            (answers.age_band, answers.postcode_district, answers.travel_mode),
            strict=True,
        )
        if answer is not None
    ]
    secrets.SystemRandom().shuffle(given)
    for question, answer in given:
        _add(hub.id, month, question, answer, 1)
        db.session.commit()
    return len(given)


def _add(hub_id: int, month: date, question: str, answer: str, count: int) -> None:
    db.session.execute(
        insert(DemographicTally)
        .values(hub_id=hub_id, month=month, question=question, answer=answer, count=count)
        .on_conflict_do_update(
            constraint="pk_demographic_tallies",
            set_={"count": DemographicTally.count + count},
        )
    )


def replace_tallies(hub: Hub, tallies: Mapping[tuple[date, str, str], int]) -> None:
    """Set a hub's tallies to these counts by (month, question, answer), dropping the rest
    (the demo data). Commits."""
    db.session.execute(delete(DemographicTally).where(DemographicTally.hub_id == hub.id))
    for (month, question, answer), count in tallies.items():
        if count > 0:
            _add(hub.id, month_of(month), question, answer, count)
    db.session.commit()


# ---- publishing ----


PUBLISHED_AFTER = timedelta(hours=1)


def published_months(today: date | None = None, now: datetime | None = None) -> list[date]:
    """Every month published, oldest first: from the first with any answer to the last
    that ended (`today` as a London day; else an hour before `now`)."""
    # A month is published an hour after it ends, so an answer sent in its last moments
    # lands before anyone can read the month, never after.
    moment = (now or datetime.now(LONDON)).astimezone(LONDON) - PUBLISHED_AFTER
    current = month_of(today or moment.date())
    first = db.session.scalar(
        select(DemographicTally.month)
        .where(DemographicTally.month < current)
        .order_by(DemographicTally.month)
        .limit(1)
    )
    months: list[date] = []
    month = first
    while month is not None and month < current:
        months.append(month)
        month = _next_month(month)
    return months


def tables(question: str, today: date | None = None) -> list[MonthTable]:
    """The question's published table for every published month, oldest first."""
    if question not in QUESTIONS:
        raise ValueError(f"not a question: {question}")
    months = published_months(today)
    if not months:
        return []
    rows = db.session.execute(
        select(
            DemographicTally.month,
            DemographicTally.hub_id,
            DemographicTally.question,
            DemographicTally.answer,
            DemographicTally.count,
        ).where(DemographicTally.month >= months[0], DemographicTally.month <= months[-1])
    ).all()
    hubs = db.session.execute(select(Hub.id, Hub.slug, Hub.created_at).order_by(Hub.id)).all()
    k = min_count()
    found = []
    for month in months:
        in_month = [r for r in rows if r.month == month]
        answering = {r.hub_id for r in in_month}
        # The hubs there were by the month's end (or with answers: data loaded later). A
        # fact of the month alone, so the table does not change when a hub is added.
        table_hubs = tuple(
            (hub.id, hub.slug)
            for hub in hubs
            if hub.id in answering or _created_by(hub.created_at, _next_month(month))
        )
        counts = tuple(
            sorted((r.hub_id, r.answer, r.count) for r in in_month if r.question == question)
        )
        found.append(_month_table(question, month, table_hubs, counts, k))
    return found


def _created_by(created_at: datetime, month_end: date) -> bool:
    return created_at < at_london(month_end)


@lru_cache(maxsize=512)
def _month_table(
    question: str,
    month: date,
    hubs: tuple[tuple[int, str], ...],
    counts: tuple[tuple[int, str, int], ...],
    k: int,
) -> MonthTable:
    """Suppress one month's table (a pure function of its arguments, so cached)."""
    answers = _answer_categories(question, counts, k)
    hub_index = {hub_id: n for n, (hub_id, _) in enumerate(hubs)}
    cells: dict[disclosure.Cell, int] = {}
    for hub_id, answer, count in counts:
        if answer not in answers:
            if question != "postcode_district":
                continue  # an answer no longer offered: left out of every figure alike
            answer = OTHER_DISTRICTS
        key = (hub_index[hub_id], answers.index(answer))
        cells[key] = cells.get(key, 0) + count
    suppressed = disclosure.suppress((len(hubs), len(answers)), cells, k)
    return MonthTable(question, month, hubs, answers, suppressed)


def _answer_categories(
    question: str, counts: Sequence[tuple[int, str, int]], k: int
) -> tuple[str, ...]:
    if question == "age_band":
        return AGE_BANDS
    if question == "travel_mode":
        return TRAVEL_MODES
    # Postcode districts are open-ended: a district gets a row of its own in a month only
    # when at least k residents of all hubs gave it that month, so a row never says that
    # someone from a rare district answered. The rest are added up as "other".
    totals: dict[str, int] = {}
    for _, answer, count in counts:
        totals[answer] = totals.get(answer, 0) + count
    listed = sorted(a for a, total in totals.items() if total >= k and a != OTHER_DISTRICTS)
    return (*listed, OTHER_DISTRICTS)


def published_table(
    question: str,
    hub_ids: Sequence[int] | None = None,
    month: date | None = None,
    today: date | None = None,
) -> list[PublishedCell]:
    """Every published cell of a question: for these hubs (and, when hub_ids is None, for
    every hub and all hubs together), each answer and all answers together, in every
    published month or in one. Raises MonthNotPublished, and ValueError for a question
    that is not asked."""
    chosen = tables(question, today)
    if month is not None:
        chosen = [t for t in chosen if t.month == month]
        if not chosen:
            raise MonthNotPublished(month)
    cells = []
    for table in chosen:
        hubs: list[int | None] = (
            [*(h for h, _ in table.hubs), None]
            if hub_ids is None
            else [h for h, _ in table.hubs if h in hub_ids]
        )
        for hub_id in hubs:
            for answer in [*table.answers, None]:
                cells.append(table.cell(hub_id, answer))
    return cells


def check_month(month: date, today: date | None = None) -> None:
    """Raises MonthNotPublished unless the month is published."""
    if month not in published_months(today):
        raise MonthNotPublished(month)
