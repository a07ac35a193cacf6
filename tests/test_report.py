"""The report's sections from build_report, without executing the notebook."""

from __future__ import annotations

import csv
import re

import pytest
import yaml
from bs4 import BeautifulSoup

from qa_lib.errors import CommentaryError
from qa_lib.quarter import Quarter
from qa_lib.rendering import with_contents
from qa_lib.report import build_report


def text_of(block) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", block.html))


def test_without_a_previous_quarter_the_report_says_so(copy_sample):
    root = copy_sample("2013-14-Q4")
    report = build_report("2013-14-Q4", str(root))
    doc = report.figures_document()
    assert doc["previous_quarter"] is None and doc["previous"] == {}
    assert "No comparison with the previous quarter is available: there are no data for quarter 3 2013-14." \
        in text_of(report.audit_outcomes())
    assert report.history == [(report.quarter, report.view)]


def test_a_service_with_no_audits_says_so_without_nan(copy_sample, framework):
    root = copy_sample("2013-14-Q3", "2013-14-Q4")
    path = root / "2013-14-Q4" / "case_audits.csv"
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    service = next(s for s in framework.services
                   if not s.standards and framework.scale_for(s.id, Quarter.parse("2013-14-Q4")) is not None)
    kept = [r for r in rows if r["service"] != service.id]
    with open(path, "w", newline="", encoding="utf-8") as handle:
        writer = csv.DictWriter(handle, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows(kept)
    meta_path = root / "2013-14-Q4" / "quarter.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    meta["populations"]["audits"].pop(service.id, None)  # no audits: no population to sample
    meta_path.write_text(yaml.safe_dump(meta), encoding="utf-8")
    report = build_report("2013-14-Q4", str(root))
    html = text_of(report.audit_outcomes())
    assert f"No {service.audit_unit} were audited by {service.name} in quarter 4." in html
    assert "nan" not in html.lower().split()
    assert f"audits.{service.id}.count" in report.figures and report.figures[f"audits.{service.id}.count"] == 0


def test_unknown_commentary_placeholder_stops_the_build(copy_sample):
    root = copy_sample("2013-14-Q4")
    path = root / "2013-14-Q4" / "commentary.md"
    path.write_text(path.read_text(encoding="utf-8") + "\n## summary_typo\n", encoding="utf-8")
    with pytest.raises(CommentaryError, match="unknown section id 'summary_typo'"):
        build_report("2013-14-Q4", str(root))
    path.write_text("## summary\n{audits.csc.graded_pct}\n", encoding="utf-8")
    with pytest.raises(CommentaryError, match=r"commentary.md, line 2: unknown placeholder \{audits.csc.graded_pct\}"):
        build_report("2013-14-Q4", str(root))


def test_commentary_markdown_cannot_inject_script_or_images(copy_sample):
    root = copy_sample("2013-14-Q4")
    (root / "2013-14-Q4" / "commentary.md").write_text(
        "## summary\n\n**Bold** <script>alert(1)</script> ![x](https://example.org/x.png) "
        "<img src=x onerror=alert(1)>\n", encoding="utf-8")
    html = build_report("2013-14-Q4", str(root)).summary().html
    assert "<strong>Bold</strong>" in html
    assert "<script" not in html and "<img" not in html and "onerror" not in html


@pytest.mark.parametrize("markup", ['<p class="marking">OFFICIAL</p>', '<span class="watermark" id="x">PAID</span>',
                                    '<p style="position: fixed">Moved</p>', '<h4 class="marking">OFFICIAL</h4>'])
def test_commentary_cannot_set_a_class_id_or_style(copy_sample, markup):
    root = copy_sample("2013-14-Q4")
    (root / "2013-14-Q4" / "commentary.md").write_text(f"## summary\n\n{markup}\n\nText.\n", encoding="utf-8")
    html = build_report("2013-14-Q4", str(root), mode="internal").summary().html
    soup = BeautifulSoup(html, "html.parser")
    assert {c for tag in soup.find_all(class_=True) for c in tag["class"]} <= {"paras", "para", "para-no"}
    assert not soup.find_all(id=True) and not soup.find_all(style=True)


def test_figure_and_table_numbers_run_through_the_report():
    report = build_report("2013-14-Q4")
    audits = report.audit_outcomes().html
    feedback = report.feedback().html
    assert not re.search(r"(Figure|Table) \d", audits + feedback), "a cell carries no numbers of its own"
    paper = BeautifulSoup(with_contents(f"<main>{audits}{feedback}{audits}</main>"), "html.parser").get_text()
    figures = [int(n) for n in re.findall(r"Figure (\d+):", paper)]
    tables = [int(n) for n in re.findall(r"Table (\d+):", paper)]
    assert figures == list(range(1, len(figures) + 1)) and len(figures) >= 6
    assert tables == list(range(1, len(tables) + 1))
    # Alt text carries the chart's numbers.
    assert re.search(r'alt="[^"]*Q4 2013-14: good 22%, adequate 60% and inadequate 18%', audits)
