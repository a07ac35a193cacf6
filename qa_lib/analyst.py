"""A chart or table of the analyst's own, added to the paper from a notebook cell.

In a cell tagged ``paper``::

    import matplotlib.pyplot as plt
    from qa_lib.analyst import add_to_paper

    by_type = audits.figures.query("measure == 'audited'")[["service", "count"]]
    fig, ax = plt.subplots()
    ax.barh(by_type["service"], by_type["count"])
    add_to_paper(context, caption="Audits by service", data=by_type, counts=["count"], figure=fig,
                 alt="Bar chart of the number of audits of each service this quarter: …")

The caption (and, with a chart, its text alternative) is required. Every column named in
``counts`` is suppressed as the framework says in a publication paper: a count from 1 to
the threshold is shown as ``[c]``, and when a column has just one, the next smallest is
hidden too so that the column's total cannot give it away; a column named in ``shares``
is hidden on the rows where a count is. A chart drawn from a hidden count is left out of
the paper, with a note and a warning: its bars would show what the table hides.
"""

from __future__ import annotations

import logging
import math
import numbers
from typing import TYPE_CHECKING, Any

from qa_lib import tables
from qa_lib.disclosure import SUPPRESSED
from qa_lib.errors import InputError
from qa_lib.paper import Block, Box, Cell, Figure, Heading, Paragraph, SectionOutput, spans
from qa_lib.prose import say

if TYPE_CHECKING:
    import pandas as pd

    from qa_lib.context import Context

log = logging.getLogger(__name__)

MINIMUM_ALT = 30  # characters: a text alternative says what the chart shows and its main numbers


class PaperError(InputError):
    """A chart or table of the analyst's own cannot go into the paper as given."""


def _hidden_rows(data: pd.DataFrame, counts: list[str], threshold: int) -> set[tuple[int, str]]:
    """The (row, column) of each count to hide: 1 to ``threshold``, and in a column with just
    one of those, the next smallest count above zero."""
    hidden: set[tuple[int, str]] = set()
    for column in counts:
        values = [int(v) for v in data[column]]
        small = {i for i, v in enumerate(values) if 1 <= v <= threshold}
        if len(small) == 1:
            others = sorted((v, i) for i, v in enumerate(values) if v > 0 and i not in small)
            small |= {others[0][1]} if others else set()
        hidden |= {(i, column) for i in small}
    return hidden


def _whole(value: Any) -> bool:
    return isinstance(value, numbers.Integral) or (isinstance(value, numbers.Real) and float(value).is_integer())


def _cell(value: Any, kind: str) -> Cell:
    if kind == "count":
        return tables.number(int(value))
    if isinstance(value, float) and not math.isnan(value):
        return Cell(f"{value:,.4g}", "decimal", value)
    return tables.text(str(value))


def _check(caption: str, data: pd.DataFrame, counts: list[str], shares: list[str], figure: Any, alt: str) -> None:
    """Refuse what cannot go into the paper: no caption, a chart without a text alternative,
    a column not in the data, a count that is not a whole number of 0 or more."""
    if not caption.strip():
        raise PaperError("a chart or table added to the paper needs a caption")
    if figure is not None and len(alt.strip()) < MINIMUM_ALT:
        raise PaperError(
            f"the chart {caption!r} needs a text alternative (alt=) of at least {MINIMUM_ALT} "
            "characters saying what it shows and its main numbers"
        )
    for column in counts + shares:
        if column not in data.columns:
            raise PaperError(f"the table {caption!r} has no column {column!r}")
    for column in counts:
        if not all(_whole(v) and v >= 0 for v in data[column]):
            raise PaperError(
                f"column {column!r} of {caption!r} is named in counts but holds other than whole numbers of 0 or more"
            )


def _rows(data: pd.DataFrame, counts: list[str], shares: list[str], hidden: set[tuple[int, str]]) -> list[list[Cell]]:
    """The table's rows: the first column labels each; hidden counts, and the shares of their
    rows, show the symbol alone."""
    hidden_rows = {i for i, _ in hidden}
    rows = []
    for i, record in enumerate(data.itertuples(index=False)):
        cells = [tables.label(str(record[0]))]
        for column, value in zip(data.columns[1:], record[1:]):
            kind = "count" if column in counts else "decimal"
            hide = (i, column) in hidden or (column in shares and i in hidden_rows)
            cells.append(tables.symbol(SUPPRESSED, kind) if hide else _cell(value, kind))
        rows.append(cells)
    return rows


def add_to_paper(
    context: Context,
    *,
    caption: str,
    data: pd.DataFrame,
    counts: list[str] | None = None,
    shares: list[str] | None = None,
    figure: Any = None,
    alt: str = "",
    heading: str = "",
    notes: list[str] | None = None,
    subtitle: str = "",
    source: str = "",
) -> SectionOutput:
    """A section of the analyst's own: ``figure`` (a matplotlib figure) if given, with ``caption``
    as its title (best stating what it shows), an optional ``subtitle`` and ``source``, and
    ``data`` (its first column labelling the rows) as a table beside it, under ``heading``.

    Raises
    ------
    PaperError
        Without a caption, a chart without a text alternative, or a count column that is not
        whole numbers of 0 or more.
    """
    counts, shares = list(counts or []), list(shares or [])
    _check(caption, data, counts, shares, figure, alt)
    publication = context.mode == "publication"
    hidden = _hidden_rows(data, counts, context.framework.suppression_threshold) if publication else set()
    blocks: list[Block] = [Heading(3, heading)] if heading else []
    if figure is not None and hidden:
        log.warning("the chart %r rests on counts that are suppressed in a publication paper: it is left out", caption)
        blocks.append(Paragraph(spans(say("analyst", "chart_withheld")), role="caution"))
    elif figure is not None:
        from qa_lib.charts import svg_of

        blocks.append(Figure(caption, alt, svg_of(figure), subtitle, source, chart=figure))
    blocks.append(
        tables.table(caption, [str(c) for c in data.columns], _rows(data, counts, shares, hidden), list(notes or []))
    )
    return SectionOutput("analyst", [Box("section", blocks)], data)
