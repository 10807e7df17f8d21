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


def nothing(title: str, headings: tuple[str, ...] = ()) -> Chart:
    """A chart with nothing to draw (the page says why instead)."""
    return Chart(title, "", WIDTH, HEIGHT, Box(0, 0, WIDTH, HEIGHT), headings=headings)


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


def _table(category_heading: str, categories: Sequence[str], series: Sequence[Series]):
    headings = (category_heading, *(s.name for s in series))
    rows = tuple((category, *(number(s.values[i]) for s in series)) for i, category in enumerate(categories))
    return headings, rows


def with_figures(chart: Chart, more: Sequence[Series]) -> Chart:
    """The chart with more columns in its table only (figures that would need another scale to draw, such
    as how many decisions each median turnaround is of)."""
    headings = (*chart.headings, *(s.name for s in more))
    rows = tuple((*row, *(number(s.values[i]) for s in more)) for i, row in enumerate(chart.rows))
    return replace(chart, headings=headings, rows=rows)


def _largest(series: Sequence[Series]) -> float:
    return max((v for s in series for v in s.values if v is not None), default=0)


def bar_chart(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    category_heading: str,
    value_label: str,
    horizontal: bool = False,
    whole: bool = True,
) -> Chart:
    """Bars side by side per category (one per series); `horizontal` lists the categories down the side,
    for long names such as people's."""
    headings, rows = _table(category_heading, categories, series)
    if not categories or not series:
        return nothing(title, headings)
    top, step = nice_scale(_largest(series), whole=whole)
    n, k = len(categories), len(series)
    bars = []
    if horizontal:
        left = min(220.0, max(len(c) for c in categories) * CHAR + 12)
        plot = Box(left, MARGIN, WIDTH - MARGIN - 8, MARGIN + n * ROW)
        height = int(plot.bottom + 48)
        band = ROW
        thickness = band * 0.7 / k

        def to_x(value: float) -> float:
            return plot.left + value / top * plot.width

        for i, category in enumerate(categories):
            for j, s in enumerate(series):
                value = s.values[i] or 0
                y = plot.top + i * band + band * 0.15 + j * thickness
                bars.append(
                    Bar(
                        plot.left,
                        round(y, 1),
                        round(to_x(value) - plot.left, 1),
                        round(thickness, 1),
                        j,
                        f"{category}: {number(s.values[i]) or 'none'} ({s.name.lower()})",
                    )
                )
        y_ticks = tuple(Tick(round(plot.top + (i + 0.5) * band, 1), c) for i, c in enumerate(categories))
        return Chart(
            title,
            description,
            WIDTH,
            height,
            plot,
            x_ticks=_value_ticks(top, step, to_x),
            y_ticks=y_ticks,
            bars=tuple(bars),
            legend=tuple(s.name for s in series) if k > 1 else (),
            x_label=value_label,
            y_label=category_heading,
            horizontal=True,
            headings=headings,
            rows=rows,
        )
    plot = Box(56, MARGIN, WIDTH - MARGIN, HEIGHT - 56)
    band = plot.width / n
    thickness = band * 0.8 / k

    def to_y(value: float) -> float:
        return plot.bottom - value / top * plot.height

    for i, category in enumerate(categories):
        for j, s in enumerate(series):
            value = s.values[i] or 0
            x = plot.left + i * band + band * 0.1 + j * thickness
            bars.append(
                Bar(
                    round(x, 1),
                    round(to_y(value), 1),
                    round(thickness, 1),
                    round(plot.bottom - to_y(value), 1),
                    j,
                    f"{category}: {number(s.values[i]) or 'none'} ({s.name.lower()})",
                )
            )
    centres = [plot.left + (i + 0.5) * band for i in range(n)]
    return Chart(
        title,
        description,
        WIDTH,
        HEIGHT,
        plot,
        x_ticks=_thinned(centres, categories, plot.width),
        y_ticks=_value_ticks(top, step, to_y),
        bars=tuple(bars),
        legend=tuple(s.name for s in series) if k > 1 else (),
        x_label=category_heading,
        y_label=value_label,
        headings=headings,
        rows=rows,
    )


def line_chart(
    title: str,
    description: str,
    categories: Sequence[str],
    series: Sequence[Series],
    *,
    category_heading: str,
    value_label: str,
    whole: bool = False,
) -> Chart:
    """A line per series across the categories (weeks, months); a None value has no point."""
    headings, rows = _table(category_heading, categories, series)
    if not categories or not series:
        return nothing(title, headings)
    top, step = nice_scale(_largest(series), whole=whole)
    plot = Box(56, MARGIN, WIDTH - MARGIN, HEIGHT - 56)
    n = len(categories)
    gap = plot.width / (n - 1) if n > 1 else 0
    xs = [plot.left + (i * gap if n > 1 else plot.width / 2) for i in range(n)]

    def to_y(value: float) -> float:
        return plot.bottom - value / top * plot.height

    lines = []
    for j, s in enumerate(series):
        dots = tuple(
            Dot(round(xs[i], 1), round(to_y(v), 1), f"{categories[i]}: {number(v)} ({s.name.lower()})")
            for i, v in enumerate(s.values)
            if v is not None
        )
        lines.append(Line(j, " ".join(f"{d.x},{d.y}" for d in dots), dots))
    return Chart(
        title,
        description,
        WIDTH,
        HEIGHT,
        plot,
        x_ticks=_thinned(xs, categories, plot.width),
        y_ticks=_value_ticks(top, step, to_y),
        lines=tuple(lines),
        legend=tuple(s.name for s in series),
        x_label=category_heading,
        y_label=value_label,
        headings=headings,
        rows=rows,
    )
