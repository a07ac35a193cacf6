"""Every figure of a quarter, as one typed tidy table (:mod:`qa_lib.figures`).

Each section of the paper declares the figures it computes (``Section.figures``); this
stage runs them all on a validated quarter and, where the previous quarter was computed
too, tests every directed share's change. Percentages are exact (``100 * k / n``); a
share whose base is zero has no percentage, never NaN.
"""

from __future__ import annotations

import pandas as pd

from qa_lib import figures as F
from qa_lib.figures import FigureId, Figures
from qa_lib.framework import Framework
from qa_lib.quarter import Quarter
from qa_lib.statistics import fisher_p, verdict
from qa_lib.validation import ValidQuarter


def quarter_figures(data: ValidQuarter, framework: Framework) -> pd.DataFrame:
    """Every figure every registered section declares, for one validated quarter.

    Optional tables that were not supplied contribute no rows, so an absent table is never
    mistaken for a count of zero."""
    from qa_lib.sections import REGISTRY

    rows = [row for section in REGISTRY if section.figures for row in section.figures(data, framework)]
    return F.table(rows, str(data.quarter))


def earlier_figure(fid: FigureId, framework: Framework, quarter: Quarter) -> FigureId | None:
    """The same figure in the previous quarter, following changes of grading scale: a grade
    only on the same scale, a band through the framework's band map."""
    if fid.section != F.AUDITS or fid.measure not in ("grade", "band"):
        return fid
    assert fid.service is not None and fid.category is not None  # a grade or band is of a service
    previous = quarter.previous
    if fid.measure == "grade":
        return fid if framework.same_scale(fid.service, quarter, previous) else None
    band = framework.earlier_band(fid.service, quarter, previous, fid.category)
    return fid._replace(category=band) if band else None


def _change(
    fid: FigureId, current: Figures, previous: Figures, framework: Framework, quarter: Quarter
) -> tuple[float, str] | None:
    """The tested change of one directed share since the previous quarter, if both quarters have it."""
    values = current.get(fid)
    base = F.base_of(fid)
    if values is None or values["pct"] is None or values["direction"] is None or base is None:
        return None
    earlier = earlier_figure(fid, framework, quarter)
    earlier_base = F.base_of(earlier) if earlier else None
    if earlier is None or earlier_base is None or previous.pct(earlier) is None:
        return None
    k1, n1 = values["count"], current.count(base)
    k0, n0 = previous.count(earlier), previous.count(earlier_base)
    if n1 is None or k0 is None or n0 is None:
        return None
    p_value = fisher_p(k1, n1, k0, n0)
    return p_value, verdict(p_value, k1 / n1 > k0 / n0, bool(values["direction"]))


def compare(now: pd.DataFrame, before: pd.DataFrame, framework: Framework, quarter: Quarter) -> pd.DataFrame:
    """``now`` with each directed share's change since ``before`` tested: a two-sided Fisher
    exact test on the two quarters' counts, ``comparable`` when p ≥ ALPHA, otherwise an
    improvement or a decline by the framework's direction."""
    current, previous = Figures(now), Figures(before)
    changes = [_change(fid, current, previous, framework, quarter) for fid in current]
    tested = now.assign(
        p_value=pd.array([c[0] if c else None for c in changes], dtype="Float64"),
        verdict=pd.array([c[1] if c else None for c in changes], dtype="string"),
    )
    return F.SCHEMA.validate(tested)
