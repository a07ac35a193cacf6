"""The committee paper's own sections, written by the analysts in commentary.md: purpose,
information and advice before the figures; summary, options, reasons, implications,
recommendation, contacts and the closing sections after them."""

from __future__ import annotations

from typing import TYPE_CHECKING

from qa_lib.paper import Block, Box, Heading, Paragraph, Span
from qa_lib.prose import say
from qa_lib.sections.base import Section

if TYPE_CHECKING:
    from qa_lib.context import Context

# The commentary ids of each part, in the order the paper shows them.
OPENING = ("purpose", "information")
BEFORE_RECOMMENDATION = ("other_options", "reasons", "statutory_implications")
CLOSING = ("constitutional_comments", "financial_comments", "background_papers", "electoral_divisions")
IDS = (*OPENING, "summary", "future_developments", *BEFORE_RECOMMENDATION, "recommendation", *CLOSING)
# What a final paper must have written: --status final refuses without them (and without the
# meeting's contact in quarter.yaml).
REQUIRED_FOR_FINAL = ("purpose", "recommendation", "statutory_implications", "financial_comments")


def _titled(ctx: Context, section: str, always: bool = False) -> list[Block]:
    """A section of the analysts' words under its heading; an empty one shows its heading only in
    a draft with ``always`` (a final paper has no empty headings)."""
    text = ctx.commentary_blocks(section)
    if not text and not (always and ctx.status != "final"):
        return []
    return [Box("section", [Heading(2, say("committee", section)), *text])]


def build_opening(ctx: Context) -> list[Block]:
    """Purpose of the report, then information and advice (headings shown even when empty)."""
    return [b for section in OPENING for b in _titled(ctx, section, always=True)]


def _contacts(ctx: Context) -> list[Block]:
    author = ctx.meeting.get("author") or {}
    contact = ctx.meeting.get("contact") or {}
    found: list[Block] = []
    if author:
        found.append(
            Paragraph([Span(str(author.get("name", "")), br=True), Span(str(author.get("role", "")))], role="signature")
        )
    if contact:
        lines = [str(contact.get(k)) for k in ("name", "role") if contact.get(k)]
        if contact.get("telephone"):
            lines.append(say("committee", "telephone", number=contact["telephone"]))
        if contact.get("email"):
            lines.append(say("committee", "email", address=contact["email"]))
        found += [
            Heading(2, say("committee", "enquiries")),
            Paragraph([Span(line, br=i < len(lines) - 1) for i, line in enumerate(lines)], role="contact"),
        ]
    return found


def build_closing(ctx: Context) -> list[Block]:
    """Summary (with future developments), the options, reasons and implications, the
    recommendation, the author and contacts, and the closing sections."""
    summary: list[Block] = [Heading(2, say("committee", "summary")), *ctx.commentary_blocks("summary")]
    future = ctx.commentary_blocks("future_developments")
    if future:
        summary += [Heading(3, say("committee", "future_developments")), *future]
    # A final paper has no empty headings.
    blocks: list[Block] = [Box("section", summary)] if len(summary) > 1 or ctx.status != "final" else []
    for section in BEFORE_RECOMMENDATION:
        blocks += _titled(ctx, section)
    recommendation = ctx.commentary_blocks("recommendation")
    if recommendation:
        blocks.append(Box("recommendation", [Heading(2, say("committee", "recommendation")), *recommendation]))
    blocks += _contacts(ctx)
    for section in CLOSING:
        blocks += _titled(ctx, section)
    return blocks


OPENING_SECTION = Section("opening", build_opening, commentary=lambda framework: list(OPENING))
CLOSING_SECTION = Section("closing", build_closing, commentary=lambda framework: [i for i in IDS if i not in OPENING])
