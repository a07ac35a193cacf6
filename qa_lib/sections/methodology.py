"""The methodology appendix, from the code and framework actually used (its words are in
``templates/prose/methodology.md.j2``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING, Any

from qa_lib.formatting import join_words, lower_first
from qa_lib.framework import Framework, ScalePeriod
from qa_lib.paper import Block, Box, Definitions, Heading
from qa_lib.prose import render
from qa_lib.provenance import version
from qa_lib.sections.base import Section
from qa_lib.quarter import Quarter
from qa_lib.statistics import ALPHA, Z

if TYPE_CHECKING:
    from qa_lib.context import Context

HEADING = "Appendix: methodology"


def build(ctx: Context) -> list[Block]:
    fw = ctx.framework
    scales = [
        {
            "label": scale.label,
            "up": join_words([g.label.lower() for g in scale.grades if g.higher_is_better is True]),
            "down": join_words([g.label.lower() for g in scale.grades if g.higher_is_better is False]),
        }
        for scale in fw.grade_scales.values()
    ]
    services = [
        {"name": service.name, "periods": [_period(fw, service.scales, i) for i in range(len(service.scales))]}
        for service in fw.services
    ]
    text = render(
        "methodology.md.j2",
        framework=fw,
        mode=ctx.mode,
        alpha=f"{ALPHA:g}",
        z=f"{Z:.2f}",
        confidence=f"{100 * (1 - ALPHA):g}",
        scales=scales,
        services=services,
        exempt=join_words([e.label for e in fw.suppression_exempt]),
        versions={name: version(name) for name in ("qa-workbook", "pandas", "pandera", "scipy", "statsmodels")},
    )
    blocks: list[Block] = [Heading(2, HEADING)]
    # "### Heading" lines start a group; "#### Term" lines its entries, the lines under one explaining it.
    for number, group in enumerate(re.split(r"^### (.+)$", text, flags=re.MULTILINE)):
        if number % 2:
            blocks.append(Heading(3, group.strip()))
            continue
        entries = re.split(r"^#### (.+)$", group, flags=re.MULTILINE)[1:]
        blocks.append(
            Definitions([(term.strip(), " ".join(body.split())) for term, body in zip(entries[::2], entries[1::2])])
        )
    return [Box("methodology", blocks)]


def _period(fw: Framework, periods: list[ScalePeriod], index: int) -> dict[str, Any]:
    """A service's grading period in words: from when, on which scale, and which old bands
    its bands are compared with."""
    period = periods[index]
    old = periods[index - 1].scale if index else None
    new_scale = fw.grade_scales[period.scale] if period.scale else None
    old_scale = fw.grade_scales[old] if old else None
    mapped = (
        [
            (lower_first(new_scale.band(new).label), lower_first(old_scale.band(was).label))
            for was, new in period.band_map.items()
        ]
        if new_scale and old_scale
        else []
    )
    return {
        "from_quarter": Quarter.parse(period.from_quarter).long_name,
        "scale": new_scale.label if new_scale else "not graded",
        "mapped": mapped,
    }


SECTION = Section("methodology", build)
