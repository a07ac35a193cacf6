"""The paper as a member reads it: plain words in paragraphs (no p-values, test names,
intervals or GSS symbols: those stay in the tables and the methodology), every withheld count
in the same words, a small base said in words, no sentence said twice, no run of sentences
opening alike, and no code name anywhere."""

from __future__ import annotations

import re
from dataclasses import replace

import pytest

from qa_lib import figures as F
from qa_lib.commentary import parse_commentary
from qa_lib.exporters.html import paper_html
from qa_lib.paper import Paragraph, assemble, walk
from qa_lib.sections import REGISTRY, commentary_ids
from qa_lib.sections.audits import audit_sentences

from golden_files import visible_text

QUARTERS = ["2013-14-Q1", "2013-14-Q2", "2013-14-Q3", "2013-14-Q4", "2014-15-Q1"]
HIDDEN = "not shown, to protect confidentiality"
STATISTICS = re.compile(
    r"\[(?:c|u|z|x|low|r)\]|\bp\s*[=<≥]|Fisher|Wilson|kappa|95%|interval|sampling variation"
    r"|\bcomparable\b"
)
CODE = re.compile(r"\b[a-z]+(?:_[a-z0-9]+)+\b|→|\b\w+\(\)|\b\w+\.(?:py|ya?ml|json|csv|md)\b")


def paragraphs(blocks) -> list[str]:
    """The text of every paragraph a member reads (tables, their notes and the methodology's
    definitions apart); the audit trail is not in the paper (it is provenance.html)."""
    return [" ".join(s.text for s in block.spans) for block in walk(blocks) if isinstance(block, Paragraph)]


def sentences(text: str) -> list[str]:
    return [s for s in re.split(r"(?<=[.!?])\s+(?=[A-Z0-9])", text.strip()) if s]


def without_commentary(ctx, framework):
    return replace(ctx, commentary=parse_commentary("", commentary_ids(framework), "commentary.md"))


@pytest.mark.parametrize("mode", ["publication", "internal"])
@pytest.mark.parametrize("quarter", QUARTERS)
def test_paragraphs_are_plain_words(sample_context, quarter, mode):
    ctx = sample_context(quarter, mode=mode)
    blocks = [b for s in REGISTRY for b in s.build(ctx)]
    for text in paragraphs(blocks):
        assert not STATISTICS.search(text), text


@pytest.mark.parametrize("quarter", QUARTERS)
def test_nothing_is_said_twice_and_no_run_of_sentences_opens_alike(sample_context, framework, quarter):
    ctx = without_commentary(sample_context(quarter), framework)
    said: list[str] = []
    for text in paragraphs([b for s in REGISTRY for b in s.build(ctx)]):
        each = sentences(text)
        for first, second in zip(each, each[1:]):
            assert first.split()[:3] != second.split()[:3], (first, second)
        said += each
    repeated = {s for s in said if said.count(s) > 1 and len(s.split()) > 3}
    assert not repeated


@pytest.mark.parametrize("mode", ["publication", "internal"])
@pytest.mark.parametrize("quarter", ["2013-14-Q4", "2014-15-Q1"])
def test_no_code_name_reaches_the_paper(sample_context, quarter, mode):
    ctx = sample_context(quarter, mode=mode)
    outputs = [s.render(ctx) for s in REGISTRY]
    paper = assemble(
        outputs, {"title": ctx.title, "marking": ctx.marking, "status": ctx.status, "document_date": "2014-06-16"}
    )
    text = visible_text(paper_html(paper))
    assert not CODE.findall(text), CODE.findall(text)[:5]


def test_every_withheld_count_reads_the_same_primary_or_secondary(sample_context, framework):
    """In 2013-14-Q4's publication paper some of the CAF's grade counts are small (primary) and
    others are hidden so the small ones cannot be worked out (secondary): in sentences and in
    commentary placeholders they read alike."""
    ctx = sample_context("2013-14-Q4")
    view = ctx.view
    graded = [s for s in framework.services if framework.scale_for(s.id, ctx.quarter)]
    caf = next(
        s
        for s in graded
        if all(view.hidden(F.audit(s.id, "grade", g)) for g in framework.scale_for(s.id, ctx.quarter).grade_ids)
    )
    grades = [F.audit(caf.id, "grade", g) for g in framework.scale_for(caf.id, ctx.quarter).grade_ids]
    counts = {fid: view.figures.count(fid) for fid in grades}
    primary = [fid for fid, n in counts.items() if n and 1 <= n <= framework.suppression_threshold]
    secondary = [fid for fid, n in counts.items() if n and n > framework.suppression_threshold]
    assert primary and secondary
    for fid in primary + secondary:
        assert view.count_words(fid) == view.value(fid, "count") == HIDDEN
        assert view.pct_words(fid) == view.value(fid, "pct") == HIDDEN
    text = " ".join(audit_sentences(caf, framework.scale_for(caf.id, ctx.quarter), view, ctx.quarter))
    assert HIDDEN in text and not STATISTICS.search(text)
    for n in counts.values():
        assert not re.search(rf"\b{n}\b (?:good|adequate|inadequate|outstanding|requires)", text)


def test_a_percentage_on_a_small_base_says_so_in_words(sample_context):
    ctx = sample_context("2013-14-Q4")
    text = " ".join(paragraphs([b for s in REGISTRY for b in s.build(ctx)]))
    assert "(a small number of" in text and "[u]" not in text
