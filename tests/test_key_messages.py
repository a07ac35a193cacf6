"""Key messages: directly after the front sheet and before the contents, at most six, from the
figures as publication shows them; each graded service's headline share and any change the
test found real, in plain words; the analysts' own in place of them when they write some."""

from __future__ import annotations

import re
from dataclasses import replace

from bs4 import BeautifulSoup

from qa_lib.commentary import parse_commentary
from qa_lib.exporters.html import paper_html
from qa_lib.paper import ListBlock, Paragraph, assemble, walk
from qa_lib.quarter import Quarter
from qa_lib.sections import REGISTRY, commentary_ids, section
from qa_lib.sections.key_messages import MOST, service_message

from helpers import view_of

Q4 = Quarter.parse("2013-14-Q4")


def messages_of(output) -> list[str]:
    return [" ".join(s.text for s in b.spans) for b in walk(output.blocks) if isinstance(b, Paragraph)]


def test_key_messages_come_after_the_front_sheet_and_before_the_contents(sample_context):
    ctx = sample_context("2013-14-Q4")
    paper = assemble(
        [s.render(ctx) for s in REGISTRY],
        {"title": ctx.title, "marking": ctx.marking, "status": ctx.status, "document_date": "2014-06-16"},
    )
    soup = BeautifulSoup(paper_html(paper), "html.parser")
    names = [(el.get("class") or [el.name])[0] for el in soup.main.find_all(recursive=False)]
    assert names.index("front-sheet") < names.index("key-messages") < names.index("contents")
    assert "Key messages" not in [a.get_text() for a in soup.select("nav.contents a")]
    items = soup.select("section.key-messages li")
    assert 0 < len(items) <= MOST
    # Few words stand before the first key message: the front sheet's.
    before = soup.body.get_text(" ").split(items[0].get_text(" ").split()[0])[0]
    assert len(before.split()) < 60


def test_key_messages_are_the_publication_view_whatever_the_mode(sample_context):
    public = messages_of(section("key_messages").render(sample_context("2013-14-Q4")))
    internal = messages_of(section("key_messages").render(sample_context("2013-14-Q4", mode="internal")))
    assert public == internal and public
    for text in public:
        assert not re.search(r"\[[a-z]+\]|p [=<]|Fisher|interval", text), text


def test_a_real_change_is_a_key_message_and_a_change_within_normal_variation_is_called_so(framework):
    service = next(s for s in framework.services if (sc := framework.scale_for(s.id, Q4)) and sc.headline_band)
    scale = framework.scale_for(service.id, Q4)
    band, worst = scale.headline_band, scale.worst_grade.id
    key = f"audits.{service.id}"
    now = view_of(
        {
            f"{key}.graded": 101,
            f"{key}.band.{band}.count": 60,
            f"{key}.band.{band}.pct": 59.4,
            f"{key}.band.{band}.change.verdict": "comparable",
            f"{key}.band.{band}.change.p_value": 0.32,
            f"{key}.grade.{worst}.count": 9,
            f"{key}.grade.{worst}.pct": 8.9,
            f"{key}.grade.{worst}.change.verdict": "improvement",
            f"{key}.grade.{worst}.change.p_value": 0.01,
        }
    )
    before = view_of(
        {
            f"{key}.graded": 100,
            f"{key}.band.{band}.count": 52,
            f"{key}.band.{band}.pct": 52.0,
            f"{key}.grade.{worst}.count": 18,
            f"{key}.grade.{worst}.pct": 18.0,
        },
        quarter="2013-14-Q3",
    )
    message = service_message(service, framework, now, before, Q4)
    assert message is not None
    assert f"{service.name}: 59% of {service.audit_unit} audited in quarter 4" in message
    assert "(52% in quarter 3, a change within normal variation)" in message
    assert f"judged {scale.worst_grade.label.lower()} fell from 18% to 9%, a real improvement" in message
    assert "p =" not in message and "0.01" not in message
    # A headline publication may not show is no message.
    hidden = view_of(
        {f"{key}.graded": 4, f"{key}.band.{band}.count": 2, f"{key}.band.{band}.pct": 50.0},
        suppressed=(f"{key}.band.{band}.count",),
    )
    assert service_message(service, framework, hidden, before, Q4) is None


def test_the_analysts_key_messages_replace_the_generated_ones(sample_context, framework):
    ctx = sample_context("2013-14-Q4")
    assert "key_messages" in commentary_ids(framework)
    written = parse_commentary(
        "## key_messages\n\n- Members visited every home.\n", commentary_ids(framework), "commentary.md"
    )
    output = section("key_messages").render(replace(ctx, commentary=written))
    assert messages_of(output) == ["Members visited every home."]
    assert any(isinstance(b, ListBlock) for b in walk(output.blocks))
