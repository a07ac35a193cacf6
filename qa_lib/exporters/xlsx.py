"""The data-tables annex, laid out by gptables as the Analysis Function's guidance on
releasing statistics in spreadsheets asks: cover, contents, notes, one table a sheet,
from the paper's typed tables.

Made for people who compute with it: a count is a number (``#,##0``), a percentage a
fraction shown as a whole percentage (``0%``), an interval's bounds have a column each, a
change's verdict (in words) and its p-value have a column each. A value withheld holds
only its shorthand (``[c]``, ``[x]``, ``[z]``); the markers that qualify a value that is
shown (``[u]``, ``[r]``, ``[low]``) go in a shorthand column beside it, so the value stays
a number. Each table refers only to its own notes; the notes sheet lists them with the
tables they apply to. The cover gives the publication date, the next update and the
quarter in words.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timezone
from pathlib import Path
from typing import Any

from qa_lib.disclosure import ROUNDS_TO_ZERO, words
from qa_lib.formatting import whole_percent
from qa_lib.paper import Cell, Paper, Table, walk
from qa_lib.prose import say
from qa_lib.quarter import Quarter

# Number formats, by the kind of the paper's cell.
COUNT_FORMAT = "#,##0"
PERCENT_FORMAT = "0%"
P_VALUE_FORMAT = "0.000"
DECIMAL_FORMAT = "0.00##"


def _say(sentence: str, **values: Any) -> str:
    return say("annex", sentence, **values)


@dataclass
class _Column:
    """One column of the annex's table: its header, number format and values."""

    name: str
    number_format: str | None = None
    values: list[Any] = field(default_factory=list)


def _fraction(percent: float) -> float:
    """A percentage as the spreadsheet holds it: the published whole percentage, as a fraction."""
    return whole_percent(percent) / 100


def _withheld(cell: Cell) -> bool:
    """A cell that shows a symbol instead of its value ([low] is a value shown as 0%)."""
    return cell.value is None or (cell.symbol is not None and cell.symbol != ROUNDS_TO_ZERO)


def _flags(cell: Cell) -> list[str]:
    return ([ROUNDS_TO_ZERO] if cell.symbol == ROUNDS_TO_ZERO else []) + list(cell.flags)


def _kind(table: Table, index: int) -> str:
    kinds = [row[index].kind for row in table.rows]
    return max(set(kinds), key=kinds.count) if kinds else "text"


def columns_of(table: Table) -> list[_Column]:
    """The annex's columns for one of the paper's tables: each typed column split into the
    numbers it holds, each flagged one followed by its shorthand column."""
    out: list[_Column] = []
    for index, name in enumerate(table.columns):
        cells = [row[index] for row in table.rows]
        kind = "label" if index == 0 else _kind(table, index)
        if kind == "count":
            out.append(_Column(name, COUNT_FORMAT, [c.text if _withheld(c) else int(c.value) for c in cells]))
        elif kind == "percent":
            out.append(_Column(name, PERCENT_FORMAT, [c.text if _withheld(c) else _fraction(c.value) for c in cells]))
        elif kind == "interval":
            out.append(
                _Column(
                    _say("lower_bound", column=name),
                    PERCENT_FORMAT,
                    [c.text if _withheld(c) else _fraction(c.value[0]) for c in cells],
                )
            )
            out.append(
                _Column(
                    _say("upper_bound", column=name),
                    PERCENT_FORMAT,
                    [c.text if _withheld(c) else _fraction(c.value[1]) for c in cells],
                )
            )
        elif kind == "verdict":
            out.append(
                _Column(
                    _say("verdict_column", column=name),
                    None,
                    [c.text if _withheld(c) else words("table_verdict", verdict=c.value[0]) for c in cells],
                )
            )
            out.append(
                _Column(
                    _say("p_value_column", column=name),
                    P_VALUE_FORMAT,
                    [c.text if _withheld(c) else float(c.value[1]) for c in cells],
                )
            )
        elif kind == "decimal":
            out.append(_Column(name, DECIMAL_FORMAT, [c.text if _withheld(c) else float(c.value) for c in cells]))
        else:
            out.append(_Column(name, None, [c.text for c in cells]))
        if kind in ("count", "percent") and any(_flags(c) for c in cells):
            out.append(
                _Column(_say("flag_column", column=name), None, [" ".join(_flags(c)) or _say("no_flag") for c in cells])
            )
    return out


def _tables_by_section(paper: Paper) -> list[tuple[str, Table]]:
    return [
        (section.id, block) for section in paper.sections for block in walk(section.blocks) if isinstance(block, Table)
    ]


def quarter_words(quarter: str) -> str:
    """``Quarter 4 2013-14 (January to March 2014)``."""
    q = Quarter.parse(quarter)
    return _say("quarter_words", number=q.number, year=q.financial_year, months=q.months)


def _date_words(value: str | None) -> str | None:
    if not value:
        return None
    day = date.fromisoformat(value)
    return f"{day.day} {day.strftime('%B %Y')}"


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    import gptables as gpt
    import pandas as pd

    meta = paper.meta
    quarter = figures["quarter"]
    period = quarter_words(quarter)
    # Each note once, numbered by gptables in order of first reference; the tables it applies to.
    notes: dict[str, str] = {}
    applies: dict[str, list[str]] = {}
    sheets = {}
    for section, table in _tables_by_section(paper):
        planned = columns_of(table)
        frame = pd.DataFrame({c.name: pd.Series(c.values, dtype=object) for c in planned})
        keys = []
        for note in table.notes:
            key = next((k for k, text in notes.items() if text == note), f"note{len(notes) + 1}")
            notes[key] = note
            applies.setdefault(key, []).append(str(table.number))
            keys.append(key)
        subtitles = [table.caution] if table.caution else []
        if any(c.number_format == PERCENT_FORMAT for c in planned):
            subtitles.append(_say("rounding"))
        if keys:
            ordered = sorted(keys, key=lambda k: int(k.removeprefix("note")))
            subtitles.append(f"{_say('notes_line')} " + "".join(f"$${key}$$" for key in ordered))
        formats = [
            {"column": {"columns": [c.name], "format": {"num_format": c.number_format}, "include_names": False}}
            for c in planned
            if c.number_format
        ]
        sheets[f"Table {table.number}"] = gpt.GPTable(
            table=frame,
            table_name=f"table_{table.number}",
            title=_say("table_title", number=table.number, caption=table.caption),
            scope=period,
            source=_say("source", section=section, marking=meta["marking"]),
            subtitles=subtitles,
            index_columns={2: 0},
            additional_formatting=formats,
        )
    contact = meta.get("contact") or {}
    cover = gpt.Cover(
        title=_say("title", report=meta["title"], quarter=quarter),
        intro=[
            _say("intro", quarter=period),
            _say("period", quarter=period),
            _say("published", date=_date_words(meta["document_date"])),
            _say("next_update", date=_date_words(meta.get("next_update"))),
            _say("marking", marking=meta["marking"]),
        ],
        about=[_say("about_numbers"), _say("about_symbols"), _say("about_methodology")],
        contact=[v for v in (contact.get("name"), contact.get("email"), contact.get("telephone")) if v] or ["-"],
    )
    numbered = pd.DataFrame(
        {
            "Note number": list(notes),
            _say("note_text_column"): list(notes.values()),
            _say("note_tables_column"): [_say("note_tables", numbers=applies[k]) for k in notes],
        }
    )
    # Text from the data or framework is written as text: never a formula or a link.
    book = gpt.produce_workbook(
        str(target),
        sheets,
        cover=cover,
        notes_table=numbered,
        contentsheet_options={"title": "Contents"},
        workbook_options={"strings_to_formulas": False, "strings_to_urls": False},
    )
    # The file's own creation date comes from the data, so a re-run gives the same bytes.
    book.set_properties(
        {"created": datetime.fromisoformat(meta["document_date"]).replace(tzinfo=timezone.utc), "title": cover.title}
    )
    book.close()
