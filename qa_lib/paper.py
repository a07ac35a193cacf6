"""The committee paper as plain data: what each section says, before any format.

A section is a list of blocks (headings, paragraphs of text spans, lists, quotes,
tables with typed cells, charts as SVG with alt text, definition lists, boxes). A notebook
cell displays its section as HTML for the analyst and as JSON in the section MIME
type; ``render`` reads the JSON back and every format is made from it. Nothing here
carries a number of its own: paragraphs, tables and figures are numbered, and the
contents listed, once, when the sections are assembled in notebook order
(:func:`assemble`), so re-running a cell can change nothing.
"""

from __future__ import annotations

import base64
from dataclasses import dataclass, field
from typing import Any, ClassVar

SECTION_MIME = "application/vnd.qa-workbook.section+json"


@dataclass
class Span:
    """A run of text with its emphasis; a link only to ``https:`` or ``mailto:``."""

    text: str
    strong: bool = False
    em: bool = False
    code: bool = False
    link: str | None = None
    br: bool = False  # a line break after the text


def spans(text: str) -> list[Span]:
    return [Span(text)]


@dataclass
class Block:
    kind: ClassVar[str] = ""


@dataclass
class Heading(Block):
    kind: ClassVar[str] = "heading"
    level: int
    text: str
    anchor: str | None = None  # given by assemble() to each level-2 heading, for the contents
    listed: bool = True  # False for a heading the contents leave out (the key messages, before them)


@dataclass
class Paragraph(Block):
    """Text; ``numbered`` paragraphs carry the committee paper's running numbers.
    ``role`` names a kind the layout styles (caution, council, signature, contact…)."""

    kind: ClassVar[str] = "paragraph"
    spans: list[Span]
    numbered: bool = False
    role: str = ""
    number: int | None = None  # given by assemble()


@dataclass
class ListBlock(Block):
    kind: ClassVar[str] = "list"
    items: list[list[Block]]
    ordered: bool = False


@dataclass
class Quote(Block):
    """Words of a child, young person or family member, with a coarse attribution."""

    kind: ClassVar[str] = "quote"
    text: str
    who: str


@dataclass
class BlockQuote(Block):
    """A quotation in the analysts' commentary."""

    kind: ClassVar[str] = "blockquote"
    blocks: list[Block]


@dataclass
class Cell:
    """A table cell: the text a reader sees and, typed, what it stands for: ``kind`` (label,
    count, percent, interval, verdict, decimal or text), the exact ``value`` (``None`` when
    withheld), the GSS ``symbol`` shown instead of it, and the ``flags`` shown beside it."""

    text: str
    kind: str = "text"
    value: Any = None
    symbol: str | None = None
    flags: list[str] = field(default_factory=list)


@dataclass
class Table(Block):
    """One header row; the first column labels the rows."""

    kind: ClassVar[str] = "table"
    caption: str
    columns: list[str]
    rows: list[list[Cell]]
    notes: list[str] = field(default_factory=list)
    role: str = ""
    number: int | None = None
    caution: str = ""  # a warning that belongs with the table (too few cases): laid out with it, never apart

    def frame(self) -> Any:
        """The table as a typed pandas DataFrame: numbers as numbers, suppressed or
        unavailable values as missing (their symbols are in the notes)."""
        import pandas as pd

        data = {
            name: [row[i].value if row[i].kind != "label" else row[i].text for row in self.rows]
            for i, name in enumerate(self.columns)
        }
        return pd.DataFrame(data)


@dataclass
class Figure(Block):
    """A chart as SVG, with its title (what it finds), subtitle (what it shows), source, and a
    text alternative with its numbers. ``chart`` keeps the matplotlib figure it was drawn
    from, for the notebook only."""

    kind: ClassVar[str] = "figure"
    title: str
    alt: str
    svg: str
    subtitle: str = ""
    source: str = ""
    number: int | None = None
    chart: Any = field(default=None, compare=False, repr=False)

    @property
    def data_uri(self) -> str:
        return "data:image/svg+xml;base64," + base64.b64encode(self.svg.encode("utf-8")).decode("ascii")


@dataclass
class Definitions(Block):
    kind: ClassVar[str] = "definitions"
    items: list[tuple[str, str]]
    role: str = ""


@dataclass
class Box(Block):
    """A part of the paper laid out as a whole: a section, a sub-section with its heading,
    the front sheet, the recommendation, a group of quotes, an appendix."""

    kind: ClassVar[str] = "box"
    role: str
    blocks: list[Block]


@dataclass
class Gap(Block):
    """A part of the commentary still to be written (its line reads exactly ``[to be written]``):
    shown in a draft as a marked gap, never published in a final paper."""

    kind: ClassVar[str] = "gap"
    text: str  # what the box shows ("To be written")
    label: str = ""  # what it is, for a screen reader


GAP_MARK = "[to be written]"  # the one line of commentary.md that stands for a gap


KINDS: dict[str, type[Block]] = {
    cls.kind: cls for cls in (Heading, Paragraph, ListBlock, Quote, BlockQuote, Table, Figure, Definitions, Box, Gap)
}


@dataclass
class SectionOutput:
    """One section of the paper as a notebook cell shows it: its blocks; and, for the analyst
    to inspect in the next cell, ``figures`` (its rows of the figures table) and ``charts``
    (its matplotlib figures)."""

    id: str
    blocks: list[Block]
    figures: Any = field(default=None, compare=False, repr=False)

    @property
    def charts(self) -> list[Any]:
        return [b.chart for b in walk(self.blocks) if isinstance(b, Figure) and b.chart is not None]

    def to_json(self) -> dict[str, Any]:
        return {"id": self.id, "blocks": [to_json(b) for b in self.blocks]}

    @classmethod
    def from_json(cls, data: dict[str, Any]) -> SectionOutput:
        return cls(data["id"], [from_json(b) for b in data["blocks"]])

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None) -> dict[str, Any]:
        from qa_lib.exporters.html import section_html

        return {SECTION_MIME: self.to_json(), "text/html": section_html(self)}


def to_json(block: Block) -> dict[str, Any]:
    """A block as JSON: its kind and fields; text spans, cells and blocks within, recursively."""
    out: dict[str, Any] = {"kind": block.kind}
    for name, value in vars(block).items():
        if name == "chart":
            continue  # a matplotlib figure, for the notebook only
        if name in ("blocks",):
            out[name] = [to_json(b) for b in value]
        elif name == "items" and isinstance(block, ListBlock):
            out[name] = [[to_json(b) for b in item] for item in value]
        elif name == "spans":
            out[name] = [{k: v for k, v in vars(s).items() if v not in (False, None)} for s in value]
        elif name == "rows":
            out[name] = [[{k: v for k, v in vars(c).items() if v not in (None, [])} for c in row] for row in value]
        elif name == "items" and isinstance(block, Definitions):
            out[name] = [list(item) for item in value]
        else:
            out[name] = value
    return out


def from_json(data: dict[str, Any]) -> Block:
    """A block back from its JSON."""
    cls = KINDS[data["kind"]]
    values = {k: v for k, v in data.items() if k != "kind"}
    if "blocks" in values:
        values["blocks"] = [from_json(b) for b in values["blocks"]]
    if cls is ListBlock:
        values["items"] = [[from_json(b) for b in item] for item in values["items"]]
    if cls is Definitions:
        values["items"] = [tuple(item) for item in values["items"]]
    if "spans" in values:
        values["spans"] = [Span(**s) for s in values["spans"]]
    if "rows" in values:
        values["rows"] = [[Cell(**c) for c in row] for row in values["rows"]]
    return cls(**values)


def walk(blocks: list[Block]) -> Any:
    """Every block, depth first, in reading order."""
    for block in blocks:
        yield block
        if isinstance(block, (Box, BlockQuote)):
            yield from walk(block.blocks)
        elif isinstance(block, ListBlock):
            for item in block.items:
                yield from walk(item)


@dataclass
class Paper:
    """The assembled paper: its sections in order, numbered, with the contents and the
    document's metadata (title, marking, status, date) from the figures cell."""

    sections: list[SectionOutput]
    contents: list[tuple[str, str]]  # (anchor, heading text) of each level-2 heading
    meta: dict[str, Any]

    @property
    def blocks(self) -> list[Block]:
        return [b for section in self.sections for b in section.blocks]

    @property
    def contents_after(self) -> str:
        """The role of the box the contents follow: the key messages, else the front sheet."""
        roles = {b.role for b in self.blocks if isinstance(b, Box)}
        return next((role for role in CONTENTS_AFTER if role in roles), CONTENTS_AFTER[-1])

    @property
    def tables(self) -> list[Table]:
        return [b for b in walk(self.blocks) if isinstance(b, Table)]

    @property
    def figures(self) -> list[Figure]:
        return [b for b in walk(self.blocks) if isinstance(b, Figure)]


def assemble(sections: list[SectionOutput], meta: dict[str, Any]) -> Paper:
    """The sections in order, numbered: paragraphs, tables and figures each run from 1, and
    each level-2 heading is an entry of the contents."""
    counters = {"para": 0, "table": 0, "figure": 0}
    contents: list[tuple[str, str]] = []
    for block in walk([b for s in sections for b in s.blocks]):
        if isinstance(block, Paragraph) and block.numbered:
            counters["para"] += 1
            block.number = counters["para"]
        elif isinstance(block, Table):
            counters["table"] += 1
            block.number = counters["table"]
        elif isinstance(block, Figure):
            counters["figure"] += 1
            block.number = counters["figure"]
        elif isinstance(block, Heading) and block.level == 2 and block.listed:
            block.anchor = f"section-{len(contents) + 1}"
            contents.append((block.anchor, block.text))
    return Paper(sections, contents, meta)


CONTENTS_AFTER = ("key-messages", "front-sheet")  # the contents follow the first of these the paper has
PAPER_TAG = "paper"  # the cells whose sections make up the committee paper


def sections_from(nb: Any) -> list[SectionOutput]:
    """The paper's sections as the executed notebook's cells tagged ``paper`` displayed them,
    in cell order; cells without the tag (the analyst's own exploring) never reach it."""
    found = []
    for cell in nb.cells:
        if PAPER_TAG not in cell.get("metadata", {}).get("tags", []):
            continue
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if SECTION_MIME in data:
                found.append(SectionOutput.from_json(data[SECTION_MIME]))
    return found
