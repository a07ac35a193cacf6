"""Charts in the Analysis Function style: the shapes the paper draws, from plain data.

Every function returns a :class:`Drawn` chart: the matplotlib figure (for the analyst
to inspect or restyle in the notebook) and its PNG (fixed metadata, so the same data
give the same bytes); the section that draws a chart gives it its title and a text
alternative with its numbers. Values are labelled directly on the marks, so colour never
carries meaning alone.
"""

from __future__ import annotations

import io
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
_STYLE: list[str | dict[str, Any]] = ["afcharts.afcharts", {"font.family": FONT, "font.size": 11, "axes.labelsize": 11,
                                "xtick.labelsize": 10, "ytick.labelsize": 10, "legend.fontsize": 10}]
_WIDTH_IN = 7.0  # fits A4 text width at 100%
_DPI = 150
_DARK = {"#12436D", "#801650", "#3D3D3D"}  # fills that need white labels for contrast


def _colours(n: int) -> list[str]:
    if n <= 4:
        return af_colours.get_af_colours("categorical", number_of_colours=max(n, 2))[:n]
    return af_colours.get_af_colours("categorical")[:n]


@dataclass(frozen=True)
class Drawn:
    """A drawn chart: its matplotlib figure and the PNG the paper carries."""

    figure: Any
    png: bytes


def png_of(fig: Any) -> bytes:
    """A figure as PNG, the same bytes for the same figure (no date or software in it)."""
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    return buffer.getvalue()


def _finish(fig: Any) -> Drawn:
    png = png_of(fig)
    plt.close(fig)  # out of pyplot's list of open figures; the figure itself stays, to be shown
    return Drawn(fig, png)


def stacked_bars(rows: list[tuple[str, list[tuple[str, float]]]], xlabel: str) -> Drawn:
    """One horizontal bar per row, split into its parts' shares (labelled where wide enough);
    every row has the same parts, in the same order, named in a legend above."""
    names = [name for name, _ in rows[0][1]]
    colours = _colours(len(names))
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 0.9 + 0.75 * len(rows)))
        for index, (_, parts) in enumerate(rows):
            left = 0.0
            for (name, share), colour in zip(parts, colours):
                ax.barh(index, share, left=left, color=colour, edgecolor="white", height=0.6,
                        label=name if index == 0 else None)
                if share >= 6:
                    ax.text(left + share / 2, index, fmt_pct(share), ha="center", va="center",
                            color="white" if colour in _DARK else "black")
                left += share
        ax.set_yticks(range(len(rows)), [label for label, _ in rows])
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
        ax.legend(ncols=len(names), loc="lower left", bbox_to_anchor=(0, 1.0))
    return _finish(fig)


def share_bars(items: list[tuple[str, float]], xlabel: str, colour_of: int = 0, of_colours: int = 1) -> Drawn:
    """Horizontal bars of percentages, each labelled with its value; the colour is the
    ``colour_of``-th of ``of_colours`` categorical colours."""
    colour = _colours(of_colours)[colour_of]
    label_colour = "white" if colour in _DARK else "black"
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 0.8 + 0.55 * len(items)))
        values = [v for _, v in items]
        ax.barh(range(len(items)), values, color=colour, height=0.6)
        for row, value in enumerate(values):
            inside = value >= 15
            ax.text(value - 1 if inside else value + 1, row, fmt_pct(value), va="center",
                    ha="right" if inside else "left", color=label_colour if inside else "black")
        ax.set_yticks(range(len(items)), [textwrap.fill(label[:1].upper() + label[1:], 38) for label, _ in items])
        ax.invert_yaxis()
        ax.set_xlim(0, 100)
        ax.set_xlabel(xlabel)
        ax.grid(axis="y", visible=False)
    return _finish(fig)


def trend_lines(xs: list[int], ticks: list[str], series: list[tuple[str, list[float]]], breaks: list[int],
                ylabel: str, break_label: str) -> Drawn:
    """A line per series over the quarters (NaN: a gap, never bridged), its last value
    labelled, and a dashed line before each index in ``breaks``."""
    colours = _colours(len(series))
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 3.8))
        markers = ["o", "s", "^", "D", "v", "P"]
        for (label, values), colour, marker in zip(series, colours, markers):
            ax.plot(xs, values, color=colour, marker=marker, label=label)
            last = max(i for i, v in enumerate(values) if v == v)  # NaN is not equal to itself
            ax.annotate(fmt_pct(values[last]), (xs[last], values[last]), textcoords="offset points",
                        xytext=(6, 0), va="center", color="black")
        for index in breaks:
            ax.axvline(xs[index] - 0.5, color="#3D3D3D", linestyle="--", linewidth=1)
            ax.text(xs[index] - 0.45, 98, break_label, va="top", fontsize=9, color="#3D3D3D")
        ax.set_xticks(xs, ticks)
        ax.set_ylim(0, 100)
        ax.set_ylabel(ylabel)
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1)
    return _finish(fig)
