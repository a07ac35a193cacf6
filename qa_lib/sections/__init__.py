"""The sections of the committee paper, in the order the paper (and the notebook) shows them.

Adding a section is one module here, one line in :data:`REGISTRY` and one notebook cell.
"""

from __future__ import annotations

from qa_lib.framework import Framework
from qa_lib.sections import about, audits, committee, engagement, feedback, front_sheet, key_messages, methodology
from qa_lib.sections.base import Section

REGISTRY: list[Section] = [
    front_sheet.SECTION,
    key_messages.SECTION,
    committee.OPENING_SECTION,
    audits.SECTION,
    feedback.SECTION,
    engagement.SECTION,
    committee.CLOSING_SECTION,
    methodology.SECTION,
    about.SECTION,
]


def section(section_id: str) -> Section:
    """The registered section of that id."""
    for each in REGISTRY:
        if each.id == section_id:
            return each
    raise KeyError(f"no section {section_id!r}; the sections are {', '.join(s.id for s in REGISTRY)}")


def commentary_ids(framework: Framework) -> set[str]:
    """Every ``## <section id>`` that ``commentary.md`` may use: those the sections show."""
    return set(commentary_order(framework))


def commentary_order(framework: Framework) -> list[str]:
    """The ``## <section id>`` sections of ``commentary.md`` in the order the paper shows them."""
    return list(dict.fromkeys(i for s in REGISTRY for i in s.commentary(framework)))


__all__ = ["REGISTRY", "Section", "commentary_ids", "commentary_order", "section"]
