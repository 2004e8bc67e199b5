"""Charts drawn on the server as SVG, each with the same figures as a table.

A chart here is only a picture of a table: the template (components/chart.html) draws the
SVG with a title and description for screen readers, and the table beneath it, so the
figures can be read, copied and printed without JavaScript or sight.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

WIDTH = 640
HEIGHT = 260
LEFT = 64  # room for the axis figures
RIGHT = 8
TOP = 12
BOTTOM = 40  # room for the category labels
# More labels than this along the bottom would overlap on a phone: show every nth instead.
MAX_LABELS = 7


@dataclass(frozen=True)
class Series:
    name: str  # the legend entry and the table's column heading
    values: Sequence[float | None]  # one per category; None where there is no figure


@dataclass(frozen=True)
class Chart:
    id: str  # unique on the page: the SVG's title and description hang on it
    title: str
    description: str  # what it shows and what stands out, in a sentence or two
    category_heading: str  # heading of the table's first column, e.g. "Hour starting"
    categories: Sequence[str]
    series: Sequence[Series]
    kind: str = "bar"  # "bar" or "line"
    # Rows of the table to mark (e.g. unusual days), by category index, with why.
    notes: dict[int, str] = field(default_factory=dict)
    # Shorter names for the categories along the bottom ("25 Oct" for "Sun 25 Oct"); the
    # table keeps the full ones.
    axis_labels: Sequence[str] | None = None


@dataclass(frozen=True)
class Bar:
    series: int
    x: float
    y: float
    width: float
    height: float
    label: str


@dataclass(frozen=True)
class Line:
    series: int
    points: str  # "x,y x,y ..." for an SVG polyline


@dataclass(frozen=True)
class Tick:
    y: float
    value: float


@dataclass(frozen=True)
class Label:
    x: float
    text: str


@dataclass(frozen=True)
class Layout:
    width: int
    height: int
    left: int
    bottom: float
    right: float
    bars: list[Bar]
    lines: list[Line]
    ticks: list[Tick]
    labels: list[Label]


def nice_step(top: float, steps: int = 4) -> float:
    """A round step (1, 2 or 5 times a power of ten) giving about `steps` gridlines."""
    if top <= 0:
        return 1.0
    raw = top / steps
    power = 10 ** math.floor(math.log10(raw))
    for multiple in (1, 2, 5, 10):
        if raw <= multiple * power:
            return float(multiple * power)
    return float(10 * power)  # pragma: no cover - the loop always returns


def layout(chart: Chart) -> Layout:
    """Where each bar, line, gridline and label goes in the SVG."""
    plot_width = WIDTH - LEFT - RIGHT
    plot_height = HEIGHT - TOP - BOTTOM
    baseline = TOP + plot_height
    figures = [v for s in chart.series for v in s.values if v is not None]
    highest = max(figures, default=0.0)
    step = nice_step(highest)
    top = max(step, math.ceil(highest / step) * step)

    def y_of(value: float) -> float:
        return round(baseline - plot_height * value / top, 1)

    count = max(len(chart.categories), 1)
    slot = plot_width / count
    bars: list[Bar] = []
    lines: list[Line] = []
    if chart.kind == "bar":
        inner = slot * 0.8 / max(len(chart.series), 1)
        for s_index, series in enumerate(chart.series):
            for c_index, value in enumerate(series.values):
                if value is None:
                    continue
                x = LEFT + c_index * slot + slot * 0.1 + s_index * inner
                y = y_of(value)
                bars.append(
                    Bar(
                        s_index,
                        round(x, 1),
                        y,
                        round(max(inner - 0.5, 0.5), 1),
                        round(baseline - y, 1),
                        chart.categories[c_index],
                    )
                )
    else:
        for s_index, series in enumerate(chart.series):
            # A gap in the figures breaks the line rather than drawing across it.
            run: list[str] = []
            for c_index, value in enumerate([*series.values, None]):
                if value is None:
                    if run:
                        lines.append(Line(s_index, " ".join(run)))
                    run = []
                    continue
                x = round(LEFT + c_index * slot + slot / 2, 1)
                run.append(f"{x},{y_of(value)}")
    ticks = [Tick(y_of(step * n), step * n) for n in range(round(top / step) + 1)]
    every = max(1, math.ceil(len(chart.categories) / MAX_LABELS))
    names = chart.axis_labels or chart.categories
    labels = [
        Label(round(LEFT + index * slot + slot / 2, 1), text)
        for index, text in enumerate(names)
        if index % every == 0
    ]
    return Layout(WIDTH, HEIGHT, LEFT, baseline, WIDTH - RIGHT, bars, lines, ticks, labels)
