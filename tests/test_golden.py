"""Golden files guard every reshaping: each sample quarter, in both modes, gives the
figures.json, the visible text of report.html and the cell values of report.xlsx that the
code gave before (tests/golden/, written by `python tests/golden_files.py`)."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from golden_files import GOLDEN, MODES, QUARTERS, files_of, run_quarter

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

RUNS = [(quarter, mode) for mode in MODES for quarter in QUARTERS]


@pytest.fixture(scope="module")
def runs(tmp_path_factory) -> dict[tuple[str, str], Path]:
    """Every sample quarter in both modes, each run on its own (two at a time)."""
    base = tmp_path_factory.mktemp("golden")
    with ThreadPoolExecutor(2) as pool:
        folders = list(pool.map(lambda r: run_quarter(*r, base / f"{r[0]}-{r[1]}"), RUNS))
    return dict(zip(RUNS, folders))


@pytest.mark.parametrize("quarter, mode", RUNS)
def test_outputs_match_the_golden_files(runs, quarter, mode):
    made = files_of(runs[(quarter, mode)])
    for name, content in made.items():
        expected = (GOLDEN / mode / quarter / name).read_text(encoding="utf-8")
        if name.endswith(".json"):
            assert json.loads(content) == json.loads(expected), name
        else:
            assert content == expected, name
    # figures.json byte for byte, not only as data.
    assert made["figures.json"] == (GOLDEN / mode / quarter / "figures.json").read_text(encoding="utf-8")
