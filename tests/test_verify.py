"""``qa-report verify`` checks every output a run's manifest lists: each file still has its
SHA-256, and a re-run on the same inputs makes the same figures and the same outputs (Word
on its text). Outputs made by other code are listed, not compared; a folder that cannot
be verified, or a data root that is not where the manifest says, is exit 2."""

from __future__ import annotations

import hashlib
import json
import re
import shutil
import zipfile
from pathlib import Path

import docx
import pytest

import qa_lib
from qa_lib.cli import main

from helpers import SAMPLE

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

QUARTER = "2013-14-Q4"


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def verified_run(tmp_path_factory) -> tuple[Path, Path]:
    """A run in every format on a data root outside the project, and that data root."""
    base = tmp_path_factory.mktemp("verify")
    data = base / "quarters"
    for quarter in ("2013-14-Q3", QUARTER):
        shutil.copytree(SAMPLE / quarter, data / quarter)
    assert (
        main(
            [
                "run",
                "--quarter",
                QUARTER,
                "--data-root",
                str(data),
                "--output-dir",
                str(base / "out"),
                "--formats",
                "html,pdf,docx,xlsx",
            ]
        )
        == 0
    )
    return base / "out" / QUARTER, data


@pytest.fixture
def copy(verified_run, tmp_path) -> Path:
    """A copy of the run that a test may change (the copy's parent is its output folder)."""
    folder = tmp_path / "out" / QUARTER
    shutil.copytree(verified_run[0].resolve(), folder)
    return folder


def edit_manifest(folder: Path, **changes) -> None:
    path = folder / "manifest.json"
    manifest = json.loads(path.read_text(encoding="utf-8"))
    for key, value in changes.items():
        manifest[key] = value if not isinstance(value, dict) else {**manifest[key], **value}
    path.write_text(json.dumps(manifest), encoding="utf-8")


def rehash(folder: Path, *names: str) -> None:
    """Record the files' new hashes, as someone covering a swap would."""
    edit_manifest(folder, outputs={name: sha(folder / name) for name in names})


def restamp_docx(path: Path) -> None:
    """Rewrite a Word file as made at another moment (pandoc stamps it with the time)."""
    with zipfile.ZipFile(path) as archive:
        members = {name: archive.read(name) for name in archive.namelist()}
    stamped = re.sub(rb"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ", b"2001-01-01T00:00:00Z", members["docProps/core.xml"])
    assert stamped != members["docProps/core.xml"]
    members["docProps/core.xml"] = stamped
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def test_verify_re_renders_every_format_and_compares_word_on_its_text(copy, verified_run, capsys):
    restamp_docx(copy / "report.docx")  # made at another moment: only the stamp differs
    rehash(copy, "report.docx")
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 0
    out = capsys.readouterr().out
    assert "reproduced" in out
    for name in (
        "report.html",
        "report.pdf",
        "report.xlsx",
        "report.ipynb",
        "report.docx (its text)",
        "provenance.html",
    ):
        assert name in out


def test_swapped_outputs_are_caught_by_their_hash_and_by_a_re_run(copy, verified_run, capsys):
    (copy / "report.pdf").write_bytes((copy / "report.pdf").read_bytes() + b"%swapped\n")
    with zipfile.ZipFile(copy / "report.xlsx", "a") as archive:
        archive.writestr("xl/swapped.txt", "another spreadsheet")
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 1
    err = capsys.readouterr().err
    assert "NOT reproduced" in err
    assert "report.pdf has changed since the run (SHA-256" in err
    assert "report.xlsx has changed since the run (SHA-256" in err
    # The manifest rewritten to cover the swap: the re-run still tells.
    document = docx.Document(copy / "report.docx")
    next(p for p in document.paragraphs if p.runs and p.runs[0].text.strip()).runs[0].text = "Another word"
    document.save(copy / "report.docx")
    rehash(copy, "report.pdf", "report.xlsx", "report.docx")
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 1
    err = capsys.readouterr().err
    assert "has changed since the run" not in err
    assert "report.pdf differs from a re-run on these inputs" in err
    assert "report.xlsx differs from a re-run on these inputs" in err
    assert "report.docx: its text differs from a re-run on these inputs" in err
    assert "report.html" not in err and "figures" not in err


def test_outputs_made_by_another_version_are_listed_and_figures_still_compared(copy, verified_run, capsys):
    edit_manifest(copy, qa_workbook_version="0.0.9", git={"commit": "0123456789ab" + "0" * 28, "dirty": False})
    # An earlier version laid the report out otherwise; its figures are what must hold.
    (copy / "report.html").write_text("<p>the old layout</p>", encoding="utf-8")
    rehash(copy, "report.html")
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 0
    out = capsys.readouterr().out
    assert f"it was version 0.0.9, this is {qa_lib.__version__}" in out and "512 figures identical" in out
    for name in ("report.html", "report.pdf", "report.docx", "report.xlsx", "report.ipynb", "provenance.html"):
        assert f"{name}: made by version 0.0.9 (commit 0123456789ab…), not compared" in out
    figures = json.loads((copy / "figures.json").read_text(encoding="utf-8"))
    figures["figures"]["audits.csc.count"] += 1
    (copy / "figures.json").write_text(json.dumps(figures), encoding="utf-8")
    rehash(copy, "figures.json")
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 1
    err = capsys.readouterr().err
    assert re.search(r"figures audits\.csc\.count: was \d+, now \d+", err)
    assert "report.pdf: made by version 0.0.9 (commit 0123456789ab…), not compared" in err


def test_outputs_rendered_with_other_packages_are_not_compared(copy, verified_run, capsys):
    edit_manifest(copy, packages={"typst": "0.1"})
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 0
    out = capsys.readouterr().out
    assert "it had typst 0.1, this has " in out and "report.pdf: made by version" in out


def test_a_moved_data_root_is_verified_and_the_outputs_naming_it_listed(copy, verified_run, tmp_path, capsys):
    moved = tmp_path / "moved"
    shutil.copytree(verified_run[1], moved)
    assert main(["verify", str(copy), "--data-root", str(moved)]) == 0
    out = capsys.readouterr().out
    assert "inputs unchanged and 512 figures identical" in out
    assert "the record of the run (provenance.html) names its data root 'quarters', here 'moved'" in out
    assert "provenance.html: names the data root 'quarters', not compared" in out
    # The paper no longer names it: every format of it is still compared byte for byte.
    assert "report.pdf: names the data root" not in out and "report.html: names the data root" not in out
    assert "report.html, report.pdf" in out


def test_a_tampered_record_of_the_run_is_caught_by_its_hash_and_by_a_re_run(copy, verified_run, capsys):
    record = copy / "provenance.html"
    text = record.read_text(encoding="utf-8")
    digest = json.loads((copy / "manifest.json").read_text(encoding="utf-8"))["inputs"]["params/framework.yaml"]
    assert digest in text
    record.write_text(text.replace(digest, "0" * 64), encoding="utf-8")
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 1
    assert "provenance.html has changed since the run (SHA-256" in capsys.readouterr().err
    rehash(copy, "provenance.html")  # the manifest rewritten to cover the change: the re-run still tells
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 1
    err = capsys.readouterr().err
    assert "provenance.html differs from a re-run on these inputs" in err
    assert "has changed since the run" not in err and "report.html" not in err


def test_a_data_root_not_where_the_manifest_says_names_data_root(verified_run, tmp_path, capsys):
    folder, data = verified_run
    assert main(["verify", str(folder)]) == 2
    err = capsys.readouterr().err
    assert "the run's data root is not where the manifest says" in err and "--data-root" in err
    assert "missing_quarter" not in err and "notebook failed" not in err
    assert main(["verify", str(folder), "--data-root", str(tmp_path)]) == 2
    assert f"--data-root {tmp_path} holds no folder {QUARTER}/" in capsys.readouterr().err


def _no_manifest(folder: Path) -> None:
    (folder / "manifest.json").unlink()


def _unparseable_manifest(folder: Path) -> None:
    (folder / "manifest.json").write_text('{"inputs": {', encoding="utf-8")


def _manifest_without_outputs(folder: Path) -> None:
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    del manifest["outputs"]
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")


def _no_figures(folder: Path) -> None:
    (folder / "figures.json").unlink()


def _corrupt_figures(folder: Path) -> None:
    (folder / "figures.json").write_bytes(b"\x00\xff not json")


@pytest.mark.parametrize(
    "damage, message",
    [
        (_no_manifest, "has no manifest.json: is it an output folder of `qa-report run`?"),
        (_unparseable_manifest, "manifest.json is corrupt (the whole file: Invalid JSON"),
        (_manifest_without_outputs, "manifest.json is corrupt (outputs: Field required)"),
        (_no_figures, "has no figures.json, so its figures cannot be compared"),
        (_corrupt_figures, "figures.json is corrupt ("),
    ],
)
def test_a_folder_that_cannot_be_verified_exits_2_with_a_message(copy, verified_run, capsys, damage, message):
    damage(copy)
    assert main(["verify", str(copy), "--data-root", str(verified_run[1])]) == 2
    err = capsys.readouterr().err
    assert message in err and "Traceback" not in err
