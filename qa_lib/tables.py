"""Report tables: one header row, a caption, no empty cells.

A :class:`Table` holds display strings; a value that does not exist is shown as
the GSS symbol ``[x]`` (not available) or ``[z]`` (not applicable), explained in
the table's notes, never as a blank.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from html import escape

from qa_lib.framework import Framework, GradeScale, Service, Survey
from qa_lib.measures import Figures
from qa_lib.narrative import fmt_pct
from qa_lib.quarter import Quarter

NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
SYMBOL_NOTES = {
    NOT_AVAILABLE: "[x] not available: no data for that quarter.",
    NOT_APPLICABLE: "[z] not applicable: nothing to count, or the grade is not on that quarter's scale.",
}


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
        used = {cell for row in self.rows for cell in row}
        return [note for symbol, note in SYMBOL_NOTES.items() if symbol in used]

    def to_html(self, number: int) -> str:
        head = "".join(f'<th scope="col">{escape(c)}</th>' for c in self.columns)
        body = []
        for row in self.rows:
            cells = [f'<th scope="row">{escape(row[0])}</th>']
            cells += [f'<td class="num">{escape(v)}</td>' for v in row[1:]]
            body.append("<tr>" + "".join(cells) + "</tr>")
        notes = "".join(f"<p class=\"table-note\">{escape(n)}</p>" for n in self.notes + self.symbol_notes())
        return (f'<div class="table-wrap"><table><caption>Table {number}: {escape(self.caption)}</caption>'
                f"<thead><tr>{head}</tr></thead><tbody>{''.join(body)}</tbody></table>{notes}</div>")


def _count_pct(values: Figures, key: str, available: bool) -> tuple[str, str]:
    if not available:
        return NOT_AVAILABLE, NOT_AVAILABLE
    if f"{key}.count" not in values:
        return NOT_APPLICABLE, NOT_APPLICABLE
    pct = values.get(f"{key}.pct")
    return f"{values[f'{key}.count']:,}", fmt_pct(pct) if pct is not None else NOT_APPLICABLE


def grade_table(service: Service, scale: GradeScale, figures: Figures, previous: Figures,
                quarter: Quarter, previous_quarter: Quarter, has_previous: bool) -> Table:
    """Grades and bands of one service, this quarter beside the previous one."""
    key = f"audits.{service.id}"
    rows = []
    for label, suffix in ([(g.label, f"grade.{g.id}") for g in scale.grades]
                          + [(f"Band: {b.label}", f"band.{b.id}") for b in scale.bands]):
        now = _count_pct(figures, f"{key}.{suffix}", True)
        then = _count_pct(previous, f"{key}.{suffix}", has_previous)
        rows.append([label, *now, *then])
    rows.append(["All graded audits", f"{figures.get(f'{key}.graded', 0):,}", "100%" if figures.get(f"{key}.graded") else NOT_APPLICABLE,
                 *_total(previous, key, has_previous)])
    return Table(
        caption=f"{service.name}: audit grades, {quarter.short_label} and {previous_quarter.short_label}",
        columns=["Grade", f"{quarter.short_label} number", f"{quarter.short_label} percentage",
                 f"{previous_quarter.short_label} number", f"{previous_quarter.short_label} percentage"],
        rows=rows,
        notes=["Percentages are of the audits that carry a grade."],
    )


def _total(previous: Figures, key: str, has_previous: bool) -> tuple[str, str]:
    if not has_previous:
        return NOT_AVAILABLE, NOT_AVAILABLE
    graded = previous.get(f"{key}.graded")
    if not graded:
        return (f"{graded:,}" if graded is not None else NOT_APPLICABLE), NOT_APPLICABLE
    return f"{graded:,}", "100%"


def standards_table(service: Service, framework: Framework, figures: Figures, quarter: Quarter) -> Table:
    """Each practice standard: where it applied, share met, share not met by team type."""
    prefix = f"standards.{service.id}"
    team_types = [t for t in framework.team_types
                  if any(f"{prefix}.{s.id}.team_type.{t.id}.applicable" in figures for s in service.standards)]
    rows = []
    for standard in service.standards:
        key = f"{prefix}.{standard.id}"
        row = [standard.label[:1].upper() + standard.label[1:], f"{figures.get(f'{key}.applicable', 0):,}"]
        met = figures.get(f"{key}.met.pct")
        row.append(fmt_pct(met) if met is not None else NOT_APPLICABLE)
        for team in team_types:
            value = figures.get(f"{key}.team_type.{team.id}.not_met.pct")
            row.append(fmt_pct(value) if value is not None else NOT_APPLICABLE)
        rows.append(row)
    return Table(
        caption=f"{service.name}: practice standards, {quarter.short_label}",
        columns=["Practice standard", "Cases where it applied", "Met (percentage)",
                 *[f"Not met, {t.label} teams (percentage)" for t in team_types]],
        rows=rows,
        notes=["Percentages are of the cases where the standard applied (met or not met)."],
    )


def survey_table(survey: Survey, framework: Framework, figures: Figures, quarter: Quarter) -> Table:
    """Each question's answers with their shares of those who answered."""
    key = f"feedback.{survey.id}"
    rows = []
    for question in survey.questions:
        answered = figures.get(f"{key}.{question.id}.answered", 0)
        for answer in framework.answers(question):
            count, pct = _count_pct(figures, f"{key}.{question.id}.answer.{answer.id}", True)
            rows.append([f"{question.text} {answer.label}", f"{answered:,}", count, pct])
    return Table(
        caption=f"{survey.label}: answers, {quarter.short_label}",
        columns=["Question and answer", "Answered the question", "Gave this answer", "Percentage of those who answered"],
        rows=rows,
    )


def engagement_table(framework: Framework, figures: Figures, previous: Figures, quarter: Quarter,
                     previous_quarter: Quarter, has_previous: bool) -> Table:
    rows = []
    for activity in framework.engagement.activity_types:
        key = f"engagement.type.{activity.id}.count"
        then = previous.get(key) if has_previous else None
        rows.append([activity.label, f"{figures.get(key, 0):,}",
                     f"{then:,}" if then is not None else NOT_AVAILABLE])
    rows.append(["All activities", f"{figures.get('engagement.count', 0):,}",
                 f"{previous['engagement.count']:,}" if has_previous and "engagement.count" in previous
                 else NOT_AVAILABLE])
    return Table(
        caption=f"Engagement activities by type, {quarter.short_label} and {previous_quarter.short_label}",
        columns=["Activity", f"{quarter.short_label} number", f"{previous_quarter.short_label} number"],
        rows=rows,
    )
