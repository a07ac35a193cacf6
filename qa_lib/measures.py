"""Every figure of the report, computed from validated frames.

Pure functions: data frames and the framework in, a flat ``{key: number}``
mapping out (the key grammar is in ``docs/figures.md``). Percentages are exact
(``100 * k / n``); a key whose denominator is zero is left out, never NaN.
"""

from __future__ import annotations

from collections.abc import Iterable

import pandas as pd

from qa_lib.framework import Framework
from qa_lib.quarter import Quarter

Figures = dict[str, int | float]


def _share(figures: Figures, key: str, count: int, base: int) -> None:
    """Record ``key.count`` and, when the base is not zero, ``key.pct``."""
    figures[f"{key}.count"] = int(count)
    if base:
        figures[f"{key}.pct"] = 100 * int(count) / int(base)


def _counts(series: pd.Series, ids: Iterable[str]) -> dict[str, int]:
    counted = series.value_counts()
    return {i: int(counted.get(i, 0)) for i in ids}


def audit_figures(audits: pd.DataFrame, framework: Framework, quarter: Quarter,
                  populations: dict[str, int]) -> Figures:
    """``audits.<service>.…`` for every service of the framework."""
    figures: Figures = {}
    for service in framework.services:
        rows = audits[audits["service"] == service.id]
        key = f"audits.{service.id}"
        count = len(rows)
        figures[f"{key}.count"] = count
        population = populations.get(service.id)
        if population:
            figures[f"{key}.sample_pct"] = 100 * count / population
        recorded_risk = rows["risk_of_harm"].isin(["yes", "no"])
        if recorded_risk.any():
            figures[f"{key}.risk_of_harm.count"] = int((rows["risk_of_harm"] == "yes").sum())
        scale = framework.scale_for(service.id, quarter)
        graded = rows[rows["grade"] != ""]
        figures[f"{key}.graded"] = len(graded)
        if scale is None:
            continue
        grade_counts = _counts(graded["grade"], scale.grade_ids)
        for grade_id, n in grade_counts.items():
            _share(figures, f"{key}.grade.{grade_id}", n, len(graded))
        for band in scale.bands:
            _share(figures, f"{key}.band.{band.id}", sum(grade_counts[g] for g in band.grades), len(graded))
    return figures


def _standard_shares(figures: Figures, key: str, results: pd.Series) -> None:
    met = int((results == "met").sum())
    not_met = int((results == "not_met").sum())
    applicable = met + not_met
    figures[f"{key}.applicable"] = applicable
    _share(figures, f"{key}.met", met, applicable)
    _share(figures, f"{key}.not_met", not_met, applicable)


def standards_figures(standards: pd.DataFrame, audits: pd.DataFrame, framework: Framework) -> Figures:
    """``standards.<service>.<standard>.…``, overall and per team type."""
    figures: Figures = {}
    joined = standards.merge(audits[["audit_id", "service", "team_type"]], on="audit_id", how="inner")
    for service in framework.services:
        rows = joined[joined["service"] == service.id]
        team_types = [t.id for t in framework.team_types
                      if (audits.loc[audits["service"] == service.id, "team_type"] == t.id).any()]
        for standard in service.standards:
            key = f"standards.{service.id}.{standard.id}"
            these = rows[rows["standard_id"] == standard.id]
            _standard_shares(figures, key, these["result"])
            for team_type in team_types:
                _standard_shares(figures, f"{key}.team_type.{team_type}",
                                 these.loc[these["team_type"] == team_type, "result"])
    return figures


def feedback_figures(responses: pd.DataFrame, framework: Framework, populations: dict[str, int]) -> Figures:
    """``feedback.<survey>.…`` for each survey with at least one answer."""
    figures: Figures = {}
    for survey in framework.surveys:
        rows = responses[responses["survey_id"] == survey.id]
        if rows.empty:
            continue
        key = f"feedback.{survey.id}"
        respondents = rows.drop_duplicates("respondent_id")
        figures[f"{key}.respondents"] = len(respondents)
        population = populations.get(survey.id)
        if population:
            figures[f"{key}.sample_pct"] = 100 * len(respondents) / population
        ages = respondents["respondent_age"].dropna()
        if len(ages):
            figures[f"{key}.age.min"] = int(ages.min())
            figures[f"{key}.age.max"] = int(ages.max())
        for question in survey.questions:
            answers = rows.loc[rows["question_id"] == question.id, "answer"]
            qkey = f"{key}.{question.id}"
            figures[f"{qkey}.answered"] = len(answers)
            _share(figures, f"{qkey}.positive", int(answers.isin(question.positive).sum()), len(answers))
            for answer_id, n in _counts(answers, [a.id for a in framework.answers(question)]).items():
                _share(figures, f"{qkey}.answer.{answer_id}", n, len(answers))
    return figures


def engagement_figures(engagement: pd.DataFrame, framework: Framework) -> Figures:
    """``engagement.…``: counts of activities by type, role and location."""
    figures: Figures = {"engagement.count": len(engagement)}
    groups = {
        "type": ("activity_type", framework.engagement.activity_types),
        "role": ("participant_role", framework.engagement.participant_roles),
        "location_type": ("location_type", framework.engagement.location_types),
    }
    for name, (column, options) in groups.items():
        for option_id, n in _counts(engagement[column], [o.id for o in options]).items():
            figures[f"engagement.{name}.{option_id}.count"] = n
    return figures


def compute_figures(tables: dict[str, pd.DataFrame], present: set[str], framework: Framework,
                    quarter: Quarter, populations: dict[str, dict[str, int]]) -> Figures:
    """All figures of one quarter, keyed as in ``docs/figures.md``.

    Optional tables that were not supplied contribute no keys, so an absent
    table is never mistaken for a count of zero.
    """
    figures = audit_figures(tables["case_audits"], framework, quarter, populations.get("audits", {}))
    if "practice_standards" in present:
        figures |= standards_figures(tables["practice_standards"], tables["case_audits"], framework)
    if "feedback_responses" in present:
        figures |= feedback_figures(tables["feedback_responses"], framework, populations.get("feedback", {}))
    if "engagement" in present:
        figures |= engagement_figures(tables["engagement"], framework)
    return dict(sorted(figures.items()))
