"""Report tables: one header row, a caption, no empty cells.

A :class:`Table` holds display strings made by a quarter's
:class:`~qa_lib.disclosure.View`, so a cell that is suppressed, unreliable,
unavailable or not applicable shows its GSS symbol, explained in the table's
notes, never a blank.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from html import escape

from qa_lib.disclosure import NOT_APPLICABLE, NOT_AVAILABLE, SUPPRESSED, SYMBOL_MEANINGS, View
from qa_lib.charts import trend_series
from qa_lib.formatting import fmt_p, fmt_pct
from qa_lib.framework import Framework, Service, Survey
from qa_lib.measures import previous_share
from qa_lib.quarter import Quarter


@dataclass
class Table:
    """A table ready to render: header labels and rows of display strings.

    The first column labels the rows and is marked up as row headers.
    """

    caption: str
    columns: list[str]
    rows: list[list[str]]
    notes: list[str] = field(default_factory=list)

    def symbol_notes(self) -> list[str]:
        used = " ".join(cell for row in self.rows for cell in row)
        return [f"{symbol} {meaning}." for symbol, meaning in SYMBOL_MEANINGS.items() if symbol in used]

    def to_html(self) -> str:
        """The table as HTML; its number is filled in by the renderer, in paper order."""
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in self.columns)
        body = []
        for row in self.rows:
            cells = [f'<th scope="row">{escape(row[0])}</th>']
            cells += [f'<td class="num">{escape(v)}</td>' for v in row[1:]]
            body.append("<tr>" + "".join(cells) + "</tr>")
        notes = "".join(f"<p class=\"table-note\">{escape(n)}</p>" for n in self.notes + self.symbol_notes())
        return (f'<div class="table-wrap"><table><caption><span class="table-no">Table</span>: {escape(self.caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}</div>")


def change_cell(now: View, before: View, share: str, earlier: str | None) -> str:
    """The tested verdict on a share's change since the previous quarter."""
    if not before.available:
        return NOT_AVAILABLE
    verdict = now.figures.get(f"{share}.change.verdict")
    if verdict is None or earlier is None:
        return NOT_APPLICABLE
    if now.hidden(share) or before.hidden(earlier):
        return SUPPRESSED
    return f"{verdict} ({fmt_p(float(now.figures[f'{share}.change.p_value']))})"


def grade_table(service: Service, framework: Framework, quarter: Quarter, now: View, before: View) -> Table:
    """Grades and bands of one service, this quarter beside the previous one, with
    intervals and the tested change. Across a scale change only mapped bands
    stand beside each other."""
    key = f"audits.{service.id}"
    scale = framework.scale_for(service.id, quarter)
    previous = quarter.previous
    same = framework.same_scale(service.id, quarter, previous)
    rows = []
    for label, suffix in ([(g.label, f"grade.{g.id}") for g in scale.grades]
                          + [(f"Band: {b.label}", f"band.{b.id}") for b in scale.bands]):
        share = f"{key}.{suffix}"
        earlier = previous_share(share, framework, quarter) if (same or suffix.startswith("band.")) else None
        if earlier is None and before.available:
            then = [NOT_APPLICABLE, NOT_APPLICABLE]
        else:
            then = [before.count(f"{earlier or share}.count"), before.pct(earlier or share)]
        rows.append([label, now.count(f"{share}.count"), now.pct(share), now.interval(share), *then,
                     change_cell(now, before, share, earlier)])
    rows.append(["All graded audits", now.count(f"{key}.graded"),
                 "100%" if now.figures.get(f"{key}.graded") else NOT_APPLICABLE, NOT_APPLICABLE,
                 before.count(f"{key}.graded"),
                 ("100%" if before.figures.get(f"{key}.graded") else NOT_APPLICABLE) if before.available
                 else NOT_AVAILABLE, NOT_APPLICABLE])
    notes = ["Percentages are of the audits that carry a grade; intervals are 95% Wilson intervals; the change is "
             "a two-sided Fisher's exact test on the two quarters' counts (comparable when p ≥ 0.05)."]
    if before.available and not same:
        notes.append(f"The grading scale changed in {quarter.short_label}: {previous.short_label} figures are shown "
                     f"only for bands the framework maps onto this quarter's scale.")
    return Table(
        caption=f"{service.name}: audit grades, {quarter.short_label} and {previous.short_label}",
        columns=["Grade", f"{quarter.short_label} number", f"{quarter.short_label} percentage",
                 f"{quarter.short_label} 95% interval", f"{previous.short_label} number",
                 f"{previous.short_label} percentage", "Change (p-value)"],
        rows=rows,
        notes=notes,
    )


def moderation_table(service: Service, framework: Framework, quarter: Quarter, view: View) -> Table | None:
    """Auditors' grades against moderators' grades, for the moderated audits."""
    key = f"moderation.{service.id}"
    scale = framework.scale_for(service.id, quarter)
    if scale is None or f"{key}.count" not in view.figures:
        return None
    rows = [[f"Auditor: {a.label}", *[view.count(f"{key}.grade.{a.id}.moderated.{m.id}.count") for m in scale.grades]]
            for a in scale.grades]
    kappa = view.figures.get(f"{key}.kappa")
    kappa_text = (f"{kappa:.2f} (95% interval {view.figures[f'{key}.kappa_ci_low']:.2f} to "
                  f"{view.figures[f'{key}.kappa_ci_high']:.2f})" if kappa is not None and
                  f"{key}.kappa_ci_low" in view.figures else "not defined")
    return Table(
        caption=f"{service.name}: auditor's grade against moderator's grade, {quarter.short_label}",
        columns=["Auditor's grade", *[f"Moderator: {m.label}" for m in scale.grades]],
        rows=rows,
        notes=[f"{view.count(f'{key}.count')} audits moderated; the grades agreed in "
               f"{view.pct(f'{key}.agreement')}; linearly weighted Cohen's kappa {kappa_text}."],
    )


def standards_table(service: Service, framework: Framework, quarter: Quarter, view: View) -> Table:
    """Each practice standard: where it applied, share met, share not met by team type."""
    prefix = f"standards.{service.id}"
    team_types = [t for t in framework.team_types
                  if any(f"{prefix}.{s.id}.team_type.{t.id}.applicable" in view.figures for s in service.standards)]
    rows = []
    for standard in service.standards:
        key = f"{prefix}.{standard.id}"
        rows.append([standard.label[:1].upper() + standard.label[1:], view.count(f"{key}.applicable"),
                     view.pct(f"{key}.met"), view.interval(f"{key}.met"),
                     *[view.pct(f"{key}.team_type.{t.id}.not_met") for t in team_types]])
    return Table(
        caption=f"{service.name}: practice standards, {quarter.short_label}",
        columns=["Practice standard", "Cases where it applied", "Met (percentage)", "Met, 95% interval",
                 *[f"Not met, {t.label} teams (percentage)" for t in team_types]],
        rows=rows,
        notes=["Percentages are of the cases where the standard applied (met or not met)."],
    )


def survey_table(survey: Survey, framework: Framework, quarter: Quarter, view: View) -> Table:
    """Each question's answers with their shares of those who answered."""
    key = f"feedback.{survey.id}"
    rows = []
    for question in survey.questions:
        for answer in framework.answers(question):
            share = f"{key}.{question.id}.answer.{answer.id}"
            rows.append([f"{question.text} {answer.label}", view.count(f"{key}.{question.id}.answered"),
                         view.count(f"{share}.count"), view.pct(share), view.interval(share)])
    return Table(
        caption=f"{survey.label}: answers, {quarter.short_label}",
        columns=["Question and answer", "Answered the question", "Gave this answer",
                 "Percentage of those who answered", "95% interval"],
        rows=rows,
    )


def trend_table(framework: Framework, history: list[tuple[Quarter, View | None]]) -> Table | None:
    """The data behind the trend chart: each service's headline band by quarter."""
    if len(history) < 2:
        return None
    series, breaks = trend_series(framework, history)
    if not series:
        return None
    rows = []
    for index, (quarter, view) in enumerate(history):
        label = quarter.short_label + (" (new scale)" if index in breaks else "")
        cells = []
        for line in series:
            value = line.values[index]
            if view is None:
                cells.append(NOT_AVAILABLE)
            elif math.isnan(value):
                band = framework.earlier_band(line.service.id, history[-1][0], quarter,
                                              framework.scale_for(line.service.id, history[-1][0]).headline_band)
                cells.append(SUPPRESSED if band and view.hidden(f"audits.{line.service.id}.band.{band}")
                             and f"audits.{line.service.id}.band.{band}.pct" in view.figures else NOT_APPLICABLE)
            else:
                cells.append(fmt_pct(value))
        rows.append([label, *cells])
    return Table(
        caption="Audit grades over time: percentage of graded audits in each service's headline band",
        columns=["Quarter", *[f"{line.service.name} ({line.band_label})" for line in series]],
        rows=rows,
        notes=["Before a change of grading scale each column shows the band the framework maps onto the current one."]
        if breaks else [],
    )


def engagement_table(framework: Framework, quarter: Quarter, now: View, before: View) -> Table:
    """Activities by type; engagement counts are not about children and are not suppressed."""
    rows = []
    for activity in framework.engagement.activity_types:
        key = f"engagement.type.{activity.id}.count"
        rows.append([activity.label, f"{now.figures.get(key, 0):,}",
                     f"{before.figures[key]:,}" if key in before.figures else NOT_AVAILABLE])
    rows.append(["All activities", f"{now.figures.get('engagement.count', 0):,}",
                 f"{before.figures['engagement.count']:,}" if "engagement.count" in before.figures
                 else NOT_AVAILABLE])
    return Table(
        caption=f"Engagement activities by type, {quarter.short_label} and {quarter.previous.short_label}",
        columns=["Activity", f"{quarter.short_label} number", f"{quarter.previous.short_label} number"],
        rows=rows,
    )
