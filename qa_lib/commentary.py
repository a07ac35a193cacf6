"""The analysts' commentary (``commentary.md``): its ``## <section id>`` sections, its
placeholders filled from the figures as the report shows them, its words checked for
details that could single someone out, and its Markdown read into the paper's blocks.

Markdown can format (paragraphs, lists, emphasis, links to https and mailto, quotes,
level-4 headings) but never reaches a format as markup: it becomes blocks of text,
so it can set no class, style or layout, load nothing and run nothing.
"""

from __future__ import annotations

import re
import string
from dataclasses import dataclass
from functools import cache
from typing import Any

from markdown_it import MarkdownIt

from qa_lib.disclosure import View
from qa_lib.errors import CommentaryError, Problem
from qa_lib.figures import locate
from qa_lib.paper import Block, BlockQuote, Heading, ListBlock, Paragraph, Span
from qa_lib.quarter import Quarter

_NUMBER = r"(?:[1-5]|one|two|three|four|five|a single|only one|both)"
_PERSON = (r"(?:child|children|young (?:person|people)|boys?|girls?|sons?|daughters?|babies|baby|siblings?|"
           r"parents?|carers?|mothers?|fathers?|famil(?:y|ies)|respondents?|cases?|care leavers?)")
_SMALL_NUMBER_RE = re.compile(rf"\b{_NUMBER}\b(?:\s+\w+){{0,2}}?\s+{_PERSON}\b", re.IGNORECASE)
_DETAIL_RE = re.compile(rf"\b(?:a|one|the)\s+(?:\w+\s+)?{_PERSON}\s+who\b", re.IGNORECASE)


def identifying_details(text: str, source: str) -> list[Problem]:
    """Warnings for commentary that states a small number of people, or describes
    one person, so that someone can reword it before publication."""
    problems = []
    for line_no, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("##"):
            continue
        for pattern, rule, expected in (
                (_SMALL_NUMBER_RE, "commentary_small_number",
                 "no literal small number of children, families or cases; use a placeholder, which publication "
                 "mode suppresses, or a word such as 'a few'"),
                (_DETAIL_RE, "commentary_identifying_detail",
                 "no description of one person that could single them out")):
            for match in pattern.finditer(line):
                problems.append(Problem(rule, source, line_no, None, match.group(0), expected, "warning"))
    return problems


_SECTION_RE = re.compile(r"^##[ \t]+(\S+)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Commentary:
    """The analysts' narrative, one Markdown text per report section."""

    sections: dict[str, str]

    def get(self, section: str) -> str:
        return self.sections.get(section, "")


def context_values(quarter: Quarter, previous_quarter: Quarter) -> dict[str, str]:
    """Placeholders that are words about the period rather than figures."""
    return {
        "quarter.name": quarter.name,
        "quarter.long_name": quarter.long_name,
        "quarter.months": quarter.months,
        "quarter.financial_year": quarter.financial_year,
        "previous_quarter.name": previous_quarter.name,
        "previous_quarter.long_name": previous_quarter.long_name,
    }


def fill_placeholders(text: str, now: View, before: View, context: dict[str, str], source: str) -> str:
    """Replace ``{key}`` with the figure's display value; ``{{``/``}}`` are literal.

    ``{previous.<key>}`` takes the previous quarter's value.

    Raises
    ------
    CommentaryError
        For a placeholder that names no figure, or a malformed brace, with the
        file and line.
    """
    out = []
    for line_no, line in enumerate(text.splitlines(keepends=True), start=1):
        try:
            parts = list(string.Formatter().parse(line))
        except ValueError as exc:
            raise CommentaryError(f"{source}, line {line_no}: {exc} (write {{{{ or }}}} for a literal brace)") from None
        for literal, field, spec, conversion in parts:
            out.append(literal)
            if field is None:
                continue
            if spec or conversion:
                raise CommentaryError(f"{source}, line {line_no}: placeholder {{{field}}} may not carry a "
                                      f"format; the workbook formats figures itself")
            out.append(_placeholder_value(field, now, before, context, source, line_no))
    return "".join(out)


def _placeholder_value(field: str, now: View, before: View, context: dict[str, str],
                       source: str, line_no: int) -> str:
    if field in context:
        return context[field]
    view, key = now, field
    if field.startswith("previous."):
        view, key = before, field.removeprefix("previous.")
    if key in view.figures.keys:  # the keys of figures.json, as docs/figures.md lists them
        fid, column = locate(key)  # type: ignore[misc]  # every key of figures.json has its place
        return view.value(fid, column)
    raise CommentaryError(f"{source}, line {line_no}: unknown placeholder {{{field}}}: no figure of that "
                          f"key this quarter (keys are listed in docs/figures.md and figures.json)")


def parse_commentary(text: str | None, known_sections: set[str], source: str) -> Commentary:
    """Split ``commentary.md`` at its ``## <section id>`` headings.

    Raises
    ------
    CommentaryError
        For text before the first heading, an unknown or repeated section id.
    """
    if not text:
        return Commentary({})
    matches = list(_SECTION_RE.finditer(text))
    head = text[: matches[0].start()] if matches else text
    if head.strip():
        raise CommentaryError(f"{source}: text before the first '## <section id>' heading would be lost")
    sections: dict[str, str] = {}
    for i, match in enumerate(matches):
        section = match[1]
        line_no = text.count("\n", 0, match.start()) + 1
        if section not in known_sections:
            raise CommentaryError(f"{source}, line {line_no}: unknown section id {section!r}; "
                                  f"known sections: {', '.join(sorted(known_sections))}")
        if section in sections:
            raise CommentaryError(f"{source}, line {line_no}: section {section!r} appears twice")
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[section] = text[match.end(): end].strip()
    return Commentary(sections)


# -- Markdown into blocks -------------------------------------------------------------------

@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])


_SCHEMES = ("https:", "mailto:")


def blocks(text: str) -> list[Block]:
    """Commentary Markdown as the paper's blocks. Its own top-level paragraphs are numbered,
    in the run of the report's paragraph numbers; raw HTML keeps only its text; links keep
    their target only for https and mailto."""
    import nh3

    tokens = _markdown().parse(text)
    stack: list[list[Block]] = [[]]
    lists: list[ListBlock] = []
    for index, token in enumerate(tokens):
        kind = token.type
        if kind in ("bullet_list_open", "ordered_list_open"):
            lists.append(ListBlock([], ordered=kind == "ordered_list_open"))
            stack[-1].append(lists[-1])
        elif kind in ("bullet_list_close", "ordered_list_close"):
            lists.pop()
        elif kind == "list_item_open":
            lists[-1].items.append([])
            stack.append(lists[-1].items[-1])
        elif kind == "blockquote_open":
            quote = BlockQuote([])
            stack[-1].append(quote)
            stack.append(quote.blocks)
        elif kind in ("list_item_close", "blockquote_close"):
            stack.pop()
        elif kind == "inline" and token.children is not None:
            parent = tokens[index - 1]
            runs = _spans(token.children)
            if parent.type == "heading_open" and parent.tag == "h4":
                stack[-1].append(Heading(4, "".join(s.text for s in runs)))
            elif runs:
                stack[-1].append(Paragraph(runs, numbered=parent.level == 0 and parent.type == "paragraph_open",
                                           role="inline" if parent.hidden else ""))
        elif kind in ("code_block", "fence"):
            stack[-1].append(Paragraph([Span(token.content.rstrip("\n"), code=True)]))
        elif kind == "html_block":
            content = nh3.clean(token.content, tags=set()).strip()
            if content:
                stack[-1].append(Paragraph([Span(content)], numbered=token.level == 0))
    return stack[0]


def _spans(children: list[Any]) -> list[Span]:
    import nh3

    out: list[Span] = []
    strong = em = 0
    link: str | None = None
    for child in children:
        kind = child.type
        if kind in ("text", "html_inline", "code_inline"):
            content = child.content if kind != "html_inline" else nh3.clean(child.content, tags=set())
            if content:
                out.append(Span(content, strong=strong > 0, em=em > 0, code=kind == "code_inline", link=link))
        elif kind in ("softbreak",):
            out.append(Span("\n", strong=strong > 0, em=em > 0, link=link))
        elif kind == "hardbreak":
            if out:
                out[-1].br = True
        elif kind in ("strong_open", "strong_close"):
            strong += 1 if kind.endswith("open") else -1
        elif kind in ("em_open", "em_close"):
            em += 1 if kind.endswith("open") else -1
        elif kind == "link_open":
            href = str(child.attrs.get("href", ""))
            link = href if href.lower().startswith(_SCHEMES) else None
        elif kind == "link_close":
            link = None
    return out
