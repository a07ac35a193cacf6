"""The methodology against independent calculations: intervals, the test, kappa,
scale changes, and properties of rounding and suppression."""

from __future__ import annotations

import itertools
import math
import re

import pandas as pd
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from qa_lib import figures as F
from qa_lib.disclosure import Group, _pinned, _pinned_by_programme, _system, protect_group, suppressed
from qa_lib.figures import Figures
from qa_lib.formatting import whole_percent
from qa_lib.measures import compare
from qa_lib.quarter import Quarter
from qa_lib.sections import audits as audits_section
from qa_lib.sections import section
from qa_lib.statistics import wilson_interval

from helpers import audit_row, section_html

Q4 = Quarter.parse("2013-14-Q4")
Q1 = Quarter.parse("2014-15-Q1")
Z = 1.959963984540054  # the 97.5% point of the standard normal


def wilson_by_hand(k: int, n: int) -> tuple[float, float]:
    p = k / n
    centre = (p + Z * Z / (2 * n)) / (1 + Z * Z / n)
    half = Z * math.sqrt(p * (1 - p) / n + Z * Z / (4 * n * n)) / (1 + Z * Z / n)
    return 100 * (centre - half), 100 * (centre + half)


@pytest.mark.parametrize("k, n", [(60, 101), (0, 15), (15, 15), (262, 320), (1, 4)])
def test_wilson_interval_matches_the_formula(k, n):
    assert wilson_interval(k, n) == pytest.approx(wilson_by_hand(k, n), abs=1e-9)


def fisher_by_hand(a: int, b: int, c: int, d: int) -> float:
    """Two-sided Fisher exact p: the total probability of tables no likelier than the observed."""
    row1, col1, n = a + b, a + c, a + b + c + d

    def prob(x: int) -> float:
        return math.comb(col1, x) * math.comb(n - col1, row1 - x) / math.comb(n, row1)

    observed = prob(a)
    return sum(prob(x) for x in range(max(0, row1 + col1 - n), min(row1, col1) + 1) if prob(x) <= observed * (1 + 1e-7))


def audit_table(frame, framework, quarter):
    return F.table(audits_section.audit_rows(frame, framework, quarter, {}), str(quarter))


def audit_figures(frame, framework, quarter, populations):
    return F.to_keys(audit_table(frame, framework, quarter))


def comparison_figures(now, before, framework, quarter):
    """The change keys of ``now`` tested against ``before`` (figures tables)."""
    return {k: v for k, v in F.to_keys(compare(now, before, framework, quarter)).items() if ".change." in k}


def moderation_figures(frame, framework, quarter):
    return F.to_keys(F.table(audits_section.moderation_rows(frame, framework, quarter), str(quarter)))


def _grades(service, scale, counts):
    rows = [audit_row(f"{g}-{i}", service.id, g) for g, n in zip(scale.grade_ids, counts) for i in range(n)]
    frame = pd.DataFrame(rows)
    frame["moderated_grade"] = ""
    frame["agency"] = ""
    return frame


def _tss(framework):
    service = next(s for s in framework.services if (sc := framework.scale_for(s.id, Q4)) and len(sc.grades) == 4)
    return service, framework.scale_for(service.id, Q4)


def test_fisher_test_and_verdicts_match_hand_calculation(framework):
    service, scale = _tss(framework)
    now = audit_table(_grades(service, scale, [12, 48, 32, 9]), framework, Q4)
    before = audit_table(_grades(service, scale, [10, 42, 30, 18]), framework, Q4.previous)
    changes = comparison_figures(now, before, framework, Q4)
    band = f"audits.{service.id}.band.{scale.headline_band}"
    assert changes[f"{band}.change.p_value"] == pytest.approx(fisher_by_hand(60, 41, 52, 48), rel=1e-9)
    assert changes[f"{band}.change.verdict"] == "comparable"
    # A large fall in the worst grade is an improvement; a large rise a decline.
    worse = audit_table(_grades(service, scale, [5, 20, 25, 50]), framework, Q4.previous)
    worst = f"audits.{service.id}.grade.{scale.worst_grade.id}"
    assert comparison_figures(now, worse, framework, Q4)[f"{worst}.change.verdict"] == "improvement"
    assert comparison_figures(worse, now, framework, Q4)[f"{worst}.change.verdict"] == "decline"
    assert comparison_figures(now, worse, framework, Q4)[f"{band}.change.verdict"] == "improvement"
    # A grade the framework does not judge either way gets no verdict.
    undirected = [g for g in scale.grades if g.higher_is_better is None]
    assert undirected and not any(f".grade.{g.id}.change" in k for g in undirected for k in changes)


def kappa_by_hand(table: list[list[int]]) -> float:
    k = len(table)
    n = sum(map(sum, table))
    weight = [[1 - abs(i - j) / (k - 1) for j in range(k)] for i in range(k)]
    rows = [sum(r) / n for r in table]
    cols = [sum(table[i][j] for i in range(k)) / n for j in range(k)]
    observed = sum(weight[i][j] * table[i][j] / n for i in range(k) for j in range(k))
    expected = sum(weight[i][j] * rows[i] * cols[j] for i in range(k) for j in range(k))
    return (observed - expected) / (1 - expected)


def test_moderation_agreement_and_weighted_kappa(framework):
    service, _ = _tss(framework)
    scale = framework.scale_for(service.id, Q1)
    table = [[3, 1, 0, 0], [1, 8, 2, 0], [0, 1, 6, 1], [0, 0, 1, 2]]
    rows = []
    for i, auditor in enumerate(scale.grade_ids):
        for j, moderator in enumerate(scale.grade_ids):
            rows += [
                audit_row(f"{i}{j}{n}", service.id, auditor, date="2014-05-01", moderated_grade=moderator)
                for n in range(table[i][j])
            ]
    frame = pd.DataFrame(rows)
    frame["agency"] = ""
    figures = moderation_figures(frame, framework, Q1)
    key = f"moderation.{service.id}"
    assert figures[f"{key}.count"] == 26
    assert figures[f"{key}.agreement.pct"] == pytest.approx(100 * 19 / 26)
    assert figures[f"{key}.kappa"] == pytest.approx(kappa_by_hand(table), rel=1e-9)
    assert figures[f"{key}.kappa_ci_low"] < figures[f"{key}.kappa"] < figures[f"{key}.kappa_ci_high"]
    assert figures[f"{key}.grade.{scale.grade_ids[1]}.moderated.{scale.grade_ids[2]}.count"] == 2


def test_the_sample_moderation_reaches_the_report(sample_context):
    context = sample_context("2014-15-Q1", mode="internal")
    assert any(k.startswith("moderation.") and k.endswith(".kappa") for k in context.figures_document()["figures"])
    html = section_html(section("audits").build(context))
    assert "auditor’s grade against moderator’s grade" in html.replace("&#x27;", "’").replace("'", "’")
    assert "Cohen" in html


def test_comparisons_cross_a_scale_change_only_through_the_mapping(framework, sample_context):
    context = sample_context("2014-15-Q1", mode="internal")
    figures = context.figures_document()["figures"]
    changed = [
        s
        for s in framework.services
        if not framework.same_scale(s.id, Q1, Q1.previous) and framework.scale_for(s.id, Q1.previous)
    ]
    assert changed
    for service in changed:
        period = framework.period_for(service.id, Q1)
        keys = [k for k in figures if k.startswith(f"audits.{service.id}.") and ".change." in k]
        assert not any(".grade." in k for k in keys), "grades on two scales are never compared"
        compared = {k.split(".")[3] for k in keys}
        assert compared == set(period.band_map.values()) & compared
        for old, new in period.band_map.items():
            assert framework.earlier_band(service.id, Q1, Q1.previous, new) == old
    html = section_html(section("audits").build(context))
    assert all(f"{s.name} grades on a new scale from quarter 1" in html for s in changed)
    assert "on the previous scale" in html


def test_trend_marks_the_scale_change(sample_context):
    html = section_html(section("audits").build(sample_context("2014-15-Q1", mode="internal")))
    alt = next(a for a in html.split('alt="')[1:] if a.startswith("Line chart"))
    assert "dashed line marks a change of grading scale" in alt


def test_methodology_is_generated_from_what_was_used(framework, sample_context):
    html = section_html(section("methodology").build(sample_context("2013-14-Q4"))).replace("&#39;", "'")
    assert f"{framework.name} (version {framework.version})" in html
    assert f"numbers from 1 to {framework.suppression_threshold} are not shown" in html
    assert f"fewer than {framework.minimum_base} cases" in html
    assert "at the 0.05 level" in html and "Wilson" in html
    for service in framework.services:
        for index, period in enumerate(service.scales):
            new_scale = framework.grade_scales[period.scale] if period.scale else None
            old = service.scales[index - 1].scale if index else None
            old_scale = framework.grade_scales[old] if old else None
            for was, new in period.band_map.items():
                assert new_scale and old_scale
                words = f"{new_scale.band(new).label.lower()} is compared with {old_scale.band(was).label.lower()}"
                assert words in html.lower()
    for exemption in framework.suppression_exempt:
        assert f"Counts of {exemption.label} are not about individual children" in html
    assert "internal version" in section_html(
        section("methodology").build(sample_context("2013-14-Q4", mode="internal"))
    )


def test_methodology_reads_in_words_with_formulas_and_references_at_its_end(sample_context):
    """A member reads the method in words; the formulas and references come after them, and no
    code name (a function, a file, an identifier) appears anywhere in it."""
    from qa_lib.paper import Definitions, Heading, walk

    blocks = list(walk(section("methodology").build(sample_context("2014-15-Q1"))))
    headings = [b.text for b in blocks if isinstance(b, Heading)]
    assert headings[-1] == "Formulas and references"
    words, formulas = [b for b in blocks if isinstance(b, Definitions)]
    plain = " ".join(text for _, text in words.items)
    assert "√" not in plain and "Wilson" not in plain and "Fisher" not in plain
    assert "√" in " ".join(text for _, text in formulas.items)
    everything = plain + " ".join(text for _, text in formulas.items)
    assert not re.search(r"\b[a-z]+_[a-z_]+\b|\w+\.(?:py|yaml|json)\b|\w+\(\)|→", everything), everything


# -- properties -------------------------------------------------------------------------


@settings(max_examples=60, deadline=None)
@given(st.data())
def test_shares_of_a_partition_add_to_100_within_rounding(framework, data):
    service, scale = _tss(framework)
    counts = data.draw(
        st.lists(st.integers(0, 40), min_size=len(scale.grades), max_size=len(scale.grades)).filter(
            lambda c: sum(c) > 0
        )
    )
    figures = audit_figures(_grades(service, scale, counts), framework, Q4, {})
    shares = [figures[f"audits.{service.id}.grade.{g}.pct"] for g in scale.grade_ids]
    assert sum(shares) == pytest.approx(100)
    assert abs(sum(whole_percent(s) for s in shares) - 100) <= len(shares) / 2


def _consistent_values(
    group: Group, values: dict[str, int], hidden: set[str], free: list[str], limit: int
) -> dict[str, set[int]]:
    """Brute force, independent of the linear programming: every assignment of the free
    cells that reproduces what is published, and the values each hidden cell then takes."""
    seen: dict[str, set[int]] = {c: set() for c in hidden}
    unknown = [c for c in free if c in hidden]
    for guess in itertools.product(range(1, limit + 1), repeat=len(unknown)):
        cells = {c: values[c] for c in free if c not in hidden} | dict(zip(unknown, guess))
        for parts, total in group.constraints:
            cells[total] = sum(cells[p] for p in parts)
        if any(c not in hidden and cells[c] != values[c] for c in group.cells):
            continue
        if any(c in hidden and cells[c] < 1 for c in group.cells):
            continue  # a hidden count is never zero, and a reader may know it
        for c in hidden:
            seen[c].add(cells[c])
    return seen


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.data())
def test_no_suppressed_count_can_be_worked_out_from_a_published_table(framework, data):
    scales = [framework.scale_for(s.id, Q4) for s in framework.services if framework.scale_for(s.id, Q4)]
    scale = data.draw(st.sampled_from(scales))
    service = next(s for s in framework.services if framework.scale_for(s.id, Q4) == scale)
    counts = data.draw(
        st.lists(st.integers(0, 9), min_size=len(scale.grades), max_size=len(scale.grades)).filter(lambda c: sum(c) > 0)
    )
    figures = Figures(audit_table(_grades(service, scale, counts), framework, Q4))
    group = next(g for g in audits_section.groups(figures, framework, Q4) if F.audit(service.id, "graded") in g.cells)
    values = {c: figures.count(c) for c in group.cells}
    hidden = protect_group(group, values, framework.suppression_threshold)
    assert all(c in hidden for c in group.cells if 1 <= values[c] <= framework.suppression_threshold)
    free = [F.audit(service.id, "grade", g) for g in scale.grade_ids]
    seen = _consistent_values(group, values, hidden, free, limit=sum(counts) + 4)
    for cell in hidden:
        assert len(seen[cell]) >= 2, f"{cell} = {values[cell]} can be worked out from {values} less {hidden}"


@settings(max_examples=150, deadline=None)
@given(parts=st.lists(st.integers(0, 12), min_size=4, max_size=4), banded=st.booleans(), data=st.data())
def test_shortcuts_agree_with_the_linear_programme(parts, banded, data):
    # Four grades summing to a total, and optionally two bands of two grades: the shapes the
    # framework makes. Whatever is hidden, the quick arguments must reach the programme's verdict.
    cells = ["g1", "g2", "g3", "g4"]
    constraints = [(tuple(cells), "total")]
    if banded:
        constraints += [(("g1", "g2"), "low"), (("g3", "g4"), "high")]
    values = dict(zip(cells, parts)) | {"total": sum(parts), "low": parts[0] + parts[1], "high": parts[2] + parts[3]}
    group = Group(tuple(cells + ["total"] + (["low", "high"] if banded else [])), tuple(constraints))
    candidates = [c for c in group.cells if values[c] >= 1]
    if not candidates:
        return
    hidden = set(data.draw(st.lists(st.sampled_from(candidates), min_size=1, unique=True)))
    for cell in hidden:
        index, a, b = _system(group, values, hidden)
        expected = bool(len(a)) and _pinned_by_programme(a, b, index[cell])
        assert _pinned(group, values, hidden, cell) == expected, (values, hidden, cell)


def test_publication_view_hides_percentages_built_on_hidden_counts(framework, sample_context):
    context = sample_context("2013-14-Q4")
    view = context.view
    assert view.suppressed, "the sample's small CAF grades are suppressed"
    for fid in view.suppressed:
        if view.figures.pct(fid) is not None:
            assert view.pct(fid) == "[c]" and view.interval(fid) == "[c]"
    assert view.count(F.engagement("type", "scrutiny_board")) == "2", "engagement counts are exempt by name"
    # Every count is suppressed unless exempted: without the exemption, the same count is hidden.
    figures = view.figures
    groups = [
        g
        for s in __import__("qa_lib.sections", fromlist=["REGISTRY"]).REGISTRY
        if s.groups
        for g in s.groups(figures, framework, Q4)
    ]
    assert F.engagement("type", "scrutiny_board") in suppressed(figures, groups, framework.suppression_threshold)
    assert F.engagement("type", "scrutiny_board") not in suppressed(
        figures, groups, framework.suppression_threshold, [e.name for e in framework.suppression_exempt]
    )
