"""The committee PDF, typeset by Typst from the paper's data: read back as a reader's tools
read it (pypdfium2 for the text and where each character lies, pypdf for the tags) and held
against the HTML made from the same paper."""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pypdfium2
import pypdfium2.raw as pdfium_c
import pytest
from bs4 import BeautifulSoup, Comment, NavigableString
from pypdf import PdfReader

from qa_lib.exporters import pdf
from qa_lib.exporters.html import paper_html
from qa_lib.paper import (
    Block,
    BlockQuote,
    Box,
    Cell,
    Definitions,
    Figure,
    Heading,
    ListBlock,
    Paper,
    Paragraph,
    Quote,
    SectionOutput,
    Span,
    Table,
    assemble,
)
from qa_lib.sections import REGISTRY

from golden_files import BLOCK_ELEMENTS

QUARTER = "2013-14-Q4"
MM = 72 / 25.4
# The page as the template sets it: A4, margins of 18 mm at the sides, 22 mm at the top, 20 mm at the foot.
WIDTH, HEIGHT = 595.28, 841.89
LEFT, RIGHT, TOP, BOTTOM = 18 * MM, WIDTH - 18 * MM, HEIGHT - 22 * MM, 20 * MM
SLACK = 0.5  # points a glyph's ink may pass its advance (a rounding, not a layout)
RULE = 2.5  # points a rule drawn along a margin may pass it: half the widest rule's width
WATERMARK_SIZE = 50  # DRAFT is set at 110 pt; no text of the paper is anywhere near


@dataclass(frozen=True)
class Char:
    text: str
    left: float
    bottom: float
    right: float
    top: float
    size: float
    generated: bool  # a space or line break pdfium infers from the layout, not a glyph

    @property
    def watermark(self) -> bool:
        return self.size >= WATERMARK_SIZE


def pages_of(path: Path) -> list[list[Char]]:
    """Every character of every page, in the order of the page's content, with its box."""
    pages = []
    document = pypdfium2.PdfDocument(str(path))
    try:
        for page in document:
            textpage = page.get_textpage()
            chars = []
            for i in range(textpage.count_chars()):
                left, bottom, right, top = textpage.get_charbox(i)
                chars.append(
                    Char(
                        textpage.get_text_range(i, 1),
                        left,
                        bottom,
                        right,
                        top,
                        pdfium_c.FPDFText_GetFontSize(textpage.raw, i),
                        bool(pdfium_c.FPDFText_IsGenerated(textpage.raw, i)),
                    )
                )
            pages.append(chars)
    finally:
        document.close()
    return pages


def band(chars: list[Char], where: str) -> str:
    """The text of one band of a page: ``header`` (above the text area), ``footer`` (below
    it) or ``body``; the watermark is in none of them, and a line break inferred between two
    bands separates them."""

    def inside(c: Char) -> bool:
        middle = (c.top + c.bottom) / 2
        return {"header": middle > TOP, "footer": middle < BOTTOM, "body": BOTTOM <= middle <= TOP}[where]

    return "".join(c.text for c in chars if not c.watermark and (inside(c) or (c.generated and c.text.isspace())))


def words(text: str) -> list[str]:
    """The words of extracted text. A line broken after a hyphen, a dash or a slash inside a
    word (Typst breaks there, hyphenation being off) is joined again; the word joiner Typst
    puts before a page number in the contents is not a word."""
    # PDFium reports a hyphen that ends a line as U+FFFE, without the line break.
    text = re.sub(r"(?<=\S)([-–/])\r?\n", r"\1", text.replace("\u2060", "").replace("\ufffe", "-"))
    return text.split()


def pdf_words(path: Path, tables: list[Table]) -> list[str]:
    """The words of the PDF's text area on every page, in reading order, without the
    contents' dot leaders and page numbers, and without the header row a table repeats at
    the top of a page it runs on to (a table that starts on a page starts with its caption)."""
    headers = [" ".join(t.columns).split() for t in tables]
    found = []
    for chars in pages_of(path):
        page = words(re.sub(r"(?:\s*\.){4,}\s*\u2060?\s*\d+", " ", band(chars, "body")))
        page = page[len(next((h for h in headers if page[: len(h)] == h), [])) :]
        if found and page and len(found[-1]) > 1 and found[-1][-1] in "-–/":  # a word broken over the page
            found[-1] += page.pop(0)
        found += page
    return found


_BLOCK = BLOCK_ELEMENTS  # the elements a browser lays out as blocks
_BULLETS = ["•", "◦", "▪"]


def html_words(html: str) -> list[str]:
    """The words a reader sees in a browser: the text of the main element, each block apart,
    with the numbers and bullets of lists (which a browser draws) and the capitals of the
    h1 (text-transform in the style sheet)."""
    out: list[str] = []

    def walk(node, upper: bool = False, depth: int = 0) -> None:
        for child in node.children:
            if isinstance(child, Comment):
                continue
            if isinstance(child, NavigableString):
                out.append(child.upper() if upper else str(child))
            elif child.name not in ("style", "script", "head", "title"):
                out.append(" " if child.name in _BLOCK else "")
                if child.name == "li":
                    siblings = child.parent.find_all("li", recursive=False)
                    out.append(
                        f"{siblings.index(child) + 1}. "
                        if child.parent.name == "ol"
                        else f"{_BULLETS[min(depth - 1, 2)]} "
                    )
                walk(child, upper or child.name == "h1", depth + (child.name in ("ul", "ol")))
                out.append(" " if child.name in _BLOCK else "")

    soup = BeautifulSoup(html, "html.parser")
    walk(soup.main)
    return words("".join(out))


def split_at_headings(found: list[str], headings: list[list[str]]) -> list[list[str]]:
    """Words cut where each level-2 heading begins its part: after the contents, which list
    the same headings first. The first part is the front sheet with the contents."""

    def find(sequence: list[str], start: int) -> int:
        for i in range(start, len(found) - len(sequence) + 1):
            if found[i : i + len(sequence)] == sequence:
                return i
        raise AssertionError(f"{' '.join(sequence)!r} not found after word {start}")

    position = 0
    for heading in headings:  # the contents
        position = find(heading, position) + len(heading)
    starts = []
    for heading in headings:  # the parts themselves
        position = find(heading, position)
        starts.append(position)
        position += len(heading)
    cuts = [0, *starts, len(found)]
    return [found[a:b] for a, b in zip(cuts, cuts[1:])]


def first_difference(made: list[str], expected: list[str]) -> str:
    for tag, a, b, c, d in difflib.SequenceMatcher(a=expected, b=made, autojunk=False).get_opcodes():
        if tag != "equal":
            html, pdf_ = " ".join(expected[max(a - 8, 0) : b + 3]), " ".join(made[max(c - 8, 0) : d + 3])
            return f"{tag}: HTML {html!r} / PDF {pdf_!r}"
    return ""


# -- The sample paper, made without the notebook ----------------------------------------------


@pytest.fixture(scope="module")
def sample_paper(sample_context, tmp_path_factory) -> tuple[Paper, str, Path]:
    """The sample quarter's paper (publication, draft), its HTML and its PDF."""
    context = sample_context(QUARTER)
    paper = assemble([s.render(context) for s in REGISTRY], context.figures_output().meta)
    target = tmp_path_factory.mktemp("pdf") / "report.pdf"
    pdf.write(paper, {}, target)
    return paper, paper_html(paper), target


def test_each_part_of_the_pdf_has_the_words_of_the_html(sample_paper):
    paper, html, target = sample_paper
    headings = [text.split() for _, text in paper.contents]
    made = split_at_headings(pdf_words(target, paper.tables), headings)
    expected = split_at_headings(html_words(html), headings)
    assert len(made) == len(paper.contents) + 1 > 10
    for part, (pdf_part, html_part) in enumerate(zip(made, expected)):
        name = "the front sheet and contents" if part == 0 else paper.contents[part - 1][1]
        assert pdf_part == html_part, f"{name}: {first_difference(pdf_part, html_part)}"


def test_every_page_has_the_marking_above_and_its_number_below(sample_paper):
    paper, _, target = sample_paper
    pages = pages_of(target)
    assert len(pages) > 10
    for number, chars in enumerate(pages, start=1):
        assert words(band(chars, "header")) == f"OFFICIAL {paper.meta['title']}".split(), number
        assert words(band(chars, "footer")) == f"Page {number} of {len(pages)}".split(), number


def overlapping(chars: list[Char]) -> list[tuple[Char, Char]]:
    """Glyphs drawn over one another: a cell's text run into the next, a line over a line.
    Neighbours in the text (a kerned pair, the letters of one ligature) may touch."""
    glyphs = sorted(
        ((i, c) for i, c in enumerate(chars) if not (c.generated or c.watermark or c.text.isspace())),
        key=lambda item: item[1].left,
    )
    found = []
    for k, (i, a) in enumerate(glyphs):
        for j, b in glyphs[k + 1 :]:
            if b.left >= a.right - SLACK:
                break
            if abs(i - j) > 3 and min(a.top, b.top) - max(a.bottom, b.bottom) > SLACK:
                found.append((a, b))
    return found


def test_no_character_or_chart_lies_outside_the_text_area_or_over_another(sample_paper):
    """The body within the margins; the running header and footer within the side margins,
    wholly above or below the body; nothing straddles the edge of the text area; no two
    glyphs are drawn over one another."""
    _, _, target = sample_paper
    for number, chars in enumerate(pages_of(target), start=1):
        for c in chars:
            if c.generated or c.watermark or c.text.isspace():
                continue
            where = f"page {number}: {c.text!r} at ({c.left:.1f}, {c.bottom:.1f}, {c.right:.1f}, {c.top:.1f})"
            assert LEFT - SLACK <= c.left and c.right <= RIGHT + SLACK, where
            body = BOTTOM - SLACK <= c.bottom and c.top <= TOP + SLACK
            assert body or c.bottom >= TOP or c.top <= BOTTOM, where
        assert not overlapping(chars), [
            (number, a.text, b.text, round(a.left), round(a.bottom)) for a, b in overlapping(chars)
        ][:5]
    # Charts are vectors: every path (a chart's marks and labels, a table's rules) stands within
    # the margins, less half the width of a rule drawn along them.
    document = pypdfium2.PdfDocument(str(target))
    try:
        paths = 0
        for number, page in enumerate(document, start=1):
            for shape in page.get_objects(filter=[pdfium_c.FPDF_PAGEOBJ_PATH, pdfium_c.FPDF_PAGEOBJ_IMAGE]):
                left, bottom, right, top = shape.get_bounds()
                if top <= BOTTOM or bottom >= TOP:
                    continue  # the running header's and footer's rules
                where = f"a shape on page {number} at ({left:.1f}, {bottom:.1f}, {right:.1f}, {top:.1f})"
                assert LEFT - RULE <= left and right <= RIGHT + RULE, where
                assert BOTTOM - RULE <= bottom and top <= TOP + RULE, where
                paths += 1
    finally:
        document.close()
    assert paths > 100 and len(sample_paper[0].figures) > 5


def test_the_pdf_is_pdf_ua_with_language_title_and_the_htmls_alt_texts(sample_paper):
    paper, html, target = sample_paper
    reader = PdfReader(target)
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB" and root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == f"OFFICIAL: {paper.meta['title']}"
    # Typst claims PDF/UA-1 (in the XMP metadata) only for a document that passed its checks.
    assert b"<pdfuaid:part>1</pdfuaid:part>" in root["/Metadata"].get_object().get_data()
    figures = []

    def walk(node) -> None:
        node = node.get_object()
        if node.get("/S") == "/Figure":
            figures.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid)

    walk(root["/StructTreeRoot"])
    alts = [img["alt"] for img in BeautifulSoup(html, "html.parser").find_all("img")]
    assert figures == alts and len(alts) > 5


def test_the_same_paper_gives_the_same_bytes(sample_paper, tmp_path):
    paper, _, target = sample_paper
    pdf.write(paper, {}, tmp_path / "again.pdf")
    assert (tmp_path / "again.pdf").read_bytes() == target.read_bytes()


# -- A long table -------------------------------------------------------------------------------


def long_table_paper(rows: int) -> Paper:
    """A paper of one table, long enough to run over several pages; every seventh row's label
    runs over three lines, so a row broken across pages would show."""

    def label(i: int) -> str:
        return f"Row {i} " + (
            "with a label long enough to wrap over several lines of its narrow column " * 2 if i % 7 == 0 else ""
        )

    table = Table(
        "A long table",
        ["Row", "Count", "Share"],
        [
            [Cell(label(i).strip(), "label"), Cell(str(i), "count", i), Cell(f"{i % 100}%", "percent", i % 100)]
            for i in range(1, rows + 1)
        ],
    )
    section = SectionOutput(
        "long",
        [Box("section", [Heading(2, "A long table"), Paragraph([Span("Before the table.")], numbered=True), table])],
    )
    return assemble(
        [section], {"title": "Long tables", "marking": "OFFICIAL", "status": "final", "document_date": "2014-06-16"}
    )


def test_a_table_three_pages_long_repeats_its_header_row_and_never_splits_a_row(tmp_path):
    rows = 120
    paper = long_table_paper(rows)
    row_words = {i: [row[0].text, *(cell.text for cell in row[1:])] for i, row in enumerate(paper.tables[0].rows, 1)}
    row_words = {i: " ".join(texts).split() for i, texts in row_words.items()}
    target = tmp_path / "long.pdf"
    pdf.write(paper, {}, target)
    seen: list[int] = []
    table_pages = 0
    for chars in pages_of(target):
        found = words(band(chars, "body"))
        # The header row comes before any row of the table on the page, and the rows follow it whole.
        header = next(i for i in range(len(found)) if found[i : i + 3] == ["Row", "Count", "Share"])
        table_pages += 1
        position = header + 3
        while position < len(found):
            number = int(found[position + 1])
            assert found[position : position + len(row_words[number])] == row_words[number], (
                f"page {table_pages}: row {number} is not whole: {' '.join(found[position : position + 12])}"
            )
            seen.append(number)
            position += len(row_words[number])
    assert table_pages >= 3
    assert seen == list(range(1, rows + 1)), "every row once, in order"


# -- Hostile text stays text -------------------------------------------------------------------

# Typst markup, code and math that would change the page, read a file or fail to compile if
# any of it were read as markup; each must print as written.
HOSTILE = [
    "#set page(header: [OFFICIAL])",
    '#read("/etc/passwd")',
    '#image("/etc/hostname")',
    "$x^2$",
    "@x",
    "<x>",
    "#sys.inputs",
    "*not strong* _not emphasis_",
    "= not a heading",
    "// not a comment",
    "] ) } #{",
    "\\u{41}",
]


def svg() -> str:
    from qa_lib.charts import share_bars

    return share_bars([("a", 50.0)], "x").svg


def hostile_paper(marking: str) -> Paper:
    """A paper with hostile text in every place text can stand."""
    text = " ".join(HOSTILE)
    blocks = [
        Heading(1, text),
        Box(
            "section",
            [
                Heading(2, text),
                Paragraph(
                    [
                        Span(text),
                        Span(text, strong=True),
                        Span(text, em=True),
                        Span(text, code=True),
                        Span(text, link="https://example.org/#read(%22/etc/passwd%22)", br=True),
                    ],
                    numbered=True,
                ),
                Heading(3, text),
                Heading(4, text),
                Paragraph([Span(text)], role="caution"),
                Table(text, [text, text], [[Cell(text, "label"), Cell(text)]], notes=[text]),
                Figure(text, text, svg(), text, text),
                Definitions([(text, text)]),
                ListBlock([[Paragraph([Span(text)], role="inline")], [Paragraph([Span(text)])]], ordered=True),
                BlockQuote([Paragraph([Span(text)])]),
                Box("quotes", [Paragraph([Span(text)], role="quotes-heading"), Quote(text, text)]),
            ],
        ),
    ]
    return assemble(
        [SectionOutput("hostile", blocks)],
        {"title": text, "marking": marking, "status": "draft", "document_date": "2014-06-16"},
    )


def test_text_that_looks_like_typst_markup_prints_as_written_everywhere(tmp_path):
    target = tmp_path / "hostile.pdf"
    paper = hostile_paper("OFFICIAL-SENSITIVE")
    pdf.write(paper, {}, target)
    pages = pages_of(target)
    body = " ".join(words("\n".join(band(chars, "body") for chars in pages)))
    text = " ".join(words(" ".join(HOSTILE)))
    # Three headings, five spans, the caution, the caption, two column headers, two cells, the note, the
    # figure's caption, subtitle and source, term and definition, two list items, the quotation, the quotes'
    # heading, the quote and who said it; and the title in capitals, as the h1 is shown.
    assert body.count(text) == 26, body[:600]
    assert body.count(text.upper()) == 1
    assert "root:" not in body
    for number, chars in enumerate(pages, start=1):
        assert words(band(chars, "header"))[0] == "OFFICIAL-SENSITIVE", number
    reader = PdfReader(target)
    assert reader.metadata.title == f"OFFICIAL-SENSITIVE: {' '.join(HOSTILE)}"
    # The text alternative too is the data's string, not markup.
    alts = []

    def walk(node) -> None:
        node = node.get_object()
        if node.get("/S") == "/Figure":
            alts.append(str(node.get("/Alt")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            if hasattr(kid, "get_object") and isinstance(kid.get_object(), dict):
                walk(kid)

    walk(reader.trailer["/Root"]["/StructTreeRoot"])
    assert alts == [" ".join(HOSTILE)]


@pytest.mark.slow
def test_commentary_in_typst_markup_prints_literally_and_the_marking_stays(copy_sample, tmp_path):
    """An internal run whose commentary is Typst markup: it prints as written, and every page's
    running header still says OFFICIAL-SENSITIVE."""
    from qa_lib.cli import main

    data = copy_sample("2013-14-Q3", QUARTER)
    commentary = data / QUARTER / "commentary.md"
    commentary.write_text(
        commentary.read_text(encoding="utf-8").replace(
            "## summary\n",
            '## summary\n\nTypst stays text: #set page(header: [OFFICIAL]) then `#read("/etc/passwd")` '
            "then $x$ then @x then \\<x> end.\n\n",
            1,
        ),
        encoding="utf-8",
    )
    out = tmp_path / "outputs"
    assert (
        main(["run", "--quarter", QUARTER, "--data-root", str(data), "--output-dir", str(out), "--mode", "internal"])
        == 0
    )
    pages = pages_of(out / QUARTER / "report.pdf")
    body = " ".join(words("\n".join(band(chars, "body") for chars in pages)))
    assert (
        'Typst stays text: #set page(header: [OFFICIAL]) then #read("/etc/passwd") then $x$ then @x then <x> end.'
        in body
    )
    assert "root:" not in body
    assert len(pages) > 5
    for number, chars in enumerate(pages, start=1):
        assert words(band(chars, "header"))[0] == "OFFICIAL-SENSITIVE", number


def test_empty_deep_and_unusual_blocks_still_make_a_pdf(tmp_path):
    """What a notebook or commentary can hand the PDF: no front sheet, empty texts, a heading
    with no words, levels that skip, nesting as deep as the commentary's limit."""
    from qa_lib import limits

    deep: Block = Paragraph([Span("deep")], role="inline")
    quoted: Block = Paragraph([Span("quoted")])
    for _ in range(limits.MARKDOWN_NESTING.value):
        deep, quoted = ListBlock([[deep]]), BlockQuote([quoted])
    blocks = [
        Box(
            "section",
            [
                Heading(2, "Empty things"),
                Heading(4, ""),
                Heading(4, "A level-4 heading under a level-2 one"),
                Paragraph([], numbered=True),
                Paragraph([Span("")]),
                Table("", ["A"], []),
                Table("Empty cells", ["A", "B"], [[Cell("", "label"), Cell("")]]),
                ListBlock([]),
                ListBlock([[]]),
                Definitions([]),
                Definitions([("", "")]),
                BlockQuote([]),
                Box("quotes", []),
                Quote("", ""),
                Paragraph([Span("an unknown role")], role="no-such-role"),
                deep,
                quoted,
            ],
        )
    ]
    target = tmp_path / "edge.pdf"
    pdf.write(
        assemble(
            [SectionOutput("edge", blocks)],
            {"title": "Edges", "marking": "OFFICIAL", "status": "final", "document_date": "2014-06-16"},
        ),
        {},
        target,
    )
    text = " ".join(words("\n".join(band(chars, "body") for chars in pages_of(target))))
    assert "A level-4 heading under a level-2 one" in text and text.endswith("deep quoted")


def test_characters_the_font_cannot_draw_show_as_a_replacement_mark_with_a_warning(tmp_path, caplog):
    """A quotation in a script DejaVu Sans lacks, a control character or a byte order mark
    would stop Typst (PDF/UA-1 wants every character drawn); the PDF shows each as U+FFFD
    and the run says which, with no text around them."""
    text = "你好 bell\x07 bom\ufeff zero\u200bwidth e\u0301 end"
    blocks = [
        Heading(1, "Characters"),
        Paragraph([Span(text)]),
        Table("Cells", ["A", "B"], [[Cell("中", "label"), Cell("ok")]]),
    ]
    target = tmp_path / "characters.pdf"
    with caplog.at_level("WARNING"):
        pdf.write(
            assemble(
                [SectionOutput("c", blocks)],
                {"title": "Characters", "marking": "OFFICIAL", "status": "final", "document_date": "2014-06-16"},
            ),
            {},
            target,
        )
    body = " ".join(words("\n".join(band(chars, "body") for chars in pages_of(target))))
    assert "\ufffd\ufffd bell\ufffd bom\ufffd zerowidth e\u0301 end" in body.replace("\u200b", "")
    assert "Cells A B \ufffd ok" in body
    (record,) = [r for r in caplog.records if r.name == "qa_lib.exporters.pdf"]
    assert record.getMessage().startswith("the PDF shows U+0007, U+4E2D, U+4F60, U+597D, U+FEFF as \ufffd")


# -- Print that holds together -------------------------------------------------------------------


def lines_of(path: Path) -> list[list[str]]:
    """Each page's lines of text, as PDFium reads them (a hyphen ending a line as "-")."""
    document = pypdfium2.PdfDocument(str(path))
    try:
        return [page.get_textpage().get_text_range().replace("\ufffe", "-").split("\r\n") for page in document]
    finally:
        document.close()


def test_no_line_breaks_inside_a_quarter_a_year_or_a_range(tmp_path):
    """Sentences of every length put a token at every place along a line: none is broken."""
    tokens = "Q4 2013-14, (2013-14), 18–27%, [12–15]; and 9.5%–12.5%."
    blocks: list[Block] = [Paragraph([Span("x" * n + " " + " then ".join([tokens] * 6))]) for n in range(1, 60)]
    target = tmp_path / "tokens.pdf"
    pdf.write(
        assemble(
            [SectionOutput("t", [Box("section", [Heading(2, "Tokens"), *blocks])])],
            {"title": "Tokens", "marking": "OFFICIAL", "status": "final", "document_date": "2014-06-16"},
        ),
        {},
        target,
    )
    ends = 0
    for lines in lines_of(target):
        for line, following in zip(lines, lines[1:]):
            ends += 1
            assert not re.search(r"(?:\d[-–]|\bQ[1-4])$", line.rstrip()), (line, following)
            assert not re.match(r"[)\].,;:%]", following), (line, following)
    assert ends > 200


def test_a_caution_stays_on_the_page_of_its_table(tmp_path):
    """Tables with a caution under them, after text of every length, so that some end near the
    foot of a page: each caution is on the page of its table's caption and last row."""
    from qa_lib.tables import label, table

    blocks: list[Block] = []
    for n in range(24):
        blocks.append(Paragraph([Span("Filler words for the page. " * (3 + 7 * n % 40))]))
        rows = [[label(f"Grade {i}"), label(f"last{n:02d}" if i == 5 else str(i))] for i in range(6)]
        grid = table(f"Table {n:02d} caption", ["Grade", "Number"], rows)
        grid.caution = f"Caution{n:02d}: a small number of cases."
        blocks.append(grid)
    target = tmp_path / "cautions.pdf"
    pdf.write(
        assemble(
            [SectionOutput("c", [Box("section", [Heading(2, "Cautions"), *blocks])])],
            {"title": "Cautions", "marking": "OFFICIAL", "status": "final", "document_date": "2014-06-16"},
        ),
        {},
        target,
    )
    pages = ["\n".join(lines) for lines in lines_of(target)]
    assert len(pages) >= 4
    for n in range(24):
        where = {
            marker: [i for i, text in enumerate(pages) if marker in text]
            for marker in (f"Table {n:02d} caption", f"last{n:02d}", f"Caution{n:02d}:")
        }
        assert len({tuple(v) for v in where.values()}) == 1 and len(where[f"Caution{n:02d}:"]) == 1, (n, where)


def test_every_page_is_inked_only_inside_its_margins(sample_paper):
    """Every page rendered to an image, as a printer would: outside the text area only the
    running header, the footer and the watermark of a draft leave ink."""
    _, _, target = sample_paper
    document = pypdfium2.PdfDocument(str(target))
    scale = 1  # one pixel a point
    try:
        for number, page in enumerate(document, start=1):
            image = (
                page.render(scale=scale, draw_annots=False, may_draw_forms=False, fill_color=(255, 255, 255, 255))
                .to_pil()
                .convert("L")
            )
            width, height = image.size
            band_top, band_bottom = round(HEIGHT - TOP - RULE), round(HEIGHT - BOTTOM + RULE)
            for box in [
                (0, band_top, round(LEFT - RULE), band_bottom),
                (round(RIGHT + RULE) + 1, band_top, width, band_bottom),
            ]:
                inked = [
                    (x, y) for x in range(box[0], box[2]) for y in range(box[1], box[3]) if image.getpixel((x, y)) < 200
                ]
                assert not inked, f"page {number}: ink in the side margin at {inked[:3]}"
    finally:
        document.close()
