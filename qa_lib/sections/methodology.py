"""The methodology appendix, from the code and framework actually used (its words are in
``templates/prose/methodology.md.j2``)."""

from __future__ import annotations

import re
from typing import TYPE_CHECKING

from qa_lib.formatting import join_words
from qa_lib.paper import Block, Box, Definitions, Heading
from qa_lib.prose import render
from qa_lib.provenance import version
from qa_lib.sections.base import Section
from qa_lib.statistics import ALPHA

if TYPE_CHECKING:
    from qa_lib.context import Context

HEADING = "Appendix: methodology"


def build(ctx: Context) -> list[Block]:
    fw = ctx.framework
    scales = [{"label": scale.label,
               "up": join_words([g.label.lower() for g in scale.grades if g.higher_is_better is True]),
               "down": join_words([g.label.lower() for g in scale.grades if g.higher_is_better is False])}
              for scale in fw.grade_scales.values()]
    services = [{"name": service.name,
                 "periods": [{"from_quarter": p.from_quarter,
                              "scale": fw.grade_scales[p.scale].label if p.scale else "not graded",
                              "mapped": "; ".join(f"{old} → {new}" for old, new in p.band_map.items())}
                             for p in service.scales]} for service in fw.services]
    text = render("methodology.md.j2", framework=fw, mode=ctx.mode, alpha=f"{ALPHA:g}",
                  confidence=f"{100 * (1 - ALPHA):g}", scales=scales, services=services,
                  exempt=join_words([e.label for e in fw.suppression_exempt]),
                  versions={name: version(name) for name in ("qa-workbook", "pandas", "pandera", "scipy",
                                                             "statsmodels")})
    # "#### Term" lines start each entry; the lines under one, joined, explain it.
    entries = re.split(r"^#### (.+)$", text, flags=re.MULTILINE)[1:]
    items = [(term.strip(), " ".join(body.split())) for term, body in zip(entries[::2], entries[1::2])]
    return [Box("methodology", [Heading(2, HEADING), Definitions(items)])]


SECTION = Section("methodology", build)
