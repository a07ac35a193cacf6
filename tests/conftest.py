"""Shared fixtures: the sample framework, small hand-built quarters, and one
executed run of the sample quarter that read-only tests share."""

from __future__ import annotations

import csv
import json
import shutil
import zipfile
from collections.abc import Iterator
from pathlib import Path

import pytest

from qa_lib.framework import Framework, load_framework

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "data" / "sample"

AUDIT_COLUMNS = ["audit_id", "service", "case_ref", "case_type", "team", "team_type",
                 "audit_date", "auditor_role", "grade", "risk_of_harm"]


@pytest.fixture(scope="session")
def framework() -> Framework:
    return load_framework(ROOT / "params" / "framework.yaml")


def audit_row(audit_id: str, service: str, grade: str, team_type: str = "fieldwork",
              date: str = "2014-02-03", **extra: str) -> dict[str, str]:
    row = {"audit_id": audit_id, "service": service, "case_ref": f"CR{audit_id}", "case_type": "child_in_need",
           "team": "Team A", "team_type": team_type, "audit_date": date, "auditor_role": "team_manager",
           "grade": grade, "risk_of_harm": ""}
    row.update(extra)
    return row


def write_csv(path: Path, rows: list[dict[str, str]], columns: list[str] | None = None,
              encoding: str = "utf-8") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    columns = columns or list(rows[0])
    with open(path, "w", newline="", encoding=encoding) as handle:
        writer = csv.DictWriter(handle, fieldnames=columns, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows)
    return path


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


def publish_figures(out: Path, document: dict, data_set: str | None = "synthetic-sample") -> Path:
    """Stand-in outputs of an earlier run: its figures.json and the manifest naming its data set."""
    folder = out / document["quarter"]
    folder.mkdir(parents=True)
    (folder / "figures.json").write_text(json.dumps(document), encoding="utf-8")
    (folder / "manifest.json").write_text(json.dumps({"data_set": data_set}), encoding="utf-8")
    return folder / "figures.json"


def _run_sample(tmp_path_factory, mode: str, formats: str = "html,pdf") -> Path:
    from qa_lib.cli import main

    out = tmp_path_factory.mktemp(f"outputs-{mode}")
    code = main(["run", "--quarter", "2013-14-Q4", "--params", str(ROOT / "params" / "2013-14-Q4.yaml"),
                 "--output-dir", str(out), "--mode", mode, "--formats", formats])
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


def output_texts(folder: Path) -> Iterator[tuple[str, str]]:
    """Every output file's text as a reader or a tool would find it: the XML inside
    XLSX and DOCX, the text of the PDF, everything else as it is."""
    from pypdf import PdfReader

    for path in sorted(folder.rglob("*")):
        if path.suffix in (".xlsx", ".docx"):
            with zipfile.ZipFile(path) as archive:
                for member in archive.namelist():
                    yield f"{path.name}:{member}", archive.read(member).decode("utf-8", "replace")
        elif path.suffix == ".pdf":
            yield path.name, " ".join(page.extract_text() for page in PdfReader(path).pages)
        elif path.is_file():
            yield path.name, path.read_text(encoding="utf-8", errors="replace")
