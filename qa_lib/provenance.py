"""What produced a report: the code's version and commit, the packages that compute or
render it, the parameters, every input's SHA-256 and the earlier figures it revises (the
manifest, less times and output hashes). Inputs are named within the places the parameters
give, never as machine paths. Every run publishes this record as :data:`RECORD` beside the
paper; the paper says in words where it is."""

from __future__ import annotations

import importlib.metadata
import platform
import subprocess
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from qa_lib.errors import DataError
from qa_lib.loading import DATA_SET_FILE, quarter_files, sha256
from qa_lib.paths import display, resolve
from qa_lib.quarter import Quarter

# The record of a run, published beside the paper (and named by it).
RECORD = "provenance.html"
# Packages whose versions can change a number or the rendering; named in the manifest and the record.
PACKAGES = (
    "pandas",
    "numpy",
    "pandera",
    "scipy",
    "statsmodels",
    "matplotlib",
    "afcharts",
    "papermill",
    "jinja2",
    "typst",
    "python-docx",
    "gptables",
    "markdown-it-py",
    "nh3",
)
# Prefixes of input names in the record: where each lies is a parameter, not a machine path.
DATA_ROOT, OUTPUT_DIR, PARAMS = "<data root>", "<output dir>", "<params>"


def version(package: str) -> str:
    try:
        return importlib.metadata.version(package)
    except importlib.metadata.PackageNotFoundError:
        return "unknown"


def git(root: Path) -> dict[str, Any]:
    """The commit the code came from and whether the working tree differed from it."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=root, capture_output=True, text=True, check=True
        ).stdout.strip()
        dirty = bool(
            subprocess.run(
                ["git", "status", "--porcelain"], cwd=root, capture_output=True, text=True, check=True
            ).stdout.strip()
        )
    except (OSError, subprocess.CalledProcessError):
        return {"commit": None, "dirty": None}
    return {"commit": commit, "dirty": dirty}


def inputs(
    root: Path,
    framework: Path,
    params_file: str | None,
    data_root: Path,
    data_set: str | None,
    quarters: Iterable[Quarter],
    published: Iterable[Quarter],
    output_dir: Path,
) -> dict[str, str]:
    """Every file the report was made from, with its SHA-256, sorted by name."""
    found = {display(framework, root): sha256(framework)}
    if params_file:
        # Named by its file name alone: it may lie anywhere, and its own content is what is hashed.
        found[f"{PARAMS}/{Path(params_file).name}"] = sha256(resolve(params_file, root))
    if data_set is not None:
        found[f"{DATA_ROOT}/{DATA_SET_FILE}"] = sha256(data_root / DATA_SET_FILE)
    for q in sorted(quarters):
        try:
            files = quarter_files(data_root, q)
        except DataError:  # an earlier quarter refused for an unsafe file: nothing of it is read
            continue
        found |= {f"{DATA_ROOT}/{p.relative_to(data_root).as_posix()}": sha256(p) for p in files}
    found |= {f"{OUTPUT_DIR}/{q}/figures.json": sha256(output_dir / str(q) / "figures.json") for q in published}
    return dict(sorted(found.items()))


def record(
    root: Path,
    parameters: dict[str, Any],
    inputs: dict[str, str],
    data_set: str | None,
    revisions: Iterable[tuple[str, Any, Any]] = (),
) -> dict[str, Any]:
    """The provenance of one report; ``data_set`` is for the manifest, which tells runs of one
    data set from another's; ``revisions`` are the previous quarter's figures (by key) whose
    published value the report revises."""
    return {
        "qa_workbook_version": version("qa-workbook"),
        "python": platform.python_version(),
        "packages": {name: version(name) for name in PACKAGES},
        "git": git(root),
        "parameters": parameters,
        "inputs": inputs,
        "data_set": data_set,
        "revisions": [{"figure": key, "published": old, "revised": new} for key, old, new in revisions],
    }
