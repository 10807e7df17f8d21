"""The chart toolkit (`core/web/charts.py`): scales, bars, lines and axes, worked out without Flask."""

from __future__ import annotations

from itertools import pairwise

import pytest

from core.web.charts import (
    HEIGHT,
    WIDTH,
    Figures,
    Series,
    bar_chart,
    line_chart,
    nice_scale,
    number,
    with_figures,
)


@pytest.mark.parametrize(
    ("largest", "whole", "expected"),
    [
        (37, True, (40, 10)),
        (5, True, (5, 1)),
        (1, True, (1, 1)),
        (0, True, (1, 1)),
        (1_234, True, (1_250, 250)),
        (9, True, (10, 2)),
        (0.37, False, (0.4, 0.1)),
        (12.5, False, (12.5, 2.5)),
    ],
)
def test_the_value_axis_ends_on_a_round_number(largest, whole, expected):
    top, step = nice_scale(largest, whole=whole)
    assert (round(top, 6), round(step, 6)) == expected
    assert top >= largest


def test_figures_are_written_as_people_write_them():
    assert [number(1250), number(2.5), number(3.0), number(None)] == ["1,250", "2.5", "3", ""]


def _chart():
    return bar_chart(
        Figures(
            "Submissions and decisions",
            "Two weeks.",
            ["6 Jan", "13 Jan"],
            [Series("Submitted", [4, 0]), Series("Released", [2, 1])],
            "Week beginning",
            "Number",
        )
    )


def test_bars_stand_on_the_axis_in_proportion_to_their_values():
    chart = _chart()
    plot = chart.plot
    assert 0 < plot.left < plot.right <= WIDTH
    assert 0 < plot.top < plot.bottom <= HEIGHT
    four, zero, two, one = chart.bars[0], chart.bars[2], chart.bars[1], chart.bars[3]
    assert (four.series, two.series) == (0, 1)
    assert four.y + four.height == pytest.approx(plot.bottom)  # on the axis
    assert four.height == pytest.approx(plot.height)  # the top of the scale is 4
    assert two.height == pytest.approx(plot.height / 2)
    assert one.height == pytest.approx(plot.height / 4)
    assert zero.height == 0
    # Side by side within a week, and each week apart from the next.
    assert four.x + four.width <= two.x + 0.01 < chart.bars[2].x
    assert four.label == "6 Jan: 4 (submitted)"
    assert [t.label for t in chart.y_ticks] == ["0", "1", "2", "3", "4"]
    assert [t.label for t in chart.x_ticks] == ["6 Jan", "13 Jan"]
    assert chart.legend == ("Submitted", "Released")


def test_the_table_says_what_the_chart_shows():
    chart = _chart()
    assert chart.headings == ("Week beginning", "Submitted", "Released")
    assert chart.rows == (("6 Jan", "4", "2"), ("13 Jan", "0", "1"))
    more = with_figures(chart, [Series("Late", [1, 0])])
    assert more.headings[-1] == "Late"
    assert more.rows[0] == ("6 Jan", "4", "2", "1")
    assert more.bars == chart.bars  # only the table grows


def test_horizontal_bars_give_each_name_a_row():
    chart = bar_chart(
        Figures(
            "Turnaround",
            "Slowest first.",
            ["Tom Okafor", "Helen Marsh"],
            [Series("Median working days", [12.5, 3])],
            "Assessor",
            "Median working days",
        ),
        horizontal=True,
        whole=False,
    )
    assert chart.horizontal
    assert [t.label for t in chart.y_ticks] == ["Tom Okafor", "Helen Marsh"]
    tom, helen = chart.bars
    assert tom.x == helen.x == chart.plot.left
    assert tom.width == pytest.approx(chart.plot.width)  # 12.5 is the top of the scale
    assert helen.width == pytest.approx(chart.plot.width * 3 / 12.5, abs=0.1)  # to a tenth of a pixel
    assert tom.y < helen.y
    assert chart.height > chart.plot.bottom  # room for the value axis under the bars
    assert chart.value_ticks == chart.x_ticks


def test_many_categories_keep_their_labels_apart():
    weeks = [f"{n} Jan" for n in range(1, 53)]
    chart = bar_chart(Figures("Weeks", "", weeks, [Series("Submitted", [1] * 52)], "Week", "n"))
    assert len(chart.bars) == 52
    labels = chart.x_ticks
    assert 1 < len(labels) < 52
    assert all(b.at - a.at >= 7 * len(a.label) for a, b in pairwise(labels))


def test_a_line_joins_its_points_and_leaves_out_missing_values():
    chart = line_chart(
        Figures("Progress", "", ["w1", "w2", "w3"], [Series("Average", [0, 0.5, None])], "Week", "Modules")
    )
    (line,) = chart.lines
    assert len(line.dots) == 2
    assert line.points == " ".join(f"{d.x},{d.y}" for d in line.dots)
    assert line.dots[0].x == chart.plot.left
    assert chart.rows[2] == ("w3", "")


def test_nothing_to_draw_is_an_empty_chart():
    chart = bar_chart(Figures("Credits", "", [], [Series("Candidates", [])], "Credits", "n"))
    assert chart.empty
    assert chart.bars == ()
