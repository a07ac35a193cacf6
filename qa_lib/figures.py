"""Every figure of a quarter as one typed tidy table, and ``figures.json`` derived from it.

A row is one measured quantity, named by its identity columns (section, measure, and
where they apply service, survey, item, category, breakdown) and carrying its values:
a count, the base it is a share of, the exact percentage with its 95% Wilson interval,
a plain value (an age, a kappa), the framework's direction and, once compared with the
previous quarter, the test's p-value and verdict. Suppression, comparisons, sentences,
tables and charts select rows and columns; nobody builds or parses a key string except
the codec at the end of this module, which writes (and reads back) ``figures.json``
with the keys of ``docs/figures.md``.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from functools import cached_property
from typing import Any, NamedTuple

import numpy as np
import pandas as pd
import pandera.pandas as pa

VERDICTS = ("comparable", "improvement", "decline")

# The sections of figures: the first part of every key of figures.json.
AUDITS, STANDARDS, FEEDBACK, ENGAGEMENT, MODERATION = "audits", "standards", "feedback", "engagement", "moderation"


class FigureId(NamedTuple):
    """What a figure is of: its identity columns, ``None`` where a column does not apply."""

    section: str
    measure: str
    service: str | None = None
    survey: str | None = None
    item: str | None = None  # a practice standard, or a survey question
    category: str | None = None  # a grade, band, answer, activity type… (an auditor's grade in moderation)
    breakdown: str | None = None  # a team type (standards), or the moderator's grade (moderation)


IDENTITY = list(FigureId._fields)
VALUES = ["count", "base", "pct", "ci_low", "ci_high", "value", "direction", "p_value", "verdict"]
COLUMNS = ["quarter", *IDENTITY, *VALUES]


# -- identities, by section ------------------------------------------------------------


def audit(service: str, measure: str, category: str | None = None) -> FigureId:
    """``measure``: audited, graded, sample, risk_of_harm, grade (category: grade), band (category: band)."""
    return FigureId(AUDITS, measure, service=service, category=category)


def standard(service: str, standard_id: str, measure: str, team_type: str | None = None) -> FigureId:
    """``measure``: applicable, met, not_met; overall, or for one team type."""
    return FigureId(STANDARDS, measure, service=service, item=standard_id, breakdown=team_type)


def survey(survey_id: str, measure: str, question: str | None = None, answer: str | None = None) -> FigureId:
    """``measure``: respondents, sample, age_min, age_max; per question: answered, positive, answer."""
    return FigureId(FEEDBACK, measure, survey=survey_id, item=question, category=answer)


def engagement(measure: str, category: str | None = None) -> FigureId:
    """``measure``: activities; or type, role, location_type with the option as category."""
    return FigureId(ENGAGEMENT, measure, category=category)


def moderation(service: str, measure: str, grade: str | None = None, moderated: str | None = None) -> FigureId:
    """``measure``: moderated, agreement, kappa; or cell (auditor's grade by moderator's grade)."""
    return FigureId(MODERATION, measure, service=service, category=grade, breakdown=moderated)


# The row whose count is the base of a share: the same figure but for these identity parts.
_BASE: dict[tuple[str, str], dict[str, Any]] = {
    (AUDITS, "grade"): dict(measure="graded", category=None),
    (AUDITS, "band"): dict(measure="graded", category=None),
    (STANDARDS, "met"): dict(measure="applicable"),
    (STANDARDS, "not_met"): dict(measure="applicable"),
    (FEEDBACK, "positive"): dict(measure="answered"),
    (FEEDBACK, "answer"): dict(measure="answered", category=None),
}


def base_of(fid: FigureId) -> FigureId | None:
    """The figure whose count is the base (denominator) of ``fid``'s share, if it is one."""
    parts = _BASE.get((fid.section, fid.measure))
    return fid._replace(**parts) if parts else None


# -- the typed table --------------------------------------------------------------------


def _dtypes() -> dict[str, Any]:
    text = pd.StringDtype()
    return {
        "quarter": text,
        **{c: text for c in IDENTITY},
        "count": pd.Int64Dtype(),
        "base": pd.Int64Dtype(),
        **{c: pd.Float64Dtype() for c in ("pct", "ci_low", "ci_high", "value", "p_value")},
        "direction": pd.BooleanDtype(),
        "verdict": text,
    }


def _pct_check(frame: pd.DataFrame) -> pd.Series:
    known = frame["pct"].notna() & frame["ci_low"].notna()
    inside = (frame["ci_low"] <= frame["pct"] + 1e-9) & (frame["pct"] <= frame["ci_high"] + 1e-9)
    return (~known | inside).fillna(True)


SCHEMA = pa.DataFrameSchema(
    {
        "quarter": pa.Column("string", pa.Check.str_matches(r"^\d{4}-\d{2}-Q[1-4]$")),
        "section": pa.Column("string", pa.Check.isin([AUDITS, STANDARDS, FEEDBACK, ENGAGEMENT, MODERATION])),
        "measure": pa.Column("string"),
        **{c: pa.Column("string", nullable=True) for c in ("service", "survey", "item", "category", "breakdown")},
        "count": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "base": pa.Column("Int64", pa.Check.ge(0), nullable=True),
        "pct": pa.Column("Float64", pa.Check.in_range(0, 100), nullable=True),
        "ci_low": pa.Column("Float64", pa.Check.in_range(0, 100), nullable=True),
        "ci_high": pa.Column("Float64", pa.Check.in_range(0, 100), nullable=True),
        "value": pa.Column("Float64", nullable=True),
        "direction": pa.Column("boolean", nullable=True),
        "p_value": pa.Column("Float64", pa.Check.in_range(0, 1), nullable=True),
        "verdict": pa.Column("string", pa.Check.isin(VERDICTS), nullable=True),
    },
    checks=[pa.Check(_pct_check, error="each percentage lies within its interval")],
    unique=["quarter", *IDENTITY],
    strict=True,
    ordered=True,
)


def table(rows: Iterable[dict[str, Any]], quarter: str) -> pd.DataFrame:
    """Rows (an identity and its values) as the typed figures table of one quarter, checked."""
    frame = pd.DataFrame([{**row, "quarter": quarter} for row in rows], columns=COLUMNS)
    frame = frame.astype(_dtypes())
    return SCHEMA.validate(frame)


def empty() -> pd.DataFrame:
    return pd.DataFrame(columns=COLUMNS).astype(_dtypes())


def row(fid: FigureId, **values: Any) -> dict[str, Any]:
    """A row of the table: ``fid``'s identity columns and the given values."""
    return {**fid._asdict(), **values}


def ids(frame: pd.DataFrame) -> Iterator[FigureId]:
    """The identity of each row, in order."""
    for values in frame[IDENTITY].itertuples(index=False, name=None):
        section, measure, *rest = (None if v is pd.NA else str(v) for v in values)
        assert section is not None and measure is not None
        yield FigureId(section, measure, *rest)


class Figures:
    """One quarter's figures table, looked up by identity.

    ``get(fid)`` gives a row's values as a plain mapping (numbers as Python numbers, a
    missing value as ``None``), or ``None`` when the quarter has no such figure.
    """

    def __init__(self, frame: pd.DataFrame):
        self.frame = frame
        records: list[dict[str, Any]] = [
            {str(k): v for k, v in record.items()}
            for record in frame[VALUES].astype(object).where(frame[VALUES].notna(), None).to_dict("records")
        ]
        self._rows: dict[FigureId, dict[str, Any]] = dict(zip(ids(frame), records))

    def __contains__(self, fid: object) -> bool:
        return fid in self._rows

    def __iter__(self) -> Iterator[FigureId]:
        return iter(self._rows)

    def __len__(self) -> int:
        return len(self._rows)

    @cached_property
    def keys(self) -> dict[str, int | float | str]:
        """The figures as ``figures.json`` holds them."""
        return to_keys(self.frame)

    def get(self, fid: FigureId) -> dict[str, Any] | None:
        return self._rows.get(fid)

    def count(self, fid: FigureId) -> int | None:
        found = self._rows.get(fid)
        return None if found is None or found["count"] is None else int(found["count"])

    def pct(self, fid: FigureId) -> float | None:
        found = self._rows.get(fid)
        return None if found is None else found["pct"]

    def value(self, fid: FigureId, column: str) -> Any:
        found = self._rows.get(fid)
        return None if found is None else found[column]


# -- figures.json: the keys of docs/figures.md ---------------------------------------------
# The one place where key strings are written and read.


def _prefix(fid: FigureId) -> str:
    """The part of a figure's keys before the value's own suffix."""
    s, m = fid.section, fid.measure
    if s == AUDITS:
        return f"audits.{fid.service}" + (f".{m}.{fid.category}" if m in ("grade", "band") else "")
    if s == STANDARDS:
        head = f"standards.{fid.service}.{fid.item}" + (f".team_type.{fid.breakdown}" if fid.breakdown else "")
        return head if m == "applicable" else f"{head}.{m}"
    if s == FEEDBACK:
        head = f"feedback.{fid.survey}"
        if m == "answer":
            return f"{head}.{fid.item}.answer.{fid.category}"
        if m == "positive":
            return f"{head}.{fid.item}.positive"
        return f"{head}.{fid.item}" if fid.item else head
    if s == ENGAGEMENT:
        return f"engagement.{m}.{fid.category}" if fid.category else "engagement"
    if m == "cell":
        return f"moderation.{fid.service}.grade.{fid.category}.moderated.{fid.breakdown}"
    return f"moderation.{fid.service}" + (".agreement" if m == "agreement" else "")


# For each (section, measure): how its row is written. "share" rows write .count, .pct,
# .ci_low and .ci_high (the last three when the base is not zero) and the change; the others
# write one value under a fixed suffix.
_SHARES = {
    (AUDITS, "grade"),
    (AUDITS, "band"),
    (STANDARDS, "met"),
    (STANDARDS, "not_met"),
    (FEEDBACK, "positive"),
    (FEEDBACK, "answer"),
    (MODERATION, "agreement"),
}
_SINGLE = {
    (AUDITS, "audited"): ("count", "count"),
    (AUDITS, "graded"): ("graded", "count"),
    (AUDITS, "sample"): ("sample_pct", "pct"),
    (AUDITS, "risk_of_harm"): ("risk_of_harm.count", "count"),
    (STANDARDS, "applicable"): ("applicable", "count"),
    (FEEDBACK, "respondents"): ("respondents", "count"),
    (FEEDBACK, "sample"): ("sample_pct", "pct"),
    (FEEDBACK, "age_min"): ("age.min", "value"),
    (FEEDBACK, "age_max"): ("age.max", "value"),
    (FEEDBACK, "answered"): ("answered", "count"),
    (ENGAGEMENT, "activities"): ("count", "count"),
    (ENGAGEMENT, "type"): ("count", "count"),
    (ENGAGEMENT, "role"): ("count", "count"),
    (ENGAGEMENT, "location_type"): ("count", "count"),
    (MODERATION, "moderated"): ("count", "count"),
    (MODERATION, "cell"): ("count", "count"),
}
_WHOLE = {(FEEDBACK, "age_min"), (FEEDBACK, "age_max")}  # plain values that are whole numbers


def _plain(value: Any, whole: bool = False) -> int | float | str:
    if isinstance(value, str):
        return value
    if whole or isinstance(value, (int, np.integer)):
        return int(value)
    return float(value)


def to_keys(frame: pd.DataFrame) -> dict[str, int | float | str]:
    """One quarter's figures as ``figures.json`` holds them: ``{key: value}``, sorted by key."""
    out: dict[str, int | float | str] = {}
    figures = Figures(frame)
    for fid in figures:
        values = figures.get(fid)
        assert values is not None
        kind = (fid.section, fid.measure)
        key = _prefix(fid)
        if kind in _SHARES:
            if values["count"] is not None:
                out[f"{key}.count"] = int(values["count"])
            if values["pct"] is not None:
                out[f"{key}.pct"] = float(values["pct"])
            if values["ci_low"] is not None:
                out[f"{key}.ci_low"], out[f"{key}.ci_high"] = float(values["ci_low"]), float(values["ci_high"])
            if values["p_value"] is not None:
                out[f"{key}.change.p_value"] = float(values["p_value"])
                out[f"{key}.change.verdict"] = str(values["verdict"])
        elif kind == (MODERATION, "kappa"):
            out[f"{key}.kappa"] = float(values["value"])
            if values["ci_low"] is not None:
                out[f"{key}.kappa_ci_low"], out[f"{key}.kappa_ci_high"] = (
                    float(values["ci_low"]),
                    float(values["ci_high"]),
                )
        else:
            suffix, column = _SINGLE[kind]
            if values[column] is not None:
                out[f"{key}.{suffix}"] = _plain(values[column], kind in _WHOLE)
    return dict(sorted(out.items()))


def key_of(fid: FigureId, column: str = "count") -> str:
    """The ``figures.json`` key of one value of a figure (for messages to auditors)."""
    kind = (fid.section, fid.measure)
    if kind in _SINGLE:
        return f"{_prefix(fid)}.{_SINGLE[kind][0]}"
    if kind == (MODERATION, "kappa"):
        return f"{_prefix(fid)}.kappa" + ("" if column == "value" else f"_{column}")
    suffix = {"p_value": "change.p_value", "verdict": "change.verdict"}.get(column, column)
    return f"{_prefix(fid)}.{suffix}"


_ID = r"([a-z0-9][a-z0-9_]*)"
_SHARE_TAIL = r"\.(count|pct|ci_low|ci_high|change\.p_value|change\.verdict)$"
_PATTERNS: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(rf"^audits\.{_ID}\.(grade|band)\.{_ID}{_SHARE_TAIL}"), lambda g: audit(g[0], g[1], g[2])),
    (
        re.compile(rf"^audits\.{_ID}\.(count|graded|sample_pct|risk_of_harm\.count)$"),
        lambda g: audit(
            g[0], {"count": "audited", "sample_pct": "sample", "risk_of_harm.count": "risk_of_harm"}.get(g[1], g[1])
        ),
    ),
    (
        re.compile(rf"^standards\.{_ID}\.{_ID}(?:\.team_type\.{_ID})?\.(met|not_met){_SHARE_TAIL}"),
        lambda g: standard(g[0], g[1], g[3], g[2]),
    ),
    (
        re.compile(rf"^standards\.{_ID}\.{_ID}(?:\.team_type\.{_ID})?\.applicable$"),
        lambda g: standard(g[0], g[1], "applicable", g[2]),
    ),
    (
        re.compile(rf"^feedback\.{_ID}\.(respondents|sample_pct|age\.min|age\.max)$"),
        lambda g: survey(g[0], {"sample_pct": "sample", "age.min": "age_min", "age.max": "age_max"}.get(g[1], g[1])),
    ),
    (re.compile(rf"^feedback\.{_ID}\.{_ID}\.answer\.{_ID}{_SHARE_TAIL}"), lambda g: survey(g[0], "answer", g[1], g[2])),
    (re.compile(rf"^feedback\.{_ID}\.{_ID}\.positive{_SHARE_TAIL}"), lambda g: survey(g[0], "positive", g[1])),
    (re.compile(rf"^feedback\.{_ID}\.{_ID}\.answered$"), lambda g: survey(g[0], "answered", g[1])),
    (re.compile(r"^engagement\.count$"), lambda g: engagement("activities")),
    (re.compile(rf"^engagement\.(type|role|location_type)\.{_ID}\.count$"), lambda g: engagement(g[0], g[1])),
    (
        re.compile(rf"^moderation\.{_ID}\.grade\.{_ID}\.moderated\.{_ID}\.count$"),
        lambda g: moderation(g[0], "cell", g[1], g[2]),
    ),
    (re.compile(rf"^moderation\.{_ID}\.agreement{_SHARE_TAIL}"), lambda g: moderation(g[0], "agreement")),
    (re.compile(rf"^moderation\.{_ID}\.count$"), lambda g: moderation(g[0], "moderated")),
    (re.compile(rf"^moderation\.{_ID}\.(kappa|kappa_ci_low|kappa_ci_high)$"), lambda g: moderation(g[0], "kappa")),
]
_COLUMN_OF = {
    "count": "count",
    "pct": "pct",
    "ci_low": "ci_low",
    "ci_high": "ci_high",
    "change.p_value": "p_value",
    "change.verdict": "verdict",
    "graded": "count",
    "sample_pct": "pct",
    "risk_of_harm.count": "count",
    "applicable": "count",
    "respondents": "count",
    "answered": "count",
    "age.min": "value",
    "age.max": "value",
    "kappa": "value",
    "kappa_ci_low": "ci_low",
    "kappa_ci_high": "ci_high",
}


def from_keys(keys: dict[str, Any], quarter: str) -> pd.DataFrame:
    """A published ``figures.json``'s figures back as the table (bases filled in from the
    rows they are counts of). Keys of no known shape are ignored."""
    rows: dict[FigureId, dict[str, Any]] = {}
    for key, value in keys.items():
        found = locate(key)
        if found:
            rows.setdefault(found[0], {})[found[1]] = value
    for fid, values in rows.items():
        base = base_of(fid)
        if base is not None and base in rows and "count" in rows[base]:
            values["base"] = rows[base]["count"]
    return table((row(fid, **values) for fid, values in rows.items()), quarter)


def locate(key: str) -> tuple[FigureId, str] | None:
    """The figure and column a ``figures.json`` key names (a commentary placeholder's key)."""
    for pattern, make in _PATTERNS:
        match = pattern.match(key)
        if match:
            return make(match.groups()), _tail_column(key)
    return None


def _tail_column(key: str) -> str:
    """The column a key's value belongs in, by the longest known suffix."""
    for suffix, column in sorted(_COLUMN_OF.items(), key=lambda item: -len(item[0])):
        if key.endswith("." + suffix):
            return column
    return "count"
