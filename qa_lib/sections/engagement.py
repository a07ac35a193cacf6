"""Engagement of elected members and senior officers in quality assurance: activities by
participant, setting and type. These counts are not about children: the framework exempts
them from suppression by name."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qa_lib import tables
from qa_lib import figures as F
from qa_lib.disclosure import NOT_AVAILABLE, View, words
from qa_lib.formatting import join_words, lower_first
from qa_lib.framework import Framework
from qa_lib.paper import Block, Box, Heading, Paragraph, Table, spans
from qa_lib.prose import say
from qa_lib.quarter import Quarter
from qa_lib.sections.base import Section

if TYPE_CHECKING:
    from qa_lib.context import Context
    from qa_lib.validation import ValidQuarter


def _say(sentence: str, **values: Any) -> str:
    return say("engagement", sentence, **values)


# The table's column of each measure, and the framework's options for it.
_MEASURES = {"type": "activity_type", "role": "participant_role", "location_type": "location_type"}


def engagement_rows(engagement: pd.DataFrame, framework: Framework) -> list[dict[str, Any]]:
    """Activities in the quarter, and by type, participant role and location type (every
    option of the framework, 0 included)."""
    options = {
        "type": framework.engagement.activity_types,
        "role": framework.engagement.participant_roles,
        "location_type": framework.engagement.location_types,
    }
    rows = [F.row(F.engagement("activities"), count=len(engagement))]
    for measure, column in _MEASURES.items():
        counted = engagement[column].value_counts()
        rows += [F.row(F.engagement(measure, o.id), count=int(counted.get(o.id, 0))) for o in options[measure]]
    return rows


def figure_rows(data: ValidQuarter, framework: Framework) -> list[dict[str, Any]]:
    return engagement_rows(data.tables["engagement"], framework) if "engagement" in data.present else []


def engagement_sentences(framework: Framework, view: View, quarter: Quarter) -> list[str]:
    figures = view.figures
    total = figures.count(F.engagement("activities"))
    if total is None:
        return []
    if total == 0:
        return [_say("none_recorded", quarter=quarter.name)]
    roles = [
        _say("by_role", count=view.count_words(F.engagement("role", r.id)), role=r.label)
        for r in framework.engagement.participant_roles
        if figures.count(F.engagement("role", r.id))
    ]
    places = [
        words("count_of", count=view.count_words(F.engagement("location_type", loc.id)), label=lower_first(loc.label))
        for loc in framework.engagement.location_types
        if figures.count(F.engagement("location_type", loc.id))
    ]
    return [
        _say(
            "recorded",
            total=view.count_words(F.engagement("activities")),
            quarter=quarter.name,
            roles=join_words(roles),
        ),
        _say("by_setting", places=join_words(places)),
    ]


def engagement_table(framework: Framework, quarter: Quarter, now: View, before: View) -> Table:
    """Activities by type, this quarter and the previous one."""
    rows = []
    for activity in [*framework.engagement.activity_types, None]:
        fid = F.engagement("type", activity.id) if activity else F.engagement("activities")
        then = (
            before.count_cell(fid) if before.figures.count(fid) is not None else tables.symbol(NOT_AVAILABLE, "count")
        )
        rows.append([tables.label(activity.label if activity else _say("table_total")), now.count_cell(fid), then])
    return tables.table(
        _say("table_caption", quarter=quarter.short_label, previous=quarter.previous.short_label),
        [
            _say("table_first_column"),
            _say("table_number", quarter=quarter.short_label),
            _say("table_number", quarter=quarter.previous.short_label),
        ],
        rows,
    )


def build(ctx: Context) -> list[Block]:
    body: list[Block] = [Heading(2, ctx.framework.engagement.title)]
    sentences = engagement_sentences(ctx.framework, ctx.view, ctx.quarter)
    if sentences:
        body.append(Paragraph(spans(" ".join(sentences)), True))
    if F.engagement("activities") in ctx.view.figures:
        body.append(engagement_table(ctx.framework, ctx.quarter, ctx.view, ctx.previous_view))
    body += ctx.commentary_blocks("engagement")
    return [Box("section", body)]


SECTION = Section(
    "engagement", build, figures=figure_rows, commentary=lambda framework: ["engagement"], families=("engagement",)
)
