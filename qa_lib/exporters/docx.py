"""The committee paper in Word, for committee systems that take it: headings, numbered
paragraphs (the numbers are text), lists, quotes, the typed tables with their captions and
notes, and the charts with their text alternatives. python-docx writes it."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from qa_lib.paper import (Block, BlockQuote, Box, Definitions, Figure, Heading, ListBlock, Paper, Paragraph, Quote,
                          Span, Table)

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


def _figure(document: Any, figure: Figure) -> None:
    from docx.shared import Cm

    document.add_picture(io.BytesIO(figure.png), width=Cm(_WIDTH_CM))
    # The picture's description is what a screen reader says: the chart's text alternative.
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", figure.alt)
    shape._inline.docPr.set("title", figure.title)
    document.add_paragraph(f"Figure {figure.number}: {figure.title}", style="Caption")


def _blocks(document: Any, blocks: list[Block], marking: str, list_style: str | None = None) -> None:
    for block in blocks:
        if isinstance(block, Heading):
            document.add_heading(block.text, level=block.level)
        elif isinstance(block, Paragraph):
            paragraph = document.add_paragraph(style=list_style)
            if block.numbered and block.number:
                paragraph.add_run(f"{block.number}. ")
            _runs(paragraph, block.spans)
        elif isinstance(block, ListBlock):
            style = "List Number" if block.ordered else "List Bullet"
            for item in block.items:
                _blocks(document, item, marking, style)
        elif isinstance(block, Quote):
            document.add_paragraph(f"‘{block.text}’ — {block.who}", style="Quote")
        elif isinstance(block, BlockQuote):
            _blocks(document, block.blocks, marking, "Quote")
        elif isinstance(block, Table):
            _table(document, block)
        elif isinstance(block, Figure):
            _figure(document, block)
        elif isinstance(block, Definitions):
            for term, text in block.items:
                paragraph = document.add_paragraph()
                paragraph.add_run(f"{term}: ").bold = True
                paragraph.add_run(text)
        elif isinstance(block, Box):
            if block.role == "front-sheet":
                document.add_paragraph().add_run(marking).bold = True
            _blocks(document, block.blocks, marking, list_style)


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
    for each in paper.sections:
        _blocks(document, each.blocks, paper.meta["marking"])
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
