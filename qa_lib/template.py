"""An XLSX data-entry workbook for a quarter, so bad input is prevented at the source.

One sheet per table of the data contract (:mod:`qa_lib.contract`) with its headers,
drop-down lists of the framework's labels ("Requires improvement", read back as their ids;
grades depend on the row's service and the quarter's scale, answers on the row's survey
and question), dates limited to the
quarter, ages to 0–25, and a notes sheet explaining every column in the contract's
words. Filled in through its lists, it validates without errors once saved as
``<quarter>.xlsx`` in the quarter's folder.
"""

from __future__ import annotations

from openpyxl import Workbook
from openpyxl.styles import Font
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.workbook.defined_name import DefinedName
from openpyxl.worksheet.datavalidation import DataValidation

from qa_lib.contract import MAX_AGE, TABLES, Column, Kind, Table, Values, columns
from qa_lib.framework import Framework
from qa_lib.quarter import Quarter

LISTS = "lists"
IDS = "ids_"  # the prefix of each list's ids, beside its labels
ROWS = 5000  # rows of each sheet that carry the validations


class _Lists:
    """Writes id lists to the hidden lists sheet and names them for validations."""

    def __init__(self, book: Workbook):
        self.book = book
        self.sheet = book.create_sheet(LISTS)
        self.column = 0
        self.names: set[str] = set()

    def add(self, name: str, values: list[str]) -> str:
        self.column += 1
        letter = get_column_letter(self.column)
        self.sheet.cell(row=1, column=self.column, value=name)
        for row, value in enumerate(values or [""], start=2):
            self.sheet.cell(row=row, column=self.column, value=value)
        last = len(values or [""]) + 1
        ref = f"{quote_sheetname(LISTS)}!${letter}$2:${letter}${last}"
        self.book.defined_names[name] = DefinedName(name, attr_text=ref)
        self.names.add(name)
        return name


def _list_validation(formula: str, prompt: str) -> DataValidation:
    return DataValidation(
        type="list",
        formula1=formula,
        allow_blank=True,
        showErrorMessage=True,
        errorTitle="Not on the list",
        error=prompt,
        showInputMessage=False,
    )


def _id_of(table: Table, name: str, letters: dict[str, str], per_row: dict[int, Values]) -> str:
    """A formula for the id a row's cell holds the label of (row 2; relative, as validations are)."""
    cell = f"${letters[name]}2"
    values = table.column(name).allowed
    if values is None or values.labels is None:
        return cell
    if id(values) in per_row:
        key = '&"__"&'.join(_id_of(table, c, letters, per_row) for c in values.within)
        return (
            f'INDEX(INDIRECT("{IDS}{values.list_name}_"&{key}),MATCH({cell},INDIRECT("{values.list_name}_"&{key}),0))'
        )
    return f"INDEX({IDS}{values.list_name},MATCH({cell},{values.list_name},0))"


def what_to_enter(column: Column, quarter: Quarter) -> str:
    """A column's line of the notes sheet: the contract's note, then what its values must be."""
    text = f"{column.note} Enter {column.words(quarter)}"
    if column.allowed is not None:
        text += " (choose from the list)"
    return f"{text}.{' Never shown in a report.' if column.identifier else ''}"


def _add_lists(lists: _Lists, framework: Framework, quarter: Quarter, per_row: dict[int, Values]) -> None:
    """Each list as people read it (the framework's labels), beside its ids (``ids_<list>``) in the
    same order: a list that depends on other cells of the row finds their ids from their labels."""
    for _, column in columns():
        values = column.allowed
        if values is not None and id(values) not in per_row and values.list_name not in lists.names:
            ids = values.all_ids(framework, quarter)
            lists.add(values.list_name, values.labelled(framework, quarter, ids))
            if values.labels is not None:
                lists.add(f"{IDS}{values.list_name}", ids)
    for values in per_row.values():
        assert values.lists is not None
        for key, ids in values.lists(framework, quarter).items():
            lists.add(f"{values.list_name}_{'__'.join(key)}", values.labelled(framework, quarter, ids))
            if values.labels is not None:
                lists.add(f"{IDS}{values.list_name}_{'__'.join(key)}", ids)


def _validation(
    table: Table, name: str, letters: dict[str, str], per_row: dict[int, Values], quarter: Quarter
) -> DataValidation | None:
    """The check Excel makes of a column as it is typed: a drop-down of its list (of the
    row's list where it depends on other cells), a date within the quarter, an age; or none."""
    column = table.column(name)
    values = column.allowed
    start, end = quarter.start_date, quarter.end_date
    if values is not None and id(values) in per_row:
        row_key = '&"__"&'.join(_id_of(table, c, letters, per_row) for c in values.within)
        return _list_validation(f'INDIRECT("{values.list_name}_"&{row_key})', values.choose)
    if values is not None:
        return _list_validation(values.list_name, f"Choose {name} from the list.")
    if column.kind is Kind.DATE:
        return DataValidation(
            type="date",
            operator="between",
            formula1=f"DATE({start.year},{start.month},{start.day})",
            formula2=f"DATE({end.year},{end.month},{end.day})",
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Outside the quarter",
            error=f"Enter a date from {start} to {end}.",
        )
    if column.kind is Kind.AGE:
        return DataValidation(
            type="whole",
            operator="between",
            formula1="0",
            formula2=str(MAX_AGE),
            allow_blank=True,
            showErrorMessage=True,
            errorTitle="Age",
            error=f"Enter {column.words()}.",
        )
    return None


def build_template(framework: Framework, quarter: Quarter) -> Workbook:
    """The data-entry workbook for ``quarter`` (not saved; the renderer writes it)."""
    book = Workbook()
    notes = book.active
    notes.title = "notes"
    lists = _Lists(book)
    # A list whose values depend on other cells of the row has a list per combination of
    # their values, looked up with INDIRECT; where those cells are on another sheet (a
    # standard's service is its audit's), every value the list may hold is offered.
    per_row = {
        id(c.allowed): c.allowed
        for t, c in columns()
        if c.allowed is not None and c.allowed.within and set(c.allowed.within) <= set(t.names)
    }
    _add_lists(lists, framework, quarter, per_row)
    lists.sheet.sheet_state = "hidden"

    for table in TABLES.values():
        sheet = book.create_sheet(table.name)
        names = table.names
        for index, name in enumerate(names, start=1):
            cell = sheet.cell(row=1, column=index, value=name)
            cell.font = Font(bold=True)
            sheet.column_dimensions[get_column_letter(index)].width = max(14, len(name) + 4)
        sheet.freeze_panes = "A2"
        letters = {c: get_column_letter(i) for i, c in enumerate(names, start=1)}
        for name, letter in letters.items():
            validation = _validation(table, name, letters, per_row, quarter)
            if validation is not None:
                sheet.add_data_validation(validation)
                validation.add(f"{letter}2:{letter}{ROWS}")
            if table.column(name).kind is Kind.DATE:
                sheet.column_dimensions[letter].number_format = "yyyy-mm-dd"

    notes.append(["table", "column", "required", "what to enter"])
    for cell in notes[1]:
        cell.font = Font(bold=True)
    for table in TABLES.values():
        for name in table.names:
            column = table.column(name)
            notes.append([table.name, name, "yes" if column.required else "no", what_to_enter(column, quarter)])
    notes.append([])
    notes.append(
        [
            f"Quarter {quarter} ({quarter.months}). Save this workbook as {quarter}.xlsx in the "
            f"quarter's folder, then run: qa-report validate --quarter {quarter}"
        ]
    )
    for letter, width in zip("ABCD", (20, 18, 10, 90)):
        notes.column_dimensions[letter].width = width
    return book
