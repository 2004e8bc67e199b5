"""The dashboard's figures as charts: titles, descriptions and labels in the page's
language. Each chart's table holds exactly the figures drawn."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta

from flask_babel import format_date, format_datetime, format_decimal, format_percent
from flask_babel import gettext as _

from townhub.common.formatting import LONDON
from townhub.insights.charts import Chart, Series
from townhub.insights.service import Bucket, Comparison, Footfall, HubSummary, UnusualDay

STEPS = {
    "15m": timedelta(minutes=15),
    "hour": timedelta(hours=1),
    "day": timedelta(days=1),
    "week": timedelta(weeks=1),
}
# How each grain's buckets are named along the bottom and in the table.
LABELS = {
    "15m": "EEE d MMM HH:mm",
    "hour": "EEE d MMM HH:mm",
    "day": "EEE d MMM",
    "week": "d MMM y",
}


def change_words(change: float | None, compared: bool = False) -> str:
    """ "12% busier than usual", "30% quieter than usual" or "the same as usual"; when two
    periods are compared, "12% busier", "30% quieter" or "no change"."""
    if change is None:
        return str(_("nothing to compare with"))
    if abs(change) < 0.005:
        return str(_("no change") if compared else _("the same as usual"))
    share = format_percent(abs(change), "#,##0%")
    if change > 0:
        if compared:
            return str(_("%(share)s busier", share=share))
        return str(_("%(share)s busier than usual", share=share))
    if compared:
        return str(_("%(share)s quieter", share=share))
    return str(_("%(share)s quieter than usual", share=share))


def axis_label(grain: str, bucket: Bucket) -> str:
    """A bucket's short name along the bottom of a chart."""
    if grain in ("day", "week"):
        return str(format_date(bucket.start.date(), "d MMM"))
    return str(format_datetime(bucket.start, "HH:mm"))


def bucket_label(grain: str, bucket: Bucket) -> str:
    if grain == "week":
        return str(_("Week of %(day)s", day=format_date(bucket.start.date(), LABELS[grain])))
    if grain == "day":
        return str(format_date(bucket.start.date(), LABELS[grain]))
    return str(format_datetime(bucket.start, LABELS[grain]))


def footfall_chart(figures: Footfall, flagged: Sequence[UnusualDay]) -> Chart:
    """People counted in each bucket beside the usual level, unusual days and the bucket
    still being counted noted."""
    now = datetime.now(LONDON)
    where = figures.sensor.name if figures.sensor else _("all sensors")
    counted = [b.people for b in figures.buckets]
    total = sum(p for p in counted if p is not None)
    busiest = max(figures.buckets, key=lambda b: b.people or -1, default=None)
    description = _(
        "%(total)s people counted by %(where)s from %(first)s to %(last)s.",
        total=format_decimal(total),
        where=where,
        first=format_date(figures.first, "d MMMM y"),
        last=format_date(figures.last, "d MMMM y"),
    )
    if busiest and busiest.people:
        description += " " + _(
            "The busiest was %(when)s, with %(people)s.",
            when=bucket_label(figures.grain, busiest),
            people=format_decimal(busiest.people),
        )
    if flagged:
        description += " " + _(
            "%(count)s unusual days are marked in the table.", count=len(flagged)
        )
    flagged_days = {day.day: day for day in flagged}
    notes = {}
    for index, bucket in enumerate(figures.buckets):
        day = flagged_days.get(bucket.start.date()) if figures.grain == "day" else None
        if day:
            notes[index] = _("Unusual: %(change)s", change=change_words(day.change))
        elif bucket.start <= now < bucket.start + STEPS[figures.grain]:
            notes[index] = _("So far: this is not over yet")
    return Chart(
        id="footfall-chart",
        title=_("People counted, %(where)s", where=where),
        description=description,
        category_heading=_("Starting"),
        categories=[bucket_label(figures.grain, b) for b in figures.buckets],
        series=[
            Series(_("People counted"), counted),
            Series(
                _("Usual (same weekday and time, previous 4 weeks)"),
                [None if b.usual is None else round(b.usual) for b in figures.buckets],
            ),
        ],
        kind="line" if figures.grain in ("15m", "hour") else "bar",
        notes=notes,
        axis_labels=[axis_label(figures.grain, b) for b in figures.buckets],
    )


def comparison_chart(comparison: Comparison) -> Chart:
    """Average people a day in the baseline and the period, for the hub and each sensor."""
    rows = [comparison.hub, *comparison.sensors]
    return Chart(
        id="comparison-chart",
        title=_("Average people a day: period against baseline"),
        description=_(
            "Across the hub, %(period)s a day in the period against %(baseline)s a day in "
            "the baseline: %(change)s.",
            period=format_decimal(round(comparison.hub.period.per_day)),
            baseline=format_decimal(round(comparison.hub.baseline.per_day)),
            change=change_words(comparison.hub.change),
        ),
        category_heading=_("Where"),
        categories=[row.name for row in rows],
        series=[
            Series(_("Baseline, a day"), [round(row.baseline.per_day) for row in rows]),
            Series(_("Period, a day"), [round(row.period.per_day) for row in rows]),
        ],
    )


def council_chart(summaries: Sequence[HubSummary]) -> Chart:
    """Each hub's last seven days against its usual seven days."""
    return Chart(
        id="council-chart",
        title=_("People counted in the last seven days, by hub"),
        description=_(
            "Each hub's footfall in the last seven whole days beside its usual level. "
            "The table below gives the figures."
        ),
        category_heading=_("Hub"),
        categories=[summary.hub.name for summary in summaries],
        series=[
            Series(_("Last seven days"), [summary.last_week for summary in summaries]),
            Series(
                _("Usual"),
                [None if s.usual_week is None else round(s.usual_week) for s in summaries],
            ),
        ],
    )
