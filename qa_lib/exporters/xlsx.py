"""The data-tables annex, laid out by gptables as the Analysis Function's guidance on
releasing statistics in spreadsheets asks: cover, contents, notes, one table a sheet,
from the paper's typed tables."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path
from typing import Any

from qa_lib.disclosure import SYMBOL_MEANINGS
from qa_lib.formatting import whole_percent
from qa_lib.paper import Cell, Paper
from qa_lib.prose import say


def _say(sentence: str, **values: Any) -> str:
    return say("annex", sentence, **values)


def cell_value(cell: Cell) -> Any:
    """A cell as the spreadsheet holds it: a count or a whole percentage as a number; a symbol,
    a flagged or a composite value (an interval, a verdict) as its text."""
    if cell.kind == "label" or cell.symbol or cell.flags or cell.value is None:
        return cell.text
    if cell.kind == "count":
        return int(cell.value)
    if cell.kind == "percent":
        return whole_percent(cell.value)
    return cell.text


def write(paper: Paper, figures: dict[str, Any], target: Path) -> None:
    import gptables as gpt
    import pandas as pd

    meta = paper.meta
    quarter = figures["quarter"]
    # Notes in order of first reference, as gptables numbers them [note 1], [note 2], …
    notes = {"symbols": " ".join(_say("symbol_meaning", symbol=s, meaning=m) for s, m in SYMBOL_MEANINGS.items())}
    keys: dict[str, str] = {}
    sheets = {}
    for table in paper.tables:
        frame = pd.DataFrame([[cell_value(cell) for cell in row] for row in table.rows], columns=table.columns)
        refs = "$$symbols$$"
        for note in table.notes:
            if any(note.startswith(symbol + " ") for symbol in SYMBOL_MEANINGS):
                continue  # the symbols note covers it
            if note not in keys:
                keys[note] = f"note{len(notes) + 1}"
                notes[keys[note]] = note
            refs += f" $${keys[note]}$$"
        sheets[f"Table {table.number}"] = gpt.GPTable(
            table=frame, table_name=f"table_{table.number}",
            title=_say("table_title", number=table.number, caption=table.caption),
            scope=_say("scope", quarter=quarter), source=_say("source", marking=meta["marking"]),
            subtitles=[f"{_say('rounding')} {refs}"], index_columns={2: 0})
    contact = meta.get("contact") or {}
    cover = gpt.Cover(
        title=_say("title", report=meta["title"], quarter=quarter),
        intro=[_say("intro", quarter=quarter), _say("marking", marking=meta["marking"])],
        about=[_say("about_symbols"), _say("about_methodology")],
        contact=[v for v in (contact.get("name"), contact.get("email"), contact.get("telephone")) if v] or ["-"])
    numbered = pd.DataFrame({"Note number": list(notes), "Note text": list(notes.values())})
    # Text from the data or framework is written as text: never a formula or a link.
    book = gpt.produce_workbook(str(target), sheets, cover=cover, notes_table=numbered,
                                contentsheet_options={"title": "Contents"},
                                workbook_options={"strings_to_formulas": False, "strings_to_urls": False})
    # The file's own creation date comes from the data, so a re-run gives the same bytes.
    book.set_properties({"created": datetime.fromisoformat(meta["document_date"]).replace(tzinfo=timezone.utc),
                         "title": cover.title})
    book.close()
