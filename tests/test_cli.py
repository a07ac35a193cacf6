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


@pytest.mark.parametrize(
    "args, message",
    [
        (["--quarter", "2013-14-Q5"], "is not of the form"),
        (["--quarter", "../2013-14-Q4"], "is not of the form"),
        (
            ["--quarter", "2013-14-Q3", "--params", str(ROOT / "params" / "2013-14-Q4.yaml")],
            "is for quarter 2013-14-Q4",
        ),
        ([], "name the quarter: --quarter"),
        (["--quarter", "2013-14-Q4", "--data-root", "no/such/folder"], "data root no/such/folder does not exist"),
        (
            ["--quarter", "2013-14-Q4", "--data-root", "data/sample", "--framework", "params/nope.yaml"],
            "does not exist",
        ),
    ],
)
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


def test_the_quarter_may_come_from_the_params_file_alone(tmp_path, capsys):
    params = tmp_path / "p.yaml"
    params.write_text("quarter: 2013-14-Q4\ndata_root: data/sample\n", encoding="utf-8")
    assert main(["validate", "--params", str(params)]) == 0
    assert "2013-14-Q4: valid" in capsys.readouterr().out
    params.write_text("data_root: data/sample\n", encoding="utf-8")
    assert main(["validate", "--params", str(params)]) == 2
    assert "name the quarter" in capsys.readouterr().err


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
    assert problems["errors"][0]["message"] == (
        "[unknown_service] 2013-14-Q4/case_audits.csv, row 2, column "
        "'service': value 'chess club' — expected a service of the "
        "framework: csc, tss, ncfp, caf"
    )


def test_validate_passes_the_sample(capsys):
    assert main(["validate", "--quarter", "2013-14-Q4", "--data-root", "data/sample"]) == 0
    assert "2013-14-Q4: valid; " in capsys.readouterr().out


def test_a_locked_quarter_exits_3(tmp_path, capsys):
    with FileLock(str(tmp_path / ".2013-14-Q4.lock")):
        assert run("--quarter", "2013-14-Q4", "--data-root", "data/sample", "--output-dir", str(tmp_path)) == 3
    assert "is being written by another run" in capsys.readouterr().err


def test_a_run_refused_after_its_kernel_started_leaves_no_kernel_and_no_identifiers(tmp_path, monkeypatch, capsys):
    """The kernel starts as soon as the parameters are read, before the quarter's lock is
    taken: a run refused then stops that kernel and deletes its file of identifiers."""
    from qa_lib import cli

    started = []

    def start(root):
        started.append(real(root))
        return started[-1]

    real = cli._start_kernel
    monkeypatch.setattr(cli, "_start_kernel", start)
    with FileLock(str(tmp_path / ".2013-14-Q4.lock")):
        assert run("--quarter", "2013-14-Q4", "--data-root", "data/sample", "--output-dir", str(tmp_path)) == 3
    (kernel,) = started
    assert kernel.manager.has_kernel is False or not kernel.manager.is_alive()
    assert not kernel.identifiers.exists()
    assert "is being written by another run" in capsys.readouterr().err


@pytest.mark.slow
def test_a_stale_user_kernel_does_not_hijack_the_run(tmp_path):
    """A registered `python3` kernelspec pointing at a missing interpreter is ignored."""
    kernels = tmp_path / "jupyter" / "kernels" / "python3"
    kernels.mkdir(parents=True)
    (kernels / "kernel.json").write_text(
        json.dumps(
            {
                "argv": ["/nonexistent/python", "-m", "ipykernel_launcher", "-f", "{connection_file}"],
                "display_name": "stale",
                "language": "python",
            }
        ),
        encoding="utf-8",
    )
    env = {**os.environ, "JUPYTER_DATA_DIR": str(tmp_path / "jupyter"), "JUPYTER_PATH": str(tmp_path / "jupyter")}
    out = tmp_path / "outputs"
    result = subprocess.run(
        [
            sys.executable,
            "-m",
            "qa_lib.cli",
            "run",
            "--quarter",
            "2014-15-Q1",
            "--params",
            "params/2014-15-Q1.yaml",
            "--output-dir",
            str(out),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
    )
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
    params.write_text(
        "# a council's own parameters\nquarter: 2013-14-Q4\ndata_root: data/sample\nmode: internal\n", encoding="utf-8"
    )
    monkeypatch.chdir(elsewhere)
    out = tmp_path / "outputs"
    assert (
        main(
            [
                "run",
                "--quarter",
                "2013-14-Q4",
                "--params",
                "2013-14-Q4.yaml",
                "--output-dir",
                str(out),
                "--formats",
                "html",
            ]
        )
        == 0
    )
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


def _commands():
    from qa_lib.cli import build_parser

    parser = build_parser()
    sub = next(a for a in parser._actions if a.__class__.__name__ == "_SubParsersAction")
    return parser, sub.choices


def test_every_help_is_plain_text_with_a_line_for_every_option():
    parser, commands = _commands()
    assert set(commands) >= {"run", "validate", "template", "render", "verify", "batch", "new-quarter"}
    for name, command in [("qa-report", parser), *commands.items()]:
        text = command.format_help()
        assert "``" not in text and "::" not in text and ":class:" not in text and ":func:" not in text, name
        for action in command._actions:
            if action.dest in ("help", "command"):
                continue
            assert action.help and action.help.strip(), f"{name} {action.option_strings or action.dest} has no help"
            assert "`" not in action.help, f"{name} {action.option_strings}: {action.help}"


def test_validate_offers_only_options_that_mean_something_to_it():
    _, commands = _commands()
    options = {s for a in commands["validate"]._actions for s in a.option_strings}
    assert options == {
        "-h",
        "--help",
        "--quarter",
        "--data-root",
        "--params",
        "--framework",
        "--mode",
        "--status",
        "--json",
    }


@pytest.mark.parametrize(
    "argv",
    [
        ["new-quarter", "2014-15-Q2"],
        ["new-quarter", "--quarter", "2014-15-Q2"],
        ["new-quarter", "2014-15-Q2", "--quarter", "2014-15-Q2"],
    ],
)
def test_new_quarter_takes_the_quarter_either_way(argv):
    from qa_lib.cli import parse_args

    assert parse_args(argv).quarter == "2014-15-Q2"


@pytest.mark.parametrize(
    "argv, message",
    [
        (["new-quarter"], "required: --quarter"),
        (["new-quarter", "2014-15-Q2", "--quarter", "2014-15-Q3"], "given twice"),
    ],
)
def test_new_quarter_refuses_no_quarter_or_two_different_ones(argv, message, capsys):
    from qa_lib.cli import parse_args

    with pytest.raises(SystemExit) as exit_:
        parse_args(argv)
    assert exit_.value.code == 2 and message in capsys.readouterr().err


def test_the_batch_summary_is_an_aligned_table():
    from qa_lib.cli import batch_table
    from qa_lib.pipeline import BatchResult

    results = [
        BatchResult("2013-14-Q2", "ok", 21.04, ROOT / "outputs" / "2013-14-Q2"),
        BatchResult(
            "2013-14-Q3",
            "failed (exit 2)",
            3.2,
            ROOT / "outputs" / "2013-14-Q3",
            "1 problem in the quarter's data, 2013-14-Q3/case_audits.csv ...",
        ),
        BatchResult("2013-14-Q4", "ok", 123.45, ROOT / "outputs" / "2013-14-Q4"),
    ]
    lines = batch_table(results).splitlines()
    assert lines[0].split() == ["quarter", "status", "seconds", "result"]
    status, result = lines[0].index("status"), lines[0].index("result")
    seconds_end = lines[0].index("seconds") + len("seconds")
    for line, r in zip(lines[1:], results):
        assert line.startswith(r.quarter) and line[status:].startswith(r.state)
        assert line[:seconds_end].endswith(f"{r.seconds:.1f}") and line[seconds_end:result] == "  "
    assert lines[2][result:].startswith("1 problem in the quarter's data")
    assert lines[1][result:] == "outputs/2013-14-Q2/"
