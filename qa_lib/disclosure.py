"""Statistical disclosure control: what publication mode may show of a quarter.

Every count of the figures table is suppressed from 1 to the framework's threshold
(primary suppression, as DfE's children-in-need statistics), unless the framework
exempts it by name (counts that are not about children or respondents). Every group
of counts that add up (each section declares its groups: the grades of a service to
its graded total, the grades inside a band, the answers to a question, the results of
a standard across team types, a moderation cross-table) is then audited by linear
programming: for each suppressed count, the smallest and largest values consistent
with everything published are computed; while any is pinned to one whole number, a
further count in the same group is suppressed (secondary suppression). Percentages,
intervals and tests built on a suppressed count or base are suppressed with it; a
percentage's complement is covered because bands and totals are counts in the same
group.

:class:`View` shows one quarter's figures as a reader sees them, with the GSS symbols.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, cast

import numpy as np

from qa_lib.figures import FEEDBACK, FigureId, Figures, base_of, key_of
from qa_lib.formatting import fmt_pct
from qa_lib.paper import Cell

SUPPRESSED = "[c]"
LOW_RELIABILITY = "[u]"
NOT_AVAILABLE = "[x]"
NOT_APPLICABLE = "[z]"
ROUNDS_TO_ZERO = "[low]"
REVISED = "[r]"

SYMBOL_MEANINGS = {
    SUPPRESSED: "confidential: a small number, or a number from which one could be worked out, is not shown",
    LOW_RELIABILITY: "low reliability: the percentage rests on fewer cases or respondents than the framework's minimum",
    NOT_AVAILABLE: "not available: no data for that quarter",
    NOT_APPLICABLE: "not applicable: nothing to count, or not on that quarter's grading scale",
    ROUNDS_TO_ZERO: "rounds to 0% but is not zero",
    REVISED: "revised: differs from the figure first published, because the data were corrected since",
}


@dataclass(frozen=True)
class Group:
    """Counts that add up: each constraint says ``sum(parts) == total``."""

    cells: tuple[Hashable, ...]
    constraints: tuple[tuple[tuple[Hashable, ...], Hashable], ...]


def group(figures: Figures, constraints: Iterable[tuple[Sequence[FigureId], FigureId]]) -> Group | None:
    """The group of the constraints whose every count the quarter has, or ``None``."""
    kept = tuple(
        (tuple(parts), total)
        for parts, total in constraints
        if figures.count(total) is not None and all(figures.count(p) is not None for p in parts)
    )
    if not kept:
        return None
    cells = tuple(dict.fromkeys(c for parts, total in kept for c in (*parts, total)))
    return Group(cells, kept)


def _system(group: Group, values: dict[Any, int], hidden: set[Any]) -> tuple[dict[Any, int], np.ndarray, np.ndarray]:
    """The published sums as equations ``a @ x == b`` in the hidden counts ``x`` of a group."""
    unknowns = [c for c in group.cells if c in hidden]
    index = {c: i for i, c in enumerate(unknowns)}
    rows, rhs = [], []
    for parts, total in group.constraints:
        row = np.zeros(len(unknowns))
        known = 0.0
        for part in parts:
            if part in index:
                row[index[part]] += 1
            else:
                known += values[part]
        if total in index:
            row[index[total]] -= 1
        else:
            known -= values[total]
        if row.any():
            rows.append(row)
            rhs.append(-known)
    return index, np.array(rows).reshape(len(rows), len(unknowns)), np.array(rhs)


def _pinned(group: Group, values: dict[Any, int], hidden: set[Any], cell: Any) -> bool:
    """Whether everything published pins ``cell`` to a single whole number.

    Unknowns are the hidden counts of the group, each at least 1 (a zero is
    never hidden, so a reader may assume as much); the bound is found by linear
    programming in both directions. Two cheaper arguments settle most cells
    first, with the same answer the programme would give: a sum in which the
    cell is the only unknown pins it; and a move from the true counts that keeps
    every published sum and every unknown at 1 or more, and shifts the cell by a
    whole count, frees it.
    """
    index, a, b = _system(group, values, hidden)
    if not len(a):
        return False
    i = index[cell]
    if any(row[i] and np.count_nonzero(row) == 1 for row in a):
        return True
    # Directions that keep every sum: the null space of ``a``, from its singular vectors.
    _, singular, vt = np.linalg.svd(a)
    rank = int((singular > 1e-9 * max(a.shape)).sum())
    moving = [d for d in vt[rank:] if abs(d[i]) > 1e-9]
    if not moving:
        return True  # the sums fix it
    x = np.array([values[c] for c in index], dtype=float)  # the true counts: a feasible point
    for d in moving:
        d = d / d[i]  # one step of t moves the cell by t
        room = (1 - x) / np.where(d == 0, np.nan, d)  # where each unknown reaches 1
        lower = np.nanmax(np.where(d > 0, room, np.nan), initial=-np.inf)
        upper = np.nanmin(np.where(d < 0, room, np.nan), initial=np.inf)
        if upper >= 1 - 1e-9 or lower <= -1 + 1e-9:
            return False
    return _pinned_by_programme(a, b, i)


def _pinned_by_programme(a: np.ndarray, b: np.ndarray, i: int) -> bool:
    """The bound of unknown ``i`` by linear programming in both directions."""
    from scipy.optimize import linprog

    objective = np.zeros(a.shape[1])
    objective[i] = 1
    bounds = [(1, None)] * a.shape[1]
    low = linprog(objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a, b_eq=b, bounds=bounds, method="highs")
    if low.status != 0 or high.status != 0:  # unbounded above: not pinned
        return low.status == 0 and high.status == 0
    return math.floor(-high.fun + 1e-9) - math.ceil(low.fun - 1e-9) < 1


def protect_group(group: Group, values: dict[Any, int], threshold: int, order: Callable[[Any], str] = str) -> set[Any]:
    """Primary and secondary suppression for one group of counts.

    Greedy: while a hidden count is pinned, hide the published count that frees
    it at least cost (a part before a total, then the smallest); if no single
    count frees it, hide the smallest count beside it and look again. Ties are
    broken by ``order``, so the choice is the same on every run.
    """
    hidden = {c for c in group.cells if 1 <= values[c] <= threshold}
    totals = {total for _, total in group.constraints}
    while True:
        exposed = [c for c in sorted(hidden, key=order) if _pinned(group, values, hidden, c)]
        if not exposed:
            return hidden
        cell = exposed[0]
        published = [c for c in group.cells if c not in hidden and values[c] > 0]
        if not published:
            return hidden  # everything that could be hidden is; nothing pins it but zeros
        freeing = [c for c in published if not _pinned(group, values, hidden | {c}, cell)]
        hidden.add(min(freeing or published, key=lambda c: (c in totals, values[c], order(c))))


def exempt(fid: FigureId, names: Iterable[str]) -> bool:
    """Whether the framework exempts ``fid``'s count from suppression: by its section's name
    (``engagement``) or its section and measure (``engagement.type``)."""
    return any(name in (fid.section, f"{fid.section}.{fid.measure}") for name in names)


def suppressed(
    figures: Figures, groups: Iterable[Group], threshold: int, exempt_names: Iterable[str] = ()
) -> frozenset[FigureId]:
    """Every count publication mode must not show for one quarter: each count from 1 to
    the threshold (unless exempt), then what hides them within each group."""
    names = list(exempt_names)
    hidden: set[FigureId] = set()
    for each in groups:
        values = {c: int(figures.count(cast(FigureId, c)) or 0) for c in each.cells}
        hidden |= protect_group(each, values, threshold, order=key_of)  # ties broken in figures.json's order
    for fid in figures:
        count = figures.count(fid)
        if count is not None and 1 <= count <= threshold and not exempt(fid, names):
            hidden.add(fid)
    return frozenset(hidden)


@dataclass
class View:
    """How one quarter's figures read in the report, in its mode."""

    figures: Figures
    suppressed: frozenset[FigureId] = frozenset()
    minimum_base: int = 30
    available: bool = True
    revised: frozenset[tuple[FigureId, str]] = frozenset()  # (figure, column) revised since published
    unavailable_because: str = ""  # why a quarter that is not available is not, when not simply absent
    notes: set[str] = field(default_factory=set)

    def _symbol(self, symbol: str) -> str:
        self.notes.add(symbol)
        return symbol

    def has(self, fid: FigureId, column: str = "count") -> bool:
        return self.figures.value(fid, column) is not None

    def hidden(self, fid: FigureId) -> bool:
        """Whether a count, or a share through its count or base, is suppressed."""
        base = base_of(fid)
        return fid in self.suppressed or (base is not None and base in self.suppressed)

    def count_cell(self, fid: FigureId) -> Cell:
        """A count as shown: the number, or the symbol shown instead of it."""
        if not self.available:
            return self._withheld(NOT_AVAILABLE, "count")
        number = self.figures.count(fid)
        if number is None:
            return self._withheld(NOT_APPLICABLE, "count")
        if fid in self.suppressed:
            return self._withheld(SUPPRESSED, "count")
        flags = self._flags(fid, "count")
        return Cell(" ".join([f"{number:,}", *flags]), "count", number, None, flags)

    def count(self, fid: FigureId) -> str:
        return self.count_cell(fid).text

    def low_base(self, fid: FigureId) -> bool:
        base = base_of(fid)
        number = self.figures.count(base) if base is not None else None
        return number is not None and number < self.minimum_base

    def pct_cell(self, fid: FigureId) -> Cell:
        """A share as shown: ``59%``, ``59% [u]``, ``[low]``, ``[c]``, ``[z]`` or ``[x]``."""
        if not self.available:
            return self._withheld(NOT_AVAILABLE, "percent")
        value = self.figures.pct(fid)
        if value is None:
            return self._withheld(NOT_APPLICABLE, "percent")
        if self.hidden(fid):
            return self._withheld(SUPPRESSED, "percent")
        text = fmt_pct(value)
        symbol = None
        if value > 0 and text == "0%":
            text = symbol = self._symbol(ROUNDS_TO_ZERO)
        flags = ([self._symbol(LOW_RELIABILITY)] if self.low_base(fid) else []) + self._flags(fid, "pct")
        return Cell(" ".join([text, *flags]), "percent", value, symbol, flags)

    def pct(self, fid: FigureId) -> str:
        return self.pct_cell(fid).text

    def interval_cell(self, fid: FigureId) -> Cell:
        if not self.available:
            return self._withheld(NOT_AVAILABLE, "interval")
        low, high = self.figures.value(fid, "ci_low"), self.figures.value(fid, "ci_high")
        if low is None:
            return self._withheld(NOT_APPLICABLE, "interval")
        if self.hidden(fid):
            return self._withheld(SUPPRESSED, "interval")
        return Cell(f"{fmt_pct(low).removesuffix('%')}–{fmt_pct(high)}", "interval", [low, high])

    def interval(self, fid: FigureId) -> str:
        return self.interval_cell(fid).text

    def _withheld(self, symbol: str, kind: str) -> Cell:
        return Cell(self._symbol(symbol), kind, None, symbol)

    def _flags(self, fid: FigureId, column: str) -> list[str]:
        return [self._symbol(REVISED)] if (fid, column) in self.revised else []

    # -- in words: how a figure reads inside a sentence --------------------------------------

    def count_words(self, fid: FigureId) -> str:
        """A count as a sentence states it: the number, or "not shown, to protect confidentiality" for every count
        withheld (primary or secondary alike, so the words tell no one which are small)."""
        number = self.figures.count(fid)
        if not self.available or number is None or fid in self.suppressed:
            return words("hidden")
        return f"{number:,}"

    def pct_words(self, fid: FigureId, with_base: bool = False) -> str:
        """A share as a sentence states it: ``82%``; on a base under the framework's minimum
        ``77% (a small number of cases)``, or with ``with_base`` ``77% (of 13, a small number)``;
        ``less than 1%`` for a share that rounds to 0 but is not 0; the words of a count withheld when
        withheld. Never a symbol."""
        value = self.figures.pct(fid)
        if not self.available or value is None or self.hidden(fid):
            return words("hidden")
        text = fmt_pct(value)
        if value > 0 and text == "0%":
            text = words("below_half")
        base = base_of(fid)
        base_count = self.figures.count(base) if base is not None else None
        if with_base and base_count is not None:
            of = words("of_base", count=f"{base_count:,}")
            return words(
                "share_with",
                pct=text,
                note=words("small", of=of) if self.low_base(fid) else words("of_base_note", of=of),
            )
        if self.low_base(fid):
            return words(
                "share_with", pct=text, note=words("small_people" if fid.section == FEEDBACK else "small_cases")
            )
        return text

    def share(self, fid: FigureId) -> float:
        """The exact percentage of a share the view shows (see :meth:`shows`)."""
        value = self.figures.pct(fid)
        assert value is not None and self.shows(fid), fid
        return value

    def shows(self, fid: FigureId) -> bool:
        """A share that can be stated in a sentence or drawn in a chart."""
        return self.available and self.figures.pct(fid) is not None and not self.hidden(fid)

    def value(self, fid: FigureId, column: str) -> str:
        """One value of a figure as a commentary placeholder shows it: in words, as the
        paper's sentences state figures (no symbols)."""
        raw = self.figures.value(fid, column)
        hidden = words("hidden")
        if column == "pct" and base_of(fid) is None and fid.measure == "sample":
            return hidden if fid in self.suppressed else fmt_pct(raw)
        if column == "pct":
            return self.pct_words(fid)
        if column in ("ci_low", "ci_high") and fid.measure != "kappa":
            return hidden if self.hidden(fid) else fmt_pct(raw)
        if fid.measure in ("age_min", "age_max"):
            respondents = fid._replace(measure="respondents")
            return hidden if respondents in self.suppressed else str(int(raw))
        if column in ("p_value", "verdict"):
            if self.hidden(fid):
                return hidden
            return verdict_words(raw) if column == "verdict" else f"{raw:.2g}"
        if column == "count":
            return self.count_words(fid)
        return f"{raw:,}" if isinstance(raw, int) else f"{raw:.2g}"


def words(phrase: str, **values: Any) -> str:
    """A phrase of ``templates/prose/words.j2``: how figures read in sentences."""
    from qa_lib.prose import say

    return say("words", phrase, **values)


def verdict_words(verdict: str) -> str:
    """The test's verdict as a sentence says it: "a real improvement", "a real decline" or
    "within normal variation"."""
    return words(verdict)
