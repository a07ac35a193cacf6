"""Report tables: one header row, a caption, no empty cells, typed cells.

Cells come from a quarter's :class:`~qa_lib.disclosure.View` (or the helpers here), so
a cell that is suppressed, unreliable, unavailable or not applicable shows its GSS
symbol, explained in the table's notes, never a blank; and each cell keeps its typed
value for the spreadsheet and Word.
"""

from __future__ import annotations

from qa_lib.disclosure import NOT_APPLICABLE, NOT_AVAILABLE, SUPPRESSED, SYMBOL_MEANINGS, View, words
from qa_lib.figures import FigureId
from qa_lib.formatting import fmt_p, fmt_pct
from qa_lib.paper import Cell, Table


def label(text: str) -> Cell:
    """The first cell of a row, naming it."""
    return Cell(text, "label")


def text(value: str) -> Cell:
    return Cell(value, "text")


def number(value: int) -> Cell:
    return Cell(f"{value:,}", "count", int(value))


def percent(value: float) -> Cell:
    return Cell(fmt_pct(value), "percent", float(value))


def symbol(value: str, kind: str = "text") -> Cell:
    """A cell that holds only a GSS symbol."""
    return Cell(value, kind, None, value)


def change(now: View, before: View, fid: FigureId, earlier: FigureId | None) -> Cell:
    """The tested verdict on a share's change since the previous quarter, with its p-value."""
    if not before.available:
        return symbol(NOT_AVAILABLE, "verdict")
    verdict = now.figures.value(fid, "verdict")
    if verdict is None or earlier is None:
        return symbol(NOT_APPLICABLE, "verdict")
    if now.hidden(fid) or before.hidden(earlier):
        return symbol(SUPPRESSED, "verdict")
    p_value = float(now.figures.value(fid, "p_value"))
    return Cell(words("table_verdict_p", verdict=verdict, p=fmt_p(p_value)), "verdict", [verdict, p_value])


def table(caption: str, columns: list[str], rows: list[list[Cell]], notes: list[str] | None = None) -> Table:
    """A table whose notes end with the meaning of every symbol its cells use."""
    used = {s for row in rows for cell in row for s in (cell.symbol, *cell.flags) if s}
    symbols = [f"{s} {meaning}." for s, meaning in SYMBOL_MEANINGS.items() if s in used]
    return Table(caption, columns, rows, [*(notes or []), *symbols])
