"""The report's sections, one call per notebook cell.

:func:`build_report` loads, validates and computes a quarter (and the quarters
before it, for comparison and trend); each method of :class:`Report` returns a
:class:`Block` that Jupyter displays as HTML and the renderer turns into the
committee paper. Section headings are report structure; every service, grade,
standard and survey name comes from the framework.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt

from qa_lib import charts, narrative, tables
from qa_lib.errors import DataError, Problem
from qa_lib.framework import Framework, load_framework
from qa_lib.loading import available_quarters, load_quarter, quarter_folder
from qa_lib.measures import Figures, compute_figures
from qa_lib.paths import display, project_root, resolve
from qa_lib.quarter import Quarter
from qa_lib.validation import ValidQuarter, validate_quarter

log = logging.getLogger(__name__)

FIGURES_MIME = "application/vnd.qa-workbook+json"

# Sections of a committee paper whose text is the analysts' own (commentary.md).
FIXED_SECTIONS = (
    "purpose", "information", "audits_future", "engagement", "summary", "future_developments",
    "other_options", "reasons", "statutory_implications", "recommendation",
    "constitutional_comments", "financial_comments", "background_papers", "electoral_divisions",
)


def commentary_sections(framework: Framework) -> set[str]:
    """Every ``## <section id>`` that ``commentary.md`` may use."""
    return (set(FIXED_SECTIONS)
            | {f"audit.{s.id}" for s in framework.services}
            | {f"feedback.{t.id}" for t in framework.feedback_topics})


@dataclass
class Block:
    """One displayable piece of the report (HTML)."""

    html: str

    def _repr_html_(self) -> str:
        return self.html


@dataclass
class QuarterResult:
    """A quarter's validated data and figures."""

    data: ValidQuarter
    figures: Figures


def compute_quarter(data_root: Path, quarter: Quarter, framework: Framework) -> QuarterResult:
    """Load, validate and compute one quarter."""
    data = validate_quarter(load_quarter(data_root, quarter), framework)
    figures = compute_figures(data.tables, data.present, framework, quarter, data.populations)
    return QuarterResult(data, figures)


@dataclass
class Report:
    """Everything the notebook shows for one quarter."""

    framework: Framework
    quarter: Quarter
    current: QuarterResult
    previous_result: QuarterResult | None
    history: list[tuple[Quarter, Figures | None]]
    commentary: narrative.Commentary
    warnings: list[Problem] = field(default_factory=list)
    _numbers: dict[str, int] = field(default_factory=lambda: {"table": 0, "figure": 0})

    # -- conveniences ---------------------------------------------------------------
    @property
    def figures(self) -> Figures:
        return self.current.figures

    @property
    def previous_quarter(self) -> Quarter:
        return self.quarter.previous

    @property
    def previous(self) -> Figures:
        return self.previous_result.figures if self.previous_result else {}

    @property
    def has_previous(self) -> bool:
        return self.previous_result is not None

    @property
    def meeting(self) -> dict[str, Any]:
        return self.current.data.meeting

    @property
    def title(self) -> str:
        return str(self.meeting.get("title") or self.framework.name)

    def figures_document(self) -> dict[str, Any]:
        """The content of ``figures.json``."""
        return {
            "quarter": str(self.quarter),
            "previous_quarter": str(self.previous_quarter) if self.has_previous else None,
            "figures": self.figures,
            "previous": self.previous,
        }

    # -- building blocks --------------------------------------------------------------
    def _table(self, table: tables.Table) -> str:
        self._numbers["table"] += 1
        return table.to_html(self._numbers["table"])

    def _chart(self, chart: charts.Chart | None) -> str:
        if chart is None:
            return ""
        self._numbers["figure"] += 1
        return (f'<figure class="chart"><img src="{chart.data_uri}" alt="{escape(chart.alt)}">'
                f"<figcaption>Figure {self._numbers['figure']}: {escape(chart.title)}</figcaption></figure>")

    def _commentary(self, section: str) -> str:
        text = self.commentary.get(section)
        if not text:
            return ""
        return _markdown(text)

    @staticmethod
    def _paragraph(sentences: list[str]) -> str:
        return f"<p>{escape(' '.join(sentences))}</p>" if sentences else ""

    def _section(self, heading: str, level: int, body: str, css: str = "") -> Block:
        return Block(f'<section class="{css}"><h{level}>{escape(heading)}</h{level}>{body}</section>')

    # -- sections --------------------------------------------------------------------
    def front_sheet(self) -> Block:
        """Meeting, date, agenda item, whom the report is of, and the title."""
        m = self.meeting
        rows = [
            ("Meeting", m.get("committee")),
            ("Date", _date_text(m.get("date"))),
            ("Agenda item", m.get("agenda_item")),
            ("Report of", m.get("report_of")),
            ("Period", f"{self.quarter.months} ({self.quarter.long_name})"),
        ]
        details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows if v not in (None, ""))
        council = f'<p class="council">{escape(str(m["council"]))}</p>' if m.get("council") else ""
        return Block(f'<header class="front-sheet">{council}<dl>{details}</dl>'
                     f"<h1>{escape(self.title)}</h1></header>")

    def purpose(self) -> Block:
        return self._section("Purpose of the report", 2, self._commentary("purpose"), "paras")

    def information(self) -> Block:
        return self._section("Information and advice", 2, self._commentary("information"), "paras")

    def audit_outcomes(self) -> Block:
        """Per service: what the audits found, the comparison, chart, table, standards, commentary."""
        parts = []
        for service in self.framework.services:
            scale = self.framework.scale_for(service.id, self.quarter)
            previous_scale = self.framework.scale_for(service.id, self.previous_quarter)
            body = [self._paragraph(narrative.audit_sentences(service, scale, self.figures, self.quarter))]
            comparison = narrative.audit_comparison(service, scale, previous_scale, self.previous,
                                                    self.previous_quarter, self.has_previous)
            if comparison:
                body.append(self._paragraph([comparison]))
            if scale is not None and self.figures.get(f"audits.{service.id}.graded"):
                body.append(self._chart(charts.grade_chart(service, scale, self.figures, self.previous,
                                                           self.quarter, self.previous_quarter)))
                body.append(self._table(tables.grade_table(service, scale, self.figures, self.previous,
                                                           self.quarter, self.previous_quarter,
                                                           self.has_previous)))
            standards = narrative.standards_sentences(service, self.framework, self.figures)
            if standards:
                body.append(self._paragraph(standards))
                body.append(self._chart(charts.standards_chart(service, self.figures, self.quarter)))
                body.append(self._table(tables.standards_table(service, self.framework, self.figures,
                                                               self.quarter)))
            body.append(self._commentary(f"audit.{service.id}"))
            parts.append(f'<section class="paras"><h3>{escape(service.name)}</h3>{"".join(body)}</section>')
        trend = self._chart(charts.trend_chart(self.framework, self.history))
        if trend:
            parts.append(f'<section class="paras"><h3>Audit grades over time</h3>{trend}</section>')
        future = self._commentary("audits_future")
        if future:
            parts.append(f'<section class="paras"><h3>Future developments</h3>{future}</section>')
        return Block(f'<section><h2>Outcomes from case file audit activity</h2>{"".join(parts)}</section>')

    def feedback(self) -> Block:
        """Per feedback topic: who took part, answers, approved quotes, commentary."""
        parts = []
        for topic in self.framework.feedback_topics:
            body = []
            for survey in topic.surveys:
                sentences = narrative.survey_sentences(survey, self.figures)
                if not sentences:
                    continue
                body.append(self._paragraph(sentences))
                body.append(self._chart(charts.survey_chart(survey, self.figures, self.quarter)))
                body.append(self._table(tables.survey_table(survey, self.framework, self.figures, self.quarter)))
                body.append(self._quotes(survey.id))
            body.append(self._commentary(f"feedback.{topic.id}"))
            if any(body):
                parts.append(f'<section class="paras"><h3>{escape(topic.title)}</h3>{"".join(body)}</section>')
        if not parts:
            parts.append(self._paragraph([f"No feedback was recorded in {self.quarter.name}."]))
        return Block("<section><h2>Feedback from children, young people and families</h2>"
                     f'{"".join(parts)}</section>')

    def _quotes(self, survey_id: str) -> str:
        quotes = self.current.data.tables["feedback_quotes"]
        chosen = quotes[(quotes["survey_id"] == survey_id) & (quotes["approved"] == "yes")]
        if chosen.empty:
            return ""
        types = {r.id: r.label for r in self.framework.respondent_types}
        bands = {b.id: b.label for b in self.framework.quote_age_bands}
        items = []
        for kind, heading in (("positive", "What people valued"), ("improvement", "What could be better")):
            rows = chosen[chosen["kind"] == kind]
            if rows.empty:
                continue
            quoted = []
            for row in rows.itertuples(index=False):
                who = types.get(row.respondent_type, "a respondent")
                if getattr(row, "age_band", "") in bands:
                    who += f", {bands[row.age_band]}"
                quoted.append(f'<blockquote><p>‘{escape(row.text)}’</p><footer>— {escape(who)}</footer></blockquote>')
            items.append(f'<div class="quotes"><p class="quotes-heading">{heading}:</p>{"".join(quoted)}</div>')
        return "".join(items)

    def engagement(self) -> Block:
        body = [self._paragraph(narrative.engagement_sentences(self.framework, self.figures, self.quarter))]
        if "engagement.count" in self.figures:
            body.append(self._table(tables.engagement_table(self.framework, self.figures, self.previous,
                                                            self.quarter, self.previous_quarter,
                                                            self.has_previous)))
        body.append(self._commentary("engagement"))
        return self._section(self.framework.engagement.title, 2, "".join(body), "paras")

    def summary(self) -> Block:
        body = self._commentary("summary")
        future = self._commentary("future_developments")
        if future:
            body += f"<h3>Future developments</h3>{future}"
        return self._section("Summary", 2, body, "paras")

    def statutory(self) -> Block:
        """Other options, reasons, implications, recommendation, contacts and the closing sections."""
        titled = [("other_options", "Other options considered"), ("reasons", "Reason/s for recommendation/s"),
                  ("statutory_implications", "Statutory and policy implications")]
        body = [f'<section class="paras"><h2>{t}</h2>{self._commentary(s)}</section>' for s, t in titled
                if self.commentary.get(s)]
        if self.commentary.get("recommendation"):
            body.append(f'<section class="recommendation"><h2>Recommendation/s</h2>'
                        f'{self._commentary("recommendation")}</section>')
        body.append(self._contacts())
        closing = [("constitutional_comments", "Constitutional comments"), ("financial_comments", "Financial comments"),
                   ("background_papers", "Background papers and published documents"),
                   ("electoral_divisions", "Electoral division(s) and member(s) affected")]
        body += [f'<section class="paras"><h2>{t}</h2>{self._commentary(s)}</section>' for s, t in closing
                 if self.commentary.get(s)]
        return Block("".join(body))

    def _contacts(self) -> str:
        m = self.meeting
        author = m.get("author") or {}
        contact = m.get("contact") or {}
        lines = []
        if author:
            lines.append(f'<p class="signature">{escape(str(author.get("name", "")))}<br>'
                         f'{escape(str(author.get("role", "")))}</p>')
        if contact:
            details = [str(contact.get(k)) for k in ("name", "role") if contact.get(k)]
            if contact.get("telephone"):
                details.append(f"Telephone: {contact['telephone']}")
            if contact.get("email"):
                details.append(f"Email: {contact['email']}")
            lines.append("<h2>For any enquiries about this report please contact</h2>"
                         f'<p class="contact">{"<br>".join(escape(d) for d in details)}</p>')
        return "".join(lines)

    def figures_output(self) -> FiguresOutput:
        """The figures as a machine-readable output the renderer writes to figures.json."""
        return FiguresOutput(self.figures_document(), self.title)


@dataclass
class FiguresOutput:
    document: dict[str, Any]
    title: str

    def _repr_mimebundle_(self, include=None, exclude=None):
        figures = self.document["figures"]
        text = (f"{len(figures)} figures for {self.document['quarter']}; previous quarter: "
                f"{self.document['previous_quarter'] or 'none'} ({len(self.document['previous'])} figures)")
        return {FIGURES_MIME: {"figures": self.document, "title": self.title}, "text/plain": text}


_MD = MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "a", "blockquote", "br", "h4", "code"}


def _markdown(text: str) -> str:
    """Commentary Markdown to HTML that can format but not inject script or images."""
    return nh3.clean(_MD.render(text), tags=_ALLOWED_TAGS, attributes={"a": {"href"}},
                     url_schemes={"https", "mailto"})


def _date_text(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        from datetime import date

        parsed = value if hasattr(value, "strftime") else date.fromisoformat(str(value))
        return f"{parsed.day} {parsed.strftime('%B %Y')}"
    except ValueError:
        return str(value)


def build_report(quarter: str, data_root: str = "data/sample",
                 framework: str = "params/framework.yaml") -> Report:
    """Load, validate and compute a quarter, its predecessor and its history.

    Paths are relative to the project root, wherever the caller runs.

    Raises
    ------
    InputError
        (or a subclass) for bad parameters, framework, data or commentary.
    """
    root = project_root()
    this = Quarter.parse(quarter)
    fw = load_framework(resolve(framework, root))
    data_root_path = resolve(data_root, root)
    current = compute_quarter(data_root_path, this, fw)
    quarters = [q for q in available_quarters(data_root_path) if q <= this]
    results: dict[Quarter, QuarterResult] = {this: current}
    errors = []
    for q in quarters:
        if q in results:
            continue
        try:
            results[q] = compute_quarter(data_root_path, q, fw)
        except DataError as exc:
            errors.extend(exc.problems)
    if errors:
        raise DataError(errors)
    history: list[tuple[Quarter, Figures | None]] = []
    if quarters:
        q = quarters[0]
        while q <= this:
            history.append((q, results[q].figures if q in results else None))
            q = q.next
    previous = results.get(this.previous)
    context = narrative.context_values(this, this.previous)
    raw = current.data.commentary
    source = current.data.commentary_source or "commentary.md"
    filled = narrative.fill_placeholders(raw or "", current.figures, previous.figures if previous else {},
                                         context, source)
    commentary = narrative.parse_commentary(filled, commentary_sections(fw), source)
    warnings = current.data.warnings + _report_warnings(fw, current, previous, this,
                                                       display(quarter_folder(data_root_path, this.previous), root))
    for problem in warnings:
        log.info(problem.describe())
    return Report(fw, this, current, previous, history, commentary, warnings)


def _report_warnings(framework: Framework, current: QuarterResult, previous: QuarterResult | None,
                     quarter: Quarter, previous_folder: str) -> list[Problem]:
    """What the analyst should know although the report can be made."""
    warnings = []
    if previous is None:
        warnings.append(Problem("no_previous_quarter", previous_folder, None, None, None,
                                f"data for {quarter.previous} to compare with; the report says no comparison "
                                f"is available", "warning"))
    source = current.data.sources.get("case_audits", current.data.folder)
    for service in framework.services:
        if current.figures.get(f"audits.{service.id}.count") == 0:
            warnings.append(Problem("service_without_audits", source, None, "service", service.id,
                                    f"audits of {service.name}; the report says none were audited this quarter",
                                    "warning"))
    return warnings
