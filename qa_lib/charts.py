"""Charts in the Analysis Function style: the shapes the paper draws, from plain data.

Every function returns a :class:`Drawn` chart: the matplotlib figure (for the analyst
to inspect or restyle in the notebook) and its SVG, a vector image that stays sharp when
zoomed or printed, its text drawn as outlines of the paper's own typeface (so it looks the
same wherever it is shown) and its identifiers and metadata fixed (the same data give the
same bytes). The section that draws a chart gives it its title, subtitle, source and a
text alternative with its numbers. Values are labelled directly on the marks, so colour
never carries meaning alone.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import matplotlib

matplotlib.use("Agg")  # the kernel has no display; must precede pyplot

import afcharts.af_colours as af_colours  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib import font_manager  # noqa: E402

from qa_lib.formatting import fmt_pct  # noqa: E402

# The paper's own typeface, shipped with the workbook (the PDF uses the same files): the
# style's first choice, Arial, would make the charts differ between machines that have it
# and machines that do not.
FONT = "DejaVu Sans"
for _path in sorted((Path(__file__).resolve().parent / "fonts").glob("DejaVuSans*.ttf")):
    font_manager.fontManager.addfont(str(_path))

# The Analysis Function style, with text sized to sit beside 11pt body text at A4 width.
_STYLE: list[str | dict[str, Any]] = [
    "afcharts.afcharts",
    {
        "font.family": FONT,
        "font.size": 11,
        "axes.labelsize": 11,
        "xtick.labelsize": 10,
        "ytick.labelsize": 10,
        "legend.fontsize": 10,
        # room at the edges for the outlines of the outermost labels
        "figure.constrained_layout.w_pad": 0.12,
        "figure.constrained_layout.h_pad": 0.08,
    },
]
_WIDTH_IN = 7.0  # fits A4 text width at 100%
_DARK = {"#12436D", "#801650", "#3D3D3D"}  # fills that need white labels for contrast


def _colours(n: int) -> list[str]:
    if n <= 4:
        return af_colours.get_af_colours("categorical", number_of_colours=max(n, 2))[:n]
    return af_colours.get_af_colours("categorical")[:n]


@dataclass(frozen=True)
class Drawn:
    """A drawn chart: its matplotlib figure and the SVG the paper carries."""

    figure: Any
    svg: str


def svg_of(fig: Any) -> str:
    """A figure as SVG text: glyphs as paths, fixed ids, no date or software in it."""
    buffer = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "path", "svg.hashsalt": "qa-workbook"}):
        fig.savefig(buffer, format="svg", metadata={"Date": None, "Creator": None})
    return buffer.getvalue()


def _finish(fig: Any) -> Drawn:
    svg = svg_of(fig)
    plt.close(fig)  # out of pyplot's list of open figures; the figure itself stays, to be shown
    return Drawn(fig, svg)


def stacked_bars(rows: list[tuple[str, list[tuple[str, float]]]], xlabel: str) -> Drawn:
    """One horizontal bar per row, split into its parts' shares (labelled where wide enough);
    every row has the same parts, in the same order, named in a legend above."""
    names = [name for name, _ in rows[0][1]]
    colours = _colours(len(names))
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 0.85 + 0.5 * len(rows)), layout="constrained")
        for index, (_, parts) in enumerate(rows):
            left = 0.0
            for (name, share), colour in zip(parts, colours):
                ax.barh(
                    index,
                    share,
                    left=left,
                    color=colour,
                    edgecolor="white",
                    height=0.6,
                    label=name if index == 0 else None,
                )
                if share >= 6:
                    ax.text(
                        left + share / 2,
                        index,
                        fmt_pct(share),
                        ha="center",
                        va="center",
                        color="white" if colour in _DARK else "black",
                    )
                left += share
        ax.set_yticks(range(len(rows)), [label for label, _ in rows])
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        _legend_that_fits(fig, ax, len(names))
    return _finish(fig)


def _legend_that_fits(fig: Any, ax: Any, entries: int) -> None:
    """The legend above the chart in as few rows as fit its width (a long label takes a row
    of fewer entries rather than running past the edge)."""
    renderer = fig.canvas.get_renderer()
    for columns in range(entries, 0, -1):
        legend = fig.legend(*ax.get_legend_handles_labels(), loc="outside upper left", ncols=columns)
        if legend.get_window_extent(renderer).width <= fig.bbox.width * 0.98 or columns == 1:
            return
        legend.remove()


def share_bars(items: list[tuple[str, float]], xlabel: str, colour_of: int = 0, of_colours: int = 1) -> Drawn:
    """Horizontal bars of percentages, each labelled with its value; the colour is the
    ``colour_of``-th of ``of_colours`` categorical colours."""
    colour = _colours(of_colours)[colour_of]
    label_colour = "white" if colour in _DARK else "black"
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 0.7 + 0.42 * len(items)), layout="constrained")
        values = [v for _, v in items]
        ax.barh(range(len(items)), values, color=colour, height=0.6)
        for row, value in enumerate(values):
            inside = value >= 15
            ax.text(
                value - 1 if inside else value + 1,
                row,
                fmt_pct(value),
                va="center",
                ha="right" if inside else "left",
                color=label_colour if inside else "black",
            )
        ax.set_yticks(range(len(items)), [textwrap.fill(label[:1].upper() + label[1:], 38) for label, _ in items])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
    return _finish(fig)


def trend_lines(
    xs: list[int],
    ticks: list[str],
    series: list[tuple[str, list[float]]],
    breaks: list[int],
    ylabel: str,
    break_label: str,
) -> Drawn:
    """A line per series over the quarters (NaN: a gap, never bridged), its last value
    labelled, and a dashed line before each index in ``breaks``.

    Series that meet stay visible: each has its own marker shape and sits a little to the side
    of the quarter (dodged), and the labels of last values are spaced so none overlaps another."""
    colours = _colours(len(series))
    markers = ["o", "s", "^", "D", "v", "P"]
    width = 0.5 if len(series) > 1 else 0.0  # of a quarter, shared out between the series
    offsets = [width * (i / (len(series) - 1) - 0.5) if len(series) > 1 else 0.0 for i in range(len(series))]
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 2.9 + 0.3 * len(series)), layout="constrained")
        ends: list[tuple[float, float, str]] = []  # (x, y, colour) of each value in the latest quarter
        for (label, values), colour, marker, offset in zip(series, colours, markers, offsets):
            at = [x + offset for x in xs]
            ax.plot(
                at,
                values,
                color=colour,
                marker=marker,
                markersize=7,
                markeredgecolor="white",
                markeredgewidth=0.8,
                label=label,
            )
            last = max(i for i, v in enumerate(values) if not math.isnan(v))
            if last == len(values) - 1:
                ends.append((at[last], values[last], colour))
            else:  # a series that stopped earlier is labelled where it stops
                ax.annotate(
                    fmt_pct(values[last]),
                    (at[last], values[last]),
                    xytext=(7, 0),
                    textcoords="offset points",
                    va="center",
                    color="black",
                )
        column = xs[-1] + width / 2 + 0.35  # the latest values' labels stand in one column at the right
        for (x, y, colour), placed in zip(ends, _spread([y for _, y, _ in ends], 7.0)):
            ax.annotate(
                fmt_pct(y),
                (x, y),
                xytext=(column, placed),
                textcoords="data",
                va="center",
                color="black",
                annotation_clip=False,
                arrowprops={
                    "arrowstyle": "-",
                    "color": colour,
                    "linewidth": 0.8,
                    "linestyle": ":",
                    "shrinkA": 5,
                    "shrinkB": 5,
                },
            )
        for index in breaks:
            ax.axvline(xs[index] - 0.5, color="#3D3D3D", linestyle="--", linewidth=1)
            ax.text(xs[index] - 0.45, 98, break_label, va="top", fontsize=9, color="#3D3D3D")
        ax.set_xticks(xs, [tick.replace(" ", "\n", 1) for tick in ticks])  # "Q4\n2013-14": never crowded
        ax.set_xlim(xs[0] - 0.6, column + 0.9)
        ax.set_ylim(0, 100)
        ax.set_ylabel(ylabel)
        fig.legend(
            loc="outside lower left",
            ncols=1,
            handles=ax.get_legend_handles_labels()[0],
            labels=[textwrap.fill(label, 80) for label in ax.get_legend_handles_labels()[1]],
        )
    return _finish(fig)


def _spread(values: list[float], gap: float) -> list[float]:
    """Label positions as near ``values`` as can be with at least ``gap`` between any two (in
    the values' units), kept within 0 to 100: each label that would crowd the one below
    moves up, then the whole run moves down as far as it overshoots 100."""
    order = sorted(range(len(values)), key=lambda i: (values[i], i))
    placed = [0.0] * len(values)
    floor = -math.inf
    for i in order:
        placed[i] = max(values[i], floor + gap)
        floor = placed[i]
    overshoot = max([placed[i] - 100 for i in order] + [0.0])
    return [p - overshoot for p in placed]
