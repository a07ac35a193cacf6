"""Every mistake an analyst makes in a quarter, each caught with a message that
says where and what: rule, file, row as the spreadsheet shows it, column, value."""

from __future__ import annotations

import csv
import json
from pathlib import Path

import pandas as pd
import pytest
import yaml

from qa_lib.cli import main
from qa_lib.quarter import Quarter
from qa_lib.context import build_context

from helpers import write_csv

QUARTER = "2013-14-Q4"
Q = Quarter.parse(QUARTER)


def rows_of(path: Path) -> list[dict[str, str]]:
    with open(path, newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def set_cell(folder: Path, table: str, column: str, value: str, where=lambda row: True) -> int:
    """Set ``column`` of the first row matching ``where``; return its spreadsheet row number."""
    path = folder / f"{table}.csv"
    rows = rows_of(path)
    index = next(i for i, row in enumerate(rows) if where(row))
    rows[index][column] = value
    write_csv(path, rows, list(rows[0]))
    return index + 2


def graded(framework):
    return lambda row: framework.scale_for(row["service"], Q) is not None


def ungraded(framework):
    return lambda row: framework.scale_for(row["service"], Q) is None


def break_missing_column(folder, fw):
    frame = pd.read_csv(folder / "case_audits.csv", dtype=str, keep_default_na=False)
    frame.drop(columns=["audit_date"]).to_csv(folder / "case_audits.csv", index=False)
    return ("missing_column", "case_audits.csv", 1, "audit_date", None)


def break_duplicate_id(folder, fw):
    path = folder / "case_audits.csv"
    rows = rows_of(path)
    rows.insert(4, dict(rows[3], case_ref="CR-PASTED-TWICE"))  # the same audit pasted again
    write_csv(path, rows)
    return ("duplicate_id", "case_audits.csv", 6, "audit_id", rows[3]["audit_id"])


def break_population(folder, fw):
    meta = yaml.safe_load((folder / "quarter.yaml").read_text(encoding="utf-8"))
    service, _ = next(iter(meta["populations"]["audits"].items()))
    meta["populations"]["audits"][service] = 1
    (folder / "quarter.yaml").write_text(yaml.safe_dump(meta), encoding="utf-8")
    return ("population_too_small", "quarter.yaml", None, f"populations.audits.{service}", "1")


def break_practice_audit(folder, fw):
    row = set_cell(folder, "practice_standards", "audit_id", "A-NOT-THERE")
    return ("unknown_audit_id", "practice_standards.csv", row, "audit_id", "A-NOT-THERE")


CASES = {
    "unknown service": lambda f, fw: (
        "unknown_service",
        "case_audits.csv",
        set_cell(f, "case_audits", "service", "Youth Club"),
        "service",
        "Youth Club",
    ),
    "grade not on the service's scale": lambda f, fw: (
        "grade_not_on_scale",
        "case_audits.csv",
        set_cell(f, "case_audits", "grade", "excellent", graded(fw)),
        "grade",
        "excellent",
    ),
    "grade on an ungraded service": lambda f, fw: (
        "grade_not_on_scale",
        "case_audits.csv",
        set_cell(f, "case_audits", "grade", "good", ungraded(fw)),
        "grade",
        "good",
    ),
    "missing required column": break_missing_column,
    "duplicate audit_id": break_duplicate_id,
    "audit_date unparseable": lambda f, fw: (
        "bad_date",
        "case_audits.csv",
        set_cell(f, "case_audits", "audit_date", "31/02/2014"),
        "audit_date",
        "31/02/2014",
    ),
    "audit_date outside the quarter": lambda f, fw: (
        "date_outside_quarter",
        "case_audits.csv",
        set_cell(f, "case_audits", "audit_date", "2014-04-01"),
        "audit_date",
        "2014-04-01",
    ),
    "practice standard for an unknown audit": break_practice_audit,
    "unknown standard_id": lambda f, fw: (
        "unknown_standard",
        "practice_standards.csv",
        set_cell(f, "practice_standards", "standard_id", "punctuality"),
        "standard_id",
        "punctuality",
    ),
    "result other than met/not_met/not_applicable": lambda f, fw: (
        "bad_result",
        "practice_standards.csv",
        set_cell(f, "practice_standards", "result", "partly"),
        "result",
        "partly",
    ),
    "answer outside the answer set": lambda f, fw: (
        "answer_not_in_set",
        "feedback_responses.csv",
        set_cell(f, "feedback_responses", "answer", "maybe"),
        "answer",
        "maybe",
    ),
    "age not a number": lambda f, fw: (
        "bad_age",
        "feedback_responses.csv",
        set_cell(f, "feedback_responses", "respondent_age", "twelve", lambda r: r["respondent_age"]),
        "respondent_age",
        "twelve",
    ),
    "age outside 0-25": lambda f, fw: (
        "bad_age",
        "feedback_responses.csv",
        set_cell(f, "feedback_responses", "respondent_age", "30", lambda r: r["respondent_age"]),
        "respondent_age",
        "30",
    ),
    "population smaller than the sample": break_population,
}


@pytest.mark.parametrize("case", list(CASES))
def test_each_mistake_is_reported_precisely(case, copy_sample, framework, tmp_path, capsys):
    root = copy_sample(QUARTER)
    rule, file, row, column, value = CASES[case](root / QUARTER, framework)
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report)]) == 2
    errors = json.loads(report.read_text(encoding="utf-8"))["errors"]
    assert len(errors) == 1, errors  # the one mistake, with no knock-on reports
    problem = errors[0]
    assert (problem["rule"], problem["row"], problem["column"]) == (rule, row, column)
    assert problem["file"] == f"{QUARTER}/{file}"
    assert problem["value"] == value
    assert problem["expected"]
    printed = capsys.readouterr().err
    assert rule in printed and file in printed


def test_several_mistakes_are_all_reported_at_once(copy_sample, framework, tmp_path):
    root = copy_sample(QUARTER)
    folder = root / QUARTER
    for case in ("unknown service", "result other than met/not_met/not_applicable", "age outside 0-25"):
        CASES[case](folder, framework)
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report)]) == 2
    assert {p["rule"] for p in json.loads(report.read_text(encoding="utf-8"))["errors"]} == {
        "unknown_service",
        "bad_result",
        "bad_age",
    }


def _one_error(root: Path, tmp_path: Path, quarter: str = QUARTER) -> dict:
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", quarter, "--data-root", str(root), "--json", str(report)]) == 2
    errors = json.loads(report.read_text(encoding="utf-8"))["errors"]
    assert len(errors) == 1, errors
    return errors[0]


def test_missing_quarter_folder(copy_sample, tmp_path):
    problem = _one_error(copy_sample(QUARTER), tmp_path, "2015-16-Q2")
    assert problem["rule"] == "missing_quarter" and problem["file"].endswith("2015-16-Q2")


def test_missing_case_audits(copy_sample, tmp_path):
    root = copy_sample(QUARTER)
    (root / QUARTER / "case_audits.csv").unlink()
    problem = _one_error(root, tmp_path)
    assert problem["rule"] == "missing_table" and "case_audits.csv" in problem["expected"]


def test_empty_file(copy_sample, tmp_path):
    root = copy_sample(QUARTER)
    (root / QUARTER / "practice_standards.csv").write_bytes(b"")
    problem = _one_error(root, tmp_path)
    assert problem["rule"] == "empty_file" and problem["file"] == f"{QUARTER}/practice_standards.csv"


def test_malformed_quarter_yaml(copy_sample, tmp_path):
    root = copy_sample(QUARTER)
    (root / QUARTER / "quarter.yaml").write_text("meeting:\n  date: [2014-06-16\n", encoding="utf-8")
    problem = _one_error(root, tmp_path)
    assert problem["rule"] == "malformed_yaml" and problem["file"] == f"{QUARTER}/quarter.yaml"


def test_unknown_placeholder_in_commentary(copy_sample, tmp_path):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "commentary.md"
    path.write_text(
        path.read_text(encoding="utf-8").replace("{quarter.months}", "{quarter.month}", 1), encoding="utf-8"
    )
    problem = _one_error(root, tmp_path)
    assert problem["rule"] == "commentary"
    assert "commentary.md, line 3: unknown placeholder {quarter.month}" in problem["expected"]


def test_xlsx_workbook_missing_a_sheet(copy_sample, tmp_path):
    root = copy_sample(QUARTER)
    folder = root / QUARTER
    with pd.ExcelWriter(folder / f"{QUARTER}.xlsx") as book:
        for table in ("practice_standards", "engagement"):
            pd.read_csv(folder / f"{table}.csv", dtype=str).to_excel(book, sheet_name=table, index=False)
    for table in ("case_audits", "practice_standards", "engagement"):
        (folder / f"{table}.csv").unlink()
    problem = _one_error(root, tmp_path)
    assert problem["rule"] == "missing_table"
    assert f"a sheet 'case_audits' in {QUARTER}.xlsx" in problem["expected"]


def test_framework_problems_name_the_file_and_entry(tmp_path, capsys):
    raw = yaml.safe_load(Path("params/framework.yaml").read_text(encoding="utf-8"))
    raw["grade_scales"][next(iter(raw["grade_scales"]))]["bands"][0]["grades"] = ["superb"]
    path = tmp_path / "framework.yaml"
    path.write_text(yaml.safe_dump(raw), encoding="utf-8")
    assert main(["validate", "--quarter", QUARTER, "--data-root", "data/sample", "--framework", str(path)]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "unknown grades ['superb']" in err


# -- warnings: the report can still be made, and says what they mean ---------------------


def test_extra_column_is_a_warning(copy_sample, tmp_path):
    root = copy_sample(str(Q.previous), QUARTER)
    path = root / QUARTER / "engagement.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).assign(officer_notes="x")
    frame.to_csv(path, index=False)
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report)]) == 0
    warnings = json.loads(report.read_text(encoding="utf-8"))["warnings"]
    assert [(w["rule"], w["column"], w["severity"]) for w in warnings] == [("extra_column", "officer_notes", "warning")]


@pytest.mark.slow
def test_run_shows_the_warnings_the_notebook_found(copy_sample, tmp_path, capsys):
    # The kernel validates; the command shows its warnings once the report is written.
    root = copy_sample(str(Q.previous), QUARTER)
    path = root / QUARTER / "engagement.csv"
    pd.read_csv(path, dtype=str, keep_default_na=False).assign(officer_notes="x").to_csv(path, index=False)
    assert (
        main(
            [
                "run",
                "--quarter",
                QUARTER,
                "--data-root",
                str(root),
                "--output-dir",
                str(tmp_path / "out"),
                "--mode",
                "internal",
            ]
        )
        == 0
    )
    err = capsys.readouterr().err
    assert "extra_column" in err and "officer_notes" in err
    assert "extra_column" in (tmp_path / "out" / QUARTER / "run.log").read_text(encoding="utf-8")


def test_no_previous_quarter_and_a_service_without_audits_are_warnings(copy_sample, framework, tmp_path):
    root = copy_sample(QUARTER)  # no 2013-14-Q3 beside it
    service = framework.services[-1].id
    path = root / QUARTER / "case_audits.csv"
    rows = [r for r in rows_of(path) if r["service"] != service]
    write_csv(path, rows)
    meta_path = root / QUARTER / "quarter.yaml"
    meta = yaml.safe_load(meta_path.read_text(encoding="utf-8"))
    meta["populations"]["audits"].pop(service, None)
    meta_path.write_text(yaml.safe_dump(meta), encoding="utf-8")
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report)]) == 0
    warnings = json.loads(report.read_text(encoding="utf-8"))["warnings"]
    assert {(w["rule"], w["value"]) for w in warnings} == {
        ("no_previous_quarter", None),
        ("service_without_audits", service),
    }


def test_excel_realities_are_accepted(copy_sample, framework, tmp_path):
    """A BOM, Windows-1252 text, trailing blank rows, Yes/YES/y, grades in any case with spaces."""
    root = copy_sample(str(Q.previous), QUARTER)
    folder = root / QUARTER
    rows = rows_of(folder / "case_audits.csv")
    spelled = {"yes": ["Yes", "YES", "y"], "no": ["No", "NO", "n", " no "]}
    for i, row in enumerate(rows):
        if row["risk_of_harm"]:
            options = spelled[row["risk_of_harm"]]
            row["risk_of_harm"] = options[i % len(options)]
        if row["grade"]:
            row["grade"] = f"  {row['grade'].replace('_', ' ').upper()} "
        row["team"] = row["team"].replace("Children's", "Children’s")  # a curly quote, as Excel types it
    text = "audit_id,service,case_ref,case_type,team,team_type,audit_date,auditor_role,grade,risk_of_harm,agency\r\n"
    for row in rows:
        text += ",".join(row[c] for c in text.split("\r\n")[0].split(",")) + "\r\n"
    text += ",,,,,,,,,,\r\n,,,,,,,,,,\r\n"
    (folder / "case_audits.csv").write_bytes(text.encode("cp1252"))
    practice = (folder / "practice_standards.csv").read_bytes()
    (folder / "practice_standards.csv").write_bytes(b"\xef\xbb\xbf" + practice)
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(root), "--json", str(report)]) == 0
    assert (
        build_context(QUARTER, str(root)).figures_document()["figures"]
        == build_context(QUARTER, "data/sample").figures_document()["figures"]
    )
