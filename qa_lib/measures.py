"""Every figure of the report, computed from validated frames.

Pure functions: data frames and the framework in, a flat ``{key: number}``
mapping out (the key grammar is in ``docs/figures.md``). Percentages are exact
(``100 * k / n``); a key whose denominator is zero is left out, never NaN.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

import numpy as np
import pandas as pd
from scipy.stats import fisher_exact
from statsmodels.stats.inter_rater import cohens_kappa
from statsmodels.stats.proportion import proportion_confint

from qa_lib.frames import counts as counts_by
from qa_lib.framework import Framework
from qa_lib.quarter import Quarter

Figures = dict[str, int | float | str]

ALPHA = 0.05  # two-sided significance level of the comparisons, and 1 - confidence of the intervals
VERDICTS = ("comparable", "improvement", "decline")


def wilson_interval(count: int, base: int) -> tuple[float, float]:
    """The 95% Wilson score interval of ``count / base``, in percent."""
    low, high = proportion_confint(count, base, alpha=ALPHA, method="wilson")
    return 100 * float(low), 100 * float(high)


def _share(figures: Figures, key: str, count: int, base: int) -> None:
    """Record ``key.count`` and, when the base is not zero, ``key.pct`` with its interval."""
    figures[f"{key}.count"] = int(count)
    if base:
        figures[f"{key}.pct"] = 100 * int(count) / int(base)
        figures[f"{key}.ci_low"], figures[f"{key}.ci_high"] = wilson_interval(int(count), int(base))


_BASES = (
    (re.compile(r"^(audits\.[^.]+)\.(grade|band)\.[^.]+$"), r"\1.graded"),
    (re.compile(r"^(standards\..+)\.(met|not_met)$"), r"\1.applicable"),
    (re.compile(r"^(feedback\.[^.]+\.[^.]+)\.(positive|answer\.[^.]+)$"), r"\1.answered"),
)


def base_key(share: str) -> str | None:
    """The key of the denominator of ``<share>.pct`` (``audits.csc.band.x`` → ``audits.csc.graded``)."""
    for pattern, replacement in _BASES:
        if pattern.match(share):
            return pattern.sub(replacement, share)
    return None


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


def _standard_shares(figures: Figures, key: str, met: int, not_met: int) -> None:
    applicable = met + not_met
    figures[f"{key}.applicable"] = applicable
    _share(figures, f"{key}.met", met, applicable)
    _share(figures, f"{key}.not_met", not_met, applicable)


def standards_figures(standards: pd.DataFrame, audits: pd.DataFrame, framework: Framework) -> Figures:
    """``standards.<service>.<standard>.…``, overall and per team type.

    Each standard counts under its audit's service and team type, which the
    validated table carries beside each row (columns ``service`` and ``team_type``).
    """
    figures: Figures = {}
    # One pass over the rows, however many: counts by service, standard, team type and result.
    counts: dict[tuple[str | None, ...], int] = {}
    for (service, standard, team_type, result), n in counts_by(
            standards, ["service", "standard_id", "team_type", "result"]).items():
        for key in ((service, standard, team_type, result), (service, standard, None, result)):
            counts[key] = counts.get(key, 0) + n
    present = set(counts_by(audits, ["service", "team_type"]))
    for service in framework.services:
        team_types = [t.id for t in framework.team_types if (service.id, t.id) in present]
        for standard in service.standards:
            key = f"standards.{service.id}.{standard.id}"
            for team_type in (None, *team_types):
                _standard_shares(figures, key if team_type is None else f"{key}.team_type.{team_type}",
                                 counts.get((service.id, standard.id, team_type, "met"), 0),
                                 counts.get((service.id, standard.id, team_type, "not_met"), 0))
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


def age_band_counts(responses: pd.DataFrame, framework: Framework, survey_id: str) -> dict[str, int]:
    """Respondents to a survey in each of the framework's quote age bands."""
    ages = responses.loc[responses["survey_id"] == survey_id].drop_duplicates("respondent_id")["respondent_age"]
    return {band.id: int(ages.between(band.min, band.max).sum()) for band in framework.quote_age_bands}


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


def moderation_figures(audits: pd.DataFrame, framework: Framework, quarter: Quarter) -> Figures:
    """``moderation.<service>.…``: agreement between auditors' and moderators' grades."""
    figures: Figures = {}
    for service in framework.services:
        scale = framework.scale_for(service.id, quarter)
        if scale is None:
            continue
        rows = audits[(audits["service"] == service.id) & (audits["grade"] != "")
                      & (audits["moderated_grade"] != "")]
        if rows.empty:
            continue
        key = f"moderation.{service.id}"
        grades = scale.grade_ids
        table = pd.crosstab(pd.Categorical(rows["grade"].astype(str), grades),
                            pd.Categorical(rows["moderated_grade"].astype(str), grades), dropna=False).to_numpy()
        figures[f"{key}.count"] = len(rows)
        agreed = int(np.trace(table))
        figures[f"{key}.agreement.count"] = agreed
        figures[f"{key}.agreement.pct"] = 100 * agreed / len(rows)
        figures[f"{key}.agreement.ci_low"], figures[f"{key}.agreement.ci_high"] = wilson_interval(agreed, len(rows))
        for auditor in grades:
            for moderator in grades:
                figures[f"{key}.grade.{auditor}.moderated.{moderator}.count"] = \
                    int(table[grades.index(auditor), grades.index(moderator)])
        result = cohens_kappa(table, wt="linear")
        if np.isfinite(result.kappa):  # undefined when every audit has one grade
            figures[f"{key}.kappa"] = float(result.kappa)
            if np.isfinite(result.std_kappa):
                figures[f"{key}.kappa_ci_low"] = float(result.kappa_low)
                figures[f"{key}.kappa_ci_high"] = float(result.kappa_upp)
    return figures


def higher_is_better(share: str, framework: Framework, quarter: Quarter) -> bool | None:
    """Whether a rise in ``<share>.pct`` is an improvement, per the framework; ``None`` if neither."""
    parts = share.split(".")
    if parts[0] == "audits" and parts[2] == "band":
        return True
    if parts[0] == "audits" and parts[2] == "grade":
        scale = framework.scale_for(parts[1], quarter)
        return scale.grade(parts[3]).higher_is_better if scale and parts[3] in scale.grade_ids else None
    if parts[0] == "standards":
        return parts[-1] == "met"
    if parts[0] == "feedback":
        if parts[-1] == "positive":
            return True
        question = next(q for q in framework.survey(parts[1]).questions if q.id == parts[2])
        return parts[-1] in question.positive
    return None


def previous_share(share: str, framework: Framework, quarter: Quarter) -> str | None:
    """The key of the same share in the previous quarter, following scale changes."""
    parts = share.split(".")
    if parts[0] == "audits":
        previous = quarter.previous
        if parts[2] == "grade":
            return share if framework.same_scale(parts[1], quarter, previous) else None
        band = framework.earlier_band(parts[1], quarter, previous, parts[3])
        return f"audits.{parts[1]}.band.{band}" if band else None
    return share


def comparison_figures(figures: Figures, previous: Figures, framework: Framework, quarter: Quarter) -> Figures:
    """``<share>.change.p_value`` and ``.change.verdict`` for every directed share
    present in both quarters: a two-sided Fisher exact test on the two quarters'
    counts; ``comparable`` when p ≥ ALPHA, else improvement or decline by the
    framework's direction."""
    changes: Figures = {}
    for key in figures:
        if not key.endswith(".pct") or key.endswith("sample_pct"):
            continue
        share = key.removesuffix(".pct")
        base = base_key(share)
        direction = higher_is_better(share, framework, quarter) if base else None
        earlier = previous_share(share, framework, quarter) if direction is not None else None
        earlier_base = base_key(earlier) if earlier else None
        if not earlier or f"{earlier}.pct" not in previous or earlier_base not in previous:
            continue
        k1, n1 = int(figures[f"{share}.count"]), int(figures[base])
        k0, n0 = int(previous[f"{earlier}.count"]), int(previous[earlier_base])
        p_value = float(fisher_exact([[k1, n1 - k1], [k0, n0 - k0]], alternative="two-sided").pvalue)
        changes[f"{share}.change.p_value"] = p_value
        if p_value >= ALPHA:
            verdict = "comparable"
        else:
            rose = k1 / n1 > k0 / n0
            verdict = "improvement" if rose == direction else "decline"
        changes[f"{share}.change.verdict"] = verdict
    return changes


def compute_figures(tables: dict[str, pd.DataFrame], present: set[str], framework: Framework,
                    quarter: Quarter, populations: dict[str, dict[str, int]]) -> Figures:
    """All figures of one quarter, keyed as in ``docs/figures.md``.

    Optional tables that were not supplied contribute no keys, so an absent
    table is never mistaken for a count of zero.
    """
    figures = audit_figures(tables["case_audits"], framework, quarter, populations.get("audits", {}))
    figures |= moderation_figures(tables["case_audits"], framework, quarter)
    if "practice_standards" in present:
        figures |= standards_figures(tables["practice_standards"], tables["case_audits"], framework)
    if "feedback_responses" in present:
        figures |= feedback_figures(tables["feedback_responses"], framework, populations.get("feedback", {}))
    if "engagement" in present:
        figures |= engagement_figures(tables["engagement"], framework)
    return dict(sorted(figures.items()))
