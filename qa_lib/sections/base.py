"""What a section of the paper is: one module declares its figures, its suppression
groups, its commentary ids and how it says, tabulates and draws them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from qa_lib.paper import Block, SectionOutput

if TYPE_CHECKING:
    from qa_lib.context import Context
    from qa_lib.disclosure import Group
    from qa_lib.figures import Figures
    from qa_lib.framework import Framework
    from qa_lib.quarter import Quarter
    from qa_lib.validation import ValidQuarter

# figures(data, framework) -> rows of the figures table (see qa_lib.figures.row)
FigureRows = Callable[["ValidQuarter", "Framework"], list[dict[str, Any]]]
# groups(figures, framework, quarter) -> the additive groups of counts, for suppression
Groups = Callable[["Figures", "Framework", "Quarter"], list["Group"]]


@dataclass(frozen=True)
class Section:
    """A section of the committee paper.

    ``build`` turns the quarter's context into the section's blocks; ``figures`` and
    ``groups`` (optional) declare the figures it computes (in the ``families`` of the
    figures table it names) and how their counts add up; ``commentary`` lists the
    ``## <id>`` sections of commentary.md it shows.
    """

    id: str
    build: Callable[[Context], list[Block]]
    figures: FigureRows | None = None
    groups: Groups | None = None
    commentary: Callable[[Framework], list[str]] = lambda framework: []
    families: tuple[str, ...] = ()

    def render(self, context: Context) -> SectionOutput:
        """The section for this quarter, as a notebook cell displays it, with its figures."""
        table = context.figures
        return SectionOutput(self.id, self.build(context), table[table["section"].isin(self.families)])
