"""Tables never have empty cells; charts are repeatable and described in words."""

from __future__ import annotations

import re

from qa_lib import charts, tables
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
    table = tables.grade_table(service, scale, _figures(service, scale, shares), {}, Q4, Q4.previous,
                               has_previous=False)
    assert all(cell.strip() for row in table.rows for cell in row)
    assert all(row[3] == tables.NOT_AVAILABLE for row in table.rows)
    assert len(table.columns) == len(set(table.columns)) == len(table.rows[0])
    html = table.to_html(3)
    assert "<caption>Table 3: " in html and html.count('scope="col"') == len(table.columns)
    assert html.count('scope="row"') == len(table.rows)
    assert "[x] not available" in html


def test_grade_chart_is_repeatable_and_its_alt_text_has_the_numbers(framework):
    service, scale = _graded(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    first = charts.grade_chart(service, scale, figures, {}, Q4, Q4.previous)
    second = charts.grade_chart(service, scale, figures, {}, Q4, Q4.previous)
    assert first.png == second.png and first.png.startswith(b"\x89PNG")
    assert f"{scale.grades[-1].label.lower()} {shares[-1]}%" in first.alt
    assert "Q4 2013-14" in first.alt and Q4.previous.short_label not in first.alt


def test_trend_chart_leaves_a_gap_for_a_missing_quarter(framework):
    service, scale = _graded(framework)
    shares = [10] * (len(scale.grades) - 1)
    shares.append(100 - sum(shares))
    figures = _figures(service, scale, shares)
    q2, q3 = Q4.previous.previous, Q4.previous
    chart = charts.trend_chart(framework, [(q2, figures), (q3, None), (Q4, figures)])
    described = re.search(rf"{re.escape(service.name)}: ([^;]*)", chart.alt)[1]
    assert q2.short_label in described and Q4.short_label in described
    assert q3.short_label not in described
    assert charts.trend_chart(framework, [(Q4, figures)]) is None
