"""`qa-report` as an analyst meets it: exit codes, clear messages, nothing lost."""

from __future__ import annotations

import json
import os
import subprocess
import sys

import pytest
from filelock import FileLock

from qa_lib.cli import main

from conftest import ROOT


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
    table_row = next(line for line in err.splitlines() if "unknown_service" in line).split()
    assert table_row[:5] == ["error", "unknown_service", "2013-14-Q4/case_audits.csv", "2", "service"]
    assert "'chess_club'" in table_row
    assert "1 problem in the quarter's data" in err
    problems = json.loads(report.read_text(encoding="utf-8"))
    assert problems["valid"] is False
    assert problems["errors"][0]["message"] == ("[unknown_service] 2013-14-Q4/case_audits.csv, row 2, column "
                                                "'service': value 'chess_club' — expected a service of the "
                                                "framework: csc, tss, ncfp, caf")


def test_validate_passes_the_sample(capsys):
    assert main(["validate", "--quarter", "2013-14-Q4", "--data-root", "data/sample"]) == 0
    assert "2013-14-Q4: valid; " in capsys.readouterr().out


def test_a_locked_quarter_exits_3(tmp_path, capsys):
    with FileLock(str(tmp_path / ".2013-14-Q4.lock")):
        assert run("--quarter", "2013-14-Q4", "--data-root", "data/sample", "--output-dir", str(tmp_path)) == 3
    assert "is being written by another run" in capsys.readouterr().err


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
