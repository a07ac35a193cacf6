"""Shared fixtures: the sample framework, small hand-built quarters, and one
executed run of the sample quarter that read-only tests share."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from qa_lib.framework import Framework, load_framework

from helpers import ROOT, SAMPLE


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework(ROOT / "params" / "framework.yaml")


@pytest.fixture(scope="session")
def sample_context(tmp_path_factory):
    """A sample quarter made ready for the paper (built once per quarter, mode and status):
    for tests that only read it."""
    from functools import cache

    from qa_lib.context import build_context

    # An empty outputs folder: earlier quarters come from the data, never from what a developer
    # happens to have published in the project's outputs/.
    outputs = str(tmp_path_factory.mktemp("no-outputs"))
    return cache(
        lambda quarter, mode="publication", status="draft": build_context(
            quarter, "data/sample", mode=mode, status=status, output_dir=outputs
        )
    )


@pytest.fixture
def copy_sample(tmp_path: Path):
    """A writable copy of the sample data root, so a test can break one file."""

    def _copy(*quarters: str) -> Path:
        root = tmp_path / "data"
        for quarter in quarters or [p.name for p in SAMPLE.iterdir() if p.is_dir()]:
            shutil.copytree(SAMPLE / quarter, root / quarter)
        shutil.copyfile(SAMPLE / "data_set.yaml", root / "data_set.yaml")  # a copy of the sample is the sample
        return root

    return _copy


def _run_sample(tmp_path_factory, mode: str, formats: str = "html,pdf") -> Path:
    from qa_lib.cli import main

    out = tmp_path_factory.mktemp(f"outputs-{mode}")
    code = main(
        [
            "run",
            "--quarter",
            "2013-14-Q4",
            "--params",
            str(ROOT / "params" / "2013-14-Q4.yaml"),
            "--output-dir",
            str(out),
            "--mode",
            mode,
            "--formats",
            formats,
        ]
    )
    assert code == 0
    return out / "2013-14-Q4"


@pytest.fixture(scope="session")
def sample_run(tmp_path_factory) -> Path:
    """The sample quarter run once in internal mode (every seed figure shown); tests only read it."""
    return _run_sample(tmp_path_factory, "internal")


@pytest.fixture(scope="session")
def publication_run(tmp_path_factory) -> Path:
    """The sample quarter run once in publication mode, the default, in every format."""
    return _run_sample(tmp_path_factory, "publication", "html,pdf,docx,xlsx")


@pytest.fixture(scope="session")
def sample_figures(sample_run: Path) -> dict:
    return json.loads((sample_run / "figures.json").read_text(encoding="utf-8"))
