"""Reading a quarter as analysts deliver it, and every problem reported at once."""

import csv
from pathlib import Path

import pandas as pd
import pytest

from qa_lib.errors import DataError
from qa_lib.loading import load_quarter, normalise_id, normalise_yes_no
from qa_lib.quarter import Quarter
from qa_lib.validation import validate_quarter

from helpers import audit_row, write_csv

Q4 = Quarter.parse("2013-14-Q4")


def edit(path: Path, changes: dict[int, dict[str, str]]) -> None:
    """Change cells of a CSV by data-row index (0 = spreadsheet row 2)."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for index, values in changes.items():
        rows[index].update(values)
    write_csv(path, rows)


def problems(root: Path, framework) -> list:
    with pytest.raises(DataError) as err:
        validate_quarter(load_quarter(root, Q4), framework)
    return err.value.problems


def test_ids_are_matched_after_trimming_case_folding_and_spaces():
    assert normalise_id("  Requires Improvement ") == "requires_improvement"
    assert normalise_id("CSC") == "csc"
    assert [normalise_yes_no(v) for v in ("Yes", "YES", "y", " no ", "N")] == ["yes", "yes", "yes", "no", "no"]
    assert [normalise_yes_no(v) for v in ("Yess ", "  ", "")] == ["Yess ", "", ""]  # as typed; blank


def test_sample_quarter_is_valid(framework):
    data = validate_quarter(load_quarter(Path(__file__).parents[1] / "data" / "sample", Q4), framework)
    assert data.present == {"case_audits", "practice_standards", "feedback_responses", "feedback_quotes", "engagement"}
    assert data.warnings == []
    assert data.tables["case_audits"]["audit_date"].map(type).eq(__import__("datetime").date).all()


def test_bom_windows_1252_case_and_trailing_blank_rows_are_accepted(tmp_path, framework):
    service = framework.services[0]
    scale = framework.scale_for(service.id, Q4)
    grade = scale.grades[0]
    folder = tmp_path / str(Q4)
    folder.mkdir()
    header = "audit_id,service,case_ref,case_type,team,team_type,audit_date,auditor_role,grade\r\n"
    body = (
        f"1, {service.id.upper()} ,CR1,Child In Need,Caf\xe9 Team,Fieldwork,2014-02-03,Team Manager, "
        f"{grade.label.upper()} \r\n"
    )
    (folder / "case_audits.csv").write_bytes(
        header.encode("cp1252") + body.encode("cp1252") + b",,,,,,,,\r\n,,,,,,,,\r\n"
    )
    data = validate_quarter(load_quarter(tmp_path, Q4), framework)
    audits = data.tables["case_audits"]
    assert len(audits) == 1
    assert audits.iloc[0]["team"] == "Caf\xe9 Team"
    assert audits.iloc[0]["grade"] == grade.id and audits.iloc[0]["service"] == service.id
    (folder / "case_audits.csv").write_bytes(b"\xef\xbb\xbf" + (header + body).encode("utf-8"))
    data = validate_quarter(load_quarter(tmp_path, Q4), framework)
    assert list(data.tables["case_audits"]["audit_id"]) == ["1"]


def test_xlsx_sheets_and_excel_dates_are_read(tmp_path, framework):
    service = framework.services[0]
    grade = framework.scale_for(service.id, Q4).grades[0].id
    row = audit_row("7", service.id, grade)
    row["audit_date"] = pd.Timestamp("2014-03-31")
    folder = tmp_path / str(Q4)
    folder.mkdir()
    with pd.ExcelWriter(folder / f"{Q4}.xlsx") as book:
        pd.DataFrame([row]).to_excel(book, sheet_name="case_audits", index=False)
    data = validate_quarter(load_quarter(tmp_path, Q4), framework)
    assert str(data.tables["case_audits"].iloc[0]["audit_date"]) == "2014-03-31"
    assert load_quarter(tmp_path, Q4).sources["case_audits"].endswith(f"{Q4}.xlsx [sheet case_audits]")


def test_parquet_tables_read_like_csv(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    folder = root / str(Q4)
    from_csv = validate_quarter(load_quarter(root, Q4), framework)
    for table in ("case_audits", "feedback_responses"):
        frame = pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)
        if table == "case_audits":
            frame["audit_date"] = pd.to_datetime(frame["audit_date"])
        else:
            frame["respondent_age"] = pd.to_numeric(frame["respondent_age"].replace("", None))
        frame.to_parquet(folder / f"{table}.parquet")
        (folder / f"{table}.csv").unlink()
    data = load_quarter(root, Q4)
    assert data.sources["case_audits"].endswith("case_audits.parquet")
    from_parquet = validate_quarter(data, framework)
    for table in ("case_audits", "feedback_responses"):
        pd.testing.assert_frame_equal(from_parquet.tables[table], from_csv.tables[table], check_dtype=False)


def test_missing_folder_and_missing_table(tmp_path):
    with pytest.raises(DataError) as err:
        load_quarter(tmp_path, Q4)
    assert err.value.problems[0].rule == "missing_quarter"
    (tmp_path / str(Q4)).mkdir()
    with pytest.raises(DataError) as err:
        load_quarter(tmp_path, Q4)
    assert err.value.problems[0].rule == "missing_table"
    assert "case_audits.csv" in err.value.problems[0].expected


def test_empty_file(tmp_path):
    folder = tmp_path / str(Q4)
    folder.mkdir()
    (folder / "case_audits.csv").write_text("", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_quarter(tmp_path, Q4)
    assert err.value.problems[0].rule == "empty_file"


def test_every_problem_is_reported_with_file_row_column_and_value(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    folder = root / str(Q4)
    audits = pd.read_csv(folder / "case_audits.csv", dtype=str, keep_default_na=False)
    ungraded = next(s.id for s in framework.services if framework.scale_for(s.id, Q4) is None)
    later = audits.iloc[10:]  # rows 0-6 carry the other mistakes
    graded = int(later.index[later["service"].map(lambda s: framework.scale_for(s, Q4) is not None)][0])
    ungraded_row = int(later.index[later["service"] == ungraded][0])
    some_grade = framework.scale_for(audits["service"][graded], Q4).grades[0].id
    edit(
        folder / "case_audits.csv",
        {
            0: {"service": "chess club"},
            graded: {"grade": "brilliant"},
            ungraded_row: {"grade": some_grade},
            3: {"audit_date": "2014-13-01"},
            4: {"audit_date": "2013-12-31"},
            5: {"audit_id": audits["audit_id"][6]},
        },
    )
    edit(
        folder / "practice_standards.csv",
        {0: {"result": "maybe"}, 1: {"audit_id": "nope"}, 2: {"standard_id": "dancing"}},
    )
    edit(
        folder / "feedback_responses.csv",
        {0: {"answer": "perhaps"}, 1: {"respondent_age": "thirty"}, 2: {"respondent_age": "26"}},
    )
    found = problems(root, framework)
    by_rule = {}
    for p in found:
        by_rule.setdefault(p.rule, []).append(p)
    audits_file = f"{folder.name}/case_audits.csv"
    assert [(p.row, p.column, p.value) for p in by_rule["unknown_service"]] == [(2, "service", "chess club")]
    bad_grades = {(p.row, p.value) for p in by_rule["grade_not_on_scale"]}
    assert (graded + 2, "brilliant") in bad_grades
    assert any(p.row == ungraded_row + 2 and "does not grade" in p.expected for p in by_rule["grade_not_on_scale"])
    assert [(p.row, p.value) for p in by_rule["bad_date"]] == [(5, "2014-13-01")]
    assert [(p.row, p.value) for p in by_rule["date_outside_quarter"]] == [(6, "2013-12-31")]
    assert by_rule["duplicate_id"][0].column == "audit_id"
    assert all(p.file.endswith(audits_file) for p in by_rule["unknown_service"])
    assert [(p.row, p.value) for p in by_rule["bad_result"]] == [(2, "maybe")]
    assert (3, "nope") in {(p.row, p.value) for p in by_rule["unknown_audit_id"]}
    assert [(p.row, p.value) for p in by_rule["unknown_standard"]] == [(4, "dancing")]
    assert [(p.row, p.value) for p in by_rule["answer_not_in_set"]] == [(2, "perhaps")]
    assert [(p.row, p.value) for p in by_rule["bad_age"]] == [(3, "thirty"), (4, "26")]
    # The unknown service's grade is not reported again as off-scale.
    assert not any(p.row == 2 and p.rule == "grade_not_on_scale" for p in found)


def test_missing_column_and_extra_column(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    path = root / str(Q4) / "case_audits.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).drop(columns=["team_type"])
    frame.to_csv(path, index=False)
    found = problems(root, framework)
    assert [(p.rule, p.column) for p in found] == [("missing_column", "team_type")]
    frame = pd.read_csv(path, dtype=str, keep_default_na=False).assign(team_type="fieldwork", notes="x")
    frame.to_csv(path, index=False)
    data = validate_quarter(load_quarter(root, Q4), framework)
    assert [(w.rule, w.column) for w in data.warnings] == [("extra_column", "notes")]


def test_population_smaller_than_sample_is_an_error(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    path = root / str(Q4) / "quarter.yaml"
    text = path.read_text(encoding="utf-8").replace("caf: 107", "caf: 3")
    path.write_text(text, encoding="utf-8")
    found = problems(root, framework)
    assert [(p.rule, p.column, p.value) for p in found] == [("population_too_small", "populations.audits.caf", "3")]


def test_malformed_quarter_yaml(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    (root / str(Q4) / "quarter.yaml").write_text("meeting: [unclosed", encoding="utf-8")
    with pytest.raises(DataError) as err:
        load_quarter(root, Q4)
    assert err.value.problems[0].rule == "malformed_yaml"
    assert err.value.problems[0].file.endswith("quarter.yaml")


# -- case-management exports as they come: UK dates, the framework's labels -------------------


def _rewrite(path: Path, column: str, change) -> None:
    """Rewrite every value of a CSV column."""
    with open(path, newline="", encoding="utf-8") as handle:
        rows = list(csv.DictReader(handle))
    for row in rows:
        row[column] = change(row[column])
    write_csv(path, rows)


def _uk(iso: str) -> str:
    year, month, day = iso.split("-")
    return f"{day}/{month}/{year}"


def test_uk_dates_read_as_the_same_dates_as_iso(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    folder = root / str(Q4)
    iso = validate_quarter(load_quarter(root, Q4), framework)
    _rewrite(folder / "case_audits.csv", "audit_date", _uk)
    _rewrite(folder / "engagement.csv", "activity_date", lambda v: _uk(v).lstrip("0"))  # 1/02/2014 too
    uk = validate_quarter(load_quarter(root, Q4), framework)
    for table in ("case_audits", "engagement"):
        pd.testing.assert_frame_equal(uk.tables[table].drop(columns="_row"), iso.tables[table].drop(columns="_row"))
    assert (folder / "case_audits.csv").read_text(encoding="utf-8").count("/2014") > 100


def test_uk_dates_are_day_first_never_guessed_month_first(copy_sample, framework):
    from datetime import date

    root = copy_sample("2013-14-Q4")
    folder = root / str(Q4)
    edit(folder / "case_audits.csv", {0: {"audit_date": "03/02/2014"}})
    assert validate_quarter(load_quarter(root, Q4), framework).tables["case_audits"]["audit_date"][0] == date(
        2014, 2, 3
    )
    # 01/04/2014 is 1 April (after the quarter), never 4 January; 13/25/2014 is no date at all.
    edit(
        folder / "case_audits.csv",
        {0: {"audit_date": "01/04/2014"}, 1: {"audit_date": "13/25/2014"}, 2: {"audit_date": "2014/02/03"}},
    )
    found = problems(root, framework)
    assert [(p.rule, p.row, p.column, p.value) for p in found] == [
        ("date_outside_quarter", 2, "audit_date", "01/04/2014"),
        ("bad_date", 3, "audit_date", "13/25/2014"),
        ("bad_date", 4, "audit_date", "2014/02/03"),
    ]
    assert "DD/MM/YYYY" in found[1].expected


def test_labels_as_the_framework_names_them_read_as_ids(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    folder = root / str(Q4)
    ids = validate_quarter(load_quarter(root, Q4), framework)
    services = {s.id: s.name for s in framework.services}
    grades = {
        g.id: g.label
        for s in framework.services
        if framework.scale_for(s.id, Q4)
        for g in framework.scale_for(s.id, Q4).grades
    }
    ages = {a.id: a.label for a in framework.quote_age_bands}
    answers = {a.id: a.label for _, q in framework.iter_questions() for a in framework.answers(q)}
    _rewrite(folder / "case_audits.csv", "service", lambda v: f" {services[v].upper()}  ")
    _rewrite(folder / "case_audits.csv", "grade", lambda v: grades[v].lower() if v else v)
    _rewrite(folder / "feedback_quotes.csv", "age_band", lambda v: ages[v] if v else v)
    _rewrite(folder / "feedback_responses.csv", "answer", lambda v: answers[v])
    text = (folder / "case_audits.csv").read_text(encoding="utf-8")
    assert "CHILDREN'S SOCIAL CARE" in text and "requires improvement" in text
    labelled = validate_quarter(load_quarter(root, Q4), framework)
    for table in ("case_audits", "feedback_quotes", "feedback_responses"):
        pd.testing.assert_frame_equal(labelled.tables[table].astype(str), ids.tables[table].astype(str))


def test_a_value_matching_neither_id_nor_label_is_quoted_as_typed(copy_sample, framework):
    root = copy_sample("2013-14-Q4")
    folder = root / str(Q4)
    audits = pd.read_csv(folder / "case_audits.csv", dtype=str, keep_default_na=False)
    row = int(audits.index[audits["grade"] == "requires_improvement"][0])
    edit(folder / "case_audits.csv", {row: {"grade": "Requires Improvment  "}, 0: {"service": "Childrens Social Care"}})
    found = {(p.rule, p.row, p.column, p.value) for p in problems(root, framework)}
    assert found == {
        ("grade_not_on_scale", row + 2, "grade", "Requires Improvment  "),
        ("unknown_service", 2, "service", "Childrens Social Care"),
    }


def test_two_values_of_a_list_with_one_label_are_refused(copy_sample, framework, tmp_path, capsys):
    import yaml

    from qa_lib.cli import main

    from helpers import ROOT

    root = copy_sample("2013-14-Q4")
    edit(root / str(Q4) / "case_audits.csv", {1: {"service": "Targeted Support Service"}})  # ungraded, no standards
    assert validate_quarter(load_quarter(root, Q4), framework)  # one service of that name: read as its id
    data = yaml.safe_load((ROOT / "params" / "framework.yaml").read_text(encoding="utf-8"))
    data["services"][0]["name"] = "Targeted Support Service"  # two services, one name
    (tmp_path / "framework.yaml").write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    assert (
        main(
            [
                "validate",
                "--quarter",
                str(Q4),
                "--data-root",
                str(root),
                "--framework",
                str(tmp_path / "framework.yaml"),
            ]
        )
        == 2
    )
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if line.startswith("error ") and "ambiguous_label" in line)
    assert f"{Q4}/case_audits.csv" in line and " 3 " in line and "service" in line
    assert "'Targeted Support Service'" in line and "csc and tss" in line
    assert sum(" 3 " in line and "service" in line for line in err.splitlines() if line.startswith("error ")) == 1
