"""The committee paper in Word, for committee systems that take it: headings, numbered
paragraphs (the numbers are text), lists, quotes, the typed tables with their captions and
notes, and the charts with their text alternatives. python-docx writes it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from qa_lib.paper import (Block, BlockQuote, Box, Definitions, Figure, Gap, Heading, ListBlock, Paper, Paragraph,
                          Quote, Span, Table)

_WIDTH_CM = 16.0  # A4 less the margins


def _runs(paragraph: Any, spans: list[Span]) -> None:
    for span in spans:
        run = paragraph.add_run(span.text.replace("\n", " "))
        run.bold = span.strong or None
        run.italic = span.em or None
        if span.br:
            run.add_break()


def _table(document: Any, table: Table) -> None:
    document.add_paragraph(f"Table {table.number}: {table.caption}", style="Caption")
    grid = document.add_table(rows=1 + len(table.rows), cols=len(table.columns))
    grid.style = "Table Grid"
    for i, name in enumerate(table.columns):
        cell = grid.rows[0].cells[i]
        cell.text = name
        for run in cell.paragraphs[0].runs:
            run.bold = True
    for r, row in enumerate(table.rows, start=1):
        for i, value in enumerate(row):
            grid.rows[r].cells[i].text = value.text
    for note in table.notes:
        document.add_paragraph(note, style="Caption")
    if table.caution:
        document.add_paragraph(table.caution).runs[0].bold = True


def _figure(document: Any, figure: Figure) -> None:
    from docx.shared import Cm

    from qa_lib.exporters.raster import png_of_svg

    document.add_picture(io.BytesIO(png_of_svg(figure.svg)), width=Cm(_WIDTH_CM))
    # The picture's description is what a screen reader says: the chart's text alternative.
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", figure.alt)
    shape._inline.docPr.set("title", figure.title)
    document.add_paragraph(f"Figure {figure.number}: {figure.title}", style="Caption")


class _Writer:
    """The paper's blocks into a python-docx document, one method a kind of block."""

    def __init__(self, document: Any, marking: str):
        self.document = document
        self.marking = marking

    def blocks(self, blocks: list[Block], list_style: str | None = None) -> None:
        for block in blocks:
            getattr(self, block.kind)(block, list_style)

    def heading(self, block: Heading, list_style: str | None) -> None:
        self.document.add_heading(block.text, level=block.level)

    def paragraph(self, block: Paragraph, list_style: str | None) -> None:
        paragraph = self.document.add_paragraph(style=list_style)
        if block.numbered and block.number:
            paragraph.add_run(f"{block.number}. ")
        _runs(paragraph, block.spans)

    def list(self, block: ListBlock, list_style: str | None) -> None:
        for item in block.items:
            self.blocks(item, "List Number" if block.ordered else "List Bullet")

    def quote(self, block: Quote, list_style: str | None) -> None:
        self.document.add_paragraph(f"‘{block.text}’ — {block.who}", style="Quote")

    def blockquote(self, block: BlockQuote, list_style: str | None) -> None:
        self.blocks(block.blocks, "Quote")

    def table(self, block: Table, list_style: str | None) -> None:
        _table(self.document, block)

    def figure(self, block: Figure, list_style: str | None) -> None:
        _figure(self.document, block)

    def gap(self, block: Gap, list_style: str | None) -> None:
        from docx.enum.text import WD_COLOR_INDEX

        # Bold, in brackets and highlighted: a gap no reader of the draft can take for text.
        run = self.document.add_paragraph(style=list_style).add_run(f"[{block.text}]")
        run.bold = True
        run.font.highlight_color = WD_COLOR_INDEX.YELLOW

    def definitions(self, block: Definitions, list_style: str | None) -> None:
        for term, text in block.items:
            paragraph = self.document.add_paragraph()
            paragraph.add_run(f"{term}: ").bold = True
            paragraph.add_run(text)

    def box(self, block: Box, list_style: str | None) -> None:
        if block.role == "front-sheet":
            self.document.add_paragraph().add_run(self.marking).bold = True
        self.blocks(block.blocks, list_style)


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    from datetime import datetime

    from docx import Document
    from docx.shared import Cm

    document = Document()
    section = document.sections[0]
    section.page_width, section.page_height = Cm(21.0), Cm(29.7)  # A4
    properties = document.core_properties
    properties.title = paper.meta["title"]
    properties.category = paper.meta["marking"]
    properties.language = "en-GB"
    # Dated from the data, not the clock.
    properties.created = properties.modified = datetime.fromisoformat(paper.meta["document_date"])
    section.header.paragraphs[0].text = paper.meta["marking"]
    section.footer.paragraphs[0].text = paper.meta["marking"]
    writer = _Writer(document, paper.meta["marking"])
    for each in paper.sections:
        writer.blocks(each.blocks)
    document.save(str(target))


def text_of(path: Path) -> str:
    """The text of a Word file, paragraph by paragraph and cell by cell: Word files carry the
    time they were made, so two runs are compared on their text."""
    from docx import Document

    document = Document(str(path))
    lines = [p.text for p in document.paragraphs]
    lines += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    lines += [p.text for s in document.sections for part in (s.header, s.footer) for p in part.paragraphs]
    return "\n".join(lines)
