"""Charts in the Analysis Function style, each with alt text made from its data.

Every function returns a :class:`Chart`: PNG bytes (fixed metadata, so the same
data give the same bytes) and a text alternative that states what the chart
shows and its main numbers. Values are labelled directly on the marks, so colour
never carries meaning alone.
"""

from __future__ import annotations

import base64
import io
import math
import textwrap
from dataclasses import dataclass

import matplotlib

matplotlib.use("Agg")  # the kernel has no display; must precede pyplot

import afcharts.af_colours as af_colours  # noqa: E402
import matplotlib.pyplot as plt  # noqa: E402

from qa_lib.disclosure import View  # noqa: E402
from qa_lib.formatting import fmt_pct, join_words, whole_percent  # noqa: E402
from qa_lib.framework import Framework, GradeScale, Service, Survey  # noqa: E402
from qa_lib.quarter import Quarter  # noqa: E402

# The Analysis Function style, with text sized to sit beside 11pt body text at A4 width.
_STYLE = ["afcharts.afcharts", {"font.size": 11, "axes.labelsize": 11, "xtick.labelsize": 10,
                                "ytick.labelsize": 10, "legend.fontsize": 10}]
_WIDTH_IN = 7.0  # fits A4 text width at 100%
_DPI = 150
_DARK = {"#12436D", "#801650", "#3D3D3D"}  # fills that need white labels for contrast


@dataclass(frozen=True)
class Chart:
    """A rendered chart and its text alternative."""

    title: str
    alt: str
    png: bytes

    @property
    def data_uri(self) -> str:
        return "data:image/png;base64," + base64.b64encode(self.png).decode("ascii")


def _colours(n: int) -> list[str]:
    if n <= 4:
        return af_colours.get_af_colours("categorical", number_of_colours=max(n, 2))[:n]
    return af_colours.get_af_colours("categorical")[:n]


def _finish(fig, title: str, alt: str) -> Chart:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=_DPI, bbox_inches="tight", metadata={"Software": None})
    plt.close(fig)
    return Chart(title=title, alt=alt, png=buffer.getvalue())


def grade_chart(service: Service, scale: GradeScale, framework: Framework, quarter: Quarter, now: View,
                before: View) -> Chart | None:
    """Share of graded audits in each grade, this quarter and (on the same scale) the
    previous one; a quarter whose grades cannot all be shown is left out."""
    key = f"audits.{service.id}"
    periods = []
    if before.available and framework.same_scale(service.id, quarter, quarter.previous):
        periods.append((quarter.previous, before))
    periods.append((quarter, now))
    periods = [(p, v) for p, v in periods if all(v.shows(f"{key}.grade.{g.id}") for g in scale.grades)]
    if not periods:
        return None
    colours = _colours(len(scale.grades))
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 0.9 + 0.75 * len(periods)))
        for row, (_, view) in enumerate(periods):
            left = 0.0
            for grade, colour in zip(scale.grades, colours):
                share = view.figures[f"{key}.grade.{grade.id}.pct"]
                ax.barh(row, share, left=left, color=colour, edgecolor="white", height=0.6,
                        label=grade.label if row == 0 else None)
                if share >= 6:
                    ax.text(left + share / 2, row, fmt_pct(share), ha="center", va="center",
                            color="white" if colour in _DARK else "black")
                left += share
        ax.set_yticks(range(len(periods)), [p.short_label for p, _ in periods])
        ax.set_xlim(0, 100)
        ax.set_xlabel("Percentage of graded audits")
        ax.grid(axis="y", visible=False)
        ax.legend(ncols=len(scale.grades), loc="lower left", bbox_to_anchor=(0, 1.0))
    parts = []
    for period, view in reversed(periods):
        shares = [f"{_lower(g.label)} {fmt_pct(view.figures[f'{key}.grade.{g.id}.pct'])}" for g in scale.grades]
        parts.append(f"{period.short_label}: {join_words(shares)}")
    title = f"{service.name}: audit grades"
    alt = (f"Stacked bar chart of the share of {service.name} audits in each grade. "
           + "; ".join(parts) + ".")
    return _finish(fig, title, alt)


def _share_bars(items: list[tuple[str, float]], colour: str, xlabel: str, title: str, alt: str) -> Chart:
    """Horizontal bars of percentages, each labelled with its value."""
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
    return _finish(fig, title, alt + ": " + "; ".join(f"{label} {fmt_pct(v)}" for label, v in items) + ".")


def standards_chart(service: Service, view: View, quarter: Quarter) -> Chart | None:
    """Share of applicable cases meeting each practice standard."""
    prefix = f"standards.{service.id}"
    items = [(s.label, view.figures[f"{prefix}.{s.id}.met.pct"]) for s in service.standards
             if view.shows(f"{prefix}.{s.id}.met")]
    if not items:
        return None
    return _share_bars(items, _colours(1)[0], "Percentage of applicable cases where the standard was met",
                       f"{service.name}: practice standards met, {quarter.short_label}",
                       f"Bar chart of the share of {service.name} cases meeting each practice standard in "
                       f"{quarter.short_label}")


def survey_chart(survey: Survey, view: View, quarter: Quarter) -> Chart | None:
    """Share of those answering each question who gave a positive answer."""
    key = f"feedback.{survey.id}"
    items = [(q.positive_statement, view.figures[f"{key}.{q.id}.positive.pct"]) for q in survey.questions
             if view.shows(f"{key}.{q.id}.positive")]
    if not items:
        return None
    return _share_bars(items, _colours(2)[1], "Percentage of those who answered the question",
                       f"{survey.label}: positive answers, {quarter.short_label}",
                       f"Bar chart of the share of respondents to '{survey.label}' who answered positively, "
                       f"{quarter.short_label}")


@dataclass(frozen=True)
class TrendSeries:
    """One service's headline band across the quarters; NaN marks a gap."""

    service: Service
    band_label: str
    values: list[float]


def trend_series(framework: Framework, history: list[tuple[Quarter, View | None]]
                 ) -> tuple[list[TrendSeries], set[int]]:
    """Each service's headline band (of the latest quarter's scale) over the quarters,
    and the indexes of quarters that start a new grading scale.

    Earlier quarters on another scale take the band the framework maps onto it; a
    quarter with no data, no mapped band or a suppressed share is a gap.
    """
    quarters = [q for q, _ in history]
    latest = quarters[-1]
    series, breaks = [], set()
    for service in framework.services:
        scale = framework.scale_for(service.id, latest)
        if scale is None or not scale.headline_band:
            continue
        values = []
        for index, (quarter, view) in enumerate(history):
            band = framework.earlier_band(service.id, latest, quarter, scale.headline_band)
            share = f"audits.{service.id}.band.{band}" if band else None
            values.append(view.figures[f"{share}.pct"] if view and share and view.shows(share) else math.nan)
            if index and not framework.same_scale(service.id, quarter, quarters[index - 1]) and \
                    framework.scale_for(service.id, quarters[index - 1]) is not None:
                breaks.add(index)
        if any(not math.isnan(v) for v in values):
            series.append(TrendSeries(service, scale.band(scale.headline_band).label, values))
    return series, breaks


def trend_chart(framework: Framework, history: list[tuple[Quarter, View | None]]) -> Chart | None:
    """The headline bands over time, a dashed line at each change of grading scale,
    gaps never bridged."""
    if len(history) < 2:
        return None
    quarters = [q for q, _ in history]
    series, breaks = trend_series(framework, history)
    if not series:
        return None
    colours = _colours(len(series))
    with plt.style.context(_STYLE):
        fig, ax = plt.subplots(figsize=(_WIDTH_IN, 3.8))
        xs = [q.ordinal for q in quarters]
        markers = ["o", "s", "^", "D", "v", "P"]
        for line, colour, marker in zip(series, colours, markers):
            ax.plot(xs, line.values, color=colour, marker=marker, label=f"{line.service.name} ({line.band_label})")
            last = max(i for i, v in enumerate(line.values) if not math.isnan(v))
            ax.annotate(fmt_pct(line.values[last]), (xs[last], line.values[last]), textcoords="offset points",
                        xytext=(6, 0), va="center", color="black")
        for index in sorted(breaks):
            ax.axvline(xs[index] - 0.5, color="#3D3D3D", linestyle="--", linewidth=1)
            ax.text(xs[index] - 0.45, 98, "scale change", va="top", fontsize=9, color="#3D3D3D")
        ax.set_xticks(xs, [q.short_label for q in quarters])
        ax.set_ylim(0, 100)
        ax.set_ylabel("Percentage of graded audits")
        ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncols=1)
    described = []
    for line in series:
        points = [f"{q.short_label} {whole_percent(v)}%" for q, v in zip(quarters, line.values) if not math.isnan(v)]
        described.append(f"{line.service.name} ({line.band_label}): {', '.join(points)}")
    change = (" A dashed line marks a change of grading scale; before it each series shows the band the "
              "framework maps onto the current one." if breaks else "")
    alt = ("Line chart of the share of graded audits in each service's headline band by quarter. "
           + "; ".join(described) + "." + change + " Gaps mark quarters without data, without a comparable "
           "band, or whose numbers are too small to show. The data are in the table that follows.")
    return _finish(fig, "Audit grades over time: share in each service's headline band", alt)


def _lower(text: str) -> str:
    return text[:1].lower() + text[1:]
