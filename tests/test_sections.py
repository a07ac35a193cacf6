"""The paper's sections without executing the notebook: their sentences, tables (no empty
cell, typed values), charts (repeatable, described in words), and what they say when a
quarter is missing, a service has no audits or the commentary misbehaves; the registry and
the notebook agree; a new section is one module, one registry line and one cell."""

from __future__ import annotations

import csv
import re

import pytest
import yaml
from bs4 import BeautifulSoup

from qa_lib.context import build_context
from qa_lib.disclosure import NOT_APPLICABLE, NOT_AVAILABLE
from qa_lib.errors import CommentaryError
from qa_lib.paper import Figure, Paragraph, SectionOutput, Table, assemble, walk
from qa_lib.quarter import Quarter
from qa_lib.sections import REGISTRY, section
from qa_lib.sections.audits import (
    audit_comparison,
    audit_sentences,
    grade_chart,
    grade_table,
    standards_sentences,
    trend_chart,
    trend_series,
)
from qa_lib.sections.feedback import survey_sentences

from helpers import ROOT, section_html, view_of

Q4 = Quarter.parse("2013-14-Q4")


def text_of(blocks) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", section_html(blocks)))


def unavailable():
    return view_of({}, available=False)


# -- sentences --------------------------------------------------------------------------------


def _service_with_headline(framework):
    for service in framework.services:
        scale = framework.scale_for(service.id, Q4)
        if scale and scale.headline_band:
            return service, scale
    raise AssertionError


def test_audit_sentences_carry_the_headline_and_worst_grade(framework):
    service, scale = _service_with_headline(framework)
    band = scale.band(scale.headline_band)
    worst = scale.worst_grade
    key = f"audits.{service.id}"
    figures = {
        f"{key}.count": 320,
        f"{key}.graded": 320,
        f"{key}.band.{band.id}.pct": 81.875,
        f"{key}.grade.{worst.id}.pct": 18.125,
    }
    figures |= {f"{key}.grade.{g.id}.count": 1 for g in scale.grades}
    text = " ".join(audit_sentences(service, scale, view_of(figures), Q4))
    assert f"A total of 320 {service.audit_unit} were audited and graded in quarter 4." in text
    assert f"82% were judged {band.label} and 18% were judged {worst.label.lower()}." in text


def test_no_audits_says_so(framework):
    service, scale = _service_with_headline(framework)
    sentences = audit_sentences(service, scale, view_of({f"audits.{service.id}.count": 0}), Q4)
    assert sentences == [f"No {service.audit_unit} were audited by {service.name} in quarter 4."]


def test_comparison_explains_a_missing_quarter_or_a_scale_change(framework):
    service, scale = _service_with_headline(framework)
    assert audit_comparison(service, framework, view_of({}), unavailable(), Q4) == []
    first_ofsted = Quarter.parse("2014-15-Q1")
    changed = audit_comparison(
        service, framework, view_of({}), view_of({f"audits.{service.id}.graded": 10}), first_ofsted
    )
    assert f"{service.name} grades on a new scale from quarter 1" in changed[0]


def test_standards_sentences_flag_team_types_above_the_threshold(framework):
    service = next(s for s in framework.services if s.standards)
    first, second = service.standards[0], service.standards[1]
    p = f"standards.{service.id}"
    figures = {
        f"{p}.{first.id}.met.pct": 98.0,
        f"{p}.{second.id}.met.pct": 70.0,
        f"{p}.{second.id}.team_type.fieldwork.not_met.pct": 27.0,
        f"{p}.{first.id}.team_type.fieldwork.not_met.pct": 2.0,
    }
    text = " ".join(standards_sentences(service, framework, view_of(figures)))
    assert f"“{first.label}”, met in 98%" in text
    assert f"{second.label} (not met in 27% of fieldwork cases)" in text
    assert f"{first.label} (not met" not in text


def test_survey_sentences(framework):
    survey = framework.surveys[0]
    q = survey.questions[0]
    key = f"feedback.{survey.id}"
    figures = {
        f"{key}.respondents": 14,
        f"{key}.age.min": 6,
        f"{key}.age.max": 18,
        f"{key}.{q.id}.answered": 14,
        f"{key}.{q.id}.positive.pct": 100.0,
        f"{key}.{q.id}.positive.count": 14,
    }
    text = " ".join(survey_sentences(survey, view_of(figures)))
    assert f"14 {survey.respondent_noun} took part, aged 6 to 18." in text
    # 14 is below the minimum base: said in words, never with a symbol.
    assert f"Of the 14 who answered (a small number of people), 100% {q.positive_statement}." in text
    assert "[u]" not in text
    assert survey_sentences(survey, view_of({})) == []
    hidden = view_of(figures, suppressed=(f"{key}.respondents", f"{key}.{q.id}.answered"))
    text = " ".join(survey_sentences(survey, hidden))
    assert f"The number of {survey.respondent_noun} who took part is not shown, to protect confidentiality." in text
    assert "[c]" not in text and "aged" not in text and "100%" not in text


# -- tables and charts ---------------------------------------------------------------------


def _figures(service, scale, shares):
    key = f"audits.{service.id}"
    figures = {f"{key}.graded": 100, f"{key}.count": 100}
    for grade, share in zip(scale.grades, shares):
        figures[f"{key}.grade.{grade.id}.count"] = share
        figures[f"{key}.grade.{grade.id}.pct"] = float(share)
    for band in scale.bands:
        n = sum(figures[f"{key}.grade.{g}.count"] for g in band.grades)
        figures[f"{key}.band.{band.id}.count"] = n
        figures[f"{key}.band.{band.id}.pct"] = float(n)
    return figures


def test_grade_table_marks_a_missing_previous_quarter_with_a_symbol(framework):
    service, scale = _service_with_headline(framework)
    shares = [100 // len(scale.grades)] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    table = grade_table(service, framework, Q4, view_of(_figures(service, scale, shares)), unavailable())
    assert all(cell.text.strip() for row in table.rows for cell in row)
    assert all(row[4].text == NOT_AVAILABLE and row[-1].text in (NOT_AVAILABLE, NOT_APPLICABLE) for row in table.rows)
    assert len(table.columns) == len(set(table.columns)) == len(table.rows[0])
    html = section_html([table])
    assert '<caption><span class="table-no">Table</span>: ' in html and html.count('scope="col"') == len(table.columns)
    assert html.count('scope="row"') == len(table.rows)
    assert "[x] not available" in html
    # Typed: counts are numbers, shares exact, symbols apart from values.
    first = table.rows[0]
    assert first[1].kind == "count" and first[1].value == shares[0]
    assert first[2].kind == "percent" and first[2].value == float(shares[0])
    assert first[4].symbol == NOT_AVAILABLE and first[4].value is None
    frame = table.frame()
    assert list(frame.columns) == table.columns and frame.iloc[0, 1] == shares[0]


def test_grade_chart_is_repeatable_vector_and_its_alt_text_has_the_numbers(framework):
    service, scale = _service_with_headline(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    first = grade_chart(service, scale, framework, Q4, view_of(figures), unavailable())
    second = grade_chart(service, scale, framework, Q4, view_of(figures), unavailable())
    assert first.svg == second.svg and first.svg.lstrip().startswith("<?xml") and "<svg" in first.svg
    assert "<image" not in first.svg and "<text" not in first.svg  # vectors only: text drawn as outlines
    assert f"{scale.grades[-1].label.lower()} {shares[-1]}%" in first.alt
    assert "Q4 2013-14" in first.alt and Q4.previous.short_label not in first.alt
    # The title states the finding, the subtitle what is shown, the source where it comes from.
    band = scale.band(scale.headline_band)
    assert first.title.startswith(f"{service.name}: ") and band.label in first.title and "quarter 4" in first.title
    assert first.subtitle.startswith("Share of graded audits in each grade") and first.source.startswith("Source: ")


def test_trend_chart_leaves_a_gap_for_a_missing_quarter(framework):
    service, scale = _service_with_headline(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    q2, q3 = Q4.previous.previous, Q4.previous
    history = [(q2, view_of(figures, quarter=str(q2))), (q3, None), (Q4, view_of(figures))]
    series, breaks = trend_series(framework, history)
    chart = trend_chart(history, series, breaks, None)
    described = re.search(rf"{re.escape(service.name)} \([^)]*\): ([^;]*)", chart.alt)[1]
    assert q2.short_label in described and Q4.short_label in described
    assert q3.short_label not in described
    assert "scale change" not in chart.alt and "dashed line" not in chart.alt
    # Nothing was tested: the title claims no change, real or not.
    assert "normal variation" not in chart.title and "rose" not in chart.title and "fell" not in chart.title


def test_a_suppressed_grade_keeps_its_quarter_out_of_the_chart(framework):
    service, scale = _service_with_headline(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    hidden = view_of(figures, suppressed=(f"audits.{service.id}.grade.{scale.grades[0].id}.count",))
    assert grade_chart(service, scale, framework, Q4, hidden, unavailable()) is None
    table = grade_table(service, framework, Q4, hidden, unavailable())
    assert [c.text for c in table.rows[0][1:3]] == ["[c]", "[c]"]
    assert any(note.startswith("[c] ") for note in table.notes)


# -- sections of a quarter ------------------------------------------------------------------


def test_without_a_previous_quarter_the_report_says_so(copy_sample):
    root = copy_sample("2013-14-Q4")
    context = build_context("2013-14-Q4", str(root), output_dir=str(root.parent / "outputs"))
    doc = context.figures_document()
    assert doc["previous_quarter"] is None and doc["previous"] == {}
    assert "No comparison with the previous quarter is available: there are no data for quarter 3 2013-14." in text_of(
        section("audits").build(context)
    )
    assert context.history == [(context.quarter, context.view)]


def test_a_service_with_no_audits_says_so_without_nan(copy_sample, framework):
    root = copy_sample("2013-14-Q3", "2013-14-Q4")
    path = root / "2013-14-Q4" / "case_audits.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    service = next(
        s
        for s in framework.services
        if not s.standards and framework.scale_for(s.id, Quarter.parse("2013-14-Q4")) is not None
    )
    kept = [r for r in rows if r["service"] != service.id]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    meta_path = root / "2013-14-Q4" / "quarter.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    meta["populations"]["audits"].pop(service.id, None)  # no audits: no population to sample
    meta_path.write_text(yaml.safe_dump(meta), encoding="utf-8")
    context = build_context("2013-14-Q4", str(root), output_dir=str(root.parent / "outputs"))
    html = text_of(section("audits").build(context))
    assert f"No {service.audit_unit} were audited by {service.name} in quarter 4." in html
    assert "nan" not in html.lower().split()
    assert context.figures_document()["figures"][f"audits.{service.id}.count"] == 0


def test_unknown_commentary_placeholder_stops_the_build(copy_sample):
    root = copy_sample("2013-14-Q4")
    path = root / "2013-14-Q4" / "commentary.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## summary_typo\n", encoding="utf-8")
    with pytest.raises(CommentaryError, match="unknown section id 'summary_typo'"):
        build_context("2013-14-Q4", str(root))
    path.write_text("## summary\n{audits.csc.graded_pct}\n", encoding="utf-8")
    with pytest.raises(CommentaryError, match=r"commentary.md, line 2: unknown placeholder \{audits.csc.graded_pct\}"):
        build_context("2013-14-Q4", str(root))


def test_commentary_markdown_cannot_inject_script_or_images(copy_sample):
    root = copy_sample("2013-14-Q4")
    (root / "2013-14-Q4" / "commentary.md").write_text(
        "## summary\n\n**Bold** <script>alert(1)</script> ![x](https://example.org/x.png) "
        "<img src=x onerror=alert(1)>\n",
        encoding="utf-8",
    )
    html = section_html(section("closing").build(build_context("2013-14-Q4", str(root))))
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "<img" not in html and "onerror" not in html


@pytest.mark.parametrize(
    "markup",
    [
        '<p class="marking">OFFICIAL</p>',
        '<span class="watermark" id="x">PAID</span>',
        '<p style="position: fixed">Moved</p>',
        '<h4 class="marking">OFFICIAL</h4>',
    ],
)
def test_commentary_cannot_set_a_class_id_or_style(copy_sample, markup):
    root = copy_sample("2013-14-Q4")
    (root / "2013-14-Q4" / "commentary.md").write_text(f"## summary\n\n{markup}\n\nText.\n", encoding="utf-8")
    context = build_context("2013-14-Q4", str(root), mode="internal")
    soup = BeautifulSoup(section_html(section("closing").build(context)), "html.parser")
    allowed = {"paras", "para", "para-no", "recommendation", "signature", "contact"}
    assert {c for tag in soup.find_all(class_=True) for c in tag["class"]} <= allowed
    assert not soup.find_all(id=True) and not soup.find_all(style=True)


def test_figure_and_table_numbers_run_through_the_paper(sample_context):
    context = sample_context("2013-14-Q4")
    parts = [section(name).render(context) for name in ("audits", "feedback", "audits")]
    assert not re.search(r"(Figure|Table) \d", "".join(section_html(p.blocks) for p in parts)), (
        "a cell carries no numbers of its own"
    )
    paper = assemble([SectionOutput.from_json(p.to_json()) for p in parts], {})
    figures = [b.number for b in walk(paper.blocks) if isinstance(b, Figure)]
    tables = [b.number for b in walk(paper.blocks) if isinstance(b, Table)]
    paragraphs = [b.number for b in walk(paper.blocks) if isinstance(b, Paragraph) and b.numbered]
    assert figures == list(range(1, len(figures) + 1)) and len(figures) >= 10
    assert tables == list(range(1, len(tables) + 1))
    assert paragraphs == list(range(1, len(paragraphs) + 1))
    # Alt text carries the chart's numbers.
    assert re.search(r'alt="[^"]*Q4 2013-14: good 22%, adequate 60% and inadequate 18%', section_html(parts[0].blocks))


def test_a_section_survives_its_json_unchanged(sample_context):
    context = sample_context("2014-15-Q1", mode="internal")
    for each in REGISTRY:
        made = each.render(context)
        again = SectionOutput.from_json(made.to_json())
        assert again == made, each.id
        assert section_html(again.blocks) == section_html(made.blocks)


def test_the_registry_and_the_notebook_agree():
    import nbformat

    nb = nbformat.read(ROOT / "notebooks" / "quarterly_report.ipynb", as_version=4)
    called = [
        m
        for cell in nb.cells
        if cell.cell_type == "code"
        for m in re.findall(r"""section\(["']([a-z_]+)["']\)""", cell.source)
    ]
    assert called == [s.id for s in REGISTRY]


@pytest.mark.slow
def test_a_new_section_is_one_module_one_registry_line_and_one_cell(tmp_path, monkeypatch):
    """A section added from a module of its own reaches the HTML, its contents and the PDF."""
    import nbformat
    from pypdf import PdfReader

    from qa_lib import pipeline
    from qa_lib.cli import main

    (tmp_path / "complaints_section.py").write_text(
        """
from qa_lib.paper import Box, Heading, Paragraph, spans
from qa_lib.sections.base import Section


def build(context):
    return [Box("section", [Heading(2, "Learning from complaints"),
                            Paragraph(spans(f"Complaints closed in {context.quarter.long_name}."), True)])]


SECTION = Section("complaints", build)
""",
        encoding="utf-8",
    )
    nb = nbformat.read(ROOT / pipeline.NOTEBOOK, as_version=4)
    closing = next(i for i, c in enumerate(nb.cells) if 'section("closing")' in c.source)
    # The registry line (here made in the kernel, as qa_lib/sections/__init__.py would hold it) and the cell.
    cell = nbformat.v4.new_code_cell(
        "import complaints_section\nfrom qa_lib.sections import REGISTRY\n"
        'REGISTRY.insert(5, complaints_section.SECTION)\nsection("complaints").render(context)'
    )
    cell.metadata["tags"] = ["paper"]
    nb.cells.insert(closing, cell)
    notebook = tmp_path / "report.ipynb"
    nbformat.write(nb, notebook)
    monkeypatch.setattr(pipeline, "NOTEBOOK", str(notebook))
    monkeypatch.setenv("PYTHONPATH", str(tmp_path))
    out = tmp_path / "outputs"
    assert main(["run", "--quarter", "2013-14-Q4", "--data-root", "data/sample", "--output-dir", str(out)]) == 0
    soup = BeautifulSoup((out / "2013-14-Q4" / "report.html").read_text(encoding="utf-8"), "html.parser")
    contents = [a.get_text() for a in soup.find("nav", class_="contents").find_all("a")]
    assert (
        contents.index("Learning from complaints")
        == contents.index("Engagement of Elected Members and senior officers in quality assurance") + 1
    )
    paragraph = next(p for p in soup.find_all("p", class_="para") if "Complaints closed" in p.get_text())
    assert re.fullmatch(r"\d+\. Complaints closed in quarter 4 2013-14\.", paragraph.get_text())
    pdf = " ".join(page.extract_text() for page in PdfReader(out / "2013-14-Q4" / "report.pdf").pages)
    assert "Learning from complaints" in pdf and "Complaints closed in quarter 4 2013-14." in pdf
