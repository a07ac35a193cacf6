"""The data-entry workbook: filled in through its lists, it validates."""

from __future__ import annotations

import json
from datetime import date

import openpyxl
import pytest

from qa_lib.cli import main
from qa_lib.loading import TABLES
from qa_lib.quarter import Quarter

QUARTER = "2014-15-Q2"
Q = Quarter.parse(QUARTER)


@pytest.fixture
def template(tmp_path):
    path = tmp_path / "data" / QUARTER / "template.xlsx"
    assert main(["template", "--quarter", QUARTER, "--data-root", str(tmp_path / "data")]) == 0
    return path


def named_list(book, name: str) -> list[str]:
    sheet_name, ref = next(iter(book.defined_names[name].destinations))
    return [row[0].value for row in book[sheet_name][ref.replace("$", "")] if row[0].value]


def test_sheets_headers_and_drop_downs(template, framework):
    book = openpyxl.load_workbook(template)
    for table, spec in TABLES.items():
        headers = [c.value for c in book[table][1]]
        assert headers == [*spec.required, *spec.optional]
    audits = book["case_audits"]
    formulas = {str(dv.sqref).split(":")[0][0]: dv for dv in audits.data_validations.dataValidation}
    service_col = "B"
    assert formulas[service_col].formula1 == "service_ids"
    # The drop-downs show the framework's labels; beside each list, its ids in the same order.
    assert named_list(book, "service_ids") == [s.name for s in framework.services]
    assert named_list(book, "ids_service_ids") == framework.service_ids
    grade = next(dv for dv in audits.data_validations.dataValidation if "grades_" in dv.formula1)
    # A grade's list is the row's service's: its id found from the label the service cell shows.
    assert grade.formula1 == 'INDIRECT("grades_"&INDEX(ids_service_ids,MATCH($B2,service_ids,0)))'
    for service in framework.services:
        scale = framework.scale_for(service.id, Q)
        assert named_list(book, f"grades_{service.id}") == ([g.label for g in scale.grades] if scale else [])
        assert named_list(book, f"ids_grades_{service.id}") == (scale.grade_ids if scale else [])
    shown = {value for name in book.defined_names for value in named_list(book, name)}
    assert {"Requires improvement to be good", "aged 12–15", "Children's Social Care"} <= shown
    answers = next(dv for dv in book["feedback_responses"].data_validations.dataValidation if "answers_" in dv.formula1)
    assert 'INDIRECT("ids_questions_"&INDEX(ids_survey_ids,MATCH($B2,survey_ids,0)))' in answers.formula1
    assert all(len(dv.formula1) <= 255 for sheet in book for dv in sheet.data_validations.dataValidation)
    dates = next(dv for dv in audits.data_validations.dataValidation if dv.type == "date")
    assert (dates.formula1, dates.formula2) == ("DATE(2014,7,1)", "DATE(2014,9,30)")
    ages = next(dv for dv in book["feedback_responses"].data_validations.dataValidation if dv.type == "whole")
    assert (ages.formula1, ages.formula2) == ("0", "25")
    notes = [[c.value for c in row] for row in book["notes"].iter_rows()]
    assert ["case_audits", "grade", "yes", notes[9][3]] in notes and "scale" in notes[9][3]


def test_an_existing_workbook_is_never_overwritten(template, tmp_path, capsys):
    template.write_bytes(b"entered data")
    assert main(["template", "--quarter", QUARTER, "--data-root", str(tmp_path / "data")]) == 2
    assert template.read_bytes() == b"entered data"
    assert "already exists" in capsys.readouterr().err


def test_a_workbook_filled_in_through_its_lists_validates(template, framework, tmp_path):
    book = openpyxl.load_workbook(template)
    service = framework.services[0]
    scale = framework.scale_for(service.id, Q)
    standard = service.standards[0].id
    survey = framework.surveys[0]
    question = survey.questions[0]
    answer = framework.answers(question)[0].id
    activity = framework.engagement
    pick = lambda name: named_list(book, name)[0]  # noqa: E731  the first entry of a drop-down

    def append(table: str, **values) -> None:
        headers = [c.value for c in book[table][1]]
        book[table].append([values.get(h) for h in headers])

    # Every value as the drop-down shows it: the framework's labels, read back as ids.
    append(
        "case_audits",
        audit_id="A-1",
        service=pick("service_ids"),
        case_ref="CR-1",
        case_type=pick("case_type_ids"),
        team="Team A",
        team_type=pick("team_type_ids"),
        audit_date=date(2014, 8, 4),
        auditor_role=pick("auditor_role_ids"),
        grade=named_list(book, f"grades_{service.id}")[0],
        risk_of_harm="no",
    )
    append("practice_standards", audit_id="A-1", standard_id=service.standards[0].label, result=pick("result_ids"))
    append(
        "feedback_responses",
        response_id="R-1",
        survey_id=pick("survey_ids"),
        respondent_id="P-1",
        respondent_type=pick("respondent_type_ids"),
        respondent_age=12,
        question_id=named_list(book, f"questions_{survey.id}")[0],
        answer=named_list(book, f"answers_{survey.id}__{question.id}")[0],
    )
    append(
        "engagement",
        activity_id="E-1",
        activity_date=date(2014, 9, 30),
        activity_type=pick("activity_type_ids"),
        participant_role=pick("participant_role_ids"),
        location_type=pick("location_type_ids"),
        description="Visit",
    )
    assert (service.name, service.id) == (pick("service_ids"), pick("ids_service_ids"))
    assert scale.grades[0].label == named_list(book, f"grades_{service.id}")[0]
    at = named_list(book, "standard_ids").index(service.standards[0].label)
    assert named_list(book, "ids_standard_ids")[at] == standard and survey.label == pick("survey_ids")
    assert question.text == named_list(book, f"questions_{survey.id}")[0]
    assert framework.answers(question)[0].label == named_list(book, f"answers_{survey.id}__{question.id}")[0]
    assert answer == named_list(book, f"ids_answers_{survey.id}__{question.id}")[0]
    assert activity.activity_types[0].label == pick("activity_type_ids")
    book.save(template.with_name(f"{QUARTER}.xlsx"))
    report = tmp_path / "problems.json"
    assert main(["validate", "--quarter", QUARTER, "--data-root", str(tmp_path / "data"), "--json", str(report)]) == 0
    problems = json.loads(report.read_text(encoding="utf-8"))
    assert problems["errors"] == []
    # The untouched quotes sheet counts as not supplied, and says so.
    assert ("no_rows", f"{QUARTER}/{QUARTER}.xlsx [sheet feedback_quotes]") in {
        (w["rule"], w["file"]) for w in problems["warnings"]
    }
