"""Outputs that cannot be written where asked: a file in the way, no permission, a full
disk, a link leading elsewhere. Each is exit 2 with one message naming the path and what
to do, the previous outputs byte for byte, and nothing of the failed run left behind. A
real bug is exit 1 with one line naming failed/traceback.txt, which holds the traceback.

CI runs as root, where a read-only folder is writable: the file system's refusals are
injected (EACCES, ENOSPC) at each place that writes."""

from __future__ import annotations

import builtins
import errno
import io
import os
import shutil
from collections.abc import Callable
from pathlib import Path

import pytest

from qa_lib import pipeline, publishing
from qa_lib.exporters import pdf as pdf_exporter
from qa_lib.cli import main
from qa_lib.quarter import Quarter
from qa_lib.publishing import QuarterOutputs

from helpers import ROOT
from test_nothing_lost import digest

pytestmark = pytest.mark.slow  # runs the notebook (make unit leaves it out)

QUARTER = "2013-14-Q4"
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND


class Refusal:
    """The file system refusing writes to paths ``matches`` picks, with ``code``.

    With ``full_disk``, once one write is refused every later write below ``within``
    is refused too, as on a disk that has filled up (removing files still works).
    """

    def __init__(self, code: int, matches: Callable[[Path], bool], within: Path, full_disk: bool = False):
        self.code, self.matches, self.within, self.full_disk = code, matches, within.resolve(), full_disk
        self.refused: list[Path] = []

    def check(self, path: str | os.PathLike) -> None:
        path = Path(os.path.abspath(path))
        below = path.resolve().is_relative_to(self.within)
        if self.matches(path) or (self.full_disk and self.refused and below):
            self.refused.append(path)
            raise OSError(self.code, os.strerror(self.code), str(path))

    def install(self, monkeypatch: pytest.MonkeyPatch) -> Refusal:
        real_open, real_os_open = builtins.open, os.open
        real = {name: getattr(os, name) for name in ("mkdir", "symlink", "replace", "rename")}

        def guarded_open(file, mode="r", *args, **kwargs):
            if isinstance(file, (str, os.PathLike)) and set(mode) & set("wax+"):
                self.check(file)
            return real_open(file, mode, *args, **kwargs)

        def guarded_os_open(path, flags, *args, **kwargs):
            if flags & WRITE_FLAGS:
                self.check(path)
            return real_os_open(path, flags, *args, **kwargs)

        def guard(name: str, checked: int):
            def call(*args, **kwargs):
                self.check(args[checked])
                return real[name](*args, **kwargs)

            return call

        monkeypatch.setattr(builtins, "open", guarded_open)
        monkeypatch.setattr(io, "open", guarded_open)
        monkeypatch.setattr(os, "open", guarded_os_open)
        monkeypatch.setattr(os, "mkdir", guard("mkdir", 0))
        monkeypatch.setattr(os, "symlink", guard("symlink", 1))
        monkeypatch.setattr(os, "replace", guard("replace", 1))
        monkeypatch.setattr(os, "rename", guard("rename", 1))
        return self


def named(name: str) -> Callable[[Path], bool]:
    return lambda path: path.name == name


def leftovers(outputs: QuarterOutputs) -> list[str]:
    """What a failed run may not leave: run folders besides the published one, staging
    folders of failed/, links being made, partial files."""
    current = outputs.final.resolve()
    found = [p.name for p in outputs.runs.iterdir() if p.resolve() != current] if outputs.runs.is_dir() else []
    found += [p.name for p in current.glob(".failed.*")] if current.is_dir() else []
    found += [p.name for p in outputs.output_dir.glob(f".{QUARTER}.link-*")]
    return found + [p.name for p in outputs.output_dir.rglob("*.partial")]


@pytest.fixture
def published(sample_run: Path, tmp_path: Path) -> QuarterOutputs:
    """A quarter whose outputs are a real run's (so ``render`` can render them again)."""
    outputs = QuarterOutputs(tmp_path / "outputs", Quarter.parse(QUARTER))
    with outputs.locked():
        run = outputs.new_run()
        shutil.copytree(sample_run.resolve(), run, dirs_exist_ok=True)
        outputs.publish(run)
    return outputs


def run(outputs: QuarterOutputs, *extra: str) -> int:
    return main(
        ["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(outputs.output_dir), *extra]
    )


def render(outputs: QuarterOutputs) -> int:
    return main(["render", str(outputs.final)])


def one_line(err: str) -> str:
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    return lines[0]


# --- a file in the way, links leading elsewhere --------------------------------------------------------------


def test_an_output_dir_that_is_a_file_exits_2(tmp_path, capsys):
    target = tmp_path / "outputs"
    target.write_text("not a folder", encoding="utf-8")
    assert main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(target)]) == 2
    line = one_line(capsys.readouterr().err)
    assert f"{target} is a file where a folder is needed; choose another --output-dir or move the file" in line
    assert target.read_text(encoding="utf-8") == "not a folder"


def test_an_output_dir_below_a_file_exits_2(tmp_path, capsys):
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert (
        main(
            [
                "run",
                "--quarter",
                QUARTER,
                "--data-root",
                "data/sample",
                "--output-dir",
                str(tmp_path / "file" / "outputs"),
            ]
        )
        == 2
    )
    assert f"{tmp_path / 'file'} is a file where a folder is needed" in one_line(capsys.readouterr().err)


def test_runs_leading_outside_the_output_folder_is_refused_and_nothing_there_is_touched(tmp_path, capsys):
    out = tmp_path / "outputs"
    out.mkdir()
    elsewhere = tmp_path / "elsewhere"
    (elsewhere / f"{QUARTER}.keep").mkdir(parents=True)  # would match the clearing of abandoned runs
    (elsewhere / f"{QUARTER}.keep" / "precious.txt").write_text("mine", encoding="utf-8")
    (out / ".runs").symlink_to(elsewhere, target_is_directory=True)
    assert main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out)]) == 2
    assert "leads outside the output folder" in one_line(capsys.readouterr().err)
    assert (elsewhere / f"{QUARTER}.keep" / "precious.txt").read_text(encoding="utf-8") == "mine"
    assert [p.name for p in elsewhere.iterdir()] == [f"{QUARTER}.keep"]


# --- refusals at each place that writes, before the notebook runs ---------------------------------------------


def test_a_lock_file_that_cannot_be_made_exits_2(published, monkeypatch, capsys):
    before = digest(published.final)
    Refusal(errno.EACCES, named(f".{QUARTER}.lock"), published.output_dir).install(monkeypatch)
    assert run(published) == 2
    line = one_line(capsys.readouterr().err)
    assert (
        f"cannot write to {published.output_dir / f'.{QUARTER}.lock'}: permission denied; "
        f"choose another --output-dir or fix its permissions" in line
    )
    monkeypatch.undo()
    assert digest(published.final) == before and not leftovers(published)


def test_a_read_only_output_folder_exits_2(tmp_path, monkeypatch, capsys):
    out = tmp_path / "outputs"
    Refusal(errno.EROFS, lambda path: path.is_relative_to(out), tmp_path).install(monkeypatch)
    assert main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out)]) == 2
    assert f"cannot write to {out}: the file system is read-only; choose another --output-dir" in one_line(
        capsys.readouterr().err
    )


def test_a_run_folder_that_cannot_be_made_exits_2(published, monkeypatch, capsys):
    before = digest(published.final)
    refusal = Refusal(errno.EACCES, lambda path: path.parent == published.runs, published.output_dir)
    refusal.install(monkeypatch)
    assert run(published) == 2
    assert "permission denied; choose another --output-dir" in one_line(capsys.readouterr().err)
    assert refusal.refused
    monkeypatch.undo()
    assert digest(published.final) == before and not leftovers(published)


# --- refusals while the run writes: execution, rendering, publishing, failed/ ----------------------------------


def test_a_full_disk_while_the_notebook_is_written_exits_2_and_leaves_nothing(published, monkeypatch, capsys):
    before = digest(published.final)
    # papermill writes the executed notebook into the run's folder
    refusal = Refusal(
        errno.ENOSPC,
        lambda p: p.name == "report.ipynb" and p.parent.parent == published.runs,
        published.output_dir,
        full_disk=True,
    ).install(monkeypatch)
    assert run(published) == 2
    line = one_line(capsys.readouterr().err)
    assert line == (
        f"error: the disk holding {published.output_dir} is full; free space and run again — "
        f"the previous outputs are unchanged"
    )
    assert refusal.refused[0].name == "report.ipynb"
    monkeypatch.undo()
    assert digest(published.final) == before
    assert not leftovers(published)
    assert not (published.final / "failed").exists(), "the disk stayed full: not even failed/ was written"


def test_permission_denied_while_rendering_exits_2_and_records_only_the_message(published, monkeypatch, capsys):
    before = digest(published.final)
    Refusal(errno.EACCES, named("report.pdf"), published.output_dir).install(monkeypatch)
    assert run(published) == 2
    line = one_line(capsys.readouterr().err)
    assert (
        "cannot write to " in line
        and "report.pdf: permission denied; choose another --output-dir or fix its "
        "permissions — the previous outputs are unchanged"
        in line
    )
    monkeypatch.undo()
    assert digest(published.final) == before and not leftovers(published)
    assert sorted(p.name for p in (published.final / "failed").iterdir()) == ["error.txt"]
    assert "permission denied" in (published.final / "failed" / "error.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("stage", ["report.html", "report.pdf", "manifest.json"])
def test_a_disk_that_fills_while_rendering_again_leaves_the_previous_outputs(published, monkeypatch, capsys, stage):
    before = digest(published.final)
    Refusal(errno.ENOSPC, named(stage), published.output_dir, full_disk=True).install(monkeypatch)
    assert render(published) == 2
    assert "is full; free space and run again — the previous outputs are unchanged" in one_line(capsys.readouterr().err)
    monkeypatch.undo()
    assert digest(published.final) == before and not leftovers(published)
    assert not (published.final / "failed").exists()


def test_a_disk_that_fills_while_the_run_log_is_written_fails_the_run_without_a_traceback(
    published, monkeypatch, capsys
):
    """The log file is open before the disk fills: its writes fail, not its opening."""
    before = digest(published.final)

    def full(self):
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(publishing._RunLogHandler, "flush", full)
    assert render(published) == 2
    line = one_line(capsys.readouterr().err)
    assert line == (
        f"error: the disk holding {published.output_dir} is full; free space and run again — "
        f"the previous outputs are unchanged"
    )
    monkeypatch.undo()
    assert digest(published.final) == before and not leftovers(published)


@pytest.mark.parametrize("call", ["symlink", "replace"])
def test_a_refusal_at_the_publishing_step_leaves_the_previous_outputs(published, monkeypatch, capsys, call):
    before = digest(published.final)
    link = f".{QUARTER}.link-"
    matches = {"symlink": lambda p: p.name.startswith(link), "replace": lambda p: p == published.final}[call]
    Refusal(errno.EACCES, matches, published.output_dir).install(monkeypatch)
    assert render(published) == 2
    assert "permission denied; choose another --output-dir" in one_line(capsys.readouterr().err)
    monkeypatch.undo()
    assert digest(published.final) == before and not leftovers(published)


def test_a_disk_full_while_failed_is_written_leaves_no_staging_folder(published, monkeypatch, capsys):
    """The run fails on a bug; failed/ cannot be written either: the traceback goes to a
    temporary file, and no .failed.* is left inside the published folder."""
    before = digest(published.final)

    def bug(*args, **kwargs):
        raise ValueError("a bug in the renderer")

    monkeypatch.setattr(pdf_exporter, "write", bug)
    Refusal(errno.ENOSPC, named("traceback.txt"), published.output_dir).install(monkeypatch)
    assert render(published) == 1
    line = one_line(capsys.readouterr().err)
    assert "ValueError: a bug in the renderer" in line and "the traceback is in " in line
    saved = Path(line.rsplit("the traceback is in ", 1)[1])
    monkeypatch.undo()
    assert not saved.is_relative_to(published.output_dir)
    assert "ValueError: a bug in the renderer" in saved.read_text(encoding="utf-8")
    saved.unlink()
    assert digest(published.final) == before and not leftovers(published)
    assert not (published.final / "failed").exists()


def test_the_first_run_on_a_full_disk_leaves_no_empty_outputs(tmp_path, monkeypatch, capsys):
    out = tmp_path / "outputs"
    Refusal(errno.ENOSPC, lambda p: p.name == "report.ipynb", out, full_disk=True).install(monkeypatch)
    assert main(["run", "--quarter", QUARTER, "--data-root", "data/sample", "--output-dir", str(out)]) == 2
    assert one_line(capsys.readouterr().err) == f"error: the disk holding {out} is full; free space and run again"
    monkeypatch.undo()
    assert not (out / QUARTER).exists() and not list((out / ".runs").iterdir())


# --- a real bug: one line, the traceback in failed/traceback.txt ----------------------------------------------


def test_a_bug_while_rendering_exits_1_with_one_line_and_failed_traceback(published, monkeypatch, capsys):
    before = digest(published.final)

    def bug(*args, **kwargs):
        raise RuntimeError("the layout engine fell over")

    monkeypatch.setattr(pdf_exporter, "write", bug)
    assert run(published) == 1
    line = one_line(capsys.readouterr().err)
    traceback_path = published.final / "failed" / "traceback.txt"
    assert line.startswith("error: RuntimeError: the layout engine fell over; the previous outputs are unchanged")
    assert line.endswith(f"the traceback is in {traceback_path}")
    text = traceback_path.read_text(encoding="utf-8")
    assert text.startswith("Traceback") and "in render_into" in text and "RuntimeError: the layout engine" in text
    kept = (published.final / "failed" / "report.ipynb").read_text(encoding="utf-8")
    assert "context.figures_output()" in kept, "the notebook is kept beside it"
    assert str(ROOT) not in kept, "made portable before rendering: it names no machine path"
    assert digest(published.final) == before and not leftovers(published)


def test_a_bug_outside_the_run_still_goes_to_failed_traceback(published, monkeypatch, capsys):
    def bug(*args, **kwargs):
        raise KeyError("formats")

    monkeypatch.setattr(pipeline, "rerender_quarter", bug)
    assert render(published) == 1
    line = one_line(capsys.readouterr().err)
    assert line.startswith("error: KeyError: 'formats'")
    assert "KeyError: 'formats'" in (published.final / "failed" / "traceback.txt").read_text(encoding="utf-8")


@pytest.mark.parametrize("verbose", [False, True])
def test_a_bug_with_no_output_folder_leaves_its_traceback_in_a_temporary_file(tmp_path, monkeypatch, capsys, verbose):
    from qa_lib import template

    def bug(*args, **kwargs):
        raise ValueError("no such sheet")

    monkeypatch.setattr(template, "build_template", bug)
    assert (
        main(
            [*(["-v"] if verbose else []), "template", "--quarter", "2014-15-Q2", "--output", str(tmp_path / "t.xlsx")]
        )
        == 1
    )
    err = capsys.readouterr().err
    line = next(line for line in err.splitlines() if line.startswith("error:")) if verbose else one_line(err)
    assert line.startswith("error: qa-report crashed (ValueError: no such sheet); this is a bug")
    saved = Path(line.rsplit("the traceback is in ", 1)[1])
    try:
        assert "ValueError: no such sheet" in saved.read_text(encoding="utf-8")
        assert ("Traceback" in err) is verbose, "-v shows the traceback on the console as well"
    finally:
        saved.unlink()


# --- the other commands that write ----------------------------------------------------------------------------


def test_template_and_new_quarter_refused_writes_exit_2(tmp_path, monkeypatch, capsys):
    target = tmp_path / "t" / "template.xlsx"
    Refusal(errno.EACCES, lambda p: p.is_relative_to(tmp_path / "t"), tmp_path).install(monkeypatch)
    assert main(["template", "--quarter", "2014-15-Q2", "--output", str(target)]) == 2
    assert "permission denied; name another file with --output or fix its permissions" in one_line(
        capsys.readouterr().err
    )
    monkeypatch.undo()

    project = tmp_path / "project"
    (project / "params").mkdir(parents=True)
    shutil.copy(ROOT / "params" / "framework.yaml", project / "params")
    (project / "pyproject.toml").write_text("", encoding="utf-8")
    monkeypatch.setenv("QA_PROJECT_ROOT", str(project))
    monkeypatch.chdir(project)
    Refusal(errno.ENOSPC, named("2014-15-Q2.yaml"), project).install(monkeypatch)
    assert main(["new-quarter", "2014-15-Q2"]) == 2
    assert "the disk holding params is full; free space and run again" in one_line(capsys.readouterr().err)
    monkeypatch.undo()
    assert not (project / "params" / "2014-15-Q2.yaml").exists()


def test_a_template_that_cannot_be_finished_leaves_no_partial_file(tmp_path, monkeypatch, capsys):
    target = tmp_path / "template.xlsx"
    # the workbook is saved beside its name, then moved into place: the move fails
    Refusal(errno.ENOSPC, lambda p: p == target, tmp_path).install(monkeypatch)
    assert main(["template", "--quarter", "2014-15-Q2", "--output", str(target)]) == 2
    assert "is full; free space and run again" in one_line(capsys.readouterr().err)
    monkeypatch.undo()
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_validate_json_that_cannot_be_written_exits_2(tmp_path, monkeypatch, capsys):
    report = tmp_path / "problems.json"
    Refusal(errno.EACCES, lambda p: p == report, tmp_path).install(monkeypatch)
    assert main(["validate", "--quarter", QUARTER, "--data-root", "data/sample", "--json", str(report)]) == 2
    assert f"cannot write to {report}: permission denied; name another file with --json" in capsys.readouterr().err
