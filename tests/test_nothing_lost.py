"""A failed, interrupted or concurrent run never damages the last good outputs,
and never touches the inputs."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import nbformat
import pytest
from filelock import FileLock

from qa_lib import pipeline
from qa_lib.cli import main
from qa_lib.quarter import Quarter
from qa_lib.publishing import QuarterOutputs

from helpers import ROOT

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

QUARTER = "2013-14-Q4"


def digest(folder: Path, skip: str = "failed") -> dict[str, str]:
    """Every file below ``folder`` (following the quarter's link) and its hash."""
    folder = folder.resolve()
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and p.relative_to(folder).parts[0] != skip
    }


@pytest.fixture
def published(tmp_path) -> QuarterOutputs:
    """An output folder whose quarter already has (stand-in) outputs."""
    outputs = QuarterOutputs(tmp_path / "outputs", Quarter.parse(QUARTER))
    with outputs.locked():
        run = outputs.new_run()
        for name in ("report.ipynb", "report.html", "report.pdf", "figures.json"):
            (run / name).write_bytes(f"last good {name}\n".encode())
        outputs.publish(run)
    return outputs


def test_publishing_switches_the_quarter_in_one_step(published):
    before = digest(published.final)
    assert published.final.is_symlink()
    with published.locked():
        run = published.new_run()
        (run / "report.html").write_text("new", encoding="utf-8")
        published.publish(run)
    assert digest(published.final) == {"report.html": hashlib.sha256(b"new").hexdigest()}
    assert before != digest(published.final)
    assert [p.name for p in published.runs.iterdir()] == [run.name], "the old run is removed"


def test_a_crash_before_the_switch_leaves_the_previous_outputs(published, monkeypatch):
    before = digest(published.final)

    def crash(*args):
        raise OSError("power cut")

    with published.locked():
        run = published.new_run()
        (run / "report.html").write_text("new", encoding="utf-8")
        monkeypatch.setattr(os, "replace", crash)
        with pytest.raises(OSError):
            published.publish(run)
        monkeypatch.undo()
    assert digest(published.final) == before
    with published.locked():  # the next run clears what the crashed one left
        pass
    assert [p.resolve() for p in published.runs.iterdir()] == [published.final.resolve()]
    assert not list(published.output_dir.glob(f".{QUARTER}.link-*"))


def test_invalid_data_records_validation_json_and_keeps_the_outputs(published, copy_sample, capsys):
    root = copy_sample(QUARTER)
    path = root / QUARTER / "practice_standards.csv"
    text = path.read_text(encoding="utf-8").replace(",met\n", ",done\n", 1)
    path.write_text(text, encoding="utf-8")
    inputs = digest(root)
    before = digest(published.final)
    assert main(["run", "--quarter", QUARTER, "--data-root", str(root), "--output-dir", str(published.output_dir)]) == 2
    assert digest(published.final) == before
    record = json.loads((published.final / "failed" / "validation.json").read_text(encoding="utf-8"))
    assert [(p["rule"], p["row"], p["value"]) for p in record["errors"]] == [("bad_result", 2, "done")]
    assert "failed/validation.json" in capsys.readouterr().err
    assert digest(root) == inputs, "input files are never modified"


def test_a_failing_cell_is_named_and_its_notebook_kept(published, tmp_path, monkeypatch, capsys):
    notebook = nbformat.read(ROOT / pipeline.NOTEBOOK, as_version=4)
    broken = nbformat.v4.new_code_cell("context.figures_output()\nraise ValueError('the chart server is down')")
    notebook.cells.insert(5, broken)
    path = tmp_path / "broken.ipynb"
    nbformat.write(notebook, path)
    monkeypatch.setattr(pipeline, "NOTEBOOK", str(path))
    before = digest(published.final)
    inputs = digest(ROOT / "data" / "sample")
    assert (
        main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(published.output_dir)])
        == 1
    )
    err = capsys.readouterr().err
    assert "failed in cell" in err and "(context.figures_output())" in err and "the chart server is down" in err
    assert digest(published.final) == before
    kept = nbformat.read(published.final / "failed" / "report.ipynb", as_version=4)
    assert any(o.get("output_type") == "error" for c in kept.cells for o in c.get("outputs", []))
    assert digest(ROOT / "data" / "sample") == inputs
    assert [p.resolve() for p in published.runs.iterdir()] == [published.final.resolve()]


def test_the_first_run_of_a_quarter_may_fail_too(tmp_path, copy_sample):
    root = copy_sample(QUARTER)
    (root / QUARTER / "case_audits.csv").write_text("audit_id\n1\n", encoding="utf-8")
    out = tmp_path / "outputs"
    assert main(["run", "--quarter", QUARTER, "--data-root", str(root), "--output-dir", str(out)]) == 2
    assert sorted(p.name for p in (out / QUARTER).iterdir()) == ["failed"]


def _start_run(output_dir: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [
            sys.executable,
            "-m",
            "qa_lib.cli",
            "run",
            "--quarter",
            QUARTER,
            "--data-root",
            "data/sample",
            "--output-dir",
            str(output_dir),
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        start_new_session=True,
    )


def _wait_for(predicate, process: subprocess.Popen, seconds: float = 120) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():
        assert process.poll() is None, process.stderr.read().decode()
        assert time.monotonic() < deadline, "the run did not reach the point to interrupt"
        time.sleep(0.05)


@pytest.mark.parametrize("moment", ["executing", "rendering"])
def test_sigkill_at_any_moment_leaves_the_previous_outputs(published, moment):
    before = digest(published.final)
    current = published.final.resolve()
    process = _start_run(published.output_dir)

    def running() -> list[Path]:
        return [p for p in published.runs.glob(f"{QUARTER}.*") if p.resolve() != current]

    marker = {"executing": "report.ipynb", "rendering": "report.html"}[moment]
    _wait_for(lambda: any((p / marker).exists() for p in running()), process)
    # A second run meanwhile refuses at once and writes nothing.
    assert (
        main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(published.output_dir)])
        == 3
    )
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()
    assert digest(published.final) == before
    # The killed run's lock died with it: the quarter can be taken at once.
    lock = FileLock(str(published.output_dir / f".{QUARTER}.lock"))
    lock.acquire(timeout=0)
    lock.release()


def test_re_running_cells_in_any_order_does_not_change_the_paper(publication_run, tmp_path):
    """As JupyterLab lets an analyst do: after the setup cell, the paper's cells re-run in a
    shuffled order, some twice, then saved; render gives the bytes of a fresh run."""
    import random

    from nbclient import NotebookClient

    fresh = publication_run.resolve()
    nb = nbformat.read(fresh / "report.ipynb", as_version=4)
    code = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    setup = [
        i for i in code if {"parameters", "injected-parameters", "setup"} & set(nb.cells[i].metadata.get("tags", []))
    ]
    paper = [i for i in code if i not in setup]
    order = paper + random.Random(7).sample(paper, len(paper)) + paper[:3][::-1]
    client = NotebookClient(nb, kernel_name="python3", resources={"metadata": {"path": str(ROOT)}})
    with client.setup_kernel():
        for index in setup + order:
            client.execute_cell(nb.cells[index], index)
    again = tmp_path / "outputs" / QUARTER
    again.mkdir(parents=True)
    shutil.copyfile(fresh / "manifest.json", again / "manifest.json")
    nbformat.write(nb, again / "report.ipynb")
    assert main(["render", str(again), "--formats", "html,xlsx,pdf"]) == 0
    for name in ("report.html", "report.xlsx", "figures.json"):
        assert (again / name).read_bytes() == (fresh / name).read_bytes(), name
