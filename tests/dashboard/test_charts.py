"""The SVG chart helper: numbers as text and table, meaning without colour, nothing unescaped."""

from __future__ import annotations

import pytest

from portal import charts


def test_a_bar_chart_labels_every_bar_and_returns_its_numbers():
    chart = charts.bar_chart(
        key="c1",
        title="Applications",
        items=[("approved", 7), ("rejected", 2), ("withdrawn", 0)],
        label_header="State",
        value_header="Applications",
    )

    assert chart.columns == ["State", "Applications"]
    assert chart.rows == [["approved", "7"], ["rejected", "2"], ["withdrawn", "0"]]
    svg = str(chart.svg)
    assert svg.count("<rect") == 2 + 2  # two bars (a zero has none) and the two patterns' backgrounds
    assert ">7</text>" in svg and ">0</text>" in svg
    assert 'aria-hidden="true"' in svg
    assert 'fill="url(#c1-hatch)"' in svg


def test_emphasis_and_target_are_named_in_a_legend_not_only_drawn():
    chart = charts.bar_chart(
        key="c2",
        title="Days",
        items=[("0 to 10", 4), ("over 10", 1)],
        label_header="Days",
        value_header="Applications",
        emphasis=[1],
        emphasis_label="past the deadline",
        target=3,
        target_label="goal",
    )

    svg = str(chart.svg)
    assert svg.count('fill="url(#c2-cross)"') == 2  # the legend swatch and the emphasised bar
    assert ">past the deadline</text>" in svg
    assert ">goal</text>" in svg
    assert svg.count('stroke-dasharray="4 3"') == 2  # the legend sample and the target line


def test_labels_are_escaped():
    chart = charts.bar_chart(
        key="c3", title="t", items=[("<script>alert(1)</script>", 1)], label_header="a", value_header="b"
    )

    assert "<script>" not in str(chart.svg)
    assert "&lt;script&gt;" in str(chart.svg)


def test_a_line_chart_tells_series_apart_by_dash_and_marker():
    chart = charts.line_chart(
        key="c4",
        title="Per day",
        x_labels=["d1", "d2", "d3"],
        series=[("opened", [1, 2, 3]), ("decided", [0, 2, 1.5])],
        x_header="Day",
    )

    svg = str(chart.svg)
    assert chart.rows == [["d1", "1", "0"], ["d2", "2", "2"], ["d3", "3", "1.5"]]
    assert svg.count("<polyline") == 2
    assert svg.count('stroke-dasharray="7 4"') == 2  # the second series' line and its legend sample
    assert svg.count("<circle") == 3 + 1 and svg.count('width="7" height="7"') == 3 + 1
    assert ">opened</text>" in svg and ">decided</text>" in svg


def test_a_line_chart_refuses_more_series_than_it_can_tell_apart():
    with pytest.raises(ValueError, match="at most 3 series"):
        charts.line_chart(key="c5", title="t", x_labels=["a"], series=[(str(i), [i]) for i in range(4)], x_header="x")


def test_numbers_read_in_the_current_locale():
    assert charts.fmt(1234) == "1,234"
    assert charts.fmt(2.25, 1) in ("2.2", "2.3")
    assert charts.fmt(None) == "—"
