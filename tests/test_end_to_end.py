"""Back-test: the sample quarter 2013-14-Q4 run through `qa-report run` reproduces
every figure of the seed report ("Nottinghamshire Children's Services Quality Assurance
Framework", report to the Children and Young People's Committee, 16 June 2014) and reads like it."""

from __future__ import annotations

import json
import math
import re
import subprocess
import sys

import nbformat
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from qa_lib.figures import VERDICTS
from qa_lib.formatting import whole_percent

from helpers import ROOT

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

# (key in figures, value as the seed shows it); percentages are compared after
# rounding half up, counts exactly. Transcribed from the seed report.
SEED_FIGURES = [
    ("audits.csc.count", 320),
    ("audits.csc.graded", 320),
    ("audits.csc.band.adequate_or_better.pct", 82),
    ("audits.csc.grade.inadequate.pct", 18),
    ("standards.csc.working_together.met.pct", 98),
    ("standards.csc.timescales.team_type.fieldwork.not_met.pct", 27),
    ("standards.csc.management_oversight.team_type.fieldwork.not_met.pct", 19),
    ("audits.tss.count", 101),
    ("audits.tss.band.good_or_better.pct", 59),
    ("audits.tss.grade.inadequate.pct", 9),
    ("audits.ncfp.count", 235),
    ("audits.ncfp.graded", 0),
    ("audits.caf.count", 15),
    ("audits.caf.grade.good.count", 4),
    ("audits.caf.grade.requires_improvement.count", 9),
    ("audits.caf.grade.inadequate.count", 2),
    ("audits.caf.risk_of_harm.count", 0),
    ("audits.caf.sample_pct", 14),
    ("feedback.cp_child_interview.respondents", 14),
    ("feedback.cp_child_interview.age.min", 6),
    ("feedback.cp_child_interview.age.max", 18),
    ("feedback.cp_parent_questionnaire.respondents", 4),
    ("feedback.cp_child_interview.feels_safe.positive.pct", 100),
    ("feedback.ehc_parent_interview.sample_pct", 15),
    ("feedback.ehc_parent_interview.overall_satisfaction.positive.pct", 100),
    ("feedback.ehc_parent_interview.aware_of_local_offer.answer.no.pct", 67),
    ("feedback.ehc_parent_interview.informed_personal_budgets.answer.no.pct", 86),
    ("feedback.ehu_contact_interview.respondents", 25),
    ("feedback.ehu_contact_interview.sample_pct", 5),
    ("engagement.location_type.out_of_area.count", 2),
    ("engagement.type.scrutiny_board.count", 2),
]
SEED_PREVIOUS = [("audits.tss.band.good_or_better.pct", 52), ("audits.tss.grade.inadequate.pct", 18)]

# Sentences a committee member reads in the seed, as the workbook writes them.
KEY_SENTENCES = [
    "A total of 320 cases were audited and graded in quarter 4.",
    "Of the cases audited, 82% were judged adequate or good and 18% were judged inadequate.",
    "A total of 101 targeted support cases were audited and graded in quarter 4.",
    "Of the targeted support cases audited, 59% were judged good or outstanding and 9% were judged inadequate.",
    "Compared with quarter 3, the changes in the shares judged good or outstanding (52% to 59%) and judged "
    "inadequate (18% to 9%) are within normal variation.",
    "A total of 235 family support cases were audited in quarter 4.",
    "By grade: 4 good, 9 requires improvement and 2 inadequate.",
    "In none of the audited cases was a child judged to be at risk of harm.",
    "The CAFs audited represent 14% of CAFs undertaken by agencies other than Targeted Support and Children's Centres.",
    "14 children and young people took part, aged 6 to 18.",
    "100% (of 14, a small number) report feeling safe",
    "in 98% of cases, the divisional standard",
    "67% (a small number of people) did not know about the local offer",
    "The share not informed about personal budgets was 86% (a small number of people).",
]


def shown(value, key):
    return whole_percent(value) if key.endswith("pct") else value


@pytest.mark.parametrize("key, expected", SEED_FIGURES)
def test_every_seed_figure_is_reproduced(sample_figures, key, expected):
    assert shown(sample_figures["figures"][key], key) == expected


@pytest.mark.parametrize("key, expected", SEED_PREVIOUS)
def test_seed_comparison_figures_come_from_the_previous_quarter(sample_figures, key, expected):
    assert shown(sample_figures["previous"][key], key) == expected


def test_figures_json_shape_and_exactness(sample_figures):
    doc = sample_figures
    assert set(doc) == {"quarter", "previous_quarter", "figures", "previous"}
    assert doc["quarter"] == "2013-14-Q4" and doc["previous_quarter"] == "2013-14-Q3"
    assert doc["figures"]["audits.csc.band.adequate_or_better.pct"] == 81.875  # exact, unrounded
    assert abs(doc["previous"]["audits.csc.band.adequate_or_better.pct"] - 82) <= 3  # "comparable"
    assert doc["figures"]["engagement.type.residential_home_visit.count"] >= 2
    for values in (doc["figures"], doc["previous"]):
        words = {k: v for k, v in values.items() if isinstance(v, str)}
        assert words and all(k.endswith(".change.verdict") and v in VERDICTS for k, v in words.items())
        assert all(
            isinstance(v, (int, float)) and not isinstance(v, bool) and math.isfinite(v)
            for k, v in values.items()
            if k not in words
        )
    assert doc["figures"]["audits.tss.band.good_or_better.change.verdict"] == "comparable"
    assert (
        doc["figures"]["audits.tss.band.good_or_better.ci_low"]
        < 59.4
        < doc["figures"]["audits.tss.band.good_or_better.ci_high"]
    )
    # Every key of the previous quarter that exists on both sides uses the same grammar.
    assert set(doc["previous"]) & set(doc["figures"])


def test_outputs_are_written(sample_run):
    for name in ("report.ipynb", "report.html", "report.pdf", "figures.json"):
        assert (sample_run / name).stat().st_size > 0, name
    assert not [p for p in sample_run.parent.glob(".2013-14-Q4*") if p.is_dir()], "no temporary folder is left"


@pytest.fixture(scope="module")
def html(sample_run) -> str:
    return (sample_run / "report.html").read_text(encoding="utf-8")


@pytest.fixture(scope="module")
def soup(html) -> BeautifulSoup:
    return BeautifulSoup(html, "html.parser")


def plain(text: str) -> str:
    return re.sub(r"\s+", " ", text).replace("’", "'")


@pytest.fixture(scope="module")
def pdf_text(sample_run) -> str:
    reader = PdfReader(sample_run / "report.pdf")
    return re.sub(r"\s+", " ", " ".join(page.extract_text() for page in reader.pages))


@pytest.mark.parametrize("sentence", KEY_SENTENCES)
def test_key_sentences_in_html(soup, sentence):
    assert sentence in plain(soup.get_text(" "))


@pytest.mark.parametrize("sentence", KEY_SENTENCES)
def test_key_sentences_in_pdf(pdf_text, sentence):
    text = pdf_text.replace("’", "'")
    assert sentence in text


def test_html_is_self_contained_with_no_code_prompts_or_parameters(html, soup):
    assert html.startswith("<!DOCTYPE html>") and soup.html["lang"] == "en-GB"
    assert soup.title.string == "OFFICIAL-SENSITIVE: Children's Services Quality Assurance Framework"
    for leftover in (
        "build_context",
        "section(",
        "data_root = &quot;",
        'data_root = "',
        "In&nbsp;[",
        "jp-InputPrompt",
        "# Parameters",
        "injected-parameters",
        "<script",
        "Traceback",
    ):
        assert leftover not in html, leftover
    assert not re.search(r"""(src|href)=["']https?:""", html), "nothing is fetched from the network"
    images = soup.find_all("img")
    assert len(images) >= 6
    # Charts are vector images, inline as data: nothing to fetch, sharp at any zoom.
    assert all(img["src"].startswith("data:image/svg+xml;base64,") and len(img["alt"]) > 40 for img in images)
    assert "nan" not in plain(soup.get_text(" ")).lower().split()


def test_html_reads_like_the_seed(soup):
    order = [
        "Purpose of the report",
        "Outcomes from case file audit activity",
        "Children's Social Care",
        "Targeted Support Service",
        "Common Assessment Framework (CAF)",
        "Feedback from children, young people and families",
        "Early Help Unit",
        "Engagement of Elected Members and senior officers in quality assurance",
        "Summary",
        "Other options considered",
        "Recommendation/s",
    ]
    headings = [plain(h.get_text()) for h in soup.find_all(["h1", "h2", "h3"])]
    positions = [headings.index(h) for h in order]
    assert positions == sorted(positions)
    text = plain(soup.get_text(" "))
    assert "did the right things to help her feel safe" in text
    assert "I did not want anyone to read" not in text, "an unapproved quote was published"
    assert "a young person, aged 12–15" in text
    captions = [plain(c.get_text()) for c in soup.find_all(["figcaption", "caption"])]
    assert any(c.startswith("Figure 1: ") for c in captions) and any(c.startswith("Table 1: ") for c in captions)


def test_pdf_is_a4_with_page_numbers(sample_run, pdf_text):
    reader = PdfReader(sample_run / "report.pdf")
    width, height = (float(v) for v in reader.pages[0].mediabox[2:])
    assert (round(width), round(height)) == (595, 842)  # A4 in points
    assert f"Page 1 of {len(reader.pages)}" in pdf_text
    assert reader.metadata.title == "OFFICIAL-SENSITIVE: Children's Services Quality Assurance Framework"
    assert all("OFFICIAL-SENSITIVE" in page.extract_text() for page in reader.pages)


def test_executed_notebook_has_its_outputs(sample_run):
    nb = nbformat.read(sample_run / "report.ipynb", as_version=4)
    assert nb.metadata.papermill.parameters["quarter"] == "2013-14-Q4"
    assert not any(o.get("output_type") == "error" for c in nb.cells for o in c.get("outputs", []))


def test_plain_papermill_runs_the_notebook(tmp_path):
    out = tmp_path / "out.ipynb"
    subprocess.run(
        [
            sys.executable,
            "-m",
            "papermill",
            str(ROOT / "notebooks" / "quarterly_report.ipynb"),
            str(out),
            "-f",
            str(ROOT / "params" / "2014-15-Q1.yaml"),
            "--cwd",
            str(tmp_path),
        ],
        check=True,
        capture_output=True,
        cwd=tmp_path,
    )
    nb = nbformat.read(out, as_version=4)
    payload = next(
        o["data"]["application/vnd.qa-workbook+json"]
        for c in nb.cells
        for o in c.get("outputs", [])
        if "application/vnd.qa-workbook+json" in o.get("data", {})
    )
    assert payload["figures"]["quarter"] == "2014-15-Q1"
    assert payload["figures"]["previous_quarter"] == "2013-14-Q4"
    # The family support service is graded from 2014-15 on the new scale.
    assert payload["figures"]["figures"]["audits.ncfp.graded"] > 0


def test_committed_notebook_has_no_outputs():
    nb = json.loads((ROOT / "notebooks" / "quarterly_report.ipynb").read_text(encoding="utf-8"))
    code = [c for c in nb["cells"] if c["cell_type"] == "code"]
    assert code and all(not c["outputs"] and c["execution_count"] is None for c in code)
    assert sum("parameters" in c["metadata"].get("tags", []) for c in code) == 1


def test_publication_mode_suppresses_small_numbers(publication_run):
    soup = BeautifulSoup((publication_run / "report.html").read_text(encoding="utf-8"), "html.parser")
    text = plain(soup.get_text(" "))
    assert soup.title.string == "OFFICIAL: Children's Services Quality Assurance Framework"
    # The seed's CAF grades (4, 9 and 2 of 15) cannot all be shown.
    caf = next(t for t in soup.find_all("table") if "Common Assessment Framework" in t.caption.get_text())
    cells = [td.get_text() for td in caf.find_all("td")]
    assert "[c]" in cells
    assert "By grade: 4 good, 9 requires improvement and 2 inadequate." not in text
    assert "[c] confidential" in text
    # Figures that are safe to show still read as in the seed.
    assert "Of the cases audited, 82% were judged adequate or good and 18% were judged inadequate." in text
    assert "Appendix: methodology" in text and "numbers from 1 to 5 are not shown" in text
    reader = PdfReader(publication_run / "report.pdf")
    assert all(
        "OFFICIAL" in page.extract_text() and "OFFICIAL-SENSITIVE" not in page.extract_text() for page in reader.pages
    )
    figures = json.loads((publication_run / "figures.json").read_text(encoding="utf-8"))
    assert figures["figures"]["audits.caf.grade.inadequate.count"] == 2, "figures.json stays exact"
