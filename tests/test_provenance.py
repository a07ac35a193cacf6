"""The record of a run (``provenance.html``): every run and every render publishes it beside
the paper, listed and hashed in the manifest, carrying the paper's marking at the top and the
bottom; it holds the inputs' hashes, the versions, the commit and the parameters, which the
paper no longer repeats: the paper says in a short part how it was produced, where the record
is, and its revisions in words."""

from __future__ import annotations

import hashlib
import json
import re
from pathlib import Path

import pytest
from bs4 import BeautifulSoup

from qa_lib.context import build_context
from qa_lib.exporters.html import provenance_html
from qa_lib.provenance import RECORD
from qa_lib.sections import section

from helpers import publish_a_revised_quarter, section_html

QUARTER = "2013-14-Q4"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def manifest_of(folder: Path) -> dict:
    return json.loads((folder / "manifest.json").read_text(encoding="utf-8"))


@pytest.mark.slow
def test_every_run_publishes_its_record_listed_and_hashed(publication_run):
    manifest = manifest_of(publication_run)
    assert manifest["outputs"][RECORD] == sha(publication_run / RECORD)
    text = BeautifulSoup((publication_run / RECORD).read_text(encoding="utf-8"), "html.parser").get_text(" ")
    assert manifest["git"]["commit"] in text and f"qa-workbook {manifest['qa_workbook_version']}" in text
    for name, digest in manifest["inputs"].items():
        assert name in text and digest in text, name
    for name, version in manifest["packages"].items():
        assert re.search(rf"\b{re.escape(name)}\s+{re.escape(version)}\b", text), name
    for name, value in manifest["parameters"].items():
        if value is not None:
            assert value in text, name
    assert manifest["notebook"]["sha256"] in text
    # No time of the run and no output's hash: a re-run makes the same bytes.
    assert manifest["started"] not in text and manifest["finished"] not in text
    assert not {digest for name, digest in manifest["outputs"].items() if name != RECORD} & set(text.split())


@pytest.mark.slow
@pytest.mark.parametrize(("run", "marking"), [("publication_run", "OFFICIAL"), ("sample_run", "OFFICIAL-SENSITIVE")])
def test_the_record_carries_the_papers_marking_at_top_and_bottom(run, marking, request):
    folder = request.getfixturevalue(run)
    soup = BeautifulSoup((folder / RECORD).read_text(encoding="utf-8"), "html.parser")
    paper = BeautifulSoup((folder / "report.html").read_text(encoding="utf-8"), "html.parser")
    assert paper.find(class_="marking").get_text() == marking
    shown = [p.get_text() for p in soup.find_all(class_="marking")]
    assert shown == [marking, marking]
    assert soup.body.find(True).name == "header" and soup.header.find(True).get_text() == marking
    assert list(soup.body.find_all(True, recursive=False))[-1].name == "footer"
    assert soup.footer.get_text(strip=True) == marking
    assert soup.title.get_text().startswith(f"{marking}: ")


@pytest.mark.slow
def test_the_record_is_one_self_contained_file(publication_run):
    soup = BeautifulSoup((publication_run / RECORD).read_text(encoding="utf-8"), "html.parser")
    assert soup.html["lang"] == "en-GB" and soup.style is not None
    assert not soup.find_all(["script", "link", "img", "iframe", "object"])
    assert not [a for a in soup.find_all(href=True) if not a["href"].startswith("#")]


@pytest.mark.slow
def test_the_paper_says_how_it_was_produced_and_holds_no_hash(publication_run):
    manifest = manifest_of(publication_run)
    html = (publication_run / "report.html").read_text(encoding="utf-8")
    text = " ".join(BeautifulSoup(html, "html.parser").main.get_text(" ").split())
    assert "About this report" in text
    assert f"is in {RECORD}, published with this report" in text
    assert "Draft of 16 June 2014, not yet published." in text
    assert not re.search(r"\b[0-9a-f]{40,64}\b", text), "no hash or commit in the paper"
    assert "Appendix: how this report was produced" not in text
    assert "Packages that compute or render the report" not in text
    assert manifest["git"]["commit"] not in html


def test_a_final_paper_says_when_it_was_first_published(sample_context):
    text = section_html(section("about").build(sample_context(QUARTER, status="final")))
    assert "First published 16 June 2014." in text and "Draft" not in text
    assert "not yet published" in section_html(section("about").build(sample_context(QUARTER)))


def test_revisions_are_listed_in_words_in_the_paper_and_by_key_in_the_record(tmp_path, copy_sample):
    data = copy_sample("2013-14-Q2", "2013-14-Q3", QUARTER)
    out = tmp_path / "outputs"
    key = "audits.csc.grade.inadequate.count"
    first, recomputed = publish_a_revised_quarter(data, out, key)
    context = build_context(QUARTER, str(data), output_dir=str(out), status="final")
    words = section_html(section("about").build(context))
    assert (
        "16 June 2014: 1 figure for quarter 3 2013-14 revised since first published, because the data were "
        "corrected (Children's Social Care audits)."
    ) in words
    assert key not in words and str(first) not in words, "no code name or number in the sentence"
    assert context.provenance["revisions"] == [{"figure": key, "published": first, "revised": recomputed}]
    output = context.figures_output()
    record = BeautifulSoup(provenance_html(output.provenance, output.meta), "html.parser")
    row = next(tr for tr in record.find_all("tr") if tr.th and tr.th.get_text() == key)
    assert [td.get_text() for td in row.find_all("td")] == [str(first), str(recomputed)]


def test_without_revisions_the_record_says_none(sample_context):
    output = sample_context(QUARTER).figures_output()
    assert output.provenance["revisions"] == []
    text = BeautifulSoup(provenance_html(output.provenance, output.meta), "html.parser").get_text(" ")
    assert "None: no figure of quarter 3 2013-14" in " ".join(text.split())


def test_the_record_escapes_what_it_is_given(sample_context):
    output = sample_context(QUARTER).figures_output()
    parameters = {**output.provenance["parameters"], "data_root": "<script>x</script>"}
    hostile = {**output.provenance, "parameters": parameters}
    html = provenance_html(hostile, output.meta)
    assert "<script>" not in html and "&lt;script&gt;x&lt;/script&gt;" in html
