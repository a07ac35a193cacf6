"""The front sheet: the council, the meeting, its date and agenda item, whom the report is
of, the period, the status, the title; the internal version says it is not for publication."""

from __future__ import annotations

from datetime import date
from typing import TYPE_CHECKING, Any

from qa_lib.paper import Block, Box, Definitions, Heading, Paragraph, spans
from qa_lib.prose import say
from qa_lib.sections.base import Section

if TYPE_CHECKING:
    from qa_lib.context import Context


def date_text(value: Any) -> str | None:
    """``16 June 2014`` from a date or an ISO date; anything else as written."""
    if value in (None, ""):
        return None
    try:
        parsed = value if hasattr(value, "strftime") else date.fromisoformat(str(value))
        return f"{parsed.day} {parsed.strftime('%B %Y')}"
    except ValueError:
        return str(value)


def build(ctx: Context) -> list[Block]:
    m = ctx.meeting
    rows = [
        (say("committee", "meeting"), m.get("committee")),
        (say("committee", "date"), date_text(m.get("date"))),
        (say("committee", "agenda_item"), m.get("agenda_item")),
        (say("committee", "report_of"), m.get("report_of")),
        (
            say("committee", "period"),
            say("committee", "period_text", months=ctx.quarter.months, quarter=ctx.quarter.long_name),
        ),
        (say("committee", "status"), say("committee", "status_draft" if ctx.status == "draft" else "status_final")),
    ]
    blocks: list[Block] = []
    if m.get("council"):
        blocks.append(Paragraph(spans(str(m["council"])), role="council"))
    blocks.append(Definitions([(term, str(value)) for term, value in rows if value not in (None, "")]))
    blocks.append(Heading(1, ctx.title))
    if ctx.mode == "internal":
        blocks.append(Paragraph(spans(say("committee", "internal_notice")), role="internal-notice"))
    return [Box("front-sheet", blocks)]


SECTION = Section("front_sheet", build)
