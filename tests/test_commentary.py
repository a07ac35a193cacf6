"""The analysts' commentary: placeholders filled from the figures as shown, sections split
and checked, words that could single someone out flagged, Markdown read into blocks."""

import pytest

from qa_lib import figures as F
from qa_lib.commentary import blocks, fill_placeholders, identifying_details, parse_commentary
from qa_lib.errors import CommentaryError
from qa_lib.paper import BlockQuote, Heading, ListBlock, Paragraph

from helpers import view_of


def test_view_values_by_key():
    view = view_of(
        {
            "audits.x.band.good.pct": 59.4,
            "feedback.s.sample_pct": 14.5,
            "feedback.s.respondents": 40,
            "audits.x.count": 1320,
            "feedback.s.age.min": 6,
        }
    )
    assert view.value(*F.locate("audits.x.band.good.pct")) == "59%"
    assert view.value(*F.locate("feedback.s.sample_pct")) == "15%"
    assert view.value(*F.locate("audits.x.count")) == "1,320"
    assert view.value(*F.locate("feedback.s.age.min")) == "6"


FIGS = view_of(
    {"audits.csc.count": 320, "audits.tss.band.good_or_better.pct": 59.40594059405941, "audits.tss.graded": 101}
)
PREV = view_of({"audits.tss.band.good_or_better.pct": 52.0, "audits.tss.graded": 100})
CTX = {"quarter.name": "quarter 4"}


def test_placeholders_are_filled_from_figures_previous_and_context():
    text = (
        "In {quarter.name}, {audits.csc.count} audits; {audits.tss.band.good_or_better.pct} "
        "against {previous.audits.tss.band.good_or_better.pct}. Braces: {{literal}}."
    )
    assert (
        fill_placeholders(text, FIGS, PREV, CTX, "c.md")
        == "In quarter 4, 320 audits; 59% against 52%. Braces: {literal}."
    )


def test_unknown_placeholder_is_an_error_naming_file_and_line():
    with pytest.raises(CommentaryError) as err:
        fill_placeholders("fine\n{audits.csc.cuont} here", FIGS, PREV, CTX, "data/q/commentary.md")
    assert "data/q/commentary.md, line 2" in str(err.value)
    assert "{audits.csc.cuont}" in str(err.value)


@pytest.mark.parametrize("text", ["{audits.csc.count:.1f}", "{audits.csc.count!r}", "an { unclosed", "a } stray"])
def test_formats_and_stray_braces_are_refused(text):
    with pytest.raises(CommentaryError):
        fill_placeholders(text, FIGS, PREV, CTX, "c.md")


def test_commentary_sections_split_and_checked():
    text = "## purpose\n\nWhy.\n\n## summary\nAll well.\n"
    commentary = parse_commentary(text, {"purpose", "summary"}, "c.md")
    assert commentary.get("purpose") == "Why."
    assert commentary.get("summary") == "All well."
    assert commentary.get("engagement") == ""
    with pytest.raises(CommentaryError, match="unknown section id 'sumary'"):
        parse_commentary("## sumary\ntext", {"summary"}, "c.md")
    with pytest.raises(CommentaryError, match="would be lost"):
        parse_commentary("stray text\n## summary\ntext", {"summary"}, "c.md")
    with pytest.raises(CommentaryError, match="appears twice"):
        parse_commentary("## summary\na\n## summary\nb", {"summary"}, "c.md")


def test_commentary_that_could_single_out_a_child_is_flagged():
    text = (
        "## feedback.csc\n\nOne child who has had eight social workers gave an eloquent plea.\n"
        "Three families said so. Most children felt safe; a case management system is planned.\n"
    )
    found = [(p.rule, p.row, p.value) for p in identifying_details(text, "c.md")]
    assert ("commentary_identifying_detail", 3, "One child who") in found
    assert ("commentary_small_number", 3, "One child") in found
    assert ("commentary_small_number", 4, "Three families") in found
    assert len(found) == 3


def test_markdown_becomes_blocks_and_only_top_level_paragraphs_are_numbered():
    text = (
        "First **bold** and *em* and a [link](https://example.org) and [bad](http://example.org).\n\n"
        "- one\n- two\n\n> quoted\n\n#### A heading\n\nLast <b>raw</b> text.\n"
    )
    found = blocks(text)
    first = found[0]
    assert isinstance(first, Paragraph) and first.numbered
    assert [(s.text, s.strong, s.em, s.link) for s in first.spans if s.strong or s.em or s.link] == [
        ("bold", True, False, None),
        ("em", False, True, None),
        ("link", False, False, "https://example.org"),
    ]
    assert "bad" in [s.text for s in first.spans] and not any(s.link and "http:" in s.link for s in first.spans)
    kinds = [type(b) for b in found]
    assert kinds == [Paragraph, ListBlock, BlockQuote, Heading, Paragraph]
    assert not any(p.numbered for item in found[1].items for p in item)
    assert not found[2].blocks[0].numbered, "a paragraph inside a quote is not one of the paper's own"
    assert "".join(s.text for s in found[-1].spans) == "Last raw text."
