"""Feedback from children, young people and families: per topic and survey, who took part,
the share answering each question positively, the answers, approved quotes, commentary."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import pandas as pd

from qa_lib import tables
from qa_lib import figures as F
from qa_lib.disclosure import Group, View, group, words
from qa_lib.figures import Figures
from qa_lib.formatting import fmt_pct, join_words
from qa_lib.framework import Framework, Survey
from qa_lib.paper import Block, Box, Figure, Heading, Paragraph, Quote, Table, spans
from qa_lib.prose import say
from qa_lib.quarter import Quarter
from qa_lib.sections.audits import small_base_caution
from qa_lib.sections.base import Section
from qa_lib.statistics import share

if TYPE_CHECKING:
    from qa_lib.context import Context
    from qa_lib.validation import ValidQuarter


def _say(sentence: str, **values: Any) -> str:
    return say("feedback", sentence, **values)


# -- figures ------------------------------------------------------------------------------


def feedback_rows(responses: pd.DataFrame, framework: Framework, populations: dict[str, int]) -> list[dict[str, Any]]:
    """For each survey with at least one answer: respondents, the sample share, their ages, and
    per question those who answered, the positive share and each answer's share."""
    rows = []
    for survey in framework.surveys:
        answers_of = responses[responses["survey_id"] == survey.id]
        if answers_of.empty:
            continue
        respondents = answers_of.drop_duplicates("respondent_id")
        rows.append(F.row(F.survey(survey.id, "respondents"), count=len(respondents)))
        population = populations.get(survey.id)
        if population:
            rows.append(
                F.row(
                    F.survey(survey.id, "sample"),
                    count=len(respondents),
                    base=population,
                    pct=100 * len(respondents) / population,
                )
            )
        ages = respondents["respondent_age"].dropna()
        if len(ages):
            rows.append(F.row(F.survey(survey.id, "age_min"), value=int(ages.min())))
            rows.append(F.row(F.survey(survey.id, "age_max"), value=int(ages.max())))
        for question in survey.questions:
            given = answers_of.loc[answers_of["question_id"] == question.id, "answer"]
            rows.append(F.row(F.survey(survey.id, "answered", question.id), count=len(given)))
            rows.append(
                F.row(
                    F.survey(survey.id, "positive", question.id),
                    direction=True,
                    **share(int(given.isin(question.positive).sum()), len(given)),
                )
            )
            counted = given.value_counts()
            for answer in framework.answers(question):
                rows.append(
                    F.row(
                        F.survey(survey.id, "answer", question.id, answer.id),
                        direction=answer.id in question.positive,
                        **share(int(counted.get(answer.id, 0)), len(given)),
                    )
                )
    return rows


def figure_rows(data: ValidQuarter, framework: Framework) -> list[dict[str, Any]]:
    if "feedback_responses" not in data.present:
        return []
    return feedback_rows(data.tables["feedback_responses"], framework, data.populations.get("feedback", {}))


def groups(figures: Figures, framework: Framework, quarter: Quarter) -> list[Group]:
    """Each question's answers add up to those who answered it, and its positive answers to
    the positive count."""
    found = []
    for survey, question in framework.iter_questions():
        answers = [F.survey(survey.id, "answer", question.id, a.id) for a in framework.answers(question)]
        positive = [F.survey(survey.id, "answer", question.id, a) for a in question.positive]
        found.append(
            group(
                figures,
                [
                    (answers, F.survey(survey.id, "answered", question.id)),
                    (positive, F.survey(survey.id, "positive", question.id)),
                ],
            )
        )
    return [g for g in found if g is not None]


def commentary_ids(framework: Framework) -> list[str]:
    return [f"feedback.{t.id}" for t in framework.feedback_topics]


def age_band_counts(responses: pd.DataFrame, framework: Framework, survey_id: str) -> dict[str, int]:
    """Respondents to a survey in each of the framework's quote age bands."""
    ages = responses.loc[responses["survey_id"] == survey_id].drop_duplicates("respondent_id")["respondent_age"]
    return {band.id: int(ages.between(band.min, band.max).sum()) for band in framework.quote_age_bands}


# -- words, tables, charts -----------------------------------------------------------------


def survey_sentences(survey: Survey, view: View) -> list[str]:
    """Who took part in a survey and what share answered each question positively, in words."""
    figures = view.figures
    respondents = F.survey(survey.id, "respondents")
    if not figures.count(respondents):
        return []
    if view.hidden(respondents):
        first = _say("took_part_hidden", noun=survey.respondent_noun)
    else:
        first = _say("took_part", count=view.count_words(respondents), noun=survey.respondent_noun)
        if F.survey(survey.id, "age_min") in figures:
            first += _say(
                "aged",
                low=int(figures.value(F.survey(survey.id, "age_min"), "value")),
                high=int(figures.value(F.survey(survey.id, "age_max"), "value")),
            )
    if F.survey(survey.id, "sample") in figures and survey.population_label:
        first += _say(
            "sample", pct=view.value(F.survey(survey.id, "sample"), "pct"), population=survey.population_label
        )
    sentences = [first + "."]
    shown = [
        (question, positive)
        for question in survey.questions
        if view.shows(positive := F.survey(survey.id, "positive", question.id))
    ]
    answered = {F.survey(survey.id, "answered", question.id) for question, _ in shown}
    bases = {figures.count(fid) for fid in answered}
    if shown and len(bases) == 1 and not any(view.hidden(fid) for fid in answered):
        # One base for every question: said once, with its caution, rather than after each share.
        fid = next(iter(answered))
        answers = [
            _say("answer", pct=fmt_pct(view.share(positive)), statement=question.positive_statement)
            for question, positive in shown
        ]
        sentences.append(
            _say(
                "answered_of",
                count=view.count_words(fid),
                small=view.low_base(shown[0][1]),
                answers=join_words(answers),
            )
        )
    elif shown:
        answers = [
            _say("answer", pct=view.pct_words(positive, with_base=True), statement=question.positive_statement)
            for question, positive in shown
        ]
        sentences.append(_say("answered", answers=join_words(answers)))
    return sentences


def survey_table(survey: Survey, framework: Framework, quarter: Quarter, view: View) -> Table:
    """Each question's answers with their shares of those who answered."""
    rows = []
    for question in survey.questions:
        for answer in framework.answers(question):
            fid = F.survey(survey.id, "answer", question.id, answer.id)
            rows.append(
                [
                    tables.label(f"{question.text} {answer.label}"),
                    view.count_cell(F.survey(survey.id, "answered", question.id)),
                    view.count_cell(fid),
                    view.pct_cell(fid),
                    view.interval_cell(fid),
                ]
            )
    return tables.table(
        _say("table_caption", survey=survey.label, quarter=quarter.short_label), _say("table_columns").split("|"), rows
    )


def survey_chart(survey: Survey, view: View, quarter: Quarter) -> Figure | None:
    """Share of those answering each question who gave a positive answer; the title states
    the range of the shares."""
    items = [
        (q.positive_statement, view.share(F.survey(survey.id, "positive", q.id)))
        for q in survey.questions
        if view.shows(F.survey(survey.id, "positive", q.id))
    ]
    if not items:
        return None
    from qa_lib import charts  # matplotlib: loaded when a chart is drawn, not to compute figures

    drawn = charts.share_bars(items, _say("chart_axis"), colour_of=1, of_colours=2)
    values = [v for _, v in items]
    return Figure(
        _say(
            "chart_title",
            survey=survey.label,
            low=fmt_pct(min(values)),
            high=fmt_pct(max(values)),
            statement=items[0][0] if len(items) == 1 else "",
        ),
        _say(
            "chart_alt",
            survey=survey.label,
            quarter=quarter.short_label,
            items=words("chart_values", items=[(label, fmt_pct(v)) for label, v in items]),
        ),
        drawn.svg,
        _say("chart_subtitle", quarter=quarter.short_label),
        _say("chart_source", survey=survey.label, quarter=quarter.short_label),
        chart=drawn.figure,
    )


def quotes(ctx: Context, survey_id: str) -> list[Block]:
    """Approved quotes, attributed coarsely: the respondent type, and the age band only when
    at least the suppression threshold of respondents share it."""
    fw = ctx.framework
    chosen_from = ctx.data.tables["feedback_quotes"]
    chosen = chosen_from[(chosen_from["survey_id"] == survey_id) & (chosen_from["approved"] == "yes")]
    if chosen.empty:
        return []
    types = {r.id: r.label for r in fw.respondent_types}
    counts = age_band_counts(ctx.data.tables["feedback_responses"], fw, survey_id)
    bands = {b.id: b.label for b in fw.quote_age_bands if counts.get(b.id, 0) >= fw.suppression_threshold}
    found: list[Block] = []
    for kind, heading in (("positive", _say("valued")), ("improvement", _say("better"))):
        rows = chosen[chosen["kind"] == kind]
        if rows.empty:
            continue
        items: list[Block] = [Paragraph(spans(heading), role="quotes-heading")]
        for record in rows.to_dict("records"):
            who = types.get(str(record["respondent_type"]), _say("respondent"))
            band = str(record.get("age_band", ""))
            if band in bands:
                who += f", {bands[band]}"
            items.append(Quote(str(record["text"]), who))
        found.append(Box("quotes", items))
    return found


def build(ctx: Context) -> list[Block]:
    """Per feedback topic: who took part, answers, approved quotes, commentary."""
    view, quarter, fw = ctx.view, ctx.quarter, ctx.framework
    parts: list[Block] = [Heading(2, _say("heading"))]
    for topic in fw.feedback_topics:
        body: list[Block] = []
        for survey in topic.surveys:
            sentences = survey_sentences(survey, view)
            if not sentences:
                continue
            body.append(Paragraph(spans(" ".join(sentences)), True))
            chart = survey_chart(survey, view, quarter)
            body += [chart] if chart else []
            table = survey_table(survey, fw, quarter, view)
            table.caution = small_base_caution(view, F.survey(survey.id, "respondents"), fw.minimum_base)
            body.append(table)
            body += quotes(ctx, survey.id)
        body += ctx.commentary_blocks(f"feedback.{topic.id}")
        if body:
            parts.append(Box("section", [Heading(3, topic.title), *body]))
    if len(parts) == 1:
        parts.append(Paragraph(spans(_say("none_recorded", quarter=quarter.name)), True))
    return [Box("part", parts)]


SECTION = Section(
    "feedback", build, figures=figure_rows, groups=groups, commentary=commentary_ids, families=("feedback",)
)
