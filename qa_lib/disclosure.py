"""Statistical disclosure control: what publication mode may show of a quarter.

Counts of children's cases and of respondents from 1 to the framework's
threshold are suppressed (primary suppression, as DfE's children-in-need
statistics). Every group of counts that add up (the grades of a service to its
graded total, the grades inside a band, the answers to a question, the results
of a standard across team types, a moderation cross-table) is then audited by
linear programming: for each suppressed count, the smallest and largest values
consistent with everything published are computed; while any is pinned to one
whole number, a further count in the same group is suppressed (secondary
suppression). Percentages, intervals and tests built on a suppressed count or
base are suppressed with it; a percentage's complement is covered because bands
and totals are counts in the same group.

:class:`View` turns figure keys into what a reader sees, with the GSS symbols.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np

from qa_lib.framework import Framework
from qa_lib.measures import Figures, base_key
from qa_lib.formatting import fmt_pct
from qa_lib.quarter import Quarter

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

    cells: tuple[str, ...]
    constraints: tuple[tuple[tuple[str, ...], str], ...]


def count_groups(figures: Figures, framework: Framework, quarter: Quarter) -> list[Group]:
    """The additive groups of one quarter's counts, from the key grammar and framework."""
    groups: list[Group] = []

    def add(constraints: list[tuple[list[str], str]]) -> None:
        constraints = [(tuple(p for p in parts), total) for parts, total in constraints
                       if total in figures and all(p in figures for p in parts)]
        if constraints:
            cells = tuple(dict.fromkeys(k for parts, total in constraints for k in (*parts, total)))
            groups.append(Group(cells, tuple(constraints)))

    for service in framework.services:
        key = f"audits.{service.id}"
        scale = framework.scale_for(service.id, quarter)
        if scale is not None:
            grades = [f"{key}.grade.{g}.count" for g in scale.grade_ids]
            add([(grades, f"{key}.graded")]
                + [([f"{key}.grade.{g}.count" for g in b.grades], f"{key}.band.{b.id}.count") for b in scale.bands])
            mod = f"moderation.{service.id}"
            ids = scale.grade_ids
            add([([f"{mod}.grade.{a}.moderated.{m}.count" for a in ids for m in ids], f"{mod}.count"),
                 ([f"{mod}.grade.{a}.moderated.{a}.count" for a in ids], f"{mod}.agreement.count")])
        for standard in service.standards:
            prefix = f"standards.{service.id}.{standard.id}"
            teams = [t.id for t in framework.team_types if f"{prefix}.team_type.{t.id}.applicable" in figures]
            constraints = [([f"{prefix}.met.count", f"{prefix}.not_met.count"], f"{prefix}.applicable")]
            for team in teams:
                t = f"{prefix}.team_type.{team}"
                constraints.append(([f"{t}.met.count", f"{t}.not_met.count"], f"{t}.applicable"))
            for result in ("met", "not_met"):
                constraints.append(([f"{prefix}.team_type.{t}.{result}.count" for t in teams], f"{prefix}.{result}.count"))
            add(constraints)
    for survey, question in framework.iter_questions():
        q = f"feedback.{survey.id}.{question.id}"
        answers = [a.id for a in framework.answers(question)]
        add([([f"{q}.answer.{a}.count" for a in answers], f"{q}.answered"),
             ([f"{q}.answer.{a}.count" for a in question.positive], f"{q}.positive.count")])
    return groups


def _system(group: Group, values: dict[str, int], hidden: set[str]) -> tuple[dict[str, int], np.ndarray, np.ndarray]:
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


def _pinned(group: Group, values: dict[str, int], hidden: set[str], cell: str) -> bool:
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


def protect_group(group: Group, values: dict[str, int], threshold: int) -> set[str]:
    """Primary and secondary suppression for one group of counts.

    Greedy: while a hidden count is pinned, hide the published count that frees
    it at least cost (a part before a total, then the smallest); if no single
    count frees it, hide the smallest count beside it and look again.
    """
    hidden = {c for c in group.cells if 1 <= values[c] <= threshold}
    totals = {total for _, total in group.constraints}
    while True:
        exposed = [c for c in sorted(hidden) if _pinned(group, values, hidden, c)]
        if not exposed:
            return hidden
        cell = exposed[0]
        published = [c for c in group.cells if c not in hidden and values[c] > 0]
        if not published:
            return hidden  # everything that could be hidden is; nothing pins it but zeros
        freeing = [c for c in published if not _pinned(group, values, hidden | {c}, cell)]
        hidden.add(min(freeing or published, key=lambda c: (c in totals, values[c], c)))


def suppressed_keys(figures: Figures, framework: Framework, quarter: Quarter) -> frozenset[str]:
    """Every count key publication mode must not show for this quarter."""
    threshold = framework.suppression_threshold
    hidden: set[str] = set()
    for group in count_groups(figures, framework, quarter):
        values = {c: int(figures[c]) for c in group.cells}
        hidden |= protect_group(group, values, threshold)
    # Counts outside any group: primary suppression only.
    for key, value in figures.items():
        if key.startswith(("audits.", "standards.", "feedback.", "moderation.")) and \
                (key.endswith((".count", ".graded", ".applicable", ".answered", ".respondents"))) and \
                isinstance(value, int) and 1 <= value <= threshold:
            hidden.add(key)
    return frozenset(hidden)


@dataclass
class View:
    """How one quarter's figures read in the report, in its mode."""

    figures: Figures
    suppressed: frozenset[str] = frozenset()
    minimum_base: int = 30
    available: bool = True
    revised: frozenset[str] = frozenset()
    notes: set[str] = field(default_factory=set)
    unavailable_because: str = ""  # why a quarter that is not available is not, when not simply absent

    def _mark(self, text: str, *keys: str) -> str:
        """Add [r] to a shown value whose figure was revised since publication."""
        if any(k in self.revised for k in keys):
            return f"{text} {self._symbol(REVISED)}"
        return text

    def _symbol(self, symbol: str) -> str:
        self.notes.add(symbol)
        return symbol

    def hidden(self, share_or_key: str) -> bool:
        """Whether a count, or a share through its count or base, is suppressed."""
        if share_or_key in self.suppressed:
            return True
        base = base_key(share_or_key)
        count = f"{share_or_key}.count"
        return count in self.suppressed or (base is not None and base in self.suppressed)

    def count(self, key: str) -> str:
        if not self.available:
            return self._symbol(NOT_AVAILABLE)
        if key not in self.figures:
            return self._symbol(NOT_APPLICABLE)
        if key in self.suppressed:
            return self._symbol(SUPPRESSED)
        return self._mark(f"{int(self.figures[key]):,}", key)

    def low_base(self, share: str) -> bool:
        base = base_key(share)
        return base is not None and base in self.figures and int(self.figures[base]) < self.minimum_base

    def pct(self, share: str) -> str:
        """``59%``, ``59% [u]``, ``[low]``, ``[c]``, ``[z]`` or ``[x]``."""
        if not self.available:
            return self._symbol(NOT_AVAILABLE)
        value = self.figures.get(f"{share}.pct")
        if value is None:
            return self._symbol(NOT_APPLICABLE)
        if self.hidden(share):
            return self._symbol(SUPPRESSED)
        text = fmt_pct(value)
        if value > 0 and text == "0%":
            text = self._symbol(ROUNDS_TO_ZERO)
        if self.low_base(share):
            text += " " + self._symbol(LOW_RELIABILITY)
        return self._mark(text, f"{share}.pct")

    def interval(self, share: str) -> str:
        if not self.available:
            return self._symbol(NOT_AVAILABLE)
        if f"{share}.ci_low" not in self.figures:
            return self._symbol(NOT_APPLICABLE)
        if self.hidden(share):
            return self._symbol(SUPPRESSED)
        return (f"{fmt_pct(self.figures[f'{share}.ci_low']).removesuffix('%')}–"
                f"{fmt_pct(self.figures[f'{share}.ci_high'])}")

    def shows(self, share: str) -> bool:
        """A share that can be stated in a sentence or drawn in a chart."""
        return self.available and f"{share}.pct" in self.figures and not self.hidden(share)

    def value(self, key: str) -> str:
        """A figure for a commentary placeholder."""
        if key.endswith("sample_pct"):
            count = key.replace("sample_pct", "count" if key.startswith("audits.") else "respondents")
            return self._symbol(SUPPRESSED) if count in self.suppressed else fmt_pct(self.figures[key])
        if key.endswith(".pct"):
            return self.pct(key.removesuffix(".pct"))
        if key.endswith((".ci_low", ".ci_high")):
            share = key.rsplit(".", 1)[0]
            return self._symbol(SUPPRESSED) if self.hidden(share) else fmt_pct(self.figures[key])
        if key.endswith((".age.min", ".age.max")):
            respondents = key.rsplit(".", 2)[0] + ".respondents"
            return self._symbol(SUPPRESSED) if respondents in self.suppressed else str(self.figures[key])
        if ".change." in key:
            if self.hidden(key.split(".change.")[0]):
                return self._symbol(SUPPRESSED)
            value = self.figures[key]
            return value if isinstance(value, str) else f"{value:.2g}"
        value = self.figures[key]
        if isinstance(value, str) or key.startswith("engagement."):
            return str(value) if isinstance(value, str) else f"{int(value):,}"
        if key in self.suppressed:
            return self._symbol(SUPPRESSED)
        return f"{value:,}" if isinstance(value, int) else f"{value:.2g}"
