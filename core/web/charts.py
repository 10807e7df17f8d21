"""Charts as SVG geometry worked out on the server: scales, bars, lines, axes. Pure (no Flask, no database).

A `Chart` is what `templates/_macros/charts.html` draws inline: an `<svg role="img">` with its `<title>` and
`<desc>`, beside the same figures as a table, so it needs no script, no inline style (the CSP allows
neither) and says the same to a screen reader as it shows. Colours are classes (`chart__series--0`), themed
light and dark in app.css; positions are numbers in the SVG's own viewBox, so the chart scales with the page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, replace

WIDTH = 640
HEIGHT = 300
CHAR = 7.0  # the width the stylesheet's 12px chart text takes per character, about
ROW = 22  # the height of one category in a horizontal bar chart
MARGIN = 16


@dataclass(frozen=True)
class Box:
    """The plot area inside the viewBox."""

    left: float
    top: float
    right: float
    bottom: float

    @property
    def width(self) -> float:
        return self.right - self.left

    @property
    def height(self) -> float:
        return self.bottom - self.top


@dataclass(frozen=True)
class Tick:
    """A labelled position on an axis (pixels along it)."""

    at: float
    label: str


@dataclass(frozen=True)
class Bar:
    x: float
    y: float
    width: float
    height: float
    series: int
    label: str  # "Week of 6 Jan: 4 submitted", shown on hover


@dataclass(frozen=True)
class Dot:
    x: float
    y: float
    label: str


@dataclass(frozen=True)
class Line:
    series: int
    points: str  # SVG points: "x,y x,y ..."
    dots: tuple[Dot, ...]


@dataclass(frozen=True)
class Series:
    """One set of values, one per category; None where there is no value (a gap, not a zero)."""

    name: str
    values: Sequence[float | None]


@dataclass(frozen=True)
class Chart:
    title: str
    description: str
    width: int
    height: int
    plot: Box
    x_ticks: tuple[Tick, ...] = ()
    y_ticks: tuple[Tick, ...] = ()
    bars: tuple[Bar, ...] = ()
    lines: tuple[Line, ...] = ()
    legend: tuple[str, ...] = ()
    x_label: str = ""
    y_label: str = ""
    horizontal: bool = False
    # The text alternative: the same figures as a table.
    headings: tuple[str, ...] = ()
    rows: tuple[tuple[str, ...], ...] = ()

    @property
    def empty(self) -> bool:
        return not self.rows

    @property
    def view_box(self) -> str:
        return f"0 0 {self.width} {self.height}"

    @property
    def value_ticks(self) -> tuple[Tick, ...]:
        """The ticks of the value axis (gridlines are drawn across the plot from these)."""
        return self.x_ticks if self.horizontal else self.y_ticks


def nice_scale(largest: float, ticks: int = 5, *, whole: bool = True) -> tuple[float, float]:
    """The top of a value axis and its step: the smallest 1, 2, 2.5 or 5 x 10^n step that covers `largest`
    in about `ticks` steps (whole steps only for counts). nice_scale(37) == (40, 10)."""
    if largest <= 0:
        return 1.0, 1.0
    raw = largest / ticks
    magnitude = 10 ** math.floor(math.log10(raw))
    # 2.5 x 10^n is whole from 25 up; below that, counts step by 1, 2 or 5.
    multiples = (1, 2, 5, 10) if whole and magnitude < 10 else (1, 2, 2.5, 5, 10)
    step = next(m * magnitude for m in multiples if m * magnitude >= raw)
    if whole:
        step = max(1.0, float(math.ceil(step)))
    return math.ceil(largest / step - 1e-9) * step, step


def number(value: float | None) -> str:
    """A figure as people write it: 1,250; 2.5; "" for no value."""
    if value is None:
        return ""
    if float(value).is_integer():
        return f"{int(value):,}"
    return f"{value:,.1f}"


def _value_ticks(top: float, step: float, to_pixel) -> tuple[Tick, ...]:
    count = round(top / step)
    return tuple(Tick(round(to_pixel(i * step), 1), number(i * step)) for i in range(count + 1))


def _thinned(positions: Sequence[float], labels: Sequence[str], room: float) -> tuple[Tick, ...]:
    """Category labels, every k-th one when they would not fit side by side in `room` pixels."""
    widest = max((len(label) for label in labels), default=0) * CHAR + 8
    fits = max(1, int(room // widest)) if widest else len(labels)
    every = max(1, math.ceil(len(labels) / fits))
    return tuple(
        Tick(round(p, 1), label)
        for i, (p, label) in enumerate(zip(positions, labels, strict=True))
        if i % every == 0
    )


def with_figures(chart: Chart, more: Sequence[Series]) -> Chart:
    """The chart with more columns in its table only (figures that would need another scale to draw, such
    as how many decisions each median turnaround is of)."""
    headings = (*chart.headings, *(s.name for s in more))
    rows = tuple((*row, *(number(s.values[i]) for s in more)) for i, row in enumerate(chart.rows))
    return replace(chart, headings=headings, rows=rows)


@dataclass(frozen=True)
class Figures:
    """What a chart is of: its words, the categories (weeks, people) and a series of values for each."""

    title: str
    description: str
    categories: Sequence[str]
    series: Sequence[Series]
    category_heading: str
    value_label: str

    @property
    def headings(self) -> tuple[str, ...]:
        return (self.category_heading, *(s.name for s in self.series))

    @property
    def rows(self) -> tuple[tuple[str, ...], ...]:
        """The same figures as a table: a row per category."""
        return tuple(
            (category, *(number(s.values[i]) for s in self.series))
            for i, category in enumerate(self.categories)
        )

    @property
    def legend(self) -> tuple[str, ...]:
        return tuple(s.name for s in self.series)

    def scale(self, *, whole: bool) -> tuple[float, float] | None:
        """The value axis's top and step, or None when there is nothing to draw."""
        if not self.categories or not self.series:
            return None
        return nice_scale(
            max((v for s in self.series for v in s.values if v is not None), default=0), whole=whole
        )

    def bars(self, place) -> tuple[Bar, ...]:
        """A bar per category and series, side by side; `place(i, j, value)` gives its x, y, width, height."""
        return tuple(
            Bar(
                *place(i, j, s.values[i] or 0),
                j,
                f"{category}: {number(s.values[i]) or 'none'} ({s.name.lower()})",
            )
            for i, category in enumerate(self.categories)
            for j, s in enumerate(self.series)
        )

    def chart(self, plot: Box, **drawn) -> Chart:
        """The chart of these figures: `drawn` are its axes' ticks, bars or lines and the like."""
        return Chart(
            self.title,
            self.description,
            WIDTH,
            HEIGHT,
            plot,
            x_label=self.category_heading,
            y_label=self.value_label,
            headings=self.headings,
            rows=self.rows,
            **drawn,
        )


def nothing(title: str, headings: tuple[str, ...] = ()) -> Chart:
    """A chart with nothing to draw (the page says why instead)."""
    return Chart(title, "", WIDTH, HEIGHT, Box(0, 0, WIDTH, HEIGHT), headings=headings)


# The plot of upright charts: categories along the bottom, values up the side.
UPRIGHT = Box(56, MARGIN, WIDTH - MARGIN, HEIGHT - 56)


def _up(top: float):
    """Where a value stands on the upright plot's value axis (pixels from the top)."""
    return lambda value: UPRIGHT.bottom - value / top * UPRIGHT.height


def bar_chart(figures: Figures, *, horizontal: bool = False, whole: bool = True) -> Chart:
    """Bars side by side per category (one per series); `horizontal` lists the categories down the side,
    for long names such as people's."""
    scale = figures.scale(whole=whole)
    if scale is None:
        return nothing(figures.title, figures.headings)
    top, step = scale
    n, k = len(figures.categories), len(figures.series)
    legend = figures.legend if k > 1 else ()
    if horizontal:
        return _across(figures, top, step, legend)
    band = UPRIGHT.width / n
    thickness = band * 0.8 / k
    to_y = _up(top)

    def up(i: int, j: int, value: float) -> tuple[float, ...]:
        x, y = UPRIGHT.left + i * band + band * 0.1 + j * thickness, to_y(value)
        return round(x, 1), round(y, 1), round(thickness, 1), round(UPRIGHT.bottom - y, 1)

    centres = [UPRIGHT.left + (i + 0.5) * band for i in range(n)]
    return figures.chart(
        UPRIGHT,
        x_ticks=_thinned(centres, figures.categories, UPRIGHT.width),
        y_ticks=_value_ticks(top, step, to_y),
        bars=figures.bars(up),
        legend=legend,
    )


def _across(figures: Figures, top: float, step: float, legend: tuple[str, ...]) -> Chart:
    """Horizontal bars: the categories down the side (as wide as the longest name needs), values across."""
    categories, k = figures.categories, len(figures.series)
    left = min(220.0, max(len(c) for c in categories) * CHAR + 12)
    plot = Box(left, MARGIN, WIDTH - MARGIN - 8, MARGIN + len(categories) * ROW)
    thickness = ROW * 0.7 / k

    def to_x(value: float) -> float:
        return plot.left + value / top * plot.width

    def across(i: int, j: int, value: float) -> tuple[float, ...]:
        y = plot.top + i * ROW + ROW * 0.15 + j * thickness
        return plot.left, round(y, 1), round(to_x(value) - plot.left, 1), round(thickness, 1)

    chart = figures.chart(
        plot,
        x_ticks=_value_ticks(top, step, to_x),
        y_ticks=tuple(Tick(round(plot.top + (i + 0.5) * ROW, 1), c) for i, c in enumerate(categories)),
        bars=figures.bars(across),
        legend=legend,
        horizontal=True,
    )
    # The value axis runs across, so the labels swap places; the chart is as tall as its rows.
    return replace(
        chart, height=int(plot.bottom + 48), x_label=figures.value_label, y_label=figures.category_heading
    )


def line_chart(figures: Figures, *, whole: bool = False) -> Chart:
    """A line per series across the categories (weeks, months); a None value has no point."""
    scale = figures.scale(whole=whole)
    if scale is None:
        return nothing(figures.title, figures.headings)
    top, step = scale
    to_y = _up(top)
    n = len(figures.categories)
    gap = UPRIGHT.width / (n - 1) if n > 1 else 0
    xs = [UPRIGHT.left + (i * gap if n > 1 else UPRIGHT.width / 2) for i in range(n)]
    lines = []
    for j, s in enumerate(figures.series):
        dots = tuple(
            Dot(
                round(xs[i], 1), round(to_y(v), 1), f"{figures.categories[i]}: {number(v)} ({s.name.lower()})"
            )
            for i, v in enumerate(s.values)
            if v is not None
        )
        lines.append(Line(j, " ".join(f"{d.x},{d.y}" for d in dots), dots))
    return figures.chart(
        UPRIGHT,
        x_ticks=_thinned(xs, figures.categories, UPRIGHT.width),
        y_ticks=_value_ticks(top, step, to_y),
        lines=tuple(lines),
        legend=figures.legend,
    )
