"""Column operations shared by the stages, and the two CSV readers, against pandas' own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_lib import frames
from qa_lib.frames import coded, counts, joined, map_distinct, positions_in, take
from qa_lib.loading import TABLES, TableSpec, _read_csv, _read_csv_arrow, _read_csv_pandas, _tidy, normalise_id

words = st.lists(st.sampled_from(["a", "B b", " c ", "", "é", "a"]), max_size=30)


@settings(max_examples=60, deadline=None)
@given(values=words, allowed=words)
def test_map_distinct_and_positions_agree_with_pandas(values, allowed):
    series = pd.Series(values, index=range(10, 10 + len(values)), dtype="str")
    assert map_distinct(series, normalise_id).tolist() == series.map(normalise_id).tolist()
    assert map_distinct(series, lambda v: v == "", bool).tolist() == (series == "").tolist()
    found = positions_in(pd.Series(allowed, dtype="str"), series)[1]
    assert (found >= 0).tolist() == series.isin(allowed).tolist()
    assert [allowed[i] for i in found if i >= 0] == [v for v in values if v in allowed]
    assert all(allowed.index(allowed[i]) == i for i in found if i >= 0)  # the first equal value


def _as_categorical(values: list[str], index: range) -> pd.Series:
    return pd.Series(values, index=index, dtype="str").astype("category")


@settings(max_examples=60, deadline=None)
@given(values=words, other=words, categorical=st.booleans())
def test_coded_joined_and_counts_agree_with_pandas(values, other, categorical):
    other = (other + ["x"] * len(values))[: len(values)]
    index = range(10, 10 + len(values))
    first = _as_categorical(values, index) if categorical else pd.Series(values, index=index, dtype="str")
    second = pd.Series(other, index=index, dtype="str")
    tidy = coded(first, normalise_id)
    assert isinstance(tidy.dtype, pd.CategoricalDtype)
    assert tidy.index.tolist() == list(index)
    assert tidy.astype(str).tolist() == [normalise_id(v) for v in values]
    assert joined([first, second], "|").astype(str).tolist() == [f"{a}|{b}" for a, b in zip(values, other)]
    frame = pd.DataFrame({"a": first, "b": second})
    expected = pd.DataFrame({"a": values, "b": other}, dtype="str").groupby(["a", "b"]).size()
    assert counts(frame, ["a", "b"]) == {key: int(n) for key, n in expected.items()}


def test_joined_keeps_apart_values_that_only_the_separator_would_merge():
    parts = [pd.Series(["a|b", "a"], dtype="str"), pd.Series(["c", "b|c"], dtype="str")]
    assert joined(parts, "|").astype(str).tolist() == ["a|b|c", "a|b|c"]


def test_positions_in_finds_each_key_once_for_several_columns():
    table = pd.Series(["a", "b", "a", "c"], dtype="str")
    own, other = positions_in(table, pd.Series(["c", "z", "a"], dtype="str"))
    assert own.tolist() == [0, 1, 0, 3]  # the repeated "a" points to its first row
    assert other.tolist() == [3, -1, 0]


@settings(max_examples=60, deadline=None)
@given(
    table=st.lists(st.sampled_from("abcdefg"), max_size=12),
    keys=st.lists(st.sampled_from("abcdefgxyz"), max_size=40),
    run_rows=st.sampled_from([1, 3, 1_000_000]),
)
def test_positions_in_gives_first_rows_in_one_run_or_several(table, keys, run_rows):
    first: dict[str, int] = {}
    for row, value in enumerate(table):
        first.setdefault(value, row)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(frames, "RUN_ROWS", run_rows)  # several runs (threads) on small columns
        patch.setattr(frames.pa, "cpu_count", lambda: 3)
        own, found = positions_in(pd.Series(table, dtype="str"), pd.Series(keys, dtype="str"))
    assert own.tolist() == [first[v] for v in table]
    assert found.tolist() == [first.get(v, -1) for v in keys]


def test_take_gives_the_first_matching_row_and_leaves_unknown_keys_blank():
    table = pd.DataFrame({"id": ["a1", "b2", "a1"], "service": ["csc", "tss", "caf"]}, dtype="str")
    keys = pd.Series(["b2", "zz", "a1"], index=[7, 8, 9], dtype="str")
    found = take(table["service"], positions_in(table["id"], keys)[1], keys.index)
    assert found.index.tolist() == [7, 8, 9]
    assert found.astype(str).tolist() == ["tss", "", "csc"]


@pytest.mark.parametrize(
    "content",
    [
        b"\xef\xbb\xbfa,b\r\n1,2\r\n,\r\n\r\n3,4\r\n",  # BOM, CRLF, a blank row and an empty line
        b'a,b\n"x, with comma","two\nlines"\n  padded  ,\n',
        b"a,b\n",  # a header alone
    ],
)
def test_arrow_reader_reads_as_pandas_does(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    spec = TableSpec(required=("a", "b"))
    pd.testing.assert_frame_equal(_read_csv_arrow(path, spec), _read_csv_pandas(path))
    # Columns of few values arrive as categories, and tidy to the same frame.
    spec = TableSpec(required=("a", "b"), categorical=("a",), few_values=("b",))
    arrow = _tidy(_read_csv_arrow(path, spec), spec)
    assert isinstance(arrow["a"].dtype, pd.CategoricalDtype)
    pd.testing.assert_frame_equal(arrow, _tidy(_read_csv_pandas(path), spec), check_categorical=False)


@pytest.mark.parametrize(
    "content, expected",
    [
        ("a,b\nCaf\xe9,2\n".encode("cp1252"), [["Caf\xe9", "2"]]),  # not UTF-8
        (b"a,b\n1\n3,4\n", [["1", ""], ["3", "4"]]),  # a short row
    ],
)
def test_files_arrow_refuses_are_read_by_pandas(tmp_path, content, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert _read_csv(path, TableSpec(required=("a", "b"))).fillna("").values.tolist() == expected


def test_sample_csvs_read_the_same_by_both_readers():
    paths = sorted((Path(__file__).parents[1] / "data" / "sample").glob("*/*.csv"))
    assert len(paths) >= 5
    for path in paths:
        spec = TABLES[path.stem]
        pd.testing.assert_frame_equal(
            _tidy(_read_csv_arrow(path, spec), spec), _tidy(_read_csv_pandas(path), spec), obj=path.name
        )
