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
from qa_lib.paper import GAP_MARK, Block, BlockQuote, Gap, Heading, ListBlock, Paragraph, Span, walk
from qa_lib.prose import say
from qa_lib.quarter import Quarter

_NUMBER = r"(?:[1-5]|one|two|three|four|five|a single|only one|both)"
_PERSON = (
    r"(?:child|children|young (?:person|people)|boys?|girls?|sons?|daughters?|babies|baby|siblings?|"
    r"parents?|carers?|mothers?|fathers?|famil(?:y|ies)|respondents?|cases?|care leavers?)"
)
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
            (
                _SMALL_NUMBER_RE,
                "commentary_small_number",
                "no literal small number of children, families or cases; use a placeholder, which publication "
                "mode suppresses, or a word such as 'a few'",
            ),
            (_DETAIL_RE, "commentary_identifying_detail", "no description of one person that could single them out"),
        ):
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
                raise CommentaryError(
                    f"{source}, line {line_no}: placeholder {{{field}}} may not carry a "
                    f"format; the workbook formats figures itself"
                )
            out.append(_placeholder_value(field, now, before, context, source, line_no))
    return "".join(out)


def _placeholder_value(field: str, now: View, before: View, context: dict[str, str], source: str, line_no: int) -> str:
    if field in context:
        return context[field]
    view, key = now, field
    if field.startswith("previous."):
        view, key = before, field.removeprefix("previous.")
    if key in view.figures.keys:  # the keys of figures.json, as docs/figures.md lists them
        fid, column = locate(key)  # type: ignore[misc]  # every key of figures.json has its place
        return view.value(fid, column)
    raise CommentaryError(
        f"{source}, line {line_no}: unknown placeholder {{{field}}}: no figure of that "
        f"key this quarter (keys are listed in docs/figures.md and figures.json)"
    )


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
            raise CommentaryError(
                f"{source}, line {line_no}: unknown section id {section!r}; "
                f"known sections: {', '.join(sorted(known_sections))}"
            )
        if section in sections:
            raise CommentaryError(f"{source}, line {line_no}: section {section!r} appears twice")
        end = matches[i + 1].start() if i + 1 < len(matches) else len(text)
        sections[section] = text[match.end() : end].strip()
    return Commentary(sections)


def unwritten(text: str) -> bool:
    """Whether a section's text is empty or still holds a ``[to be written]`` gap."""
    return not text.strip() or any(isinstance(b, Gap) for b in walk(blocks(text)))


def for_final(
    commentary: Commentary, meeting: dict[str, Any], required: tuple[str, ...], source: str, meeting_source: str
) -> tuple[Commentary, list[Problem]]:
    """The commentary of a final paper: every required section written, the contact given;
    an optional section still marked ``[to be written]`` is dropped, with a warning.

    Raises
    ------
    CommentaryError
        Naming every required section missing or still marked, and a missing contact.
    """
    missing = [
        f"section {s!r} is {'missing' if not commentary.get(s).strip() else 'still marked ' + GAP_MARK}"
        for s in required
        if unwritten(commentary.get(s))
    ]
    if not meeting.get("contact"):
        missing.append(f"meeting.contact is missing from {meeting_source}")
    if missing:
        raise CommentaryError(
            f"a final paper needs every required part written; in {source}: "
            + "; ".join(missing)
            + ". Write them (or run with --status draft)"
        )
    kept, warnings = {}, []
    for section, text in commentary.sections.items():
        if text.strip() and unwritten(text):
            warnings.append(
                Problem(
                    "commentary_unwritten",
                    source,
                    None,
                    section,
                    GAP_MARK,
                    "the section written, or removed; left out of the final paper",
                    "warning",
                )
            )
            continue
        kept[section] = text
    return Commentary(kept), warnings


# -- Markdown into blocks -------------------------------------------------------------------


@cache
def _markdown() -> MarkdownIt:
    return MarkdownIt("commonmark", {"typographer": True}).enable(["replacements", "smartquotes"])


_SCHEMES = ("https:", "mailto:")


class _Reader:
    """markdown-it's tokens into blocks, the open lists and quotes kept on a stack."""

    def __init__(self) -> None:
        self.stack: list[list[Block]] = [[]]
        self.lists: list[ListBlock] = []

    def add(self, block: Block) -> None:
        self.stack[-1].append(block)

    def open_list(self, token: Any, previous: Any) -> None:
        self.lists.append(ListBlock([], ordered=token.type == "ordered_list_open"))
        self.add(self.lists[-1])

    def close_list(self, token: Any, previous: Any) -> None:
        self.lists.pop()

    def open_item(self, token: Any, previous: Any) -> None:
        self.lists[-1].items.append([])
        self.stack.append(self.lists[-1].items[-1])

    def open_quote(self, token: Any, previous: Any) -> None:
        quote = BlockQuote([])
        self.add(quote)
        self.stack.append(quote.blocks)

    def close(self, token: Any, previous: Any) -> None:
        self.stack.pop()

    def inline(self, token: Any, previous: Any) -> None:
        runs = _spans(token.children or [])
        if previous.type == "paragraph_open" and token.content == GAP_MARK:
            self.add(Gap(say("committee", "gap"), say("committee", "gap_label")))
        elif previous.type == "heading_open" and previous.tag == "h4":
            self.add(Heading(4, "".join(s.text for s in runs)))
        elif runs:
            self.add(
                Paragraph(
                    runs,
                    numbered=previous.level == 0 and previous.type == "paragraph_open",
                    role="inline" if previous.hidden else "",
                )
            )

    def code(self, token: Any, previous: Any) -> None:
        self.add(Paragraph([Span(token.content.rstrip("\n"), code=True)]))

    def html(self, token: Any, previous: Any) -> None:
        import nh3

        content = nh3.clean(token.content, tags=set()).strip()
        if content:
            self.add(Paragraph([Span(content)], numbered=token.level == 0))


_BLOCKS = {
    "bullet_list_open": _Reader.open_list,
    "ordered_list_open": _Reader.open_list,
    "bullet_list_close": _Reader.close_list,
    "ordered_list_close": _Reader.close_list,
    "list_item_open": _Reader.open_item,
    "blockquote_open": _Reader.open_quote,
    "list_item_close": _Reader.close,
    "blockquote_close": _Reader.close,
    "inline": _Reader.inline,
    "code_block": _Reader.code,
    "fence": _Reader.code,
    "html_block": _Reader.html,
}


def blocks(text: str) -> list[Block]:
    """Commentary Markdown as the paper's blocks. Its own top-level paragraphs are numbered,
    in the run of the report's paragraph numbers; raw HTML keeps only its text; links keep
    their target only for https and mailto."""
    reader = _Reader()
    previous = None
    for token in _markdown().parse(text):
        handler = _BLOCKS.get(token.type)
        if handler is not None:
            handler(reader, token, previous)
        previous = token
    return reader.stack[0]


@dataclass
class _Style:
    """The emphasis and link open at a point of a paragraph."""

    strong: int = 0
    em: int = 0
    link: str | None = None

    def span(self, text: str, code: bool = False) -> Span:
        return Span(text, strong=self.strong > 0, em=self.em > 0, code=code, link=self.link)


def _spans(children: list[Any]) -> list[Span]:
    import nh3

    out: list[Span] = []
    style = _Style()
    for child in children:
        kind = child.type
        if kind in ("text", "code_inline", "html_inline"):
            content = nh3.clean(child.content, tags=set()) if kind == "html_inline" else child.content
            if content:
                out.append(style.span(content, code=kind == "code_inline"))
        elif kind == "softbreak":
            out.append(style.span("\n"))
        elif kind == "hardbreak" and out:
            out[-1].br = True
        elif kind in ("strong_open", "strong_close", "em_open", "em_close"):
            name = kind.split("_")[0]
            setattr(style, name, getattr(style, name) + (1 if kind.endswith("open") else -1))
        elif kind in ("link_open", "link_close"):
            href = str(child.attrs.get("href", "")) if kind == "link_open" else ""
            style.link = href if href.lower().startswith(_SCHEMES) else None
    return out
