"""Column operations shared by the stages, and the two CSV readers, against pandas' own."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from qa_lib.frames import is_in, look_up, map_distinct
from qa_lib.loading import _read_csv, _read_csv_arrow, _read_csv_pandas, normalise_id

words = st.lists(st.sampled_from(["a", "B b", " c ", "", "é", "a"]), max_size=30)


@settings(max_examples=60, deadline=None)
@given(values=words, allowed=words)
def test_map_distinct_and_is_in_agree_with_pandas(values, allowed):
    series = pd.Series(values, index=range(10, 10 + len(values)), dtype="str")
    assert map_distinct(series, normalise_id).tolist() == series.map(normalise_id).tolist()
    assert map_distinct(series, lambda v: v == "", bool).tolist() == (series == "").tolist()
    found = is_in(series, pd.Series(allowed, dtype="str"))
    assert found.index.tolist() == series.index.tolist()
    assert found.tolist() == series.isin(allowed).tolist()


def test_look_up_takes_the_first_matching_row_and_leaves_unknown_keys_blank():
    table = pd.DataFrame({"id": ["a1", "b2", "a1"], "service": ["csc", "tss", "caf"], "team": ["x", "y", "z"]},
                         dtype="str")
    keys = pd.Series(["b2", "zz", "a1"], index=[7, 8, 9], dtype="str")
    found = look_up(keys, table, "id", ["service", "team"])
    assert found.index.tolist() == [7, 8, 9]
    assert found.to_dict("list") == {"service": ["tss", "", "csc"], "team": ["y", "", "x"]}


@pytest.mark.parametrize("content", [
    b"\xef\xbb\xbfa,b\r\n1,2\r\n,\r\n\r\n3,4\r\n",  # BOM, CRLF, a blank row and an empty line
    b'a,b\n"x, with comma","two\nlines"\n  padded  ,\n',
    b"a,b\n",  # a header alone
])
def test_arrow_reader_reads_as_pandas_does(tmp_path, content):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    pd.testing.assert_frame_equal(_read_csv_arrow(path), _read_csv_pandas(path))


@pytest.mark.parametrize("content, expected", [
    ("a,b\nCaf\xe9,2\n".encode("cp1252"), [["Caf\xe9", "2"]]),  # not UTF-8
    (b"a,b\n1\n3,4\n", [["1", ""], ["3", "4"]]),  # a short row
])
def test_files_arrow_refuses_are_read_by_pandas(tmp_path, content, expected):
    path = tmp_path / "t.csv"
    path.write_bytes(content)
    assert _read_csv(path).fillna("").values.tolist() == expected


def test_sample_csvs_read_the_same_by_both_readers():
    for path in sorted((Path(__file__).parents[1] / "data" / "sample").glob("*/*.csv")):
        pd.testing.assert_frame_equal(_read_csv_arrow(path), _read_csv_pandas(path), obj=path.name)
