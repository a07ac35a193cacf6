"""Column operations the stages share, written to take the same few passes over a
column at ten audits or a million: per distinct value, on a categorical column's
codes, or by Arrow's hash lookups, never a Python loop over the rows.

Columns with few distinct values (services, grades, results, dates) are held as
pandas categoricals: read so by Arrow, tidied and checked one category at a time.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc


def _codes_and_values(series: pd.Series) -> tuple[np.ndarray, list[Any]]:
    """Integer codes of a column and the distinct value each stands for; a missing
    value has code -1 and reads as blank (the last of the values)."""
    if isinstance(series.dtype, pd.CategoricalDtype):
        codes, distinct = series.cat.codes.to_numpy(), list(series.cat.categories)
    else:
        codes, uniques = pd.factorize(series)
        distinct = list(uniques)
    return codes, [*distinct, ""]


def map_distinct(series: pd.Series, fn: Callable[[Any], Any], dtype: Any = None) -> pd.Series:
    """``series.map(fn)`` calling ``fn`` once per distinct value: a column of ids, dates or
    ages holds a few hundred at most, however many rows."""
    codes, distinct = _codes_and_values(series)
    if dtype is None and not isinstance(series.dtype, pd.CategoricalDtype):
        dtype = series.dtype
    results = pd.array([fn(v) for v in distinct], dtype=dtype)
    return pd.Series(results.take(codes), index=series.index)


def coded(series: pd.Series, fn: Callable[[Any], str] = str) -> pd.Series:
    """``series.map(fn)`` as a categorical column, ``fn`` called once per distinct value;
    values ``fn`` makes equal share one category. Missing values read as blank."""
    codes, distinct = _codes_and_values(series)
    missing = len(codes) > 0 and codes.min() < 0
    values = distinct if missing else distinct[:-1]
    mapped = [fn(v) for v in values]
    if (
        isinstance(series.dtype, pd.CategoricalDtype)
        and not missing
        and mapped == values
        and len(set(mapped)) == len(mapped)
    ):
        return series  # already so: no pass over the rows
    remap, categories = pd.factorize(np.array(mapped, dtype=object))
    return _categorical(remap[codes], categories, series.index)


def _categorical(
    codes: np.ndarray, categories: Sequence[str] | np.ndarray | pd.Index, index: pd.Index | None
) -> pd.Series:
    # The codes are made here, in range by construction: no check over every row.
    return pd.Series(
        pd.Categorical.from_codes(codes, categories=pd.Index(categories, dtype=str), validate=False), index=index
    )


def _combined(parts: Sequence[pd.Series]) -> tuple[np.ndarray, list[pd.Index], int]:
    """One integer per row standing for the row's combination of the parts' values (mixed
    radix over their codes), the parts' categories, and how many such integers there can be."""
    columns = [coded(part) for part in parts]
    categories = [c.cat.categories for c in columns]
    total = math.prod(max(len(c), 1) for c in categories)
    if total >= 2**62:
        raise ValueError("too many combinations of values to count")
    flat: np.ndarray = columns[0].cat.codes.to_numpy().astype(np.int32 if total < 2**31 else np.int64)
    for column, values in zip(columns[1:], categories[1:]):
        flat *= max(len(values), 1)
        flat += column.cat.codes.to_numpy()
    return flat, categories, total


def _values_of(combination: int, categories: list[pd.Index]) -> tuple[str, ...]:
    values = []
    for category in reversed(categories):
        combination, code = divmod(combination, max(len(category), 1))
        values.append(category[code])
    return tuple(reversed(values))


def joined(parts: Sequence[pd.Series], separator: str) -> pd.Series:
    """The parts' values joined by ``separator``, row by row, as a categorical column:
    built from the parts' codes, so only the combinations that occur are ever written out."""
    flat, categories, total = _combined(parts)
    remap, occurring = _factorize_small(flat, total)
    texts = [separator.join(_values_of(int(c), categories)) for c in occurring]
    # Parts that hold the separator could join to the same text: one category each.
    merge, unique_texts = pd.factorize(np.array(texts, dtype=object))
    if len(unique_texts) < len(texts):
        remap = merge[remap]
    return _categorical(remap, unique_texts, parts[0].index)


def counts(frame: pd.DataFrame, columns: Sequence[str]) -> dict[tuple[str, ...], int]:
    """Rows for each combination of the columns' values that occurs: ``groupby(columns).size()``
    counted on the columns' codes. Missing values count as blank."""
    flat, categories, total = _combined([frame[c] for c in columns])
    if total <= 4 * len(flat) + 1024:
        tally = np.bincount(flat, minlength=total)
        occurring = np.flatnonzero(tally)
        numbers = tally[occurring]
    else:
        occurring, numbers = np.unique(flat, return_counts=True)
    return {_values_of(int(c), categories): int(n) for c, n in zip(occurring, numbers)}


def _factorize_small(codes: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """``pd.factorize`` of integer codes below ``size``, by a table of that size rather than
    a hash when it is small (in sorted order, which no caller relies on)."""
    if size > 4 * len(codes) + 1024:
        return pd.factorize(codes)
    seen = np.zeros(size, dtype=bool)
    seen[codes] = True
    occurring = np.flatnonzero(seen)
    numbering = np.zeros(size, dtype=codes.dtype)
    numbering[occurring] = np.arange(len(occurring))
    return numbering[codes], occurring


RUN_ROWS = 1_000_000  # keys to a thread, at least: fewer are not worth a second hash table


def positions_in(table_keys: pd.Series, *columns: pd.Series) -> list[np.ndarray]:
    """For each of ``table_keys``, the position of its value's first appearance there (its
    own position unless repeated); then, for each key of each column, the position of the
    first equal value of ``table_keys``, or -1 where there is none. One lookup serves a
    check that keys are unique, a membership check and a join.

    The table's keys and then the columns' are numbered by a dictionary encoding
    (Arrow's, exact): a key numbered before the table's keys ran out is in the table, at
    the row where that number first appeared. Each distinct key costs one trip to the
    table however often it repeats. Long columns are cut into one run per core, each
    numbered after the table's keys in its own thread (Arrow releases the GIL): the
    table's keys are numbered alike in every run.
    """
    from concurrent.futures import ThreadPoolExecutor

    table = _blocks(table_keys)
    keys = [block for column in columns for block in _blocks(column)]
    runs = max(1, min(pa.cpu_count(), sum(len(k) for k in keys) // RUN_ROWS))

    def number(run: list[pa.Array]) -> np.ndarray:
        encoded = pc.dictionary_encode(pa.chunked_array(table + run, type=pa.large_string()), null_encoding="encode")
        # Dictionary indices are 32-bit: so are the positions, half the memory of int64.
        return np.concatenate(
            [c.indices.to_numpy(zero_copy_only=False) for c in encoded.chunks] or [np.zeros(0, dtype=np.int32)]
        )

    if runs == 1:
        numbered = [number(keys)]
    else:
        with ThreadPoolExecutor(runs) as pool:
            numbered = list(pool.map(number, _runs(keys, runs)))
    own = numbered[0][: len(table_keys)]
    # Numbers are given in order of first appearance: a row of the table is a key's first
    # when its number is higher than any before it.
    first = np.flatnonzero(own > np.maximum.accumulate(np.concatenate([[-1], own[:-1]]))) if len(own) else own
    row_of = np.full(max((int(n.max()) + 1 for n in numbered if len(n)), default=0), -1, dtype=np.int32)
    row_of[: len(first)] = first
    found = row_of[np.concatenate([n[len(table_keys) :] for n in numbered])]
    return [row_of[own], *np.split(found, np.cumsum([len(c) for c in columns])[:-1])]


def _blocks(series: pd.Series) -> list[pa.Array]:
    # pandas keeps text as Arrow's large_string: taken as it is, not copied.
    text = pa.array(series.astype(str), type=pa.large_string())
    return text.chunks if isinstance(text, pa.ChunkedArray) else [text]


def _runs(blocks: list[pa.Array], count: int) -> list[list[pa.Array]]:
    """The blocks cut into ``count`` runs of about equal rows, in order (slices: no copy)."""
    total = sum(len(b) for b in blocks)
    bounds = [total * i // count for i in range(count + 1)]
    runs: list[list[pa.Array]] = [[] for _ in range(count)]
    start = 0
    for block in blocks:
        end = start + len(block)
        for i in range(count):
            low, high = max(start, bounds[i]), min(end, bounds[i + 1])
            if low < high:
                runs[i].append(block.slice(low - start, high - low))
        start = end
    return runs


def take(series: pd.Series, at: np.ndarray, index: pd.Index | None = None) -> pd.Series:
    """``series`` at positions ``at`` (from :func:`positions_in`) as a categorical column,
    blank where the position is -1."""
    column = coded(series)
    categories = list(column.cat.categories)
    if "" not in categories:
        categories.append("")
    codes = column.cat.codes.to_numpy()
    picked = codes[at] if len(codes) else np.zeros(len(at), dtype=codes.dtype)
    picked = np.where(at >= 0, picked, categories.index(""))
    return _categorical(picked, categories, index)
