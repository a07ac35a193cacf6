"""Key messages: at most six plain statements, directly after the front sheet, from the figures
as publication shows them (suppressed, whatever the paper's mode): each graded service's
headline share and any change since the previous quarter that the test found real. The
analysts' ``## key_messages`` section in ``commentary.md`` replaces them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from qa_lib import figures as F
from qa_lib.framework import Framework
from qa_lib.paper import Block, Box, Heading, ListBlock, Paragraph, spans
from qa_lib.prose import say
from qa_lib.sections.audits import changes
from qa_lib.sections.base import Section

if TYPE_CHECKING:
    from qa_lib.context import Context
    from qa_lib.disclosure import View
    from qa_lib.framework import Service
    from qa_lib.quarter import Quarter

MOST = 6  # a box a member takes in at a glance


def _say(sentence: str, **values: Any) -> str:
    return say("key_messages", sentence, **values)


def service_message(service: Service, framework: Framework, now: View, before: View, quarter: Quarter) -> str | None:
    """A graded service's headline band share, with each real change since the previous quarter;
    ``None`` when the headline may not be shown."""
    scale = framework.scale_for(service.id, quarter)
    if scale is None or not scale.headline_band:
        return None
    headline = F.audit(service.id, "band", scale.headline_band)
    if not now.shows(headline):
        return None
    found = changes(service, framework, now, before, quarter)
    real = [c.words("real_change") for c in found if c.verdict != "comparable"]
    band = scale.band(scale.headline_band).label
    steady = next((c.before for c in found if c.verdict == "comparable" and c.label.endswith(band)), None)
    return _say(
        "service",
        service=service.name,
        pct=now.pct_words(headline),
        unit=service.audit_unit,
        band=band,
        quarter=quarter.name,
        real=real,
        steady=steady,
        previous=quarter.previous.name,
    )


def messages(ctx: Context) -> list[str]:
    """The generated key messages, in the framework's order of services, at most :data:`MOST`."""
    now, before = ctx.publication_views()
    found = [service_message(s, ctx.framework, now, before, ctx.quarter) for s in ctx.framework.services]
    return [m for m in found if m][:MOST]


def build(ctx: Context) -> list[Block]:
    written = ctx.commentary_blocks("key_messages")
    if written:
        body = written
    else:
        found = messages(ctx)
        if not found:
            return []
        body = [ListBlock([[Paragraph(spans(m))] for m in found])]
    return [Box("key-messages", [Heading(2, _say("heading"), listed=False), *body])]


SECTION = Section("key_messages", build, commentary=lambda framework: ["key_messages"])
