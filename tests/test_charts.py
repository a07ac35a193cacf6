"""Charts as GOV.UK and ONS publish them: vector images in the paper's typeface that stay
sharp, the same bytes for the same data, and nothing drawn over anything else: series that
meet stay visible, labels never overlap one another or run past the edge."""

from __future__ import annotations

import itertools
import re

import pytest
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.text import Text

from qa_lib.charts import FONT, share_bars, stacked_bars, svg_of, trend_lines

QUARTERS = ["Q1 2013-14", "Q2 2013-14", "Q3 2013-14", "Q4 2013-14", "Q1 2014-15"]


def drawn(figure):
    """The figure drawn (as it is saved), and the renderer that measured it."""
    FigureCanvasAgg(figure)
    figure.canvas.draw()
    return figure.canvas.get_renderer()


def text_boxes(figure, renderer):
    """Each text's box (an annotation's text alone, without its leader line)."""
    return [
        (t.get_text(), Text.get_window_extent(t, renderer))
        for t in figure.findobj(Text)
        if t.get_visible() and t.get_text().strip()
    ]


def test_a_chart_is_a_vector_image_in_the_papers_typeface_with_the_same_bytes_each_time():
    first = share_bars([("Met", 82.0), ("Not met", 18.0)], "Percentage")
    second = share_bars([("Met", 82.0), ("Not met", 18.0)], "Percentage")
    assert first.svg == second.svg
    assert "<svg" in first.svg and "<image" not in first.svg  # no bitmap inside
    assert "<text" not in first.svg  # glyphs as outlines: the same shapes wherever it is shown
    assert re.search(r"DejaVuSans-\w+", first.svg) and FONT == "DejaVu Sans"
    assert "<dc:date>" not in first.svg and "Matplotlib" not in first.svg.split("<svg", 1)[1][:400]


@pytest.mark.parametrize("values", [[57.0, 57.0], [57.0, 58.0, 57.5], [10.0, 10.0, 10.0, 10.0]])
def test_trend_series_that_meet_stay_visible_and_their_labels_do_not_overlap(values):
    series = [(f"Service {i}", [40.0, 50.0, 55.0, 56.0, v]) for i, v in enumerate(values)]
    chart = trend_lines(list(range(len(QUARTERS))), QUARTERS, series, [], "Percentage", "scale change")
    renderer = drawn(chart.figure)
    ax = chart.figure.axes[0]
    # Each series' markers sit apart from every other's, by more than a marker's width.
    for a, b in itertools.combinations(ax.get_lines(), 2):
        for (xa, ya), (xb, yb) in zip(a.get_xydata(), b.get_xydata()):
            pa, pb = ax.transData.transform((xa, ya)), ax.transData.transform((xb, yb))
            assert abs(pa[0] - pb[0]) > a.get_markersize() * chart.figure.dpi / 72
    # The labels of the latest values: one each, none over another.
    labels = [(t, box) for t, box in text_boxes(chart.figure, renderer) if t.endswith("%")]
    assert sorted(t for t, _ in labels) == sorted(f"{round(v)}%" for v in values)
    for (ta, a), (tb, b) in itertools.combinations(labels, 2):
        assert not a.overlaps(b), (ta, tb)


def test_a_series_that_stopped_earlier_is_labelled_where_it_stops():
    series = [
        ("Stopped", [57.0, float("nan"), float("nan"), float("nan"), float("nan")]),
        ("Current", [40.0, 45.0, 50.0, 55.0, 57.0]),
    ]
    chart = trend_lines(list(range(5)), QUARTERS, series, [3], "Percentage", "scale change")
    renderer = drawn(chart.figure)
    ax = chart.figure.axes[0]
    stopped = next(t for t in ax.texts if t.get_text() == "57%" and t.xy[0] < 1)
    assert Text.get_window_extent(stopped, renderer).x0 < ax.transData.transform((1, 0))[0]


@pytest.mark.parametrize(
    "chart",
    [
        lambda: stacked_bars(
            [
                (
                    "Q3 2013-14",
                    [("Outstanding", 10.0), ("Good", 42.0), ("Requires improvement", 30.0), ("Inadequate", 18.0)],
                ),
                (
                    "Q4 2013-14",
                    [("Outstanding", 12.0), ("Good", 48.0), ("Requires improvement", 32.0), ("Inadequate", 8.0)],
                ),
            ],
            "Percentage of graded audits",
        ),
        lambda: share_bars(
            [
                (
                    "Working together with children, young people, their parents or carers and other "
                    "agencies to achieve positive outcomes",
                    98.0,
                ),
                ("Case recording", 100.0),
            ],
            "Percentage of the cases where it applied",
        ),
        lambda: trend_lines(
            list(range(5)),
            QUARTERS,
            [(f"A service with a long name, number {i} (good or outstanding)", [50.0 + i] * 5) for i in range(4)],
            [4],
            "Percentage of graded audits",
            "scale change",
        ),
    ],
)
def test_no_text_runs_past_the_edge_of_a_chart(chart):
    drawn_chart = chart()
    renderer = drawn(drawn_chart.figure)
    edge = drawn_chart.figure.bbox
    for text, box in text_boxes(drawn_chart.figure, renderer):
        assert edge.x0 <= box.x0 and box.x1 <= edge.x1 and edge.y0 <= box.y0 and box.y1 <= edge.y1, text
    legend = drawn_chart.figure.legends or [a.get_legend() for a in drawn_chart.figure.axes if a.get_legend()]
    for each in legend:
        box = each.get_window_extent(renderer)
        assert edge.x0 <= box.x0 and box.x1 <= edge.x1, "the legend runs past the edge"
    assert svg_of(drawn_chart.figure).count("<svg") == 1
