"""An XLSX data-entry workbook for a quarter, so bad input is prevented at the source.

One sheet per table of the data contract with its headers, drop-down lists of
the framework's ids (grades depend on the row's service and the quarter's
scale, answers on the row's survey and question), dates limited to the quarter,
ages to 0–25, and a notes sheet explaining every column. Filled in through its
lists, it validates without errors once saved as ``<quarter>.xlsx`` in the
quarter's folder.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from qa_lib.framework import Framework
from qa_lib.loading import TABLES
from qa_lib.quarter import Quarter

LISTS = "lists"
ROWS = 5000  # rows of each sheet that carry the validations

COLUMN_NOTES = {
    "audit_id": "Unique id of the audit, e.g. A-0001. Never shown in a report.",
    "service": "The service audited (choose from the list).",
    "case_ref": "The case's pseudonymised reference. Never shown in a report.",
    "case_type": "Type of case (choose from the list).",
    "team": "Name of the team holding the case (free text).",
    "team_type": "Type of team (choose from the list).",
    "audit_date": "Date of the audit, within the quarter.",
    "auditor_role": "Role of the auditor (choose from the list).",
    "grade": "Grade on the service's scale for this quarter; leave blank if not graded.",
    "moderated_grade": "Grade after moderation, if moderated; otherwise blank.",
    "risk_of_harm": "Was a child judged to be at risk of harm? yes or no.",
    "agency": "Agency that completed the assessment (free text, optional).",
    "standard_id": "Practice standard of the audit's service (choose from the list).",
    "result": "met, not_met or not_applicable.",
    "response_id": "Unique id of this answer row.",
    "survey_id": "The survey (choose from the list).",
    "respondent_id": "Same id for every answer of one respondent. Never shown in a report.",
    "respondent_type": "Who answered (choose from the list).",
    "respondent_age": "Age 0–25 for children and young people; blank for adults.",
    "question_id": "Question of the survey (choose from the list).",
    "answer": "Answer from the question's answer set (choose from the list).",
    "quote_id": "Unique id of the quote.",
    "age_band": "Age band of the person quoted (optional).",
    "theme": "Theme of the quote (choose from the list).",
    "kind": "positive or improvement.",
    "text": "The words, anonymised: replace names with descriptions such as (the social worker).",
    "approved": "yes once approved for publication; only approved quotes are published.",
    "activity_id": "Unique id of the activity.",
    "activity_date": "Date of the activity, within the quarter.",
    "activity_type": "Type of activity (choose from the list).",
    "participant_role": "Who took part (choose from the list).",
    "location_type": "Where it took place (choose from the list).",
    "description": "Short description (not published).",
}


class _Lists:
    """Writes id lists to the hidden lists sheet and names them for validations."""

    def __init__(self, book: Workbook):
        self.book = book
        self.sheet = book.create_sheet(LISTS)
        self.column = 0

    def add(self, name: str, values: list[str]) -> str:
        self.column += 1
        letter = get_column_letter(self.column)
        self.sheet.cell(row=1, column=self.column, value=name)
        for row, value in enumerate(values or [""], start=2):
            self.sheet.cell(row=row, column=self.column, value=value)
        last = len(values or [""]) + 1
        ref = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${last}"
        self.book.defined_names[name] = DefinedName(name, attr_text=ref)
        return name


def _list_validation(formula: str, prompt: str) -> DataValidation:
    return DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                          errorTitle="Not on the list", error=prompt, showInputMessage=False)


def build_template(framework: Framework, quarter: Quarter) -> Workbook:
    """The data-entry workbook for ``quarter`` (not saved; the renderer writes it)."""
    book = Workbook()
    notes = book.active
    notes.title = "notes"
    lists = _Lists(book)
    named = {
        "service": lists.add("service_ids", framework.service_ids),
        "case_type": lists.add("case_type_ids", [o.id for o in framework.case_types]),
        "team_type": lists.add("team_type_ids", [o.id for o in framework.team_types]),
        "auditor_role": lists.add("auditor_role_ids", [o.id for o in framework.auditor_roles]),
        "risk_of_harm": lists.add("yes_no", ["yes", "no"]),
        "approved": "yes_no",
        "standard_id": lists.add("standard_ids", sorted({s for sv in framework.services for s in sv.standard_ids})),
        "result": lists.add("result_ids", ["met", "not_met", "not_applicable"]),
        "survey_id": lists.add("survey_ids", [s.id for s in framework.surveys]),
        "respondent_type": lists.add("respondent_type_ids", [r.id for r in framework.respondent_types]),
        "age_band": lists.add("age_band_ids", [b.id for b in framework.quote_age_bands]),
        "theme": lists.add("theme_ids", [t.id for t in framework.quote_themes]),
        "kind": lists.add("kind_ids", ["positive", "improvement"]),
        "activity_type": lists.add("activity_type_ids", [o.id for o in framework.engagement.activity_types]),
        "participant_role": lists.add("participant_role_ids", [o.id for o in framework.engagement.participant_roles]),
        "location_type": lists.add("location_type_ids", [o.id for o in framework.engagement.location_types]),
    }
    # Lists that depend on another cell of the row, looked up with INDIRECT.
    for service in framework.services:
        scale = framework.scale_for(service.id, quarter)
        lists.add(f"grades_{service.id}", scale.grade_ids if scale else [])
    for survey in framework.surveys:
        lists.add(f"questions_{survey.id}", [q.id for q in survey.questions])
        for question in survey.questions:
            lists.add(f"answers_{survey.id}__{question.id}", [a.id for a in framework.answers(question)])
    lists.sheet.sheet_state = "hidden"

    start, end = quarter.start_date, quarter.end_date
    for table, spec in TABLES.items():
        sheet = book.create_sheet(table)
        columns = [*spec.required, *spec.optional]
        for index, column in enumerate(columns, start=1):
            cell = sheet.cell(row=1, column=index, value=column)
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = max(14, len(column) + 4)
        sheet.freeze_panes = "A2"
        letters = {c: get_column_letter(i) for i, c in enumerate(columns, start=1)}
        for column, letter in letters.items():
            area = f"{letter}2:{letter}{ROWS}"
            validation = None
            if column in named:
                validation = _list_validation(named[column], f"Choose {column} from the list.")
            elif column in ("grade", "moderated_grade"):
                validation = _list_validation(f'INDIRECT("grades_"&${letters["service"]}2)',
                                              "Choose a grade on this service's scale for the quarter, or leave blank.")
            elif column == "question_id":
                validation = _list_validation(f'INDIRECT("questions_"&${letters["survey_id"]}2)',
                                              "Choose a question of this survey.")
            elif column == "answer":
                validation = _list_validation(
                    f'INDIRECT("answers_"&${letters["survey_id"]}2&"__"&${letters["question_id"]}2)',
                    "Choose an answer of this question.")
            elif column in ("audit_date", "activity_date"):
                validation = DataValidation(type="date", operator="between",
                                            formula1=f"DATE({start.year},{start.month},{start.day})",
                                            formula2=f"DATE({end.year},{end.month},{end.day})",
                                            allow_blank=True, showErrorMessage=True, errorTitle="Outside the quarter",
                                            error=f"Enter a date from {start} to {end}.")
                sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"
            elif column == "respondent_age":
                validation = DataValidation(type="whole", operator="between", formula1="0", formula2="25",
                                            allow_blank=True, showErrorMessage=True, errorTitle="Age",
                                            error="Enter a whole number from 0 to 25, or leave blank for adults.")
            if validation is not None:
                sheet.add_data_validation(validation)
                validation.add(area)

    notes.append(["table", "column", "required", "what to enter"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for table, spec in TABLES.items():
        for column in spec.required:
            notes.append([table, column, "yes", COLUMN_NOTES.get(column, "")])
        for column in spec.optional:
            notes.append([table, column, "no", COLUMN_NOTES.get(column, "")])
    notes.append([])
    notes.append([f"Quarter {quarter} ({quarter.months}). Save this workbook as {quarter}.xlsx in the "
                  f"quarter's folder, then run: qa-report validate --quarter {quarter}"])
    for letter, width in zip("ABCD", (20, 18, 10, 90)):
        notes.column_dimensions[letter].width = width
    return book
