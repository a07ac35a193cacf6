"""report.docx on a reference document (qa_lib.exporters.docx): whatever the reference
holds, the paper is A4, marked in every header and footer, numbered "Page X of Y", marked
DRAFT when a draft, and styled with the paper's headings and table style. Checked by
opening the files with python-docx and reading their XML."""

from __future__ import annotations

import zipfile
from pathlib import Path

import docx
import pytest
from docx.enum.section import WD_ORIENT
from docx.shared import Inches

from qa_lib.errors import ReferenceDocumentError
from qa_lib.exporters import docx as word
from qa_lib.paper import Cell, Heading, ListBlock, Paragraph, SectionOutput, Span, Table, assemble

ROOT = Path(__file__).resolve().parents[1]
A4 = (11906, 16838)  # twentieths of a point, as Word stores 210 × 297 mm
PARTS = ("header", "first_page_header", "even_page_header", "footer", "first_page_footer", "even_page_footer")


def paper(status: str = "draft", marking: str = "OFFICIAL-SENSITIVE"):
    blocks = [
        Heading(2, "Audit findings"),
        Paragraph([Span("A total of 320 cases were audited.")], numbered=True),
        ListBlock([[Paragraph([Span("first point")])], [Paragraph([Span("second point")])]], ordered=True),
        Table("Audit grades", ["Grade", "Number"], [[Cell("Good", "label"), Cell("70", "count", 70)]]),
    ]
    return assemble(
        [SectionOutput("audits", blocks)],
        {"title": "Quality assurance", "marking": marking, "status": status, "document_date": "2014-06-16"},
    )


@pytest.fixture
def hostile(tmp_path: Path) -> Path:
    """A reference as a council's own Word file might be: US Letter, landscape, its own
    header and footer text, a different first page and even pages, body text, and neither
    the grid table style nor the heading and list styles."""
    document = docx.Document()
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = Inches(11), Inches(8.5)
    section.different_first_page_header_footer = True
    section.header.paragraphs[0].text = "ACME HEADER"
    section.footer.paragraphs[0].text = "ACME FOOTER"
    section.first_page_header.paragraphs[0].text = "ACME FIRST PAGE"
    section.first_page_footer.paragraphs[0].text = "ACME FIRST FOOTER"
    document.settings.odd_and_even_pages_header_footer = True
    section.even_page_header.paragraphs[0].text = "ACME EVEN PAGE"
    document.add_paragraph("Text of the council's own letter")
    styles = document.styles.element
    for style in list(styles):
        name = style.find(docx.oxml.ns.qn("w:name"))
        if name is not None and (
            name.get(docx.oxml.ns.qn("w:val")) in ("Table Grid", "List Bullet", "List Number")
            or name.get(docx.oxml.ns.qn("w:val")).startswith("heading")
        ):
            styles.remove(style)
    path = tmp_path / "hostile.docx"
    document.save(str(path))
    assert "Table Grid" not in {s.name for s in docx.Document(str(path)).styles}
    return path


def parts_text(document) -> dict[str, str]:
    section = document.sections[0]
    return {name: "\n".join(p.text for p in getattr(section, name).paragraphs) for name in PARTS}


def part_xml(path: Path) -> dict[str, str]:
    with zipfile.ZipFile(path) as package:
        return {
            name: package.read(name).decode("utf-8")
            for name in package.namelist()
            if name.startswith(("word/header", "word/footer"))
        }


@pytest.mark.parametrize("reference", ["default", "hostile"])
def test_every_header_and_footer_is_marked_numbered_and_drafted(reference, hostile, tmp_path):
    target = tmp_path / "report.docx"
    word.write(paper("draft"), {}, target, None if reference == "default" else hostile)
    document = docx.Document(str(target))
    section = document.sections[0]
    for name, text in parts_text(document).items():
        assert "OFFICIAL-SENSITIVE" in text, name
        assert "DRAFT" in text, name
        assert "ACME" not in text, name
        assert not getattr(section, name).is_linked_to_previous, name
    xml = part_xml(target)
    # Every header and footer part in the package, used or not, carries the marking.
    assert len(xml) >= 6 and all("OFFICIAL-SENSITIVE" in body for body in xml.values())
    footers = [body for name, body in xml.items() if "footer" in name]
    assert all(" PAGE " in body and " NUMPAGES " in body and "Page " in body for body in footers)
    headers = [body for name, body in xml.items() if "header" in name]
    assert all('string="DRAFT"' in body for body in headers), "a watermark on every page"
    assert (section.page_width, section.page_height) == (docx.shared.Twips(A4[0]), docx.shared.Twips(A4[1]))
    assert section.orientation == WD_ORIENT.PORTRAIT
    texts = [p.text for p in document.paragraphs]
    assert "Text of the council's own letter" not in texts
    assert "Audit findings" in texts and document.paragraphs[texts.index("Audit findings")].style.name == "Heading 2"
    assert document.tables[0].style.name == "Table Grid"
    assert document.tables[0].cell(1, 1).text == "70"


def test_a_created_style_is_a_real_heading_and_a_bordered_table(hostile, tmp_path):
    target = tmp_path / "report.docx"
    word.write(paper(), {}, target, hostile)
    document = docx.Document(str(target))
    heading = document.styles["Heading 2"]
    assert heading.font.bold and heading.element.pPr.find(docx.oxml.ns.qn("w:outlineLvl")) is not None
    assert b"w:tblBorders" in document.styles["Table Grid"].element.xml.encode()
    # The list style made here has no numbering behind it: the number is written.
    assert any(p.text == "1. first point" for p in document.paragraphs)


def test_a_final_paper_is_not_marked_draft(hostile, tmp_path):
    target = tmp_path / "report.docx"
    word.write(paper("final", "OFFICIAL"), {}, target, hostile)
    for name, text in parts_text(docx.Document(str(target))).items():
        assert "OFFICIAL" in text and "DRAFT" not in text, name
    assert not any("DRAFT" in body for body in part_xml(target).values())


def test_the_default_reference_is_the_committed_script_s_output():
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_reference_docx", ROOT / "scripts" / "make_reference_docx.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert module.reference() == (ROOT / word.DEFAULT_REFERENCE).read_bytes()


@pytest.mark.parametrize("content", [None, b"not a zip", b"PK\x03\x04 broken"])
def test_a_missing_or_damaged_reference_is_refused_naming_it(content, tmp_path):
    path = tmp_path / "ours.docx"
    if content is not None:
        path.write_bytes(content)
    with pytest.raises(ReferenceDocumentError, match="ours.docx"):
        word.write(paper(), {}, tmp_path / "report.docx", path)
    assert not (tmp_path / "report.docx").exists()


def test_a_damaged_reference_stops_the_run_with_exit_2_and_the_outputs_survive(tmp_path, capsys):
    from qa_lib.cli import main

    path = tmp_path / "broken.docx"
    path.write_text("this is not Word", encoding="utf-8")
    code = main(
        [
            "run",
            "--quarter",
            "2013-14-Q4",
            "--data-root",
            str(ROOT / "data" / "sample"),
            "--output-dir",
            str(tmp_path / "out"),
            "--formats",
            "html,docx",
            "--reference-docx",
            str(path),
        ]
    )
    assert code == 2
    assert "broken.docx" in capsys.readouterr().err
    assert not (tmp_path / "out" / "2013-14-Q4").exists()


@pytest.mark.slow  # runs the notebook
def test_the_sample_paper_s_word_file_is_marked_numbered_drafted_and_a4(publication_run):
    path = publication_run / "report.docx"
    document = docx.Document(str(path))
    for name, text in parts_text(document).items():
        assert "OFFICIAL" in text and "DRAFT" in text, name
    footers = [body for name, body in part_xml(path).items() if "footer" in name]
    assert footers and all(" PAGE " in body and " NUMPAGES " in body for body in footers)
    section = document.sections[0]
    assert (section.page_width, section.page_height) == (docx.shared.Twips(A4[0]), docx.shared.Twips(A4[1]))
    assert {t.style.name for t in document.tables} == {"Table Grid"}
