"""The report's sections, one call per notebook cell.

:func:`build_report` loads, validates and computes a quarter (and the quarters
before it, for comparison and trend); each method of :class:`Report` returns a
:class:`Block` that Jupyter displays as HTML and the renderer turns into the
committee paper. Section headings are report structure; every service, grade,
standard and survey name comes from the framework.
"""

from __future__ import annotations

import importlib.metadata
from datetime import date
import logging
import math
import platform
import subprocess
from dataclasses import asdict, dataclass, field, replace
from html import escape
from pathlib import Path
from typing import Any

import nh3
from markdown_it import MarkdownIt

from qa_lib import FIGURES_MIME, charts, measures, narrative, tables
from qa_lib.disclosure import View, suppressed_keys
from qa_lib.formatting import join_words
from qa_lib.errors import DataError, ParameterError, Problem
from qa_lib.framework import Framework, load_framework
from qa_lib.loading import (DATA_SET_FILE, available_quarters, data_set_name, load_quarter, published_figures,
                            quarter_files, quarter_folder, sha256)
from qa_lib.measures import Figures, comparison_figures, compute_figures
from qa_lib.paths import display, project_root, resolve
from qa_lib.quarter import Quarter
from qa_lib.validation import ValidQuarter, validate_quarter

log = logging.getLogger(__name__)

MODES = ("publication", "internal")
# Government Security Classifications: internal versions hold unsuppressed
# small numbers about vulnerable children.
MARKINGS = {"publication": "OFFICIAL", "internal": "OFFICIAL-SENSITIVE"}

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
    mode: str
    current: QuarterResult
    previous_result: QuarterResult | None
    views: dict[Quarter, View]
    history: list[tuple[Quarter, View | None]]
    commentary: narrative.Commentary
    warnings: list[Problem] = field(default_factory=list)
    status: str = "draft"
    revisions: list[tuple[str, Any, Any]] = field(default_factory=list)
    provenance: dict[str, Any] = field(default_factory=dict)
    previous_missing: str = ""  # why the previous quarter is not compared with, when its data exist but are invalid

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
    def view(self) -> View:
        """This quarter as the report may show it in its mode."""
        return self.views[self.quarter]

    @property
    def previous_view(self) -> View:
        return self.views.get(self.previous_quarter) or View({}, available=False,
                                                             unavailable_because=self.previous_missing)

    @property
    def marking(self) -> str:
        return MARKINGS[self.mode]

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
    # Sections hold no numbering state: paragraphs, tables and figures carry empty number
    # slots that the renderer fills in paper order, so re-running a cell changes nothing.
    def _table(self, table: tables.Table | None) -> str:
        return "" if table is None else table.to_html()

    def _chart(self, chart: charts.Chart | None) -> str:
        if chart is None:
            return ""
        return (f'<figure class="chart"><img src="{chart.data_uri}" alt="{escape(chart.alt)}">'
                f'<figcaption><span class="figure-no">Figure</span>: {escape(chart.title)}</figcaption></figure>')

    def _commentary(self, section: str) -> str:
        text = self.commentary.get(section)
        if not text:
            return ""
        return _markdown(text)

    def _paragraph(self, sentences: list[str]) -> str:
        """A numbered paragraph, numbered as committee papers number them."""
        if not sentences:
            return ""
        return f"<p class=\"para\">{PARA_NUMBER}{escape(' '.join(sentences))}</p>"

    def _small_base_note(self, base: str) -> str:
        """A warning where a base is too small to support a percentage."""
        value = self.figures.get(base)
        if value is None or not 0 < int(value) < self.framework.minimum_base:
            return ""
        shown = "fewer than" if self.view.hidden(base) else f"only {int(value):,}, fewer than"
        return (f'<p class="caution">Caution: these percentages rest on {shown} '
                f"{self.framework.minimum_base} cases or respondents, too few to support firm conclusions; "
                f"they are marked [u].</p>")

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
            ("Status", "Draft: not for decision" if self.status == "draft" else "Final"),
        ]
        details = "".join(f"<dt>{escape(k)}</dt><dd>{escape(str(v))}</dd>" for k, v in rows if v not in (None, ""))
        council = f'<p class="council">{escape(str(m["council"]))}</p>' if m.get("council") else ""
        internal = ('<p class="internal-notice">Internal version: small numbers are shown. Not for '
                    'publication.</p>' if self.mode == "internal" else "")
        # The watermark's word is CSS content on an element repeated on every printed page.
        watermark = '<div class="watermark" aria-hidden="true"></div>' if self.status == "draft" else ""
        return Block(f'{watermark}<header class="front-sheet"><p class="marking">{escape(self.marking)}</p>{council}'
                     f'<dl>{details}</dl><h1>{escape(self.title)}</h1>{internal}</header>')

    def purpose(self) -> Block:
        return self._section("Purpose of the report", 2, self._commentary("purpose"), "paras")

    def information(self) -> Block:
        return self._section("Information and advice", 2, self._commentary("information"), "paras")

    def audit_outcomes(self) -> Block:
        """Per service: what the audits found, the comparison, chart, table, standards, commentary."""
        parts = []
        for service in self.framework.services:
            scale = self.framework.scale_for(service.id, self.quarter)
            body = [self._paragraph(narrative.audit_sentences(service, scale, self.view, self.quarter))]
            comparison = narrative.audit_comparison(service, self.framework, self.view, self.previous_view,
                                                    self.quarter)
            if comparison:
                body.append(self._paragraph(comparison))
            if scale is not None and self.figures.get(f"audits.{service.id}.graded"):
                body.append(self._chart(charts.grade_chart(service, scale, self.framework, self.quarter,
                                                           self.view, self.previous_view)))
                body.append(self._table(tables.grade_table(service, self.framework, self.quarter, self.view,
                                                           self.previous_view)))
                body.append(self._small_base_note(f"audits.{service.id}.graded"))
            moderation = tables.moderation_table(service, self.framework, self.quarter, self.view)
            if moderation:
                body.append(self._paragraph(narrative.moderation_sentences(service, self.view)))
                body.append(self._table(moderation))
            standards = narrative.standards_sentences(service, self.framework, self.view)
            if standards:
                body.append(self._paragraph(standards))
                body.append(self._chart(charts.standards_chart(service, self.view, self.quarter)))
                body.append(self._table(tables.standards_table(service, self.framework, self.quarter, self.view)))
            body.append(self._commentary(f"audit.{service.id}"))
            parts.append(f'<section class="paras"><h3>{escape(service.name)}</h3>{"".join(body)}</section>')
        trend = self._chart(charts.trend_chart(self.framework, self.history))
        if trend:
            data = self._table(tables.trend_table(self.framework, self.history))
            parts.append(f'<section class="paras"><h3>Audit grades over time</h3>{trend}{data}</section>')
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
                sentences = narrative.survey_sentences(survey, self.view)
                if not sentences:
                    continue
                body.append(self._paragraph(sentences))
                body.append(self._chart(charts.survey_chart(survey, self.view, self.quarter)))
                body.append(self._table(tables.survey_table(survey, self.framework, self.quarter, self.view)))
                body.append(self._small_base_note(f"feedback.{survey.id}.respondents"))
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
        # An age band narrows who said it; it is shown only when enough respondents share it.
        counts = measures.age_band_counts(self.current.data.tables["feedback_responses"], self.framework, survey_id)
        bands = {b.id: b.label for b in self.framework.quote_age_bands
                 if counts.get(b.id, 0) >= self.framework.suppression_threshold}
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
            body.append(self._table(tables.engagement_table(self.framework, self.quarter, self.view,
                                                            self.previous_view)))
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

    def methodology(self) -> Block:
        """An appendix generated from the code and framework actually used, so it cannot go stale."""
        fw = self.framework
        alpha = measures.ALPHA
        directions = []
        for scale in fw.grade_scales.values():
            up = [g.label.lower() for g in scale.grades if g.higher_is_better is True]
            down = [g.label.lower() for g in scale.grades if g.higher_is_better is False]
            directions.append(f"{scale.label}: every band, and {join_words(up) or 'no grade'}, higher is better; "
                              f"for {join_words(down) or 'no grade'} lower is better; other grades are not judged.")
        mappings = []
        for service in fw.services:
            periods = []
            for period in service.scales:
                scale = fw.grade_scales[period.scale].label if period.scale else "not graded"
                mapped = "; ".join(f"{old} → {new}" for old, new in period.band_map.items())
                periods.append(f"from {period.from_quarter}: {scale}" + (f" (bands carried over: {mapped})"
                                                                          if mapped else ""))
            mappings.append(f"{service.name}: " + "; ".join(periods) + ".")
        suppression = (
            f"This is the {self.mode} version. " + (
                f"Counts of children's cases and of respondents from 1 to {fw.suppression_threshold} are shown as "
                f"[c]. Each group of counts that add up (a service's grades and its graded total, the grades in a "
                f"band, the answers to a question, a standard's results by team type, a moderation table) is "
                f"checked by linear programming: while any hidden count could be worked out exactly from what is "
                f"shown, the count that frees it at least cost is hidden too (secondary suppression). "
                f"Percentages, intervals and tests resting on a hidden count or base are hidden with it. Counts "
                f"of engagement activities are not about children and are not suppressed."
                if self.mode == "publication" else
                "Nothing is suppressed: this version holds small numbers and is not for publication."))
        items = [
            ("Framework", f"{fw.name}, version {fw.version}."),
            ("Denominators", "A percentage of audits is of the audits that carry a grade (ungraded audits are "
                             "excluded). A percentage for a practice standard is of the audits where it applied "
                             "(met or not met; not applicable is excluded). A percentage for a survey question is "
                             "of those who answered it (no row means not answered). A sample share is the number "
                             "audited or responding divided by the population given in quarter.yaml."),
            ("Rounding", "Percentages are shown as whole numbers rounded half up (8.5 becomes 9); figures.json "
                         "keeps exact values."),
            ("Uncertainty", f"Each percentage has a {100 * (1 - alpha):g}% Wilson score interval "
                            f"(statsmodels {_version('statsmodels')}, proportion_confint, method 'wilson')."),
            ("Comparisons", f"A change since the previous quarter is tested with a two-sided Fisher's exact test "
                            f"on the two quarters' counts (SciPy {_version('scipy')}). It is called comparable "
                            f"when p ≥ {alpha:g}, otherwise an improvement or a decline by the framework's "
                            f"direction. " + " ".join(directions)),
            ("Scale changes", "Grades are compared only between quarters on the same scale; across a change, only "
                              "bands the framework maps onto each other are compared, and trend charts mark the "
                              "break. " + " ".join(mappings)),
            ("Small numbers", suppression + f" A percentage resting on fewer than {fw.minimum_base} cases or "
                              f"respondents is marked [u] (low reliability)."),
            ("Moderation", "Figures use the auditor's grade. Where a moderator also graded an audit, agreement is "
                           "the share of identical grades, and linearly weighted Cohen's kappa (statsmodels "
                           "cohens_kappa) with its asymptotic 95% interval measures agreement beyond chance."),
            ("Software", f"qa-workbook {_version('qa-workbook')}, pandas {_version('pandas')}, "
                         f"pandera {_version('pandera')}."),
        ]
        body = "".join(f"<dt>{escape(term)}</dt><dd>{escape(text)}</dd>" for term, text in items)
        return Block(f'<section class="methodology"><h2>Appendix: methodology</h2><dl>{body}</dl></section>')

    def provenance_appendix(self) -> Block:
        """What produced this report: code, packages, parameters and every input's SHA-256
        (the manifest without times or output hashes)."""
        p = self.provenance
        git = p["git"]
        code = (f"qa-workbook {p['qa_workbook_version']} on Python {p['python']}, from commit "
                f"{git['commit'] or 'unknown (not a git checkout)'}"
                + (" with uncommitted changes" if git["dirty"] else "") + ".")
        parameters = "; ".join(f"{k} = {v}" for k, v in p["parameters"].items() if v is not None)
        body = [f"<p>{escape(code)} Parameters: {escape(parameters)}.</p>",
                self._table(tables.Table("Packages that compute or render the report", ["Package", "Version"],
                                         [[name, version] for name, version in p["packages"].items()])),
                self._table(tables.Table("Input files and their SHA-256", ["File", "SHA-256"],
                                         [[path, digest] for path, digest in p["inputs"].items()],
                                         notes=["qa-report verify re-checks these hashes and re-runs the report."]))]
        if self.revisions:
            body.append(self._table(tables.Table(
                f"Revisions to {self.previous_quarter.short_label} figures since they were published",
                ["Figure", "Published", "Revised"],
                [[key, _shown_value(old), _shown_value(new)] for key, old, new in self.revisions],
                notes=["The report uses the revised figures and marks them [r]."])))
        return Block('<section class="provenance"><h2>Appendix: how this report was produced</h2>'
                     f'{"".join(body)}</section>')

    def figures_output(self) -> FiguresOutput:
        """The figures as a machine-readable output the renderer writes to figures.json."""
        return FiguresOutput(self.figures_document(), self.title, self.marking,
                             self.meeting.get("contact") or {}, self.provenance, self._document_date(),
                             self._warnings_for_output())

    def _warnings_for_output(self) -> list[dict[str, Any]]:
        """The run's warnings, for the command to show once the notebook has run. A warning
        about the commentary goes without the words it warns about: they may identify someone,
        and the executed notebook is an output."""
        commentary = self.current.data.commentary_source
        return [asdict(replace(p, value=None) if commentary and p.file == commentary else p) for p in self.warnings]

    def _document_date(self) -> str:
        """The date the PDF and spreadsheet carry: the meeting's, else the quarter's end,
        so that a re-run makes the same bytes."""
        try:
            return date.fromisoformat(str(self.meeting.get("date"))).isoformat()
        except ValueError:
            return self.quarter.end_date.isoformat()


@dataclass
class FiguresOutput:
    """What the renderer needs besides the HTML: the figures, the title and
    marking, and every table as data for the spreadsheet annex."""

    document: dict[str, Any]
    title: str
    marking: str
    contact: dict[str, Any]
    provenance: dict[str, Any]
    document_date: str
    warnings: list[dict[str, Any]] = field(default_factory=list)

    def _repr_mimebundle_(self, include=None, exclude=None):
        figures = self.document["figures"]
        text = (f"{len(figures)} figures for {self.document['quarter']}; previous quarter: "
                f"{self.document['previous_quarter'] or 'none'} ({len(self.document['previous'])} figures)")
        return {FIGURES_MIME: {"figures": self.document, "title": self.title, "marking": self.marking,
                               "contact": self.contact, "provenance": self.provenance,
                               "document_date": self.document_date, "warnings": self.warnings},
                "text/plain": text}


PARA_NUMBER = '<span class="para-no"></span> '  # filled with the paragraph's number by the renderer

_MD = MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])
_ALLOWED_TAGS = {"p", "ul", "ol", "li", "em", "strong", "a", "blockquote", "br", "h4", "code", "span"}


def _markdown(text: str) -> str:
    """Commentary Markdown to HTML that can format but not inject script, images, or any
    attribute the stylesheet or page layout reacts to (class, id, style): the marking and
    watermark come from the mode and status alone. Its own paragraphs are numbered after
    sanitising, in the report's run of paragraph numbers."""
    from bs4 import BeautifulSoup

    clean = nh3.clean(_MD.render(text), tags=_ALLOWED_TAGS, attributes={"a": {"href"}},
                      url_schemes={"https", "mailto"})
    soup = BeautifulSoup(clean, "html.parser")
    for paragraph in soup.find_all("p", recursive=False):  # a paragraph of its own, not inside a list or quote
        paragraph["class"] = "para"
        paragraph.insert(0, BeautifulSoup(PARA_NUMBER, "html.parser"))
    return str(soup)


def _version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def _shown_value(value: Any) -> str:
    if value is None:
        return "[x]"
    return f"{value:.6g}" if isinstance(value, float) else str(value)


def _date_text(value: Any) -> str | None:
    if value in (None, ""):
        return None
    try:
        parsed = value if hasattr(value, "strftime") else date.fromisoformat(str(value))
        return f"{parsed.day} {parsed.strftime('%B %Y')}"
    except ValueError:
        return str(value)


# Packages whose versions can change a number or the rendering; named in the manifest and appendix.
PROVENANCE_PACKAGES = ("pandas", "numpy", "pandera", "scipy", "statsmodels", "matplotlib", "afcharts",
                       "papermill", "nbconvert", "weasyprint", "pypandoc-binary", "gptables", "markdown-it-py", "nh3")
STATUSES = ("draft", "final")
# Prefixes of input names in the provenance record: where each lies is a parameter, not a machine path.
DATA_ROOT, OUTPUT_DIR, PARAMS = "<data root>", "<output dir>", "<params>"


def _git(root: Path) -> dict[str, Any]:
    """The commit the code came from and whether the working tree differed from it."""
    try:
        commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True,
                                check=True).stdout.strip()
        dirty = bool(subprocess.run(["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True,
                                    check=True).stdout.strip())
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def build_report(quarter: str, data_root: str = "data/sample", framework: str = "params/framework.yaml",
                 mode: str = "publication", status: str = "draft", output_dir: str = "outputs",
                 params_file: str | None = None) -> Report:
    """Load, validate and compute a quarter, its predecessor and its history.

    Paths are relative to the project root, wherever the caller runs. ``mode``
    is ``publication`` (small numbers suppressed) or ``internal`` (everything
    shown); ``status`` is ``draft`` (watermarked) or ``final``. ``output_dir``
    is where earlier quarters' published ``figures.json`` are looked for.

    Raises
    ------
    InputError
        (or a subclass) for bad parameters, framework, data or commentary.
    """
    if mode not in MODES:
        raise ParameterError(f"mode {mode!r} is not one of {', '.join(MODES)}")
    if status not in STATUSES:
        raise ParameterError(f"status {status!r} is not one of {', '.join(STATUSES)}")
    root = project_root()
    this = Quarter.parse(quarter)
    framework_path = resolve(framework, root)
    fw = load_framework(framework_path)
    data_root_path = resolve(data_root, root)
    outputs_path = resolve(output_dir, root)
    current = compute_quarter(data_root_path, this, fw)
    data_set = data_set_name(data_root_path)
    results, invalid = _earlier_quarters(data_root_path, this, fw, current)
    for q, result in results.items():
        if q.previous in results:
            result.figures.update(comparison_figures(result.figures, results[q.previous].figures, fw, q))
    inputs = {display(framework_path, root): sha256(framework_path)}
    if params_file:
        # Named by its file name alone: it may lie anywhere, and its own content is what is hashed.
        inputs[f"{PARAMS}/{Path(params_file).name}"] = sha256(resolve(params_file, root))
    # Data files are named within the data root (given by the parameters), so the record
    # holds no machine path and reads the same wherever the data root lies.
    if data_set is not None:
        inputs[f"{DATA_ROOT}/{DATA_SET_FILE}"] = sha256(data_root_path / DATA_SET_FILE)
    for q in sorted([*results, *invalid]):
        try:
            files = quarter_files(data_root_path, q)
        except DataError:  # an earlier quarter refused for an unsafe file: nothing of it is read
            continue
        inputs |= {f"{DATA_ROOT}/{p.relative_to(data_root_path).as_posix()}": sha256(p) for p in files}
    published, ignored = _published_history(outputs_path, this, data_set)
    inputs |= {f"{OUTPUT_DIR}/{q}/figures.json": sha256(outputs_path / str(q) / "figures.json") for q in published}
    previous = results.get(this.previous)
    revisions = _revisions(published.get(this.previous), previous.figures) if previous else []
    sources = {q: r.figures for q, r in results.items()} | {q: f for q, f in published.items() if q not in results}
    views = {q: View(f, suppressed_keys(f, fw, q) if mode == "publication" else frozenset(), fw.minimum_base,
                     revised=frozenset(k for k, _, _ in revisions) if q == this.previous else frozenset())
             for q, f in sources.items()}
    history: list[tuple[Quarter, View | None]] = []
    if sources:
        q = min(sources)
        while q <= this:
            history.append((q, views.get(q)))
            q = q.next
    context = narrative.context_values(this, this.previous)
    raw = current.data.commentary
    source = current.data.commentary_source or "commentary.md"
    before_view = views.get(this.previous) if previous else None
    filled = narrative.fill_placeholders(raw or "", views[this], before_view or View({}, available=False),
                                         context, source)
    commentary = narrative.parse_commentary(filled, commentary_sections(fw), source)
    warnings = (current.data.warnings
                + _report_warnings(fw, current, previous, this,
                                   display(quarter_folder(data_root_path, this.previous), root), invalid)
                + _history_warnings(data_set, display(data_root_path, root), ignored, invalid))
    if mode == "publication":
        warnings += narrative.identifying_details(raw or "", source)
    for problem in warnings:
        log.info(problem.describe())
    # Paths as the project sees them: no machine path or user name reaches an output. The
    # output folder is left out: the same inputs make the same report wherever it is written
    # (the published figures.json read from it are inputs, with their hashes).
    parameters = {"quarter": str(this), "data_root": display(data_root_path, root),
                  "framework": display(framework_path, root), "mode": mode, "status": status,
                  "params_file": f"{PARAMS}/{Path(params_file).name}" if params_file else None}
    provenance = {
        "qa_workbook_version": _version("qa-workbook"),
        "python": platform.python_version(),
        "packages": {name: _version(name) for name in PROVENANCE_PACKAGES},
        "git": _git(root),
        "parameters": parameters,
        "inputs": dict(sorted(inputs.items())),
        "data_set": data_set,  # for the manifest: history is taken only from runs of the same data set
    }
    if not previous:
        views.pop(this.previous, None)  # a published figures.json alone is not a comparison
    why = (f"the data for {this.previous.long_name} did not pass validation" if this.previous in invalid else "")
    return Report(fw, this, mode, current, previous, views, history, commentary, warnings,
                  status=status, revisions=revisions, provenance=provenance, previous_missing=why)


def _earlier_quarters(data_root: Path, this: Quarter, fw: Framework, current: QuarterResult
                      ) -> tuple[dict[Quarter, QuarterResult], dict[Quarter, list[Problem]]]:
    """This quarter and every earlier one the data root holds, computed; and the earlier
    quarters whose data are invalid, with their problems. An invalid earlier quarter is left
    out of the comparison and trend (with a warning), never a reason to refuse this one."""
    results: dict[Quarter, QuarterResult] = {this: current}
    invalid: dict[Quarter, list[Problem]] = {}
    for q in available_quarters(data_root):
        if q >= this:
            continue
        try:
            results[q] = compute_quarter(data_root, q, fw)
        except DataError as exc:
            invalid[q] = exc.problems
    return results, invalid


def _published_history(outputs: Path, this: Quarter, data_set: str | None
                       ) -> tuple[dict[Quarter, dict[str, Any]], dict[Quarter, str]]:
    """Figures of earlier quarters as published into ``outputs`` by runs of the same data set,
    and, for those not used, why not."""
    published: dict[Quarter, dict[str, Any]] = {}
    ignored: dict[Quarter, str] = {}
    for q in available_quarters(outputs):
        found = published_figures(outputs, q, data_set) if q < this else None
        if isinstance(found, str):
            ignored[q] = found
        elif found:
            published[q] = found[0]
    return published, ignored


def _history_warnings(data_set: str | None, data_root: str, ignored: dict[Quarter, str],
                      invalid: dict[Quarter, list[Problem]]) -> list[Problem]:
    """What the analyst should know about the quarters the comparison and trend could not use."""
    warnings = []
    if data_set is None:
        warnings.append(Problem("unnamed_data_set", f"{data_root}/{DATA_SET_FILE}", None, None, None,
                                "a data_set.yaml naming this data set (data_set: <name>); without it the data root "
                                "is a data set of its own and no published history is used", "warning"))
    for q, why in sorted(ignored.items()):
        warnings.append(Problem("published_history_ignored", f"{OUTPUT_DIR}/{q}/figures.json", None, None, None,
                                f"published figures of this data set; not used as history: {why}", "warning"))
    for q, problems in sorted(invalid.items()):
        # Named by rule and place only: a value could identify someone, and warnings reach the outputs.
        first = problems[0]
        where = first.file + ("" if first.row is None else f", row {first.row}") + \
            (f", column {first.column!r}" if first.column else "")
        warnings.append(Problem("earlier_quarter_invalid", first.file, None, None, None,
                                f"valid data for {q}: it has {len(problems)} problem(s), the first [{first.rule}] in "
                                f"{where}; {q} is left out of the comparison and trend until "
                                f"`qa-report validate --quarter {q}` passes", "warning"))
    return warnings


def _revisions(published: dict[str, Any] | None, recomputed: Figures) -> list[tuple[str, Any, Any]]:
    """Figures of the previous quarter whose published value differs from a recomputation."""
    if not published:
        return []
    changed = []
    for key in sorted(set(published) | set(recomputed)):
        old, new = published.get(key), recomputed.get(key)
        if isinstance(old, (int, float)) and isinstance(new, (int, float)) and math.isclose(old, new, abs_tol=1e-9):
            continue
        if old != new:
            changed.append((key, old, new))
    return changed


def _report_warnings(framework: Framework, current: QuarterResult, previous: QuarterResult | None,
                     quarter: Quarter, previous_folder: str, invalid: dict[Quarter, list[Problem]]) -> list[Problem]:
    """What the analyst should know although the report can be made."""
    warnings = []
    if previous is None and quarter.previous not in invalid:
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
