"""The data annex people compute with (qa_lib.exporters.xlsx), read back with openpyxl:
numbers stored as numbers with number formats, interval bounds in columns of their own, a
withheld cell holding only its symbol, the markers of a shown value in a shorthand column,
notes only on the tables they describe, and a cover with the publication date, the next
update (from quarter.yaml) and the quarter in words."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import pytest
import yaml

from qa_lib.cli import main
from qa_lib.exporters import xlsx
from qa_lib.loading import load_quarter
from qa_lib.paper import Cell, Paragraph, SectionOutput, Span, Table, assemble
from qa_lib.quarter import Quarter

QUARTER = "2013-14-Q4"
GRADES = ["Grade", "Q4 number", "Q4 percentage", "Q4 95% interval", "Change since Q3 (p-value)"]


def grade_table() -> Table:
    rows = [
        [
            Cell("Good", "label"),
            Cell("70", "count", 70),
            Cell("22%", "percent", 21.875),
            Cell("18–27%", "interval", [17.7, 26.7]),
            Cell("normal variation (p = 0.61)", "verdict", ["comparable", 0.61]),
        ],
        [
            Cell("Adequate", "label"),
            Cell("192 [r]", "count", 192, None, ["[r]"]),
            Cell("60% [u]", "percent", 60.0, None, ["[u]"]),
            Cell("55–65%", "interval", [55.0, 65.0]),
            Cell("[z]", "verdict", None, "[z]"),
        ],
        [
            Cell("Inadequate", "label"),
            Cell("[c]", "count", None, "[c]"),
            Cell("[c]", "percent", None, "[c]"),
            Cell("[c]", "interval", None, "[c]"),
            Cell("[c]", "verdict", None, "[c]"),
        ],
        [
            Cell("Rare", "label"),
            Cell("1", "count", 1),
            Cell("[low]", "percent", 0.3, "[low]"),
            Cell("0–2%", "interval", [0.1, 1.7]),
            Cell("[z]", "verdict", None, "[z]"),
        ],
    ]
    return Table("Audit grades", GRADES, rows, ["Percentages are of graded audits.", "[c] confidential."])


def survey_table() -> Table:
    return Table(
        "Answers",
        ["Answer", "Answered"],
        [[Cell("Yes", "label"), Cell("14", "count", 14)]],
        ["Answers of those asked."],
    )


def paper(next_update: str | None = "2014-09-15"):
    sections = [
        SectionOutput("audits", [grade_table()]),
        SectionOutput("feedback", [Paragraph([Span("words")]), survey_table()]),
    ]
    return assemble(
        sections,
        {
            "title": "QA",
            "marking": "OFFICIAL",
            "status": "final",
            "quarter": QUARTER,
            "document_date": "2014-06-16",
            "next_update": next_update,
            "contact": {},
        },
    )


@pytest.fixture
def book(tmp_path: Path):
    target = tmp_path / "report.xlsx"
    xlsx.write(paper(), {"quarter": QUARTER}, target)
    return openpyxl.load_workbook(target)


def table_rows(sheet) -> tuple[list[str], list[list]]:
    """The header and data rows of a sheet's one marked-up table."""
    ((_, ref),) = sheet.tables.items()
    rows = [list(row) for row in sheet[ref]]
    return [c.value for c in rows[0]], rows[1:]


def test_counts_and_percentages_are_numbers_with_number_formats(book):
    header, rows = table_rows(book["Table 1"])
    good = dict(zip(header, rows[0]))
    assert good["Q4 number"].value == 70 and good["Q4 number"].number_format == "#,##0"
    # The published whole percentage, as a fraction shown as a percentage.
    assert good["Q4 percentage"].value == pytest.approx(0.22) and good["Q4 percentage"].number_format == "0%"
    assert good["Change since Q3"].value == "normal variation"
    assert good["Change since Q3, p-value"].value == pytest.approx(0.61)
    assert good["Change since Q3, p-value"].number_format == "0.000"
    for row in rows:
        for cell in row[1:]:
            if isinstance(cell.value, (int, float)):
                assert cell.number_format != "General", (cell.coordinate, cell.value)


def test_interval_bounds_sit_in_columns_of_their_own(book):
    header, rows = table_rows(book["Table 1"])
    assert "Q4 95% interval" not in header
    lower, upper = header.index("Q4 95% interval, lower bound"), header.index("Q4 95% interval, upper bound")
    assert (rows[0][lower].value, rows[0][upper].value) == (pytest.approx(0.18), pytest.approx(0.27))
    assert rows[0][lower].number_format == rows[0][upper].number_format == "0%"
    assert not any("–" in str(c.value) for row in rows for c in row)


def test_a_withheld_cell_holds_only_its_symbol_and_markers_go_beside_the_value(book):
    header, rows = table_rows(book["Table 1"])
    inadequate = dict(zip(header, [c.value for c in rows[2]]))
    assert inadequate["Q4 number"] == "[c]" and inadequate["Q4 percentage"] == "[c]"
    assert inadequate["Q4 95% interval, lower bound"] == "[c]"
    adequate = dict(zip(header, [c.value for c in rows[1]]))
    assert adequate["Q4 number"] == 192 and adequate["Q4 number, shorthand"] == "[r]"
    assert adequate["Q4 percentage"] == pytest.approx(0.60) and adequate["Q4 percentage, shorthand"] == "[u]"
    rare = dict(zip(header, [c.value for c in rows[3]]))
    assert rare["Q4 percentage"] == 0 and rare["Q4 percentage, shorthand"] == "[low]"
    assert dict(zip(header, [c.value for c in rows[0]]))["Q4 percentage, shorthand"] == "none"
    # Every cell of a number column is a number or a symbol alone.
    for row in rows:
        for name, cell in zip(header, row):
            if name != "Grade" and not name.endswith((", shorthand", "Change since Q3")):
                assert isinstance(cell.value, (int, float)) or cell.value in ("[c]", "[z]", "[x]"), (name, cell.value)


def test_notes_and_sources_sit_on_the_tables_they_describe(book):
    def top(sheet) -> str:
        return " ".join(str(row[0].value) for row in sheet.iter_rows(max_row=8) if row[0].value)

    notes = {row[0]: row[1:] for row in book["Notes"].iter_rows(min_row=4, values_only=True)}
    by_text = {text: (number, tables) for number, (text, tables) in notes.items()}
    graded, confidential = by_text["Percentages are of graded audits."], by_text["[c] confidential."]
    answers = by_text["Answers of those asked."]
    assert graded[1] == confidential[1] == "Table 1" and answers[1] == "Table 2"
    assert f"[note {graded[0]}]" in top(book["Table 1"]) and f"[note {answers[0]}]" not in top(book["Table 1"])
    assert f"[note {answers[0]}]" in top(book["Table 2"]) and f"[note {graded[0]}]" not in top(book["Table 2"])
    assert "case file audits" in top(book["Table 1"]) and "feedback surveys" in top(book["Table 2"])
    assert "rounded" in top(book["Table 1"]) and "rounded" not in top(book["Table 2"]), "no percentages in Table 2"


def test_the_cover_gives_the_publication_date_next_update_and_quarter_in_words(book, tmp_path):
    cover = " ".join(str(c.value) for row in book["Cover"].iter_rows() for c in row if c.value)
    assert "Publication date: 16 June 2014" in cover
    assert "Next update: 15 September 2014" in cover
    assert "Quarter 4 2013-14 (January to March 2014)" in cover
    target = tmp_path / "later.xlsx"
    xlsx.write(paper(None), {"quarter": QUARTER}, target)
    later = " ".join(
        str(c.value) for row in openpyxl.load_workbook(target)["Cover"].iter_rows() for c in row if c.value
    )
    assert "Next update: To be confirmed" in later


def set_next_update(root: Path, value) -> Path:
    path = root / QUARTER / "quarter.yaml"
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    meta["next_update"] = value
    path.write_text(yaml.safe_dump(meta), encoding="utf-8")
    return path


def test_next_update_is_read_from_quarter_yaml(copy_sample):
    root = copy_sample(QUARTER)
    set_next_update(root, "2014-09-15")
    assert load_quarter(root, Quarter.parse(QUARTER)).next_update == "2014-09-15"
    (root / QUARTER / "quarter.yaml").write_text("meeting:\n  title: QA\n", encoding="utf-8")
    assert load_quarter(root, Quarter.parse(QUARTER)).next_update is None


@pytest.mark.parametrize("value", ["next September", "2014-02-30", "2014-03-31"])
def test_an_invalid_next_update_is_refused_with_exit_2_naming_file_and_value(value, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    set_next_update(root, value)
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report)]) == 2
    (problem,) = json.loads(report.read_text(encoding="utf-8"))["errors"]
    assert (problem["file"], problem["column"], problem["value"]) == (f"{QUARTER}/quarter.yaml", "next_update", value)
    assert value in capsys.readouterr().err


@pytest.mark.slow  # runs the notebook
def test_the_sample_annex_holds_numbers_symbols_alone_and_shorthand_beside(publication_run):
    book = openpyxl.load_workbook(publication_run / "report.xlsx")
    numbers = symbols = flagged = 0
    for sheet in book.worksheets[3:]:
        header, rows = table_rows(sheet)
        for row in rows:
            for name, cell in zip(header[1:], row[1:], strict=True):
                value = cell.value
                if isinstance(value, (int, float)):
                    numbers += 1
                    assert cell.number_format != "General", (sheet.title, cell.coordinate)
                elif isinstance(value, str) and "[" in value and not name.endswith(", shorthand"):
                    assert value in ("[c]", "[x]", "[z]"), (sheet.title, cell.coordinate, value)
                    symbols += 1
            flagged += sum(1 for n, c in zip(header, row) if n.endswith(", shorthand") and c.value == "[u]")
        assert not any(" interval" in str(h) and "bound" not in str(h) for h in header), sheet.title
    assert numbers > 100 and symbols > 10 and flagged > 0
