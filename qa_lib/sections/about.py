"""The short part at the end of the paper: how it was produced, where the record of its run
is (``provenance.html``, published beside it), and its revisions in words. The record itself
(hashes, versions, commit, parameters) is for auditors and lives in that file, not here."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa_lib import figures as F
from qa_lib.formatting import join_words
from qa_lib.paper import Block, Box, Heading, Paragraph, spans
from qa_lib.prose import say
from qa_lib.provenance import RECORD, version
from qa_lib.sections.base import Section
from qa_lib.sections.front_sheet import date_text

if TYPE_CHECKING:
    from qa_lib.context import Context
    from qa_lib.framework import Framework


def _say(sentence: str, **values: Any) -> str:
    return say("about", sentence, **values)


def _area(key: str, fw: Framework) -> str:
    """What a revised figure is about, in the framework's words: its service, survey or engagement."""
    found = F.locate(key)
    if found is None:
        return _say("area", section="", name="")
    fid = found[0]
    if fid.service is not None and fid.service in fw.service_ids:
        name = fw.service(fid.service).name
    elif fid.survey is not None and fid.survey in {s.id for s in fw.surveys}:
        name = fw.survey(fid.survey).label
    else:
        name = fw.engagement.title
    return _say("area", section=fid.section, name=name)


def revisions(ctx: Context) -> list[str]:
    """The paper's revisions in words: when it was first published (or that it is a draft), then
    the earlier quarter's figures it revises, by what they are about."""
    when = date_text(ctx.document_date()) or ctx.document_date()
    found = [_say("draft" if ctx.status == "draft" else "first_published", date=when)]
    if ctx.revisions:
        areas = list(dict.fromkeys(_area(key, ctx.framework) for key, _, _ in ctx.revisions))
        found.append(
            _say(
                "revised",
                date=when,
                count=len(ctx.revisions),
                quarter=ctx.quarter.previous.long_name,
                areas=join_words(areas),
            )
        )
    return found


def build(ctx: Context) -> list[Block]:
    return [
        Box(
            "part",
            [
                Heading(2, _say("heading")),
                Paragraph(spans(_say("produced", version=version("qa-workbook"), record=RECORD))),
                Heading(3, _say("revisions_heading")),
                *[Paragraph(spans(line)) for line in revisions(ctx)],
            ],
        )
    ]


SECTION = Section("about", build)
