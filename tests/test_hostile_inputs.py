"""Files a real quarter's folder may hold that are hostile or broken: each is refused with
exit 2 and a problem naming the file (and row, column or key path), before the parser that
would hang, exhaust memory or crash on it is reached; or, where the contract allows it,
read correctly. Every hostile file is built here."""

from __future__ import annotations

import json
import os
import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest
import yaml

from qa_lib import limits
from qa_lib.cli import main
from qa_lib.errors import DataError
from qa_lib.loading import load_quarter, quarter_files
from qa_lib.yamlfiles import read_yaml
from qa_lib.quarter import Quarter

from helpers import ROOT, write_csv

QUARTER = "2013-14-Q4"
Q = Quarter.parse(QUARTER)
PASSWD = "root:x:0:0:root:/root:/bin/bash\ndaemon:x:1:1:daemon:/usr/sbin:/usr/sbin/nologin\n"

pytestmark = pytest.mark.timeout(300)  # a hang fails the test instead of stalling the suite


# -- helpers ---------------------------------------------------------------------------


def validate(root: Path, tmp_path: Path, capsys, *extra: str) -> tuple[int, list[dict], str]:
    """Run ``qa-report validate``; its exit code, the errors it recorded and what it printed."""
    report = tmp_path / "problems.json"
    report.unlink(missing_ok=True)
    code = main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report), *extra])
    errors = json.loads(report.read_text(encoding="utf-8"))["errors"] if report.exists() else []
    return code, errors, capsys.readouterr().err


def only_problem(root: Path, tmp_path: Path, capsys) -> dict:
    code, errors, printed = validate(root, tmp_path, capsys)
    assert code == 2, printed
    assert len(errors) == 1, errors  # the one fault, not the errors that would follow from it
    assert errors[0]["file"].split("/")[-1].split(" ")[0] in printed and "Traceback" not in printed
    return errors[0]


def forbid(monkeypatch, target: object, name: str) -> None:
    """Make a parser raise if it is ever called."""

    def reached(*args, **kwargs):
        raise AssertionError(f"{name} was reached")

    monkeypatch.setattr(target, name, reached)


def forbid_yaml_on(monkeypatch, marker: str, name: str = "safe_load") -> None:
    """``yaml.safe_load`` (or another of its functions) raises if it is given the hostile
    text: the framework, read by the same functions, still loads."""
    original = getattr(yaml, name)

    def guarded(stream, *args, **kwargs):
        if isinstance(stream, str) and marker in stream:
            raise AssertionError(f"yaml.{name} was reached")
        return original(stream, *args, **kwargs)

    monkeypatch.setattr(yaml, name, guarded)


def forbid_for(monkeypatch, target: object, name: str, needle: str) -> None:
    """Make a reader raise if it is ever called on a path holding ``needle``."""
    original = getattr(target, name)

    def guarded(source, *args, **kwargs):
        if needle in str(source):
            raise AssertionError(f"{name} was reached for {source}")
        return original(source, *args, **kwargs)

    monkeypatch.setattr(target, name, guarded)


def forbid_excel(monkeypatch) -> None:
    import openpyxl

    forbid(monkeypatch, pd, "read_excel")
    forbid(monkeypatch, pd, "ExcelFile")
    forbid(monkeypatch, openpyxl, "load_workbook")


def rows_of(path: Path) -> list[dict[str, str]]:
    return pd.read_csv(path, dtype=str, keep_default_na=False).to_dict("records")


def set_cell(path: Path, column: str, value: str, index: int = 3) -> int:
    """Set a cell of data row ``index``; return its spreadsheet row number."""
    rows = rows_of(path)
    rows[index][column] = value
    write_csv(path, rows, list(rows[0]))
    return index + 2


def to_workbook(folder: Path, tables: tuple[str, ...] = ("case_audits",)) -> Path:
    """Move tables of the quarter from CSV into sheets of ``<quarter>.xlsx``."""
    book = folder / f"{QUARTER}.xlsx"
    with pd.ExcelWriter(book, engine="openpyxl") as writer:
        for table in tables:
            pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False).to_excel(
                writer, sheet_name=table, index=False
            )
            (folder / f"{table}.csv").unlink()
    return book


def replace_part(book: Path, part: str, content: bytes) -> None:
    """Rewrite one part of a workbook's zip, every other part as it was."""
    with zipfile.ZipFile(book) as old:
        parts = [(info, old.read(info.filename)) for info in old.infolist()]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as new:
        for info, data in parts:
            new.writestr(info.filename, content if info.filename == part else data)


def sheet_part(book: Path, sheet: str = "case_audits") -> str:
    return limits.xlsx_sheets(book, "book")[sheet]


# -- every path stays where it belongs -----------------------------------------------------


@pytest.mark.parametrize("name", ["commentary.md", "feedback_quotes.csv", "case_audits.csv", "quarter.yaml"])
def test_a_link_to_a_file_outside_the_data_root_is_refused(name, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    outside = tmp_path / "elsewhere" / "passwd"
    outside.parent.mkdir()
    outside.write_text(PASSWD, encoding="utf-8")
    (root / QUARTER / name).unlink()
    (root / QUARTER / name).symlink_to(outside)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("unsafe_file", f"{QUARTER}/{name}")
    assert "outside" in problem["expected"]


def test_a_workbook_linked_from_outside_is_refused(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    book = to_workbook(root / QUARTER)
    outside = tmp_path / "elsewhere.xlsx"
    shutil.move(book, outside)
    book.symlink_to(outside)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("unsafe_file", f"{QUARTER}/{QUARTER}.xlsx")


def test_a_link_that_stays_inside_the_quarter_folder_is_accepted(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    folder = root / QUARTER
    (folder / "texts").mkdir()
    shutil.move(folder / "commentary.md", folder / "texts" / "commentary.md")
    (folder / "commentary.md").symlink_to(Path("texts") / "commentary.md")
    code, errors, printed = validate(root, tmp_path, capsys)
    assert code == 0, printed
    assert load_quarter(root, Q).commentary == (folder / "texts" / "commentary.md").read_text(encoding="utf-8")


def test_a_pipe_named_as_a_table_is_refused_without_waiting(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "engagement.csv"
    path.unlink()
    os.mkfifo(path)  # opening it to read would wait for a writer forever
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("unsafe_file", f"{QUARTER}/engagement.csv")
    assert "pipe" in problem["expected"]


def test_quarter_files_neither_follows_a_link_out_nor_reads_a_pipe(copy_sample, tmp_path):
    root = copy_sample(QUARTER)
    folder = root / QUARTER
    listed = quarter_files(root, Q)
    assert {p.name for p in listed} == {p.name for p in folder.iterdir()}
    outside = tmp_path / "passwd"
    outside.write_text(PASSWD, encoding="utf-8")
    (folder / "notes.txt").symlink_to(outside)
    os.mkfifo(folder / "pipe")
    with pytest.raises(DataError) as err:
        quarter_files(root, Q)
    assert {(p.rule, p.file) for p in err.value.problems} == {
        ("unsafe_file", f"{QUARTER}/notes.txt"),
        ("unsafe_file", f"{QUARTER}/pipe"),
    }
    (folder / "notes.txt").unlink()
    (folder / "pipe").unlink()
    (folder / "inside.md").symlink_to("commentary.md")  # a link within the folder is hashed as its file
    assert (folder / "inside.md") in quarter_files(root, Q)


# -- bounded: YAML ---------------------------------------------------------------------

ALIAS_BOMB = "\n".join(
    ["a: &a [x, x, x, x, x, x, x, x, x, x]"]
    + [f"{chr(98 + i)}: &{chr(98 + i)} [{', '.join(['*' + chr(97 + i)] * 10)}]" for i in range(9)]
)


def test_a_yaml_alias_bomb_is_refused_before_it_is_loaded(copy_sample, tmp_path, capsys, monkeypatch):
    assert len(ALIAS_BOMB) < 700  # a few hundred bytes that expand to 10^10 values
    root = copy_sample(QUARTER)
    (root / QUARTER / "quarter.yaml").write_text(ALIAS_BOMB, encoding="utf-8")
    forbid_yaml_on(monkeypatch, "&a [x")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/quarter.yaml")
    assert "yaml_nodes" in problem["expected"]


@pytest.mark.parametrize("shape", ["flow", "block", "aliases"])
def test_deeply_nested_yaml_is_refused_before_it_is_loaded(shape, copy_sample, tmp_path, capsys, monkeypatch):
    text = {
        "flow": "deep: " + "[" * 100_000 + "]" * 100_000,
        "block": "deep:\n" + "".join(" " * i + f"k{i}:\n" for i in range(1, 200)),
        # shallow as written, deep once each alias is expanded
        "aliases": "deep:\n" + "".join(f"  - &n{i} [*n{i - 1}]\n" if i else "  - &n0 [x]\n" for i in range(40)),
    }[shape]
    root = copy_sample(QUARTER)
    (root / QUARTER / "quarter.yaml").write_text(text, encoding="utf-8")
    forbid_yaml_on(monkeypatch, "deep:")
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "over_limit" and "yaml_depth" in problem["expected"]


def test_the_framework_and_a_params_file_are_read_by_the_same_safe_reader(copy_sample, tmp_path, capsys, monkeypatch):
    root = copy_sample(QUARTER)
    bomb = tmp_path / "framework.yaml"
    bomb.write_text(ALIAS_BOMB, encoding="utf-8")
    forbid_yaml_on(monkeypatch, "&a [x")
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--framework", str(bomb)]) == 2
    printed = capsys.readouterr().err
    assert str(bomb) in printed and "yaml_nodes" in printed and "Traceback" not in printed
    params = tmp_path / "params.yaml"
    params.write_text("quarter: " + "[" * 5000 + "]" * 5000, encoding="utf-8")
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--params", str(params)]) == 2
    printed = capsys.readouterr().err
    assert str(params) in printed and "yaml_depth" in printed


def test_a_large_yaml_file_is_refused_before_it_is_read(copy_sample, tmp_path, capsys, monkeypatch):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "quarter.yaml"
    path.write_text("# padding\n" * (limits.YAML_BYTES.value // 10 + 1), encoding="utf-8")
    forbid_yaml_on(monkeypatch, "# padding", "parse")
    forbid_yaml_on(monkeypatch, "# padding", "safe_load")
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "over_limit" and "yaml_bytes" in problem["expected"]


def test_read_yaml_refuses_a_pipe_and_yaml_that_reads_numbers_wrongly(tmp_path):
    os.mkfifo(tmp_path / "pipe.yaml")
    with pytest.raises(DataError) as err:
        read_yaml(tmp_path / "pipe.yaml")
    assert err.value.problems[0].rule == "unsafe_file"
    for text in ("n: 010", "n: 1:30", "n: 0x1F", "n: 1_000", "a: 1\na: 2", "a: &x [1, *x]"):
        (tmp_path / "n.yaml").write_text(text, encoding="utf-8")
        with pytest.raises(DataError) as err:
            read_yaml(tmp_path / "n.yaml", "n.yaml")
        assert (err.value.problems[0].rule, err.value.problems[0].file) == ("malformed_yaml", "n.yaml"), text
    with pytest.raises(DataError) as err:
        read_yaml(Path("/dev/zero"))  # a device never ends
    assert err.value.problems[0].rule == "unsafe_file" and "device" in err.value.problems[0].expected
    (tmp_path / "n.yaml").write_text("n: 107\nd: 2014-06-16\nx: 0\nf: 0.5\n", encoding="utf-8")
    assert read_yaml(tmp_path / "n.yaml") == yaml.safe_load((tmp_path / "n.yaml").read_text(encoding="utf-8"))


# -- bounded: XLSX ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "cell, limit", [("XFD1048576", "table_columns|sheet_cells"), ("XFD2", "table_columns"), ("A1048576", "sheet_cells")]
)
def test_a_sheet_with_one_cell_at_the_far_end_is_refused_before_openpyxl(
    cell, limit, copy_sample, tmp_path, capsys, monkeypatch
):
    import openpyxl

    root = copy_sample(QUARTER)
    book = to_workbook(root / QUARTER)
    workbook = openpyxl.load_workbook(book)
    workbook["case_audits"][cell] = "x"
    workbook.save(book)
    assert book.stat().st_size < 100_000
    forbid_excel(monkeypatch)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/{QUARTER}.xlsx [sheet case_audits]")
    assert any(name in problem["expected"] for name in limit.split("|"))


def test_a_one_column_sheet_reaching_the_last_row_is_within_the_limits(tmp_path):
    """One stray cell at A1048576 in a one-column sheet is within the limits, and cheap: pandas
    reads the empty rows quickly, and they are ignored as blank rows are."""
    import openpyxl

    folder = tmp_path / QUARTER
    folder.mkdir()
    book = folder / f"{QUARTER}.xlsx"
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = "engagement"
    sheet.append(["activity_id"])
    sheet.append(["E1"])
    sheet["A1048576"] = "E2"
    workbook.save(book)
    scan = limits.scan_sheet(book, sheet_part(book, "engagement"), "engagement")
    assert (scan.last_row, scan.last_column) == (1_048_576, 1)
    assert scan.last_row * scan.last_column <= limits.SHEET_CELLS.value
    sheet["B1"] = "activity_date"  # a second column: the range doubles, over the limit
    workbook.save(book)
    with pytest.raises(DataError) as err:
        limits.scan_sheet(book, sheet_part(book, "engagement"), "engagement")
    assert "sheet_cells" in err.value.problems[0].expected


def _bomb(book: Path, part: str, size: int) -> None:
    """Replace a sheet by valid XML padded with ``size`` bytes of spaces: a tiny compressed part."""
    head = (
        b'<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/'
        b'spreadsheetml/2006/main"><sheetData>'
    )
    with zipfile.ZipFile(book) as old:
        parts = [(info.filename, old.read(info.filename)) for info in old.infolist() if info.filename != part]
    with zipfile.ZipFile(book, "w", zipfile.ZIP_DEFLATED) as new:
        for name, data in parts:
            new.writestr(name, data)
        with new.open(part, "w", force_zip64=True) as stream:
            stream.write(head)
            block = b" " * (1 << 20)
            for _ in range(size >> 20):
                stream.write(block)
            stream.write(b"</sheetData></worksheet>")


def test_a_zip_bomb_workbook_is_refused_before_anything_is_decompressed(copy_sample, tmp_path, capsys, monkeypatch):
    root = copy_sample(QUARTER)
    book = to_workbook(root / QUARTER)
    _bomb(book, sheet_part(book), 64 << 20)
    assert book.stat().st_size < 1 << 20
    forbid_excel(monkeypatch)
    forbid(monkeypatch, limits, "_expat")  # not even the streaming scan: the declared sizes suffice
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/{QUARTER}.xlsx")
    assert "xlsx_ratio" in problem["expected"]
    # Over the size of one part, whatever its ratio.
    monkeypatch.setattr(limits, "XLSX_RATIO", limits.Limit("xlsx_ratio", 10**9, "times", ""))
    monkeypatch.setattr(limits, "XLSX_PART_BYTES", limits.Limit("xlsx_part_bytes", 32 << 20, "bytes", "a part"))
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "over_limit" and "xlsx_part_bytes" in problem["expected"]


def test_a_workbook_over_its_size_limit_is_refused_before_it_is_opened(copy_sample, tmp_path, capsys, monkeypatch):
    root = copy_sample(QUARTER)
    to_workbook(root / QUARTER)
    monkeypatch.setattr(limits, "XLSX_BYTES", limits.Limit("xlsx_bytes", 1024, "bytes", "the workbook"))
    forbid_excel(monkeypatch)
    forbid(monkeypatch, zipfile, "ZipFile")
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "over_limit" and "xlsx_bytes" in problem["expected"]


def test_a_truncated_workbook_is_reported_once(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    book = to_workbook(root / QUARTER)
    book.write_bytes(book.read_bytes()[: book.stat().st_size // 2])
    problem = only_problem(root, tmp_path, capsys)  # and no missing_table for case_audits
    assert (problem["rule"], problem["file"]) == ("unreadable_file", f"{QUARTER}/{QUARTER}.xlsx")
    assert "cut short" in problem["expected"]


@pytest.mark.parametrize("damage", ["cut", "not xml", "dtd"])
def test_a_malformed_sheet_is_reported_naming_the_sheet(damage, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    book = to_workbook(root / QUARTER)
    part = sheet_part(book)
    with zipfile.ZipFile(book) as archive:
        xml = archive.read(part)
    broken = {
        "cut": xml[: len(xml) // 2],
        "not xml": b"\x00\x01 not a sheet",
        "dtd": b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]>' + xml.split(b"?>", 1)[-1],
    }[damage]
    replace_part(book, part, broken)
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "unreadable_file"
    assert problem["file"].startswith(f"{QUARTER}/{QUARTER}.xlsx")


@pytest.mark.parametrize("shape", ["openpyxl", "no value element"])
def test_a_formula_without_a_saved_result_is_an_error(shape, copy_sample, tmp_path, capsys):
    import openpyxl

    root = copy_sample(QUARTER)
    book = to_workbook(root / QUARTER)
    workbook = openpyxl.load_workbook(book)
    sheet = workbook["case_audits"]
    grade = [c.value for c in sheet[1]].index("grade") + 1
    row = next(r for r in range(2, sheet.max_row + 1) if sheet.cell(r, grade).value)
    sheet.cell(row, grade).value = '="good"'  # openpyxl saves the formula with an empty <v></v>
    workbook.save(book)
    if shape == "no value element":
        part = sheet_part(book)
        with zipfile.ZipFile(book) as archive:
            xml = archive.read(part)
        assert b"<v></v>" in xml or b"<v/>" in xml
        replace_part(book, part, xml.replace(b"<v></v>", b"").replace(b"<v/>", b""))
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["row"], problem["column"]) == ("formula_without_value", row, "grade")


def test_a_formula_with_its_result_saved_is_read(tmp_path):
    """As Excel saves it: a result in <v>, and an empty one in a text cell (a formula giving "")."""
    folder = tmp_path / QUARTER
    folder.mkdir()
    book = folder / f"{QUARTER}.xlsx"
    pd.DataFrame({"a": ["x"]}).to_excel(book, sheet_name="engagement", index=False)
    part = sheet_part(book, "engagement")
    replace_part(
        book,
        part,
        b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
        b'<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a</t></is></c>'
        b'<c r="B1" t="inlineStr"><is><t>b</t></is></c></row>'
        b'<row r="2"><c r="A2"><f>0+1</f><v>1</v></c><c r="B2" t="str"><f>""</f><v></v></c></row>'
        b"</sheetData></worksheet>",
    )
    scan = limits.scan_sheet(book, part, "engagement")
    assert (scan.last_row, scan.last_column, scan.formulas_without_value) == (2, 2, [])
    frame = pd.read_excel(book, sheet_name="engagement", dtype=object)
    assert frame.iloc[0, 0] == 1


def test_a_repeated_column_in_a_sheet_is_an_error(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    folder = root / QUARTER
    frame = pd.read_csv(folder / "case_audits.csv", dtype=str, keep_default_na=False)
    frame = frame.rename(columns={"agency": "Grade "})
    frame.to_csv(folder / "case_audits.csv", index=False)
    to_workbook(folder)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["column"]) == ("duplicate_column", "Grade")
    assert "column I" in problem["expected"] and "column K" in problem["expected"]


# -- bounded: CSV and Parquet ----------------------------------------------------------


def test_a_csv_over_its_size_limit_is_refused_before_it_is_parsed(copy_sample, tmp_path, capsys, monkeypatch):
    import pyarrow.csv as pacsv

    root = copy_sample(QUARTER)
    size = (root / QUARTER / "practice_standards.csv").stat().st_size
    monkeypatch.setattr(limits, "CSV_BYTES", limits.Limit("csv_bytes", size - 1, "bytes", "size of a CSV table"))
    forbid_for(monkeypatch, pacsv, "read_csv", "practice_standards")
    forbid_for(monkeypatch, pd, "read_csv", "practice_standards")
    code, errors, printed = validate(root, tmp_path, capsys)
    assert code == 2 and "csv_bytes" in printed
    assert any(e["file"] == f"{QUARTER}/practice_standards.csv" and e["rule"] == "over_limit" for e in errors)


def test_a_csv_with_too_many_columns_is_refused_before_it_is_parsed(copy_sample, tmp_path, capsys, monkeypatch):
    import pyarrow.csv as pacsv

    root = copy_sample(QUARTER)
    path = root / QUARTER / "engagement.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame = frame.assign(**{f"extra_{i}": "" for i in range(limits.TABLE_COLUMNS.value)})
    frame.to_csv(path, index=False)
    forbid_for(monkeypatch, pacsv, "read_csv", "engagement")
    forbid(monkeypatch, pd, "read_csv")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/engagement.csv")
    assert "table_columns" in problem["expected"]


def test_a_header_line_over_its_limit_is_refused(copy_sample, tmp_path, capsys, monkeypatch):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "engagement.csv"
    path.write_bytes(b"activity_id," + b"x" * limits.CSV_HEADER_BYTES.value + b"\n1\n")
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "over_limit" and "csv_header_bytes" in problem["expected"]


def test_a_csv_over_the_rows_limit_is_refused(copy_sample, tmp_path, capsys, monkeypatch):
    root = copy_sample(QUARTER)
    rows = len(rows_of(root / QUARTER / "practice_standards.csv"))
    monkeypatch.setattr(limits, "TABLE_ROWS", limits.Limit("table_rows", rows - 1, "rows", "rows of one table"))
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/practice_standards.csv")
    assert "table_rows" in problem["expected"]


@pytest.mark.parametrize("limit", ["table_rows", "table_columns"])
def test_a_parquet_table_over_a_limit_is_refused_from_its_footer(limit, copy_sample, tmp_path, capsys, monkeypatch):
    import pyarrow.parquet as pq

    root = copy_sample(QUARTER)
    folder = root / QUARTER
    frame = pd.read_csv(folder / "practice_standards.csv", dtype=str, keep_default_na=False)
    if limit == "table_columns":
        frame = frame.assign(**{f"extra_{i}": "" for i in range(limits.TABLE_COLUMNS.value)})
    else:
        monkeypatch.setattr(limits, "TABLE_ROWS", limits.Limit("table_rows", len(frame) - 1, "rows", "rows"))
    frame.to_parquet(folder / "practice_standards.parquet")
    (folder / "practice_standards.csv").unlink()
    forbid(monkeypatch, pq, "read_table")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/practice_standards.parquet")
    assert limit in problem["expected"]


@pytest.mark.parametrize("damage", ["not parquet", "cut", "pages", "nested column", "column twice"])
def test_a_damaged_or_unreadable_parquet_file_is_reported(damage, copy_sample, tmp_path, capsys):
    import pyarrow as pa
    import pyarrow.parquet as pq

    root = copy_sample(QUARTER)
    folder = root / QUARTER
    path = folder / "engagement.parquet"
    frame = pd.read_csv(folder / "engagement.csv", dtype=str, keep_default_na=False)
    (folder / "engagement.csv").unlink()
    table = pa.Table.from_pandas(frame, preserve_index=False)
    if damage == "nested column":
        table = table.append_column("tags", pa.array([["a", "b"]] * len(frame)))
    if damage == "column twice":
        table = table.append_column("Activity_ID", table.column("activity_id"))
    pq.write_table(table, path, compression="snappy")
    raw = path.read_bytes()
    if damage == "not parquet":
        path.write_bytes(b"PAR1 this is not really parquet")
    elif damage == "cut":
        path.write_bytes(raw[: len(raw) // 2])
    elif damage == "pages":
        path.write_bytes(raw[:4] + bytes(len(raw) // 2 - 4) + raw[len(raw) // 2 :])  # data zeroed, footer sound
    problem = only_problem(root, tmp_path, capsys)
    assert problem["file"] == f"{QUARTER}/engagement.parquet"
    assert problem["rule"] == ("duplicate_column" if damage == "column twice" else "unreadable_file")


def test_the_limits_admit_the_largest_scale_data(tmp_path):
    """bench/make_scale_data.py at 2,000,000 audits, projected from 10,000 (its sizes are linear)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("make_scale_data", ROOT / "bench" / "make_scale_data.py")
    scale = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(scale)
    for fmt in ("csv", "parquet"):
        folder = scale.make(tmp_path / fmt, 10_000, fmt)
        data = load_quarter(tmp_path / fmt, Q)  # passes every check
        for table, frame in data.tables.items():
            path = folder / f"{table}.{fmt}"
            assert path.stat().st_size * 200 * 1.5 < getattr(limits, f"{fmt.upper()}_BYTES").value, path
            assert len(frame) * 200 * 1.5 < limits.TABLE_ROWS.value


# -- exit 2 with a message: CSV rows, encodings, delimiters --------------------------------


def _with_long_row(path: Path, line: int) -> None:
    """An unquoted comma in a free-text value on ``line`` (1 = header)."""
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    fields = lines[line - 1].split(",")
    fields[header.index("team")] += ", North"
    lines[line - 1] = ",".join(fields)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("variant", ["utf-8", "short row before it", "windows-1252"])
def test_a_row_with_more_fields_than_the_header_names_the_file_and_row(variant, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "case_audits.csv"
    _with_long_row(path, 7)
    if variant == "short row before it":
        lines = path.read_text(encoding="utf-8").splitlines()
        lines[2] = lines[2].rsplit(",", 1)[0]  # one field fewer: read as blank, as before
        path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    if variant == "windows-1252":
        path.write_bytes(path.read_text(encoding="utf-8").replace("Team", "Caf\xe9 Team").encode("cp1252"))
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"], problem["row"]) == ("too_many_fields", f"{QUARTER}/case_audits.csv", 7)
    assert "double quotes" in problem["expected"]


@pytest.mark.slow
def test_run_names_the_file_and_row_of_a_row_with_too_many_fields(copy_sample, tmp_path, capsys):
    root = copy_sample("2013-14-Q3", QUARTER)
    _with_long_row(root / QUARTER / "case_audits.csv", 5)
    code = main(["run", "--quarter", QUARTER, "--data-root", str(root), "--output-dir", str(tmp_path / "out")])
    printed = capsys.readouterr().err
    assert code == 2
    assert "too_many_fields" in printed and f"{QUARTER}/case_audits.csv" in printed and "Traceback" not in printed


@pytest.mark.parametrize("encoding, detected", [("utf-16", "UTF-16"), ("utf-16-le", "UTF-16"), ("utf-32", "UTF-32")])
def test_a_utf16_csv_is_refused_saying_so(encoding, detected, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "case_audits.csv"
    path.write_bytes(path.read_text(encoding="utf-8").encode(encoding))
    problem = only_problem(root, tmp_path, capsys)  # not buried under missing columns or unknown audit ids
    assert (problem["rule"], problem["file"]) == ("bad_encoding", f"{QUARTER}/case_audits.csv")
    assert detected in problem["expected"]


def test_bytes_that_are_neither_utf8_nor_windows_1252_name_the_line(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "engagement.csv"
    lines = path.read_bytes().split(b"\n")
    lines[3] = lines[3][:-2] + b"\x81" + lines[3][-2:]
    path.write_bytes(b"\n".join(lines))
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"], problem["row"]) == ("bad_encoding", f"{QUARTER}/engagement.csv", 4)
    assert "0x81" in problem["expected"]


def test_a_utf8_file_with_a_damaged_byte_names_the_line(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "engagement.csv"
    lines = path.read_bytes().split(b"\n")
    lines[4] = lines[4][:-2] + b"\xe9" + lines[4][-2:]  # Windows-1252 é in a file whose BOM says UTF-8
    path.write_bytes(b"\xef\xbb\xbf" + b"\n".join(lines))
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["row"]) == ("bad_encoding", 5) and "byte-order mark" in problem["expected"]


@pytest.mark.parametrize("where", [3, 60_000])
def test_a_quote_left_open_is_reported_not_read_as_fewer_rows(where, tmp_path, capsys):
    """Arrow's multithreaded reader takes a quote left open in silently and loses the rows of
    that block; the file is refused instead, naming it."""
    folder = tmp_path / QUARTER
    rows = [f"E{i},2014-01-10,director_case_audit,senior_officer,internal,Visit {i}" for i in range(120_000)]
    rows[where] = rows[where].replace("Visit", '"Visit')
    folder.mkdir()
    (folder / "engagement.csv").write_text(
        "activity_id,activity_date,activity_type,participant_role,location_type,description\n" + "\n".join(rows) + "\n",
        encoding="utf-8",
    )
    write_csv(folder / "case_audits.csv", [{"audit_id": "1"}])
    with pytest.raises(DataError) as err:
        load_quarter(tmp_path, Q)
    assert [(p.rule, p.file) for p in err.value.problems] == [("unreadable_file", f"{QUARTER}/engagement.csv")]
    assert "EOF inside string" in err.value.problems[0].expected


def test_a_bare_quote_inside_a_value_is_read_as_written(copy_sample):
    root = copy_sample(QUARTER)
    row = set_cell(root / QUARTER / "case_audits.csv", "team", "placeholder")
    path = root / QUARTER / "case_audits.csv"
    path.write_text(path.read_text(encoding="utf-8").replace("placeholder", 'The 5" Team'), encoding="utf-8")
    assert limits.odd_quotes(path)
    audits = load_quarter(root, Q).tables["case_audits"]
    assert audits.loc[audits["_row"] == row, "team"].astype(str).tolist() == ['The 5" Team']


@pytest.mark.parametrize("delimiter", [";", "\t"])
def test_a_csv_separated_by_semicolons_is_reported_once(delimiter, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "case_audits.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).to_csv(path, index=False, sep=delimiter)
    problem = only_problem(root, tmp_path, capsys)  # and no unknown_audit_id for every practice standard
    assert (problem["rule"], problem["file"]) == ("wrong_delimiter", f"{QUARTER}/case_audits.csv")


def test_a_missing_audit_id_column_is_not_followed_by_an_error_per_standard(copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "case_audits.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["audit_id"]).to_csv(path, index=False)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["column"]) == ("missing_column", "audit_id")


# -- never silently wrong --------------------------------------------------------------


@pytest.mark.parametrize("second", ["grade", "Grade", " GRADE "])
def test_a_repeated_column_in_a_csv_is_an_error(second, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "case_audits.csv"
    text = path.read_text(encoding="utf-8")
    header, rest = text.split("\n", 1)
    path.write_text(header.replace("agency", second) + "\n" + rest, encoding="utf-8")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"], problem["row"]) == ("duplicate_column", f"{QUARTER}/case_audits.csv", 1)
    assert problem["column"] == second.strip()


@pytest.mark.parametrize(
    "table, column",
    [
        ("case_audits", "team"),
        ("engagement", "description"),
        ("engagement", "activity_id"),
        ("feedback_responses", "response_id"),
        ("feedback_quotes", "quote_id"),
    ],
)
def test_a_blank_value_in_a_required_column_is_an_error(table, column, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    row = set_cell(root / QUARTER / f"{table}.csv", column, "  ")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"], problem["row"], problem["column"]) == (
        "blank_value",
        f"{QUARTER}/{table}.csv",
        row,
        column,
    )


@pytest.mark.parametrize("age", ["1e1", "12.0", "１２", "١٢", "+12", "12.5"])
def test_an_age_must_be_written_in_ascii_digits(age, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "feedback_responses.csv"
    index = next(i for i, r in enumerate(rows_of(path)) if r["respondent_age"])
    row = set_cell(path, "respondent_age", age, index)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["row"], problem["column"], problem["value"]) == (
        "bad_age",
        row,
        "respondent_age",
        age.strip(),
    )


@pytest.mark.parametrize("written", ["20140105", "２０１４-０１-０５", "2014-1-5", "2014-01-05T00:00"])
def test_a_date_must_be_written_yyyy_mm_dd(written, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    row = set_cell(root / QUARTER / "case_audits.csv", "audit_date", written)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["row"], problem["column"], problem["value"]) == (
        "bad_date",
        row,
        "audit_date",
        written,
    )


def _quarter_yaml(root: Path, edit) -> None:
    path = root / QUARTER / "quarter.yaml"
    meta = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(meta)
    path.write_text(yaml.safe_dump(meta), encoding="utf-8")


@pytest.mark.parametrize(
    "edit, rule, key",
    [
        (lambda m: m["meeting"].update(title=["Quality", "Assurance"]), "bad_value", "meeting.title"),
        (lambda m: m["meeting"].update(title={"text": "Quality"}), "bad_value", "meeting.title"),
        (lambda m: m["meeting"]["contact"].update(email=["a@example.org"]), "bad_value", "meeting.contact.email"),
        (lambda m: m["populations"]["audits"].update(caf=10**26), "bad_population", "populations.audits.caf"),
        (lambda m: m["populations"]["audits"].update(caf=107.5), "bad_population", "populations.audits.caf"),
        (lambda m: m["populations"]["audits"].update(caf="107"), "bad_population", "populations.audits.caf"),
        (lambda m: m["populations"]["audits"].update(caf=-1), "bad_population", "populations.audits.caf"),
        (lambda m: m["meeting"].update(titel="A typo"), "unknown_key", "meeting.titel"),
        (lambda m: m.update(meetings={}), "unknown_key", "meetings"),
    ],
)
def test_quarter_yaml_values_are_checked_by_key_path(edit, rule, key, copy_sample, tmp_path, capsys):
    root = copy_sample(QUARTER)
    _quarter_yaml(root, edit)
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"], problem["column"]) == (rule, f"{QUARTER}/quarter.yaml", key)


def test_quarter_yaml_as_people_write_it_is_accepted(copy_sample):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "quarter.yaml"
    text = path.read_text(encoding="utf-8").replace("date: '2014-06-16'", "date: 2014-06-16")
    assert "agenda_item: 5" in text and "date: 2014-06-16" in text
    path.write_text(text, encoding="utf-8")
    data = load_quarter(root, Q)
    assert data.meeting["date"] == "2014-06-16" and data.meeting["agenda_item"] == "5"
    assert data.meeting["contact"]["telephone"] == "01632 960 123"
    assert data.populations["audits"] == {"caf": 107}
    assert json.loads(json.dumps(data.meeting)) == data.meeting  # plain values only


# -- commentary.md ---------------------------------------------------------------------

DEEP = 3000
MARKDOWN_SHAPES = {
    "blockquotes": ">" * DEEP + " deep\n",
    "spaced blockquotes": "> " * DEEP + "deep\n",
    "nested lists": "".join("  " * i + "- item\n" for i in range(200)),
    "list markers": "- " * DEEP + "deep\n",
    "quotes in lists": "".join("> - " * 30 + "x\n" for _ in range(10)),
}
INLINE_SHAPES = {
    "emphasis": "*a " * DEEP + "x" + " b*" * DEEP + "\n",
    "emphasis in link text": "[*a " * DEEP + "x" + " b*](https://example.org)" * DEEP + "\n",
    "strong and emphasis": "**a *b " * (DEEP // 2) + "x" + " c* d**" * (DEEP // 2) + "\n",
    "HTML quotes": "<blockquote>" * DEEP + "x\n",
    "inline HTML emphasis": "Some " + "<em>" * DEEP + "x\n",
    "HTML lists around Markdown": "<ul><li>\n\n" * 30 + "*deep*\n",
}


def _commentary(root: Path, text: str) -> None:
    path = root / QUARTER / "commentary.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("## summary\n", "## summary\n\n" + text + "\n", 1), encoding="utf-8"
    )


@pytest.mark.parametrize("shape", list(MARKDOWN_SHAPES))
def test_deeply_nested_markdown_is_refused_before_it_is_parsed(shape, copy_sample, tmp_path, capsys, monkeypatch):
    from markdown_it import MarkdownIt

    root = copy_sample(QUARTER)
    _commentary(root, MARKDOWN_SHAPES[shape])
    forbid(monkeypatch, MarkdownIt, "parse")
    forbid(monkeypatch, MarkdownIt, "render")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/commentary.md")
    assert "markdown_nesting" in problem["expected"] and problem["row"]


@pytest.mark.parametrize("shape", list(INLINE_SHAPES))
def test_deeply_nested_emphasis_and_links_are_refused(shape, copy_sample, tmp_path, capsys, monkeypatch):
    import nh3

    root = copy_sample(QUARTER)
    _commentary(root, INLINE_SHAPES[shape])
    forbid(monkeypatch, nh3, "clean")
    problem = only_problem(root, tmp_path, capsys)
    assert (problem["rule"], problem["file"]) == ("over_limit", f"{QUARTER}/commentary.md")
    assert "markdown_nesting" in problem["expected"]


@pytest.mark.parametrize(
    "text",
    [
        "[" * DEEP + "x" + "](https://example.org)" * DEEP,
        "[" * DEEP + "x" + "]" * DEEP,
        "![" * DEEP + "x" + "](a)" * DEEP,
    ],
)
def test_deep_brackets_are_read_flat(text, copy_sample):
    """Brackets nest no HTML (a link holds no link): accepted, and rendered no deeper than the limit."""
    from html.parser import HTMLParser

    from qa_lib.commentary import blocks
    from helpers import section_html

    root = copy_sample(QUARTER)
    _commentary(root, text)
    assert load_quarter(root, Q).commentary

    class Depth(HTMLParser):
        depth = deepest = 0

        def handle_starttag(self, tag, attrs):
            self.depth += 1
            self.deepest = max(self.deepest, self.depth)

        def handle_endtag(self, tag):
            self.depth -= 1

    parser = Depth()
    parser.feed(section_html(blocks(text)))
    assert parser.deepest <= limits.MARKDOWN_NESTING.value


@pytest.mark.slow
def test_run_refuses_deep_emphasis_with_exit_2_not_a_crash(copy_sample, tmp_path, capsys):
    root = copy_sample("2013-14-Q3", QUARTER)
    _commentary(root, INLINE_SHAPES["emphasis"])
    code = main(["run", "--quarter", QUARTER, "--data-root", str(root), "--output-dir", str(tmp_path / "out")])
    printed = capsys.readouterr().err
    assert code == 2 and "markdown_nesting" in printed and "recursion" not in printed.lower()


@pytest.mark.slow
def test_the_deepest_commentary_the_limit_admits_renders_in_every_format(copy_sample, tmp_path, capsys):
    """The limit is below what the HTML, PDF and Word renderers follow by recursion."""
    deepest = limits.MARKDOWN_NESTING.value - 2  # emphasis in a paragraph: two levels of its own
    admitted = "*a " * deepest + "x" + " b*" * deepest
    limits.check_markdown(admitted, "c")
    with pytest.raises(DataError):
        limits.check_markdown("*a " * (deepest + 1) + "x" + " b*" * (deepest + 1), "c")
    root = copy_sample("2013-14-Q3", QUARTER)
    _commentary(root, admitted + "\n\n" + "".join("  " * i + "- item\n" for i in range(8)) + "\n> > > *deep*\n")
    code = main(
        [
            "run",
            "--quarter",
            QUARTER,
            "--data-root",
            str(root),
            "--output-dir",
            str(tmp_path / "out"),
            "--formats",
            "html,pdf,docx",
        ]
    )
    assert code == 0, capsys.readouterr().err
    assert {p.name for p in (tmp_path / "out" / QUARTER).iterdir()} >= {"report.html", "report.pdf", "report.docx"}


def test_commentary_over_its_size_limit_is_refused_before_it_is_parsed(copy_sample, tmp_path, capsys, monkeypatch):
    from markdown_it import MarkdownIt

    root = copy_sample(QUARTER)
    path = root / QUARTER / "commentary.md"
    path.write_text(
        path.read_text(encoding="utf-8") + "\nword " * (limits.COMMENTARY_BYTES.value // 5), encoding="utf-8"
    )
    forbid(monkeypatch, MarkdownIt, "parse")
    problem = only_problem(root, tmp_path, capsys)
    assert problem["rule"] == "over_limit" and "commentary_bytes" in problem["expected"]


def test_sample_commentary_and_ordinary_nesting_pass(copy_sample):
    root = copy_sample(QUARTER)
    _commentary(
        root,
        "> A quote with *emphasis* and a [link](https://example.org)\n\n"
        "- one\n  - two\n    - **three** *and [four](https://example.org)*\n",
    )
    assert "[link]" in load_quarter(root, Q).commentary


# -- the limits are stated -------------------------------------------------------------


def test_every_limit_is_in_the_data_contract():
    contract = (ROOT / "docs" / "data-contract.md").read_text(encoding="utf-8")
    limits_section = contract.split("## Limits", 1)[1].split("\n## ", 1)[0]
    for limit in limits.LIMITS:
        assert f"`{limit.name}`" in limits_section, limit.name
        assert limit.text() in limits_section, (limit.name, limit.text())
