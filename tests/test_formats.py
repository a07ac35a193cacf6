"""The committee paper in every format, checked with the tools a person would use:
axe-core in Chromium for the HTML, the PDF's tags, Word and the spreadsheet annex."""

from __future__ import annotations

from pathlib import Path

import docx
import openpyxl
import pytest
from bs4 import BeautifulSoup
from pypdf import PdfReader

from qa_lib.cli import main

from helpers import CHROMIUM, launch_chromium

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


@pytest.fixture(scope="module")
def soup(publication_run) -> BeautifulSoup:
    return BeautifulSoup((publication_run / "report.html").read_text(encoding="utf-8"), "html.parser")


def axe_violations(html: Path) -> list[dict]:
    from axe_playwright_python.sync_playwright import Axe
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = launch_chromium(playwright)
        try:
            page = browser.new_page()
            page.goto(html.resolve().as_uri())
            results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS}})
        finally:
            browser.close()
    return results.response["violations"]


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="accessibility test SKIPPED: Chromium is not installed (apt-get install chromium; .ci/run does this)",
)
@pytest.mark.parametrize("run", ["publication_run", "sample_run"])
@pytest.mark.parametrize("page", ["report.html", "provenance.html"])
def test_axe_finds_no_wcag_22_aa_violations(run, page, request):
    violations = axe_violations(request.getfixturevalue(run) / page)
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"][:120]) for v in violations]


@pytest.mark.skipif(
    CHROMIUM is None,
    reason="accessibility test SKIPPED: Chromium is not installed (apt-get install chromium; .ci/run does this)",
)
def test_axe_finds_no_wcag_22_aa_violations_in_the_index_of_quarters(publication_run):
    """The page of every quarter the run writes beside the quarter's folder."""
    violations = axe_violations(publication_run.parent / "index.html")
    assert violations == [], [(v["id"], v["help"], v["nodes"][0]["html"][:120]) for v in violations]


def test_html_is_one_lean_file_with_contents_and_numbered_parts(publication_run, soup):
    assert (publication_run / "report.html").stat().st_size < 1_000_000
    contents = soup.find("nav", class_="contents")
    links = [a["href"] for a in contents.find_all("a")]
    # Every part is in the contents; the key messages stand before it and are not.
    headings = [h for h in soup.main.find_all("h2") if not h.find_parent(class_="key-messages")]
    assert links == [f"#{h['id']}" for h in headings] and len(links) >= 8
    numbers = [int(span.get_text().rstrip(".")) for span in soup.find_all("span", class_="para-no")]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) > 40
    for table in soup.find_all("table"):
        assert table.caption and len(table.thead.find_all("tr")) == 1
        assert all(th.get("scope") == "col" for th in table.thead.find_all("th"))
        assert all(cell.get_text().strip() for cell in table.find_all(["td", "th"]))
    assert all(len(img["alt"]) > 40 for img in soup.find_all("img"))
    # Every chart has its data in a table beside it.
    assert len(soup.find_all("figure")) <= len(soup.find_all("table"))


def test_pdf_is_tagged_with_language_title_and_alt_text(publication_run, soup):
    reader = PdfReader(publication_run / "report.pdf")
    root = reader.trailer["/Root"]
    assert root["/Lang"] == "en-GB"
    assert root["/MarkInfo"]["/Marked"]
    assert reader.metadata.title == "OFFICIAL: Children's Services Quality Assurance Framework"
    alts = []

    def walk(node) -> None:
        node = node.get_object()
        if not isinstance(node, dict):
            return
        if node.get("/S") == "/Figure":
            alts.append(str(node.get("/Alt", "")))
        kids = node.get("/K")
        for kid in kids if isinstance(kids, list) else [kids] if kids is not None else []:
            try:
                walk(kid)
            except AttributeError:  # marked-content ids are numbers
                continue

    walk(root["/StructTreeRoot"])
    assert sorted(alts) == sorted(img["alt"] for img in soup.find_all("img"))
    text = " ".join(page.extract_text() for page in reader.pages)
    assert "Page 1 of" in text and "Appendix: methodology" in text


def test_word_holds_headings_numbered_paragraphs_tables_and_charts(publication_run, soup):
    document = docx.Document(publication_run / "report.docx")
    headings = [p.text for p in document.paragraphs if p.style.name.startswith("Heading")]
    for h2 in soup.main.find_all("h2"):
        assert h2.get_text() in headings
    assert len(document.tables) == len(soup.find_all("table"))
    assert len(document.inline_shapes) == len(soup.find_all("img"))
    texts = [p.text for p in document.paragraphs]
    assert any(t.startswith("5. A total of 320 cases were audited") for t in texts)


def test_spreadsheet_annex_follows_the_analysis_function_layout(publication_run, soup):
    book = openpyxl.load_workbook(publication_run / "report.xlsx")
    tables = soup.find_all("table")
    assert book.sheetnames == ["Cover", "Contents", "Notes", *[f"Table {n}" for n in range(1, len(tables) + 1)]]
    for sheet in book.worksheets:
        assert not sheet.merged_cells.ranges, sheet.title
        assert sheet["A1"].value, f"{sheet.title} starts in A1"
    for number, html_table in enumerate(tables, start=1):
        sheet = book[f"Table {number}"]
        assert sheet["A1"].value == html_table.caption.get_text()
        ((name, ref),) = sheet.tables.items()
        assert ref.startswith("A"), "the table starts in column A, under its title"
    caf = next(
        s
        for s in book.worksheets
        if "Common Assessment Framework" in str(s["A1"].value) and "grades" in str(s["A1"].value)
    )
    assert "[c]" in [c.value for row in caf.iter_rows() for c in row]
    notes = " ".join(str(c.value) for row in book["Notes"].iter_rows() for c in row if c.value)
    assert "[c] confidential" in notes


def test_unknown_format_is_refused(tmp_path, capsys):
    assert (
        main(
            [
                "run",
                "--quarter",
                "2013-14-Q4",
                "--data-root",
                "data/sample",
                "--output-dir",
                str(tmp_path),
                "--formats",
                "html,odt",
            ]
        )
        == 2
    )
    assert "--formats takes" in capsys.readouterr().err
