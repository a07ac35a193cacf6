"""The committee paper in Word, for committee systems that take it: headings, numbered
paragraphs (the numbers are text), lists, quotes, the typed tables with their captions and
notes, and the charts with their text alternatives. python-docx writes it.

The document is built on a reference Word file the council can replace (the parameter
``reference_docx``, by default ``params/reference.docx``, made by
``scripts/make_reference_docx.py``): its styles, margins and fonts are kept, its body is not.
Whatever the reference holds, the workbook writes the protective marking in every header
and footer (default, first page and even pages), "Page X of Y", DRAFT when the paper is a
draft, an A4 page, and the paper's heading, list, caption and table styles."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

from qa_lib.errors import ReferenceDocumentError
from qa_lib.paper import (
    Block,
    BlockQuote,
    Box,
    Definitions,
    Figure,
    Gap,
    Heading,
    ListBlock,
    Paper,
    Paragraph,
    Quote,
    Span,
    Table,
)

DEFAULT_REFERENCE = "params/reference.docx"
A4_CM = (21.0, 29.7)
TABLE_STYLE = "Table Grid"
# The paragraph styles the paper uses: created when the reference lacks them.
PARAGRAPH_STYLES = {
    "Heading 1": (16, 1),
    "Heading 2": (14, 2),
    "Heading 3": (12, 3),
    "Heading 4": (12, 4),
    "Caption": (10, None),
    "Quote": (12, None),
    "List Bullet": (12, None),
    "List Number": (12, None),
}
_VML = (
    'xmlns:v="urn:schemas-microsoft-com:vml" xmlns:o="urn:schemas-microsoft-com:office:office" '
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
)


def _reference_path(path: Path | None) -> Path:
    from qa_lib.paths import project_root

    return path if path is not None else project_root() / DEFAULT_REFERENCE


def open_reference(path: Path | None = None) -> Any:
    """The reference document, opened by python-docx.

    Raises
    ------
    ReferenceDocumentError
        When the file is missing, or is not a Word document python-docx can read.
    """
    from docx import Document

    from qa_lib.paths import display

    path = _reference_path(path)
    shown = display(path)
    if not path.is_file():
        raise ReferenceDocumentError(
            f"Word reference document {shown} does not exist: restore it with "
            f"`python scripts/make_reference_docx.py`, or name another with "
            f"--reference-docx (reference_docx in a params file)"
        )
    try:
        return Document(str(path))
    except Exception as exc:  # noqa: BLE001  zip, XML, package and content-type errors alike: one refusal
        raise ReferenceDocumentError(
            f"Word reference document {shown} cannot be read as a Word (.docx) file "
            f"({type(exc).__name__}): save it again from Word as a .docx document"
        ) from None


def _clear_body(document: Any) -> None:
    """Drop the reference's own content, keeping its last section's page setup."""
    body = document.element.body
    for child in list(body):
        if not child.tag.endswith("}sectPr"):
            body.remove(child)


def _ensure_styles(document: Any) -> set[str]:
    """Add the paper's styles the reference lacks; return the names added."""
    from docx.enum.style import WD_STYLE_TYPE
    from docx.oxml import OxmlElement, parse_xml
    from docx.oxml.ns import nsdecls, qn
    from docx.shared import Pt

    styles = document.styles
    names = {style.name for style in styles}
    added = set()
    for name, (size, level) in PARAGRAPH_STYLES.items():
        if name in names:
            continue
        style = styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.base_style = styles["Normal"] if "Normal" in names else None
        style.font.size = Pt(size)
        style.font.bold = level is not None
        style.font.italic = name == "Quote" or None
        if level is not None:
            style.next_paragraph_style = styles["Normal"] if "Normal" in names else None
            style.paragraph_format.keep_with_next = True
            outline = OxmlElement("w:outlineLvl")
            outline.set(qn("w:val"), str(level - 1))  # so Word's navigation pane and PDF bookmarks see it
            style.element.get_or_add_pPr().append(outline)
        added.add(name)
    if TABLE_STYLE not in names:
        style = styles.add_style(TABLE_STYLE, WD_STYLE_TYPE.TABLE)
        edges = "".join(
            f'<w:{edge} w:val="single" w:sz="4" w:space="0" w:color="auto"/>'
            for edge in ("top", "left", "bottom", "right", "insideH", "insideV")
        )
        style.element.append(parse_xml(f"<w:tblPr {nsdecls('w')}><w:tblBorders>{edges}</w:tblBorders></w:tblPr>"))
        added.add(TABLE_STYLE)
    return added


def _field(paragraph: Any, instruction: str) -> None:
    """A Word field (PAGE, NUMPAGES) that Word fills in when it lays the pages out."""
    from docx.oxml import OxmlElement
    from docx.oxml.ns import qn

    def char(kind: str) -> Any:
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        return element

    run = paragraph.add_run()
    run._r.append(char("begin"))
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = f" {instruction} "
    paragraph.add_run()._r.append(text)
    paragraph.add_run()._r.append(char("separate"))
    paragraph.add_run("1")  # shown until the fields are updated
    paragraph.add_run()._r.append(char("end"))


# Word's own definition of the WordArt shape its watermarks use (shape type 136, text on a path).
_TEXT_SHAPE = (
    '<v:shapetype id="_x0000_t136" coordsize="21600,21600" o:spt="136" adj="10800" '
    'path="m@7,l@8,m@5,21600l@6,21600e"><v:formulas><v:f eqn="sum #0 0 10800"/><v:f eqn="prod #0 2 1"/>'
    '<v:f eqn="sum 21600 0 @1"/><v:f eqn="sum 0 0 @2"/><v:f eqn="sum 21600 0 @3"/><v:f eqn="if @0 @3 0"/>'
    '<v:f eqn="if @0 21600 @1"/><v:f eqn="if @0 0 @2"/><v:f eqn="if @0 @4 21600"/><v:f eqn="mid @5 @6"/>'
    '<v:f eqn="mid @8 @5"/><v:f eqn="mid @7 @8"/><v:f eqn="mid @6 @7"/><v:f eqn="sum @6 0 @5"/></v:formulas>'
    '<v:path textpathok="t" o:connecttype="custom" o:connectlocs="@9,0;@10,10800;@11,21600;@12,10800" '
    'o:connectangles="270,180,90,0"/><v:textpath on="t" fitshape="t"/><v:handles>'
    '<v:h position="#0,bottomRight" xrange="6629,14971"/></v:handles>'
    '<o:lock v:ext="edit" text="t" shapetype="t"/></v:shapetype>'
)


def _watermark(paragraph: Any, text: str, number: int) -> None:
    """A pale diagonal watermark behind every page that uses this header, as Word writes one."""
    from docx.oxml import parse_xml

    shape = (
        f'<w:r {_VML}><w:pict>{_TEXT_SHAPE}<v:shape id="PowerPlusWaterMarkObject{number}" '
        f'o:spid="_x0000_s{2049 + number}" type="#_x0000_t136" '
        'style="position:absolute;margin-left:0;margin-top:0;width:415pt;height:138pt;rotation:315;'
        "z-index:-251657216;mso-position-horizontal:center;mso-position-horizontal-relative:margin;"
        'mso-position-vertical:center;mso-position-vertical-relative:margin" o:allowincell="f" '
        'fillcolor="silver" stroked="f"><v:fill opacity=".5"/>'
        f'<v:textpath style="font-family:&quot;Arial&quot;;font-size:1pt" string="{text}"/>'
        "</v:shape></w:pict></w:r>"
    )
    paragraph._p.append(parse_xml(shape))


def _marking_parts(section: Any) -> list[tuple[Any, bool]]:
    """Every header and footer of a section, whether or not the reference turns it on:
    (part, is_footer)."""
    return [
        (section.header, False),
        (section.first_page_header, False),
        (section.even_page_header, False),
        (section.footer, True),
        (section.first_page_footer, True),
        (section.even_page_footer, True),
    ]


def _mark_pages(document: Any, marking: str, draft: bool, draft_word: str, page_words: tuple[str, str]) -> None:
    """The marking at the top and bottom of every page, "Page X of Y" at the bottom, and
    DRAFT (a watermark and a word in the header) on a draft, replacing the reference's own."""
    from docx.enum.text import WD_ALIGN_PARAGRAPH

    for index, section in enumerate(document.sections):
        for number, (part, is_footer) in enumerate(_marking_parts(section), start=1 + 6 * index):
            if index == 0:
                part.is_linked_to_previous = False
            elif part.is_linked_to_previous:
                continue  # it shows the first section's
            element = part._element
            for child in list(element):
                element.remove(child)
            first = part.add_paragraph()
            first.alignment = WD_ALIGN_PARAGRAPH.CENTER
            first.add_run(marking).bold = True
            if draft:
                first.add_run(f" — {draft_word}").bold = True
                if not is_footer:
                    _watermark(first, draft_word, number)
            if is_footer:
                pages = part.add_paragraph()
                pages.alignment = WD_ALIGN_PARAGRAPH.CENTER
                pages.add_run(f"{page_words[0]} ")
                _field(pages, "PAGE")
                pages.add_run(f" {page_words[1]} ")
                _field(pages, "NUMPAGES")


def _a4(document: Any) -> float:
    """Every section A4 portrait; return the text width in centimetres, for the charts."""
    from docx.enum.section import WD_ORIENT
    from docx.shared import Cm

    width = 16.0
    for section in document.sections:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = Cm(A4_CM[0]), Cm(A4_CM[1])
        margins = (section.left_margin or Cm(2.5)) + (section.right_margin or Cm(2.5))
        width = max(8.0, min(16.0, A4_CM[0] - margins / 360000))
    return width


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
    grid.style = TABLE_STYLE
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


def _figure(document: Any, figure: Figure, width_cm: float) -> None:
    from docx.shared import Cm

    from qa_lib.exporters.raster import png_of_svg

    document.add_picture(io.BytesIO(png_of_svg(figure.svg)), width=Cm(width_cm))
    # The picture's description is what a screen reader says: the chart's text alternative.
    shape = document.inline_shapes[-1]
    shape._inline.docPr.set("descr", figure.alt)
    shape._inline.docPr.set("title", figure.title)
    document.add_paragraph(f"Figure {figure.number}: {figure.title}", style="Caption")


class _Writer:
    """The paper's blocks into a python-docx document, one method a kind of block."""

    def __init__(self, document: Any, marking: str, width_cm: float = 16.0, plain_lists: bool = False):
        self.document = document
        self.marking = marking
        self.width_cm = width_cm
        # A list style made here has no numbering definition behind it: the marker is then written as text.
        self.plain_lists = plain_lists

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
        for number, item in enumerate(block.items, start=1):
            if self.plain_lists and item and isinstance(item[0], Paragraph):
                marker = f"{number}. " if block.ordered else "• "
                item = [Paragraph([Span(marker), *item[0].spans]), *item[1:]]
            self.blocks(item, "List Number" if block.ordered else "List Bullet")

    def quote(self, block: Quote, list_style: str | None) -> None:
        self.document.add_paragraph(f"‘{block.text}’ — {block.who}", style="Quote")

    def blockquote(self, block: BlockQuote, list_style: str | None) -> None:
        self.blocks(block.blocks, "Quote")

    def table(self, block: Table, list_style: str | None) -> None:
        _table(self.document, block)

    def figure(self, block: Figure, list_style: str | None) -> None:
        _figure(self.document, block, self.width_cm)

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


def write(paper: Paper, figures: dict[str, Any], target: Path, reference: Path | None = None) -> None:
    """``report.docx`` on the reference document (by default ``params/reference.docx``).

    Raises
    ------
    ReferenceDocumentError
        When the reference is missing or is not a Word document.
    """
    from datetime import datetime

    from qa_lib.prose import say

    document = open_reference(reference)
    _clear_body(document)
    added = _ensure_styles(document)
    width = _a4(document)
    properties = document.core_properties
    # The reference's own metadata (its author, its comments) is not the paper's.
    for name in ("author", "last_modified_by", "comments", "keywords", "subject", "identifier", "content_status"):
        setattr(properties, name, "")
    properties.title = paper.meta["title"]
    properties.category = paper.meta["marking"]
    properties.language = "en-GB"
    properties.revision = 1
    # Dated from the data, not the clock.
    properties.created = properties.modified = datetime.fromisoformat(paper.meta["document_date"])
    _mark_pages(
        document,
        paper.meta["marking"],
        paper.meta.get("status") == "draft",
        say("word", "draft"),
        (say("word", "page"), say("word", "of")),
    )
    writer = _Writer(document, paper.meta["marking"], width, plain_lists=bool(added & {"List Bullet", "List Number"}))
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
    lines += [p.text for s in document.sections for part, _ in _marking_parts(s) for p in part.paragraphs]
    return "\n".join(lines)
