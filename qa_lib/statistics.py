"""The statistics behind the figures: shares with their Wilson intervals, the Fisher test
of a change, weighted kappa. Every percentage is exact (``100 * k / n``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

ALPHA = 0.05  # two-sided significance level of the comparisons, and 1 - confidence of the intervals


# The 97.5% point of the standard normal distribution (scipy.stats.norm.isf(0.025)), for ALPHA.
Z = 1.9599639845400545


def wilson_interval(count: int, base: int) -> tuple[float, float]:
    """The 95% Wilson score interval of ``count / base``, in percent.

    E. B. Wilson (1927), "Probable inference, the law of succession, and statistical
    inference", JASA 22: 209-212; as Brown, Cai and DasGupta (2001), Statistical Science
    16: 101-133, eq. (4) give it: centre (p + z²/2n) / (1 + z²/n), half-width
    z √(p(1 − p)/n + z²/4n²) / (1 + z²/n), clipped to [0, 1]. The operations are in the
    order statsmodels' ``proportion_confint(method="wilson")`` takes them, so the figures
    are the same to the last bit (a test checks it against statsmodels).
    """
    n = float(base)
    p = float(count) / n
    z2 = Z * Z
    denominator = 1 + z2 / n
    centre = (p + z2 / (2 * n)) / denominator
    half = Z * math.sqrt(p * (1.0 - p) / n + z2 / (4.0 * (n * n))) / denominator
    return 100 * min(max(centre - half, 0.0), 1.0), 100 * min(max(centre + half, 0.0), 1.0)


def share(count: int, base: int) -> dict[str, Any]:
    """The values of a share: its count and base and, when the base is not zero, the exact
    percentage and its interval (never NaN: a share of nothing has no percentage)."""
    values: dict[str, Any] = {"count": int(count), "base": int(base)}
    if base:
        values["pct"] = 100 * int(count) / int(base)
        values["ci_low"], values["ci_high"] = wilson_interval(int(count), int(base))
    return values


def fisher_p(k1: int, n1: int, k0: int, n0: int) -> float:
    """Two-sided Fisher exact test of ``k1 / n1`` against ``k0 / n0``."""
    from scipy.stats import fisher_exact

    return float(fisher_exact([[k1, n1 - k1], [k0, n0 - k0]], alternative="two-sided").pvalue)


def verdict(p_value: float, rose: bool, higher_is_better: bool) -> str:
    """``comparable`` when p ≥ ALPHA, otherwise an improvement or a decline by the direction."""
    if p_value >= ALPHA:
        return "comparable"
    return "improvement" if rose == higher_is_better else "decline"


def weighted_kappa(table: np.ndarray) -> tuple[float, float, float] | None:
    """Linearly weighted Cohen's kappa with its asymptotic 95% interval; ``None`` when
    undefined (every audit has one grade), the interval NaN when its error is."""
    from statsmodels.stats.inter_rater import cohens_kappa

    result = cohens_kappa(table, wt="linear")
    if not np.isfinite(result.kappa):
        return None
    if not np.isfinite(result.std_kappa):
        return float(result.kappa), float("nan"), float("nan")
    return float(result.kappa), float(result.kappa_low), float(result.kappa_upp)
