"""`qa-report` as an analyst meets it: exit codes, clear messages, nothing lost."""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from filelock import FileLock

from qa_lib.cli import main

from helpers import ROOT


def run(*args: str) -> int:
    return main(["run", *args])


@pytest.mark.parametrize("args, message", [
    (["--quarter", "2013-14-Q5"], "is not of the form"),
    (["--quarter", "../2013-14-Q4"], "is not of the form"),
    (["--quarter", "2013-14-Q3", "--params", str(ROOT / "params" / "2013-14-Q4.yaml")], "is for quarter 2013-14-Q4"),
    (["--quarter", "2013-14-Q4", "--data-root", "no/such/folder"], "data root no/such/folder does not exist"),
    (["--quarter", "2013-14-Q4", "--data-root", "data/sample", "--framework", "params/nope.yaml"], "does not exist"),
])
def test_bad_parameters_exit_2_with_a_message(tmp_path, capsys, args, message):
    assert run(*args, "--output-dir", str(tmp_path)) == 2
    assert message in capsys.readouterr().err
    assert not any(tmp_path.iterdir()), "nothing is written for refused parameters"


def test_params_file_with_unknown_or_mistyped_key_exits_2(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("quarter: 2013-14-Q4\ndata_rot: data/sample\n", encoding="utf-8")
    assert run("--quarter", "2013-14-Q4", "--params", str(params)) == 2
    assert "data_rot" in capsys.readouterr().err
    params.write_text("quarter: 2013-14-Q4\ndata_root: [1, 2]\n", encoding="utf-8")
    assert run("--quarter", "2013-14-Q4", "--params", str(params)) == 2
    assert "data_root" in capsys.readouterr().err


def test_bad_data_exits_2_naming_file_row_and_value(copy_sample, tmp_path, capsys):
    root = copy_sample("2013-14-Q4")
    path = root / "2013-14-Q4" / "case_audits.csv"
    lines = path.read_text(encoding="utf-8").splitlines()
    header = lines[0].split(",")
    cells = lines[1].split(",")
    cells[header.index("service")] = "chess club"
    lines[1] = ",".join(cells)
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    report = tmp_path / "validation.json"
    assert main(["validate", "--quarter", "2013-14-Q4", "--data-root", str(root), "--json", str(report)]) == 2
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if "unknown_service" in line)
    assert line.split()[:5] == ["error", "unknown_service", "2013-14-Q4/case_audits.csv", "2", "service"]
    assert "'chess club'" in line  # as typed, not as matched
    assert "1 problem in the quarter's data" in err
    problems = json.loads(report.read_text(encoding="utf-8"))
    assert problems["valid"] is False
    assert problems["errors"][0]["message"] == ("[unknown_service] 2013-14-Q4/case_audits.csv, row 2, column "
                                                "'service': value 'chess club' — expected a service of the "
                                                "framework: csc, tss, ncfp, caf")


def test_validate_passes_the_sample(capsys):
    assert main(["validate", "--quarter", "2013-14-Q4", "--data-root", "data/sample"]) == 0
    assert "2013-14-Q4: valid; " in capsys.readouterr().out


def test_a_locked_quarter_exits_3(tmp_path, capsys):
    with FileLock(str(tmp_path / ".2013-14-Q4.lock")):
        assert run("--quarter", "2013-14-Q4", "--data-root", "data/sample", "--output-dir", str(tmp_path)) == 3
    assert "is being written by another run" in capsys.readouterr().err


@pytest.mark.slow
def test_a_stale_user_kernel_does_not_hijack_the_run(tmp_path):
    """A registered `python3` kernelspec pointing at a missing interpreter is ignored."""
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(json.dumps({
        "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "stale", "language": "python"}), encoding="utf-8")
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "jupyter"), "JUPYTER_PATH": str(tmp_path / "jupyter")}
    out = tmp_path / "outputs"
    result = subprocess.run([sys.executable, "-m", "qa_lib.cli", "run", "--quarter", "2014-15-Q1",
                             "--params", "params/2014-15-Q1.yaml", "--output-dir", str(out)],
                            cwd=ROOT, env=env, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert "report.pdf" in result.stdout
    figures = json.loads((out / "2014-15-Q1" / "figures.json").read_text(encoding="utf-8"))
    assert figures["quarter"] == "2014-15-Q1"


def test_command_line_paths_are_relative_to_the_working_directory(tmp_path, monkeypatch, capsys):
    shutil.copytree(ROOT / "data" / "sample" / "2013-14-Q4", tmp_path / "mydata" / "2013-14-Q4")
    monkeypatch.chdir(tmp_path)
    assert main(["validate", "--quarter", "2013-14-Q4", "--data-root", "mydata"]) == 0
    assert "2013-14-Q4: valid" in capsys.readouterr().out
    # Defaults and a params file's own paths stay relative to the project root.
    assert main(["validate", "--quarter", "2013-14-Q4", "--params", str(ROOT / "params" / "2013-14-Q4.yaml")]) == 0


@pytest.mark.slow
def test_a_params_file_anywhere_is_hashed_as_itself(tmp_path, monkeypatch):
    # Same name as a project file, different content: it must be recorded and hashed as itself.
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    params = elsewhere / "2013-14-Q4.yaml"
    params.write_text("# a council's own parameters\nquarter: 2013-14-Q4\ndata_root: data/sample\nmode: internal\n",
                      encoding="utf-8")
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "outputs"
    assert main(["run", "--quarter", "2013-14-Q4", "--params", "2013-14-Q4.yaml", "--output-dir", str(out),
                 "--formats", "html"]) == 0
    manifest = json.loads((out / "2013-14-Q4" / "manifest.json").read_text(encoding="utf-8"))
    digest = hashlib.sha256(params.read_bytes()).hexdigest()
    assert manifest["inputs"]["<params>/2013-14-Q4.yaml"] == digest
    assert hashlib.sha256((ROOT / "params" / "2013-14-Q4.yaml").read_bytes()).hexdigest() != digest
    assert manifest["parameters"]["params_file"] == "<params>/2013-14-Q4.yaml"
    assert manifest["parameters"]["mode"] == "internal"
    assert str(tmp_path) not in json.dumps(manifest)


@pytest.mark.parametrize("output_dir", ["../../../../etc", "/tmp/qa-elsewhere", "outputs/../.."])
def test_a_params_file_cannot_send_outputs_outside_the_project(tmp_path, capsys, output_dir):
    params = tmp_path / "p.yaml"
    params.write_text(f"quarter: 2013-14-Q4\ndata_root: data/sample\noutput_dir: {output_dir}\n", encoding="utf-8")
    assert run("--quarter", "2013-14-Q4", "--params", str(params)) == 2
    err = capsys.readouterr().err
    assert "lies outside the project" in err and "--output-dir" in err
    assert not Path("/tmp/qa-elsewhere").exists()
