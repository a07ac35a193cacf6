"""How numbers are written in the report: whole percentages rounded half up."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal


def whole_percent(value: float) -> int:
    """Round a percentage half up to a whole number (81.875 → 82, 8.5 → 9).

    The value is first fixed to nine decimals: ``100 * k / n`` in binary floating
    point can land a hair below an exact half (100 * 29 / 200 is
    14.499999999999998), which must still round up.
    """
    exact = Decimal(repr(float(value))).quantize(Decimal("1e-9"), rounding=ROUND_HALF_UP)
    return int(exact.quantize(Decimal(1), rounding=ROUND_HALF_UP))


def fmt_pct(value: float) -> str:
    return f"{whole_percent(value)}%"


def fmt_p(p_value: float) -> str:
    """A p-value as a committee paper states it."""
    return "p < 0.001" if p_value < 0.001 else f"p = {p_value:.2g}"


def join_words(items: list[str]) -> str:
    """``a, b and c``."""
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def lower_first(text: str) -> str:
    """``Good`` → ``good``, as a label reads inside a sentence."""
    return text[:1].lower() + text[1:]
