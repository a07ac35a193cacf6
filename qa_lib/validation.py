"""Check a quarter's tables against the data contract and the framework.

The checks are pandera schemas generated from the contract's declaration
(:mod:`qa_lib.contract`) and the framework, so a service, grade, standard or answer
added to the YAML is accepted without a code change, and a column declared there is
checked as its kind says. Every failure is collected (``lazy=True``) and reported
with its rule, file, row, column and value.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Any, cast

import numpy as np
import pandas as pd
import pandera.pandas as pa
from pandera.errors import SchemaErrors

from qa_lib import contract
from qa_lib.contract import MAX_AGE, Column, Kind, Table, Values, article
from qa_lib.errors import DataError, Problem
from qa_lib.framework import Framework
from qa_lib.frames import coded, joined, map_distinct, positions_in, take
from qa_lib.loading import ROW, QuarterData, normalise_id
from qa_lib.quarter import Quarter

PAIR = "|"  # joins two ids into one value for checks that depend on both


@dataclass
class ValidQuarter:
    """A quarter's data after validation, with typed columns.

    ``tables`` holds every table of the data contract: an absent optional table
    is an empty frame with its columns, and ``present`` says which were given.
    """

    quarter: Quarter
    tables: dict[str, pd.DataFrame]
    present: set[str]
    meeting: dict
    populations: dict[str, dict[str, int]]
    commentary: str | None
    commentary_source: str | None
    folder: str = ""
    next_update: str | None = None
    sources: dict[str, str] = field(default_factory=dict)
    warnings: list[Problem] = field(default_factory=list)


def _coded(checks: pa.Check | list[pa.Check], **options) -> pa.Column:
    """A column of few values, held as a categorical: checked by value, not by dtype."""
    return pa.Column(None, checks, **options)


def _isin(values, rule: str, expected: str) -> pa.Check:
    allowed = sorted(set(values))
    return pa.Check.isin(allowed, name=rule, error=expected)


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")  # ASCII digits: fromisoformat also takes 20140105
# Day first, as UK case-management systems export dates: 03/02/2014 is 3 February, never
# 2 March, and 13/25/2014 no date at all (a month is never guessed from the order).
_UK_DATE = re.compile(r"([0-9]{1,2})/([0-9]{1,2})/([0-9]{4})")
DATE_WORDS = "a date as YYYY-MM-DD or DD/MM/YYYY (day first)"


def _read_date(text: str) -> date | None:
    """An ISO date, or a UK one (day, month, year); ``None`` for anything else."""
    try:
        if _ISO_DATE.fullmatch(text):
            return date.fromisoformat(text)
        uk = _UK_DATE.fullmatch(text)
        if uk:
            return date(int(uk[3]), int(uk[2]), int(uk[1]))
    except ValueError:
        pass
    return None


def _per_value(test: Callable[[str], bool], name: str, error: str) -> pa.Check:
    """A check of single values, run once per distinct value (dates, ages) and spread over the rows."""
    return pa.Check(lambda series: map_distinct(series, test, bool), name=name, error=error)


def _date_checks(quarter: Quarter, blank: bool = False) -> list[pa.Check]:
    start, end = quarter.start_date, quarter.end_date

    def parses(text: str) -> bool:
        return (blank and text == "") or _read_date(text) is not None

    def within(text: str) -> bool:
        parsed = _read_date(text)
        return parsed is None or start <= parsed <= end

    return [
        _per_value(parses, "bad_date", DATE_WORDS),
        _per_value(within, "date_outside_quarter", f"a date from {start} to {end}"),
    ]


def _age_ok(text: str, blank: bool = True) -> bool:
    """Blank (where allowed), or a whole number 0–25 in ASCII digits (not 12.0, 1e1, or other scripts' digits)."""
    if text == "":
        return blank
    return bool(re.fullmatch(r"[0-9]{1,3}", text)) and int(text) <= MAX_AGE


# -- the schemas, generated from the data contract (qa_lib.contract) ------------------------

FIRST_ROW = "_first_row"  # where each id that other tables refer to first appears in its own table


def _joined_helper(column: Column) -> str | None:
    """The helper column joining a value to the columns its list depends on (``_service_grade``)."""
    values = column.allowed
    if values is None or not values.within:
        return None
    return "_" + "_".join(part.removesuffix("_id") for part in (*values.within, column.name))


def _reference_helper(column: Column) -> str:
    """The helper column holding the row each reference points at (``_audit_row``), -1 for none."""
    return f"_{column.name.removesuffix('_id')}_row"


# Each table's column that refers to another table's ids, and the table and column referred to.
_REFERENCES: dict[str, tuple[Column, Table, Column]] = {
    table.name: (column, contract.TABLES[target], contract.TABLES[target].column(key))
    for table, column in contract.columns()
    if column.references
    for target, key in [column.references.split(".")]
}
# The tables whose ids other tables refer to, and their id column.
_KEYS: dict[str, Column] = {target.name: key for _, target, key in _REFERENCES.values()}


def _column_schema(table: Table, column: Column, framework: Framework, quarter: Quarter) -> dict[str, pa.Column]:
    """The pandera columns that check one column of the contract (a helper column in place
    of a value whose list depends on other columns)."""
    name = column.name
    filled_words = column.blank_expected or f"a value in {name}"
    filled = pa.Check.str_length(min_value=1, name="blank_value", error=filled_words)
    if column.kind is Kind.ID:
        if _KEYS.get(table.name) is column:
            # Where each id first appears: a later row with it repeats it. (Not unique=True: the
            # one hash of the ids also serves the references to them.)
            return {
                name: pa.Column(str, filled),
                FIRST_ROW: pa.Column(
                    "int32",
                    pa.Check(
                        lambda first: first == np.arange(len(first)),
                        name="duplicate_id",
                        error="a value not used on an earlier row",
                    ),
                ),
            }
        return {name: pa.Column(str, filled, unique=True, report_duplicates="exclude_first")}
    if column.kind is Kind.REFERENCE:
        # The row of each id in the table referred to, -1 where it has none: one hash lookup,
        # shared with the columns carried from it (not Check.isin, which would copy every id
        # into the schema).
        target = _REFERENCES[table.name][1].name
        return {
            _reference_helper(column): pa.Column(
                "int32", pa.Check.ge(0, name=f"unknown_{name}", error=f"{article(name)} {name} listed in {target}")
            )
        }
    if column.kind is Kind.TEXT:
        if column.blank:
            return {name: pa.Column(str, required=column.required)}
        if column.few_values:
            return {name: _coded(_per_value(lambda v: v != "", "blank_value", filled_words), required=column.required)}
        return {name: pa.Column(str, filled, required=column.required)}
    if column.kind is Kind.DATE:
        return {name: _coded(_date_checks(quarter, column.blank), required=column.required)}
    if column.kind is Kind.AGE:
        return {
            name: _coded(
                _per_value(lambda text: _age_ok(text, column.blank), "bad_age", column.words()),
                required=column.required,
            )
        }
    values = column.allowed  # a category, or yes/no
    assert values is not None
    blank = [""] if column.blank else []
    if values.within:
        assert values.lists is not None
        helper = _joined_helper(column)
        assert helper is not None  # a list within other columns has its helper
        pairs = {
            PAIR.join((*key, value))
            for key, ids in values.lists(framework, quarter).items()
            for value in (*ids, *blank)
        }
        return {
            helper: _coded(_isin(pairs, values.rule, column.expected(framework, quarter)), required=column.required)
        }
    allowed = [*values.all_ids(framework, quarter), *blank]
    return {name: _coded(_isin(allowed, values.rule, column.expected(framework, quarter)), required=column.required)}


def _schemas(framework: Framework, quarter: Quarter) -> dict[str, pa.DataFrameSchema]:
    schemas = {}
    for table in contract.TABLES.values():
        checked: dict[str, pa.Column] = {}
        for column in table.columns:
            checked.update(_column_schema(table, column, framework, quarter))
        schemas[table.name] = pa.DataFrameSchema(
            checked,
            strict=False,
            unique=list(table.unique.columns) if table.unique else None,
            report_duplicates="exclude_first",
        )
    return schemas


# Helper columns join ids so one isin check covers a value that depends on another column,
# or hold the row an id is found at; problems are reported against the real column.
def _helpers() -> dict[str, tuple[str, tuple[str, ...]]]:
    """Each helper column: the column it reports on, and the columns it joins (none for the
    rows of ids, made in validate_quarter)."""
    helpers: dict[str, tuple[str, tuple[str, ...]]] = {FIRST_ROW: (key.name, ()) for key in _KEYS.values()}
    for _, column in contract.columns():
        joined_name = _joined_helper(column)
        if column.kind is Kind.REFERENCE:
            helpers[_reference_helper(column)] = (column.name, ())
        elif joined_name is not None and column.allowed is not None:
            helpers[joined_name] = (column.name, (*column.allowed.within, column.name))
    return helpers


_HELPERS = _helpers()


def _add_helpers(frame: pd.DataFrame) -> pd.DataFrame:
    helpers = {
        helper: joined([frame[p] for p in parts], PAIR)
        for helper, (_, parts) in _HELPERS.items()
        if parts and all(p in frame for p in parts)
    }
    return frame.assign(**helpers)


def _key_rows(tables: dict[str, pd.DataFrame]) -> dict[str, np.ndarray]:
    """Where each id of a table other tables refer to (the audit ids of case_audits), and
    each id of those references, first appears in that table, -1 for nowhere: one hash of
    the ids serves the check that they are unique, the check of each reference and the
    columns carried from the row it points at."""
    found: dict[str, np.ndarray] = {}
    for name, key in _KEYS.items():
        keys = tables.get(name)
        if keys is None or key.name not in keys:
            continue
        referring = [
            (table, column.name)
            for table, (column, target, _) in _REFERENCES.items()
            if target.name == name and table in tables and column.name in tables[table]
        ]
        own, *listed = positions_in(keys[key.name], *(tables[table][column] for table, column in referring))
        found[name] = own
        found.update({table: at for (table, _), at in zip(referring, listed)})
    return found


def _reference_columns(
    frame: pd.DataFrame, reference: Column, target: pd.DataFrame, at: np.ndarray
) -> dict[str, pd.Series]:
    """The row each reference points at (-1 for an unknown id) and the columns carried from it."""
    columns: dict[str, pd.Series] = {_reference_helper(reference): pd.Series(at, index=frame.index)}
    for column in reference.carries:
        source = target[column] if column in target else pd.Series("", index=target.index, dtype=str)
        columns[column] = take(source, at, frame.index)
    return columns


def _problems_from(
    errors: SchemaErrors,
    frame: pd.DataFrame,
    source: str,
    table: Table,
    explain: dict[str, Callable[[pd.Series], str | None]],
) -> list[Problem]:
    problems = []
    for case in errors.failure_cases.itertuples(index=False):
        column = case.column if isinstance(case.column, str) else None
        rule = str(case.check)
        value: Any = None if pd.isna(case.failure_case) else str(case.failure_case)
        index: Any = case.index
        row = None
        if index is not None and not pd.isna(index) and int(index) in frame.index:
            row = int(cast(int, frame.at[int(index), ROW]))
        expected = rule
        if column in _HELPERS:
            helper = column
            column = _HELPERS[helper][0]
            if row is not None:
                value = frame.at[int(index), column]
                if helper in explain:
                    explained = explain[helper](cast(pd.Series, frame.loc[int(index)]))
                    if explained is None:  # follows from a problem reported on another column
                        continue
                    expected = explained
        if rule.startswith("column_in_dataframe") or rule == "column_in_schema":
            problems.append(Problem("missing_column", source, 1, value, None, "this required column"))
            continue
        if rule.startswith("field_uniqueness") or rule == "unique":
            rule, expected = "duplicate_id", "a value not used on an earlier row"
        elif rule.startswith("multiple_fields_uniqueness") and table.unique is not None:
            rule, expected = table.unique.rule, table.unique.expected
        else:
            rule = _rule_names.get(rule, rule)
        problems.append(Problem(rule, source, row, column, value, expected))
    return problems


_rule_names: dict[str, str] = {}


def _register(schemas: dict[str, pa.DataFrameSchema]) -> None:
    # pandera reports a check by its error text; keep the rule code beside it.
    for schema in schemas.values():
        for column in schema.columns.values():
            for check in column.checks:
                if check.error:
                    _rule_names[check.error] = check.name


def _explainers(framework: Framework, quarter: Quarter) -> dict[str, Callable[[pd.Series], str | None]]:
    """Per-row expectations for checks that depend on other columns: the row's own list, in
    the contract's words; ``None`` when another column of the row is itself wrong (reported
    once, there)."""
    explain: dict[str, Callable[[pd.Series], str | None]] = {}
    for _, column in contract.columns():
        helper, values = _joined_helper(column), column.allowed
        if helper is None or values is None or values.explain is None or values.lists is None:
            continue

        def expected(
            row: pd.Series,
            values: Values = values,
            lists: dict[tuple[str, ...], list[str]] = values.lists(framework, quarter),
        ) -> str | None:
            key = tuple(str(row.get(part, "")) for part in values.within)
            ids = lists.get(key)
            return None if ids is None else values.explain(key, ids, quarter)  # type: ignore[misc]

        explain[helper] = expected
    return explain


def _matcher(values: Values, framework: Framework, quarter: Quarter) -> dict[str, set[str]]:
    """Each id and label of a list, trimmed, case-folded and with spaces as ``_``, and the ids it names."""
    found: dict[str, set[str]] = {}
    for value in values.all_ids(framework, quarter):
        found.setdefault(normalise_id(value), set()).add(value)
    for value, label in (values.labels(framework, quarter) if values.labels else {}).items():
        found.setdefault(normalise_id(label), set()).add(value)
    return found


def _resolve_labels(
    frame: pd.DataFrame, table: Table, framework: Framework, quarter: Quarter, source: str
) -> tuple[pd.DataFrame, list[Problem]]:
    """A table's category columns as ids: each value given as an id or as the framework's label
    (in any letter case and spacing) becomes the id; a value matching neither stays as typed,
    for the checks to quote; a value naming two ids (one's label another's, or two labels alike)
    is refused."""
    columns: dict[str, pd.Series] = {}
    problems: list[Problem] = []
    for column in table.columns:
        if column.kind is not Kind.CATEGORY or column.name not in frame or column.values is None:
            continue
        names = _matcher(column.values, framework, quarter)
        ambiguous: dict[str, list[str]] = {}

        def resolve(typed: str, names: dict[str, set[str]] = names, ambiguous: dict[str, list[str]] = ambiguous) -> str:
            if not typed.strip():
                return ""
            ids = names.get(normalise_id(typed), set())
            if len(ids) > 1:
                ambiguous[typed] = sorted(ids)
            return next(iter(ids)) if len(ids) == 1 else typed

        typed = frame[column.name]
        columns[column.name] = coded(typed, resolve)
        if ambiguous:
            flagged = map_distinct(typed, lambda v: v in ambiguous, bool)
            for row, value in zip(frame.loc[flagged.to_numpy(), ROW], typed[flagged.to_numpy()]):
                problems.append(
                    Problem(
                        "ambiguous_label",
                        source,
                        int(row),
                        column.name,
                        str(value),
                        f"one value naming one {column.name}; this one names "
                        f"{' and '.join(ambiguous[str(value)])} (the framework gives two of them "
                        f"the same label or id): use the id",
                    )
                )
    return (frame.assign(**columns) if columns else frame), problems


def _with_ids(data: QuarterData, framework: Framework, problems: list[Problem]) -> dict[str, pd.DataFrame]:
    """Every table with labels read as ids, first: a table carries columns of another."""
    tables: dict[str, pd.DataFrame] = {}
    for name, frame in data.tables.items():
        tables[name], ambiguous = _resolve_labels(
            frame, contract.TABLES[name], framework, data.quarter, data.sources[name]
        )
        problems.extend(ambiguous)
    return tables


def _once_per_cell(problems: list[Problem]) -> list[Problem]:
    """A value naming two ids is reported as that, not again as on no list."""
    named_two = {(p.file, p.row, p.column) for p in problems if p.rule == "ambiguous_label"}
    return [p for p in problems if p.rule == "ambiguous_label" or (p.file, p.row, p.column) not in named_two]


def _columns_present(
    frame: pd.DataFrame, table: contract.Table, source: str, problems: list[Problem], warnings: list[Problem]
) -> bool:
    """Whether a table has every required column (a problem for each it lacks); a warning for
    each column the contract does not name, which is ignored."""
    missing = [c for c in table.required_columns if c not in frame]
    for column in missing:
        problems.append(Problem("missing_column", source, 1, column, None, "this required column"))
    for column in [c for c in frame.columns if c != ROW and c not in table.names]:
        warnings.append(
            Problem(
                "extra_column",
                source,
                1,
                column,
                None,
                "only the columns of the data contract (this one is ignored)",
                "warning",
            )
        )
    return not missing


def validate_quarter(data: QuarterData, framework: Framework) -> ValidQuarter:
    """Validate every table of a quarter, reporting all problems at once.

    Raises
    ------
    DataError
        Listing each problem with rule, file, row, column, value and expectation.
    """
    problems: list[Problem] = []
    warnings: list[Problem] = []
    schemas = _schemas(framework, data.quarter)
    tables = _with_ids(data, framework, problems)
    key_rows = _key_rows(tables)
    _register(schemas)
    typed: dict[str, pd.DataFrame] = {}
    for name, table in contract.TABLES.items():
        reference, target, _ = _REFERENCES.get(name, (None, None, None))
        kept = [ROW, *table.names, *(reference.carries if reference else ())]
        typed[name] = pd.DataFrame({c: pd.Series(dtype=str) for c in kept})
        if name not in tables:
            continue
        frame = tables[name]
        source = data.sources[name]
        if not _columns_present(frame, table, source, problems, warnings):
            continue
        if reference is not None and target is not None:
            referred = tables.get(target.name, pd.DataFrame(columns=[ROW]))
            if not all(c in referred for c in target.required_columns):
                continue  # each row's reference cannot be looked up: one problem, in that table, not thousands
            unknown = np.full(len(frame), -1, dtype=np.int32)
            frame = frame.assign(**_reference_columns(frame, reference, referred, key_rows.get(name, unknown)))
        if name in _KEYS:
            frame = frame.assign(**{FIRST_ROW: key_rows[name]})
        checked = _add_helpers(frame)
        try:
            schemas[name].validate(checked, lazy=True, inplace=True)  # a frame of our own: no copy
        except SchemaErrors as errors:
            problems.extend(_problems_from(errors, frame, source, table, _explainers(framework, data.quarter)))
        frame = frame.assign(**{column: "" for column in table.optional_columns if column not in frame})
        typed[name] = frame[kept]
    problems.extend(_population_problems(data, framework, typed))
    problems = _once_per_cell(problems)
    if problems:
        raise DataError(sorted(problems, key=lambda p: (p.file, p.row or 0, p.column or "")))
    return ValidQuarter(
        quarter=data.quarter,
        tables=_typed(typed),
        present=set(data.tables),
        meeting=data.meeting,
        next_update=data.next_update,
        populations=data.populations,
        commentary=data.commentary,
        commentary_source=data.commentary_source,
        folder=data.folder,
        sources=data.sources,
        warnings=data.warnings + warnings,
    )


def _population_problems(data: QuarterData, framework: Framework, typed: dict[str, pd.DataFrame]) -> list[Problem]:
    problems = []
    shown = f"{data.folder}/quarter.yaml"
    audits = typed["case_audits"]
    for service, population in data.populations.get("audits", {}).items():
        if service not in framework.service_ids:
            problems.append(
                Problem("unknown_service", shown, None, "populations.audits", service, "a service of the framework")
            )
            continue
        sampled = int((audits["service"] == service).sum())
        if population < sampled:
            problems.append(
                Problem(
                    "population_too_small",
                    shown,
                    None,
                    f"populations.audits.{service}",
                    str(population),
                    f"at least the {sampled} audits in case_audits",
                )
            )
    responses = typed["feedback_responses"]
    for survey, population in data.populations.get("feedback", {}).items():
        if survey not in {s.id for s in framework.surveys}:
            problems.append(
                Problem("unknown_survey", shown, None, "populations.feedback", survey, "a survey of the framework")
            )
            continue
        sampled = responses.loc[responses["survey_id"] == survey, "respondent_id"].nunique()
        if population < sampled:
            problems.append(
                Problem(
                    "population_too_small",
                    shown,
                    None,
                    f"populations.feedback.{survey}",
                    str(population),
                    f"at least the {sampled} respondents in feedback_responses",
                )
            )
    return problems


def _typed(tables: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    """Give validated text columns their types (dates and ages parsed once per distinct value)."""
    out = dict(tables)
    for name, table in contract.TABLES.items():
        frame = out[name]
        types = {}
        for column in table.columns:
            if column.kind is Kind.DATE:
                types[column.name] = map_distinct(frame[column.name], _read_date, object)
            elif column.kind is Kind.AGE:
                types[column.name] = pd.to_numeric(frame[column.name].astype(str).replace("", None))
        if types:
            out[name] = frame.assign(**types)
    return out
