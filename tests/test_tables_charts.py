"""Tables never have empty cells; charts are repeatable and described in words."""

from __future__ import annotations

import re

from qa_lib import charts, tables
from qa_lib.disclosure import NOT_APPLICABLE, NOT_AVAILABLE, View
from qa_lib.quarter import Quarter

Q4 = Quarter.parse("2013-14-Q4")


def _graded(framework):
    for service in framework.services:
        scale = framework.scale_for(service.id, Q4)
        if scale and scale.bands:
            return service, scale
    raise AssertionError


def _figures(service, scale, shares):
    key = f"audits.{service.id}"
    figures = {f"{key}.graded": 100, f"{key}.count": 100}
    for grade, share in zip(scale.grades, shares):
        figures[f"{key}.grade.{grade.id}.count"] = share
        figures[f"{key}.grade.{grade.id}.pct"] = float(share)
    for band in scale.bands:
        n = sum(figures[f"{key}.grade.{g}.count"] for g in band.grades)
        figures[f"{key}.band.{band.id}.count"] = n
        figures[f"{key}.band.{band.id}.pct"] = float(n)
    return figures


def test_grade_table_marks_a_missing_previous_quarter_with_a_symbol(framework):
    service, scale = _graded(framework)
    shares = [100 // len(scale.grades)] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    table = tables.grade_table(service, framework, Q4, View(_figures(service, scale, shares)),
                               View({}, available=False))
    assert all(cell.strip() for row in table.rows for cell in row)
    assert all(row[4] == NOT_AVAILABLE and row[-1] in (NOT_AVAILABLE, NOT_APPLICABLE) for row in table.rows)
    assert len(table.columns) == len(set(table.columns)) == len(table.rows[0])
    html = table.to_html()
    assert '<caption><span class="table-no">Table</span>: ' in html and html.count('scope="col"') == len(table.columns)
    assert html.count('scope="row"') == len(table.rows)
    assert "[x] not available" in html


def test_grade_chart_is_repeatable_and_its_alt_text_has_the_numbers(framework):
    service, scale = _graded(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    first = charts.grade_chart(service, scale, framework, Q4, View(figures), View({}, available=False))
    second = charts.grade_chart(service, scale, framework, Q4, View(figures), View({}, available=False))
    assert first.png == second.png and first.png.startswith(b"\x89PNG")
    assert f"{scale.grades[-1].label.lower()} {shares[-1]}%" in first.alt
    assert "Q4 2013-14" in first.alt and Q4.previous.short_label not in first.alt


def test_trend_chart_leaves_a_gap_for_a_missing_quarter(framework):
    service, scale = _graded(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    q2, q3 = Q4.previous.previous, Q4.previous
    chart = charts.trend_chart(framework, [(q2, View(figures)), (q3, None), (Q4, View(figures))])
    described = re.search(rf"{re.escape(service.name)} \([^)]*\): ([^;]*)", chart.alt)[1]
    assert q2.short_label in described and Q4.short_label in described
    assert q3.short_label not in described
    assert "scale change" not in chart.alt and "dashed line" not in chart.alt
    assert charts.trend_chart(framework, [(Q4, View(figures))]) is None


def test_a_suppressed_grade_keeps_its_quarter_out_of_the_chart(framework):
    service, scale = _graded(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    hidden = View(figures, suppressed=frozenset({f"audits.{service.id}.grade.{scale.grades[0].id}.count"}))
    assert charts.grade_chart(service, scale, framework, Q4, hidden, View({}, available=False)) is None
    table = tables.grade_table(service, framework, Q4, hidden, View({}, available=False))
    assert table.rows[0][1:3] == ["[c]", "[c]"]
    assert any(note.startswith("[c] ") for note in table.symbol_notes())
