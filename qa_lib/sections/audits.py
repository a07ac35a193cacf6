"""Outcomes from case file audits: per service, the grades, the comparison with the
previous quarter, moderation and practice standards; then the trend across quarters."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from qa_lib import tables
from qa_lib import figures as F
from qa_lib.disclosure import NOT_APPLICABLE, NOT_AVAILABLE, SUPPRESSED, Group, View, group, verdict_words, words
from qa_lib.figures import FigureId, Figures
from qa_lib.formatting import fmt_pct, join_words, lower_first, whole_percent
from qa_lib.frames import counts as counts_by
from qa_lib.measures import earlier_figure
from qa_lib.framework import Framework, GradeScale, Service
from qa_lib.paper import Block, Box, Figure, Heading, Paragraph, Table, spans
from qa_lib.prose import say
from qa_lib.quarter import Quarter
from qa_lib.sections.base import Section
from qa_lib.statistics import share, weighted_kappa

if TYPE_CHECKING:
    from qa_lib.context import Context
    from qa_lib.validation import ValidQuarter


def _say(sentence: str, **values: Any) -> str:
    return say("audits", sentence, **values)


# -- figures ------------------------------------------------------------------------------


def _counts(series: pd.Series, ids: Iterable[str]) -> dict[str, int]:
    counted = series.value_counts()
    return {i: int(counted.get(i, 0)) for i in ids}


def audit_rows(
    audits: pd.DataFrame, framework: Framework, quarter: Quarter, populations: dict[str, int]
) -> list[dict[str, Any]]:
    """For every service of the framework: audited, graded, the sample share of its population,
    risk of harm, and each grade and band as a share of the graded audits."""
    rows = []
    for service in framework.services:
        sid = service.id
        audited = audits[audits["service"] == sid]
        rows.append(F.row(F.audit(sid, "audited"), count=len(audited)))
        population = populations.get(sid)
        if population:
            rows.append(
                F.row(F.audit(sid, "sample"), count=len(audited), base=population, pct=100 * len(audited) / population)
            )
        if audited["risk_of_harm"].isin(["yes", "no"]).any():
            rows.append(F.row(F.audit(sid, "risk_of_harm"), count=int((audited["risk_of_harm"] == "yes").sum())))
        graded = audited[audited["grade"] != ""]
        rows.append(F.row(F.audit(sid, "graded"), count=len(graded)))
        scale = framework.scale_for(sid, quarter)
        if scale is None:
            continue
        grade_counts = _counts(graded["grade"], scale.grade_ids)
        for grade in scale.grades:
            rows.append(
                F.row(
                    F.audit(sid, "grade", grade.id),
                    direction=grade.higher_is_better,
                    **share(grade_counts[grade.id], len(graded)),
                )
            )
        for band in scale.bands:
            rows.append(
                F.row(
                    F.audit(sid, "band", band.id),
                    direction=True,
                    **share(sum(grade_counts[g] for g in band.grades), len(graded)),
                )
            )
    return rows


def moderation_rows(audits: pd.DataFrame, framework: Framework, quarter: Quarter) -> list[dict[str, Any]]:
    """For every graded service with moderated audits: agreement between auditors' and
    moderators' grades, their cross-table and weighted kappa."""
    rows = []
    for service in framework.services:
        scale = framework.scale_for(service.id, quarter)
        if scale is None:
            continue
        moderated = audits[
            (audits["service"] == service.id) & (audits["grade"] != "") & (audits["moderated_grade"] != "")
        ]
        if moderated.empty:
            continue
        grades = scale.grade_ids
        cross = pd.crosstab(
            pd.Categorical(moderated["grade"].astype(str), grades),
            pd.Categorical(moderated["moderated_grade"].astype(str), grades),
            dropna=False,
        ).to_numpy()
        rows.append(F.row(F.moderation(service.id, "moderated"), count=len(moderated)))
        rows.append(F.row(F.moderation(service.id, "agreement"), **share(int(np.trace(cross)), len(moderated))))
        rows += [
            F.row(
                F.moderation(service.id, "cell", auditor, moderator),
                count=int(cross[grades.index(auditor), grades.index(moderator)]),
            )
            for auditor in grades
            for moderator in grades
        ]
        kappa = weighted_kappa(cross)
        if kappa is not None:
            value, low, high = kappa
            rows.append(
                F.row(
                    F.moderation(service.id, "kappa"),
                    value=value,
                    **({} if math.isnan(low) else {"ci_low": low, "ci_high": high}),
                )
            )
    return rows


def standards_rows(standards: pd.DataFrame, audits: pd.DataFrame, framework: Framework) -> list[dict[str, Any]]:
    """For every standard of every service, overall and for each team type the service audited:
    applicable (met or not met), and met and not met as shares of it.

    Each standard counts under its audit's service and team type, which the validated table
    carries beside each row (columns ``service`` and ``team_type``)."""
    counts: dict[tuple[str | None, ...], int] = {}
    for (of_service, standard_id, of_team, result), n in counts_by(
        standards, ["service", "standard_id", "team_type", "result"]
    ).items():
        for key in ((of_service, standard_id, of_team, result), (of_service, standard_id, None, result)):
            counts[key] = counts.get(key, 0) + n
    present = set(counts_by(audits, ["service", "team_type"]))
    rows = []
    for service in framework.services:
        team_types = [t.id for t in framework.team_types if (service.id, t.id) in present]
        for std in service.standards:
            for team_type in [None, *team_types]:
                met = counts.get((service.id, std.id, team_type, "met"), 0)
                not_met = counts.get((service.id, std.id, team_type, "not_met"), 0)
                rows.append(F.row(F.standard(service.id, std.id, "applicable", team_type), count=met + not_met))
                rows.append(
                    F.row(F.standard(service.id, std.id, "met", team_type), direction=True, **share(met, met + not_met))
                )
                rows.append(
                    F.row(
                        F.standard(service.id, std.id, "not_met", team_type),
                        direction=False,
                        **share(not_met, met + not_met),
                    )
                )
    return rows


def figure_rows(data: ValidQuarter, framework: Framework) -> list[dict[str, Any]]:
    """Every figure of this section: audits and moderation always, standards when supplied."""
    audits = data.tables["case_audits"]
    rows = audit_rows(audits, framework, data.quarter, data.populations.get("audits", {}))
    rows += moderation_rows(audits, framework, data.quarter)
    if "practice_standards" in data.present:
        rows += standards_rows(data.tables["practice_standards"], audits, framework)
    return rows


def groups(figures: Figures, framework: Framework, quarter: Quarter) -> list[Group]:
    """Counts that add up: a service's grades to its graded audits, each band's grades to the
    band, a moderation cross-table to the moderated audits and its diagonal to the agreements,
    and each standard's results across team types."""
    found = []
    for service in framework.services:
        sid = service.id
        scale = framework.scale_for(sid, quarter)
        if scale is not None:
            grades = [F.audit(sid, "grade", g) for g in scale.grade_ids]
            found.append(
                group(
                    figures,
                    [(grades, F.audit(sid, "graded"))]
                    + [([F.audit(sid, "grade", g) for g in b.grades], F.audit(sid, "band", b.id)) for b in scale.bands],
                )
            )
            ids = scale.grade_ids
            found.append(
                group(
                    figures,
                    [
                        ([F.moderation(sid, "cell", a, m) for a in ids for m in ids], F.moderation(sid, "moderated")),
                        ([F.moderation(sid, "cell", a, a) for a in ids], F.moderation(sid, "agreement")),
                    ],
                )
            )
        for std in service.standards:
            teams = [t.id for t in framework.team_types if F.standard(sid, std.id, "applicable", t.id) in figures]
            constraints = [
                (
                    [F.standard(sid, std.id, r, team) for r in ("met", "not_met")],
                    F.standard(sid, std.id, "applicable", team),
                )
                for team in (None, *teams)
            ]
            constraints += [
                ([F.standard(sid, std.id, r, t) for t in teams], F.standard(sid, std.id, r)) for r in ("met", "not_met")
            ]
            found.append(group(figures, constraints))
    return [g for g in found if g is not None]


def commentary_ids(framework: Framework) -> list[str]:
    return [f"audit.{s.id}" for s in framework.services] + ["audits_future"]


# -- words ---------------------------------------------------------------------------------


def audit_sentences(service: Service, scale: GradeScale | None, view: View, quarter: Quarter) -> list[str]:
    """What the quarter's audits of one service found, in words, as far as the view may show."""
    sid, figures = service.id, view.figures
    count = figures.count(F.audit(sid, "audited")) or 0
    if not count:
        return [_say("none_audited", unit=service.audit_unit, service=service.name, quarter=quarter.name)]
    graded = figures.count(F.audit(sid, "graded")) or 0
    shown_count = view.count_words(F.audit(sid, "audited"))
    if scale is None:
        sentences = [
            _say(
                "total_ungraded_service",
                count=shown_count,
                unit=service.audit_unit,
                quarter=quarter.name,
                service=service.name,
            )
        ]
    elif graded == count and not view.hidden(F.audit(sid, "graded")):
        sentences = [_say("total_all_graded", count=shown_count, unit=service.audit_unit, quarter=quarter.name)]
    elif view.hidden(F.audit(sid, "graded")):
        sentences = [_say("total_graded_hidden", count=shown_count, unit=service.audit_unit, quarter=quarter.name)]
    else:
        sentences = [
            _say(
                "total_some_graded",
                count=shown_count,
                unit=service.audit_unit,
                quarter=quarter.name,
                graded=view.count_words(F.audit(sid, "graded")),
            )
        ]
    if scale is not None and graded:
        sentences += _grade_sentences(service, scale, view)
    risk = figures.count(F.audit(sid, "risk_of_harm"))
    if risk is not None:
        sentences.append(
            _say("no_risk") if risk == 0 else _say("risk", count=view.count_words(F.audit(sid, "risk_of_harm")))
        )
    if F.audit(sid, "sample") in figures and service.population_label:
        sentences.append(
            _say(
                "sample",
                unit=service.audit_unit,
                pct=view.value(F.audit(sid, "sample"), "pct"),
                population=service.population_label,
            )
        )
    return sentences


def _grade_sentences(service: Service, scale: GradeScale, view: View) -> list[str]:
    """The headline shares, then the number in each grade; what may not be shown is said once."""
    grades = [(g, F.audit(service.id, "grade", g.id)) for g in scale.grades]
    headline = _headline(service, scale, view)
    shown = [
        words("count_of", count=view.count_words(fid), label=lower_first(g.label))
        for g, fid in grades
        if not view.hidden(fid)
    ]
    hidden = [lower_first(g.label) for g, fid in grades if view.hidden(fid)]
    if not headline and not shown:
        return [_say("grades_hidden")]
    sentences = [_say("headline", unit=service.audit_unit, parts=join_words(headline))] if headline else []
    if shown:
        sentences.append(_say("by_grade", counts=join_words(shown), hidden=join_words(hidden)))
    else:
        sentences.append(_say("counts_hidden"))
    return sentences


def _headline(service: Service, scale: GradeScale, view: View) -> list[str]:
    """The headline band's share and the worst grade's, as far as they may be shown."""
    parts = []
    if scale.headline_band and view.shows(F.audit(service.id, "band", scale.headline_band)):
        band = scale.band(scale.headline_band)
        parts.append(_say("share_judged", pct=view.pct_words(F.audit(service.id, "band", band.id)), label=band.label))
    worst = F.audit(service.id, "grade", scale.worst_grade.id)
    if view.shows(worst):
        parts.append(_say("share_judged", pct=view.pct_words(worst), label=lower_first(scale.worst_grade.label)))
    return parts


@dataclass(frozen=True)
class Change:
    """One compared share's change since the previous quarter, as the paper may state it."""

    fid: FigureId
    label: str  # "judged inadequate"
    old: str  # across a change of scale, the old band it is compared with; else ""
    before: str  # the share then and now, in words
    after: str
    verdict: str  # comparable, improvement or decline, as the test decided
    rose: bool

    def words(self, template: str) -> str:
        return _say(
            template,
            label=self.label,
            old=self.old,
            before=self.before,
            after=self.after,
            verdict=verdict_words(self.verdict),
            rose=self.rose,
        )


def changes(service: Service, framework: Framework, now: View, before_view: View, quarter: Quarter) -> list[Change]:
    """The tested changes of a service's compared shares that both quarters may show."""
    scale = framework.scale_for(service.id, quarter)
    if scale is None or not before_view.available or not before_view.figures.count(F.audit(service.id, "graded")):
        return []
    found = []
    same = framework.same_scale(service.id, quarter, quarter.previous)
    for fid, label, old in _compared_shares(service, scale, framework, quarter, same):
        verdict = now.figures.value(fid, "verdict")
        earlier = earlier_figure(fid, framework, quarter)
        if verdict is None or earlier is None or not now.shows(fid) or not before_view.shows(earlier):
            continue
        found.append(
            Change(
                fid,
                label,
                old,
                before_view.pct_words(earlier),
                now.pct_words(fid),
                str(verdict),
                now.share(fid) > before_view.share(earlier),
            )
        )
    return found


def audit_comparison(
    service: Service, framework: Framework, now: View, before_view: View, quarter: Quarter
) -> list[str]:
    """The change since the previous quarter of each compared share, in the words of the
    test's verdict, or why this service has nothing to compare with."""
    if framework.scale_for(service.id, quarter) is None:
        return []
    before = quarter.previous
    if not before_view.available:
        return []  # said once for every service, under the section's heading
    if not before_view.figures.count(F.audit(service.id, "graded")):
        return [_say("none_graded_before", unit=service.audit_unit, quarter=before.name)]
    same = framework.same_scale(service.id, quarter, before)
    sentences = (
        [] if same else [_say("scale_changed", service=service.name, quarter=quarter.name, previous=before.name)]
    )
    found = changes(service, framework, now, before_view, quarter)
    real = [c.words("real_change") for c in found if c.verdict != "comparable"]
    steady = [c.words("steady_item") for c in found if c.verdict == "comparable"]
    if found:
        sentences.append(_say("compared", quarter=before.name, real=join_words(real), steady=steady))
    elif not same:
        sentences.append(_say("no_like_for_like"))
    return sentences


def _compared_shares(
    service: Service, scale: GradeScale, framework: Framework, quarter: Quarter, same: bool
) -> list[tuple[FigureId, str, str]]:
    """The shares whose change is stated, with their words and, across a change of scale, the
    words of the old band each is compared with: on the same scale the headline band and the
    worst grade; across a change of scale each band mapped from the old one."""
    if same:
        shares = (
            [
                (
                    F.audit(service.id, "band", scale.headline_band),
                    _say("judged", label=scale.band(scale.headline_band).label),
                    "",
                )
            ]
            if scale.headline_band
            else []
        )
        return shares + [
            (
                F.audit(service.id, "grade", scale.worst_grade.id),
                _say("judged", label=lower_first(scale.worst_grade.label)),
                "",
            )
        ]
    before = quarter.previous
    old_scale = framework.scale_for(service.id, before)
    shares = []
    for band in scale.bands:
        earlier = framework.earlier_band(service.id, quarter, before, band.id)
        if earlier and old_scale:
            shares.append(
                (
                    F.audit(service.id, "band", band.id),
                    _say("judged", label=band.label),
                    _say("old_band", band=old_scale.band(earlier).label),
                )
            )
    return shares


def standards_sentences(service: Service, framework: Framework, view: View) -> list[str]:
    """The standard met most often, and those not met often enough for a team type."""
    met = [
        (view.share(F.standard(service.id, s.id, "met")), s)
        for s in service.standards
        if view.shows(F.standard(service.id, s.id, "met"))
    ]
    if not met:
        return []
    _, best = max(met, key=lambda item: item[0])
    sentences = [_say("best_standard", label=best.label, pct=view.pct_words(F.standard(service.id, best.id, "met")))]
    concerns = []
    for std in service.standards:
        teams = []
        for team in framework.team_types:
            fid = F.standard(service.id, std.id, "not_met", team.id)
            value = view.figures.pct(fid)
            if value is not None and value > framework.standards_attention_pct and view.shows(fid):
                teams.append(_say("team_concern", pct=view.pct_words(fid), team=team.label))
        if teams:
            concerns.append(_say("standard_concern", label=std.label, teams=join_words(teams)))
    if concerns:
        sentences.append(
            _say("concerns", threshold=f"{framework.standards_attention_pct:g}", items=join_words(concerns))
        )
    return sentences


def moderation_sentences(service: Service, view: View) -> list[str]:
    """How far moderators agreed with auditors' grades (the kappa statistic is in the table)."""
    if F.moderation(service.id, "moderated") not in view.figures:
        return []
    return [
        _say(
            "moderated",
            count=view.count_words(F.moderation(service.id, "moderated")),
            unit=service.audit_unit,
            pct=view.pct_words(F.moderation(service.id, "agreement")),
        )
    ]


def small_base_caution(view: View, base: FigureId, minimum: int) -> str:
    """A warning for a table whose base is too small to support its percentages, or ""."""
    value = view.figures.count(base)
    if value is None or not 0 < value < minimum:
        return ""
    shown = "fewer than" if view.hidden(base) else _say("small_base_count", count=f"{value:,}")
    return _say("small_base", shown=shown, minimum=minimum)


# -- tables --------------------------------------------------------------------------------


def grade_table(service: Service, framework: Framework, quarter: Quarter, now: View, before: View) -> Table:
    """Grades and bands of one service, this quarter beside the previous one, with intervals
    and the tested change. Across a scale change only mapped bands stand beside each other."""
    scale = framework.scale_for(service.id, quarter)
    assert scale is not None
    previous = quarter.previous
    same = framework.same_scale(service.id, quarter, previous)
    rows = []
    for label, fid in [(g.label, F.audit(service.id, "grade", g.id)) for g in scale.grades] + [
        (_say("grade_table_band", label=b.label), F.audit(service.id, "band", b.id)) for b in scale.bands
    ]:
        earlier = earlier_figure(fid, framework, quarter) if (same or fid.measure == "band") else None
        if earlier is None and before.available:
            then = [tables.symbol(NOT_APPLICABLE, "count"), tables.symbol(NOT_APPLICABLE, "percent")]
        else:
            then = [before.count_cell(earlier or fid), before.pct_cell(earlier or fid)]
        rows.append(
            [
                tables.label(label),
                now.count_cell(fid),
                now.pct_cell(fid),
                now.interval_cell(fid),
                *then,
                tables.change(now, before, fid, earlier),
            ]
        )
    graded = F.audit(service.id, "graded")
    rows.append(
        [
            tables.label(_say("grade_table_total")),
            now.count_cell(graded),
            tables.percent(100) if now.figures.count(graded) else tables.symbol(NOT_APPLICABLE, "percent"),
            tables.symbol(NOT_APPLICABLE, "interval"),
            before.count_cell(graded),
            (tables.percent(100) if before.figures.count(graded) else tables.symbol(NOT_APPLICABLE, "percent"))
            if before.available
            else tables.symbol(NOT_AVAILABLE, "percent"),
            tables.symbol(NOT_APPLICABLE, "verdict"),
        ]
    )
    notes = [_say("grade_table_note")]
    if before.available and not same:
        notes.append(_say("grade_table_scale_note", quarter=quarter.short_label, previous=previous.short_label))
    return tables.table(
        _say("grade_table_caption", service=service.name, quarter=quarter.short_label, previous=previous.short_label),
        _say("grade_table_columns", quarter=quarter.short_label, previous=previous.short_label).split("|"),
        rows,
        notes,
    )


def moderation_table(service: Service, framework: Framework, quarter: Quarter, view: View) -> Table | None:
    """Auditors' grades against moderators' grades, for the moderated audits."""
    scale = framework.scale_for(service.id, quarter)
    if scale is None or F.moderation(service.id, "moderated") not in view.figures:
        return None
    rows = [
        [
            tables.label(_say("moderation_table_row", grade=a.label)),
            *[view.count_cell(F.moderation(service.id, "cell", a.id, m.id)) for m in scale.grades],
        ]
        for a in scale.grades
    ]
    kappa = view.figures.get(F.moderation(service.id, "kappa"))
    kappa_text = (
        _say(
            "moderation_table_kappa",
            kappa=f"{kappa['value']:.2f}",
            low=f"{kappa['ci_low']:.2f}",
            high=f"{kappa['ci_high']:.2f}",
        )
        if kappa is not None and kappa["ci_low"] is not None
        else "not defined"
    )
    return tables.table(
        _say("moderation_table_caption", service=service.name, quarter=quarter.short_label),
        [
            _say("moderation_table_first_column"),
            *[_say("moderation_table_column", grade=m.label) for m in scale.grades],
        ],
        rows,
        [
            _say(
                "moderation_table_note",
                count=view.count(F.moderation(service.id, "moderated")),
                pct=view.pct(F.moderation(service.id, "agreement")),
                kappa=kappa_text,
            )
        ],
    )


def standards_table(service: Service, framework: Framework, quarter: Quarter, view: View) -> Table:
    """Each practice standard: where it applied, share met, share not met by team type."""
    team_types = [
        t
        for t in framework.team_types
        if any(F.standard(service.id, s.id, "applicable", t.id) in view.figures for s in service.standards)
    ]
    rows = []
    for std in service.standards:
        met = F.standard(service.id, std.id, "met")
        rows.append(
            [
                tables.label(std.label[:1].upper() + std.label[1:]),
                view.count_cell(F.standard(service.id, std.id, "applicable")),
                view.pct_cell(met),
                view.interval_cell(met),
                *[view.pct_cell(F.standard(service.id, std.id, "not_met", t.id)) for t in team_types],
            ]
        )
    return tables.table(
        _say("standards_table_caption", service=service.name, quarter=quarter.short_label),
        [
            *_say("standards_table_columns").split("|"),
            *[_say("standards_table_team_column", team=t.label) for t in team_types],
        ],
        rows,
        [_say("standards_table_note")],
    )


# -- charts --------------------------------------------------------------------------------


def grade_chart(
    service: Service, scale: GradeScale, framework: Framework, quarter: Quarter, now: View, before: View
) -> Figure | None:
    """Share of graded audits in each grade, this quarter and (on the same scale) the previous
    one; a quarter whose grades cannot all be shown is left out. The title states the
    headline share, and a change only when the test found it real."""
    periods = []
    if before.available and framework.same_scale(service.id, quarter, quarter.previous):
        periods.append((quarter.previous, before))
    periods.append((quarter, now))
    periods = [(p, v) for p, v in periods if all(v.shows(F.audit(service.id, "grade", g.id)) for g in scale.grades)]
    if not periods:
        return None
    shares = {p: [(g.label, v.share(F.audit(service.id, "grade", g.id))) for g in scale.grades] for p, v in periods}
    from qa_lib import charts  # matplotlib: loaded when a chart is drawn, not to compute figures

    drawn = charts.stacked_bars([(p.short_label, shares[p]) for p, _ in periods], _say("grade_chart_axis"))
    described = [
        (p.short_label, [_say("grade_share", grade=lower_first(name), pct=fmt_pct(v)) for name, v in shares[p]])
        for p, _ in reversed(periods)
    ]
    band = scale.band(scale.headline_band) if scale.headline_band else None
    headline = F.audit(service.id, "band", band.id) if band else None
    found = changes(service, framework, now, before, quarter)
    real = [c.words("chart_change") for c in found if c.verdict != "comparable"]
    title = _say(
        "grade_chart_title",
        service=service.name,
        unit=service.audit_unit,
        quarter=quarter.name,
        pct=now.pct_words(headline) if headline and now.shows(headline) else "",
        band=band.label if band else "",
        real=real,
    )
    return Figure(
        title,
        _say("grade_chart_alt", service=service.name, periods=described),
        drawn.svg,
        _say("grade_chart_subtitle", periods=join_words([p.short_label for p, _ in periods])),
        _say(
            "chart_source",
            what=service.name,
            quarters=join_words(list(dict.fromkeys([periods[0][0].short_label, periods[-1][0].short_label]))),
        ),
        chart=drawn.figure,
    )


def standards_chart(service: Service, view: View, quarter: Quarter) -> Figure | None:
    """Share of applicable cases meeting each practice standard; the title states the range."""
    items = [
        (s.label, view.share(F.standard(service.id, s.id, "met")))
        for s in service.standards
        if view.shows(F.standard(service.id, s.id, "met"))
    ]
    if not items:
        return None
    from qa_lib import charts  # matplotlib: loaded when a chart is drawn, not to compute figures

    drawn = charts.share_bars(items, _say("standards_chart_axis"))
    low, high = fmt_pct(min(v for _, v in items)), fmt_pct(max(v for _, v in items))
    return Figure(
        _say("standards_chart_title", service=service.name, low=low, high=high, quarter=quarter.name),
        _say(
            "standards_chart_alt",
            service=service.name,
            quarter=quarter.short_label,
            items=words("chart_values", items=[(label, fmt_pct(v)) for label, v in items]),
        ),
        drawn.svg,
        _say("standards_chart_subtitle", quarter=quarter.short_label),
        _say("chart_source", what=service.name, quarters=quarter.short_label),
        chart=drawn.figure,
    )


def trend_series(
    framework: Framework, history: list[tuple[Quarter, View | None]]
) -> tuple[list[tuple[Service, str, list[float]]], list[int]]:
    """Each service's headline band (of the latest quarter's scale) over the quarters, NaN for
    a gap, and the indexes of quarters that start a new grading scale.

    Earlier quarters on another scale take the band the framework maps onto it; a quarter
    with no data, no mapped band or a suppressed share is a gap."""
    quarters = [q for q, _ in history]
    latest = quarters[-1]
    series, breaks = [], set()
    for service in framework.services:
        scale = framework.scale_for(service.id, latest)
        if scale is None or not scale.headline_band:
            continue
        values = []
        for index, (quarter, view) in enumerate(history):
            band = framework.earlier_band(service.id, latest, quarter, scale.headline_band)
            fid = F.audit(service.id, "band", band) if band else None
            values.append(view.share(fid) if view and fid and view.shows(fid) else math.nan)
            if (
                index
                and not framework.same_scale(service.id, quarter, quarters[index - 1])
                and framework.scale_for(service.id, quarters[index - 1]) is not None
            ):
                breaks.add(index)
        if any(not math.isnan(v) for v in values):
            series.append((service, scale.band(scale.headline_band).label, values))
    return series, sorted(breaks)


def trend_chart(
    history: list[tuple[Quarter, View | None]],
    series: list[tuple[Service, str, list[float]]],
    breaks: list[int],
    real: list[str] | None,
) -> Figure:
    """The headline bands over time, a dashed line at each change of grading scale, gaps never
    bridged. The title names the services whose headline share changed this quarter by more
    than normal variation (``real``: their words), or says none did."""
    quarters = [q for q, _ in history]
    from qa_lib import charts  # matplotlib: loaded when a chart is drawn, not to compute figures

    drawn = charts.trend_lines(
        [q.ordinal for q in quarters],
        [q.short_label for q in quarters],
        [(f"{service.name} ({band})", values) for service, band, values in series],
        breaks,
        _say("trend_chart_axis"),
        _say("trend_chart_scale_change"),
    )
    described = "; ".join(
        f"{service.name} ({band}): "
        + ", ".join(f"{q.short_label} {whole_percent(v)}%" for q, v in zip(quarters, values) if not math.isnan(v))
        for service, band, values in series
    )
    return Figure(
        _say(
            "trend_chart_title",
            real=real,
            quarter=quarters[-1].name,
            tested=real is not None,
            first=quarters[0].short_label,
            last=quarters[-1].short_label,
        ),
        _say("trend_chart_alt", series=described, breaks=bool(breaks)),
        drawn.svg,
        _say("trend_chart_subtitle"),
        _say(
            "chart_source",
            what=_say("trend_chart_what"),
            quarters=words("quarter_range", first=quarters[0].short_label, last=quarters[-1].short_label),
        ),
        chart=drawn.figure,
    )


def headline_changes(ctx: Context) -> list[str] | None:
    """The services whose headline share changed since the previous quarter by more than normal
    variation, in the words of a chart's title; ``None`` when no headline share was tested."""
    found, tested = [], False
    for service in ctx.framework.services:
        scale = ctx.framework.scale_for(service.id, ctx.quarter)
        if scale is None or not scale.headline_band:
            continue
        headline = F.audit(service.id, "band", scale.headline_band)
        for c in changes(service, ctx.framework, ctx.view, ctx.previous_view, ctx.quarter):
            if c.fid == headline:
                tested = True
                if c.verdict != "comparable":
                    found.append(_say("trend_change", service=service.name, change=c.words("chart_change")))
    return found if tested else None


def trend_table(
    framework: Framework,
    history: list[tuple[Quarter, View | None]],
    series: list[tuple[Service, str, list[float]]],
    breaks: list[int],
) -> Table:
    """The data behind the trend chart: each service's headline band by quarter."""
    rows = []
    latest = history[-1][0]
    for index, (quarter, view) in enumerate(history):
        label = _say("trend_table_new_scale", quarter=quarter.short_label) if index in breaks else quarter.short_label
        cells = [tables.label(label)]
        for service, _, values in series:
            value = values[index]
            if view is None:
                cells.append(tables.symbol(NOT_AVAILABLE, "percent"))
            elif math.isnan(value):
                scale = framework.scale_for(service.id, latest)
                band = (
                    framework.earlier_band(service.id, latest, quarter, scale.headline_band)
                    if scale and scale.headline_band
                    else None
                )
                fid = F.audit(service.id, "band", band) if band else None
                hidden = fid is not None and view.hidden(fid) and view.figures.pct(fid) is not None
                cells.append(tables.symbol(SUPPRESSED if hidden else NOT_APPLICABLE, "percent"))
            else:
                cells.append(tables.percent(value))
        rows.append(cells)
    return tables.table(
        _say("trend_table_caption"),
        [
            _say("trend_table_first_column"),
            *[_say("trend_table_column", service=service.name, band=band) for service, band, _ in series],
        ],
        rows,
        [_say("trend_table_note")] if breaks else [],
    )


# -- the section ---------------------------------------------------------------------------


def build(ctx: Context) -> list[Block]:
    """Per service: what the audits found, the comparison, chart, table, moderation,
    standards and the service's commentary; then the trend and future developments."""
    fw, quarter, view, before = ctx.framework, ctx.quarter, ctx.view, ctx.previous_view
    parts: list[Block] = [Heading(2, _say("heading"))]
    if not before.available:
        why = before.unavailable_because or _say("no_previous_data", quarter=quarter.previous.long_name)
        parts.append(Paragraph(spans(_say("no_comparison", why=why)), True))
    for service in fw.services:
        scale = fw.scale_for(service.id, quarter)
        body: list[Block] = [
            Heading(3, service.name),
            Paragraph(spans(" ".join(audit_sentences(service, scale, view, quarter))), True),
        ]
        comparison = audit_comparison(service, fw, view, before, quarter)
        if comparison:
            body.append(Paragraph(spans(" ".join(comparison)), True))
        if scale is not None and view.figures.count(F.audit(service.id, "graded")):
            chart = grade_chart(service, scale, fw, quarter, view, before)
            body += [chart] if chart else []
            table = grade_table(service, fw, quarter, view, before)
            table.caution = small_base_caution(view, F.audit(service.id, "graded"), fw.minimum_base)
            body.append(table)
        moderation = moderation_table(service, fw, quarter, view)
        if moderation:
            body.append(Paragraph(spans(" ".join(moderation_sentences(service, view))), True))
            body.append(moderation)
        standards = standards_sentences(service, fw, view)
        if standards:
            body.append(Paragraph(spans(" ".join(standards)), True))
            chart = standards_chart(service, view, quarter)
            body += [chart] if chart else []
            body.append(standards_table(service, fw, quarter, view))
        body += ctx.commentary_blocks(f"audit.{service.id}")
        parts.append(Box("section", body))
    if len(ctx.history) >= 2:
        series, breaks = trend_series(fw, ctx.history)
        if series:
            parts.append(
                Box(
                    "section",
                    [
                        Heading(3, _say("trend_heading")),
                        trend_chart(ctx.history, series, breaks, headline_changes(ctx)),
                        trend_table(fw, ctx.history, series, breaks),
                    ],
                )
            )
    future = ctx.commentary_blocks("audits_future")
    if future:
        parts.append(Box("section", [Heading(3, _say("future_heading")), *future]))
    return [Box("part", parts)]


SECTION = Section(
    "audits",
    build,
    figures=figure_rows,
    groups=groups,
    commentary=commentary_ids,
    families=("audits", "moderation", "standards"),
)
