"""Progress: shown on a terminal as a command works, never in a pipe or with --quiet; the
summary of files written ends the command either way."""

from __future__ import annotations

import io
import re
import sys

import pytest

from qa_lib import cli, pipeline
from qa_lib.progress import Progress

from helpers import ROOT

QUARTER = "2013-14-Q4"


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize(
    "stream, quiet, shown", [(Terminal(), False, True), (Terminal(), True, False), (io.StringIO(), False, False)]
)
def test_progress_is_shown_only_on_a_terminal_and_not_when_quiet(stream, quiet, shown):
    progress = Progress(stream, quiet=quiet)
    progress.stage("rendering HTML")
    assert ("rendering HTML" in stream.getvalue()) is shown
    assert bool(progress.cells()) is shown, "papermill's counter of cells only where progress is shown"
    progress.done()
    if not shown:
        assert stream.getvalue() == ""


def test_the_cell_counter_reads_cell_n_of_total():
    stream = Terminal()
    options = Progress(stream).cells()
    assert isinstance(options, dict) and options["file"] is stream
    from tqdm import tqdm

    with tqdm(total=23, **options) as bar:
        bar.update(5)
    assert "executing the notebook: cell 5/23" in stream.getvalue()


def _fake_run(monkeypatch, tmp_path):
    """run_quarter as far as progress goes: the stages it shows, and the files it returns."""

    def fake(parameters, outputs, root, formats, reference_docx, progress, kernel):
        progress.stage("executing the notebook")
        progress.stage("rendering HTML")
        return pipeline.RunResult(outputs.final, [outputs.final / "report.html"])

    monkeypatch.setattr(pipeline, "run_quarter", fake)
    return [
        "run",
        "--quarter",
        QUARTER,
        "--data-root",
        str(ROOT / "data" / "sample"),
        "--output-dir",
        str(tmp_path / "out"),
        "--no-index",
    ]


def test_run_shows_progress_on_a_terminal_then_the_summary(monkeypatch, tmp_path, capsys):
    args = _fake_run(monkeypatch, tmp_path)
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.main(args) == 0
    captured = capsys.readouterr()
    assert "validating the parameters" in captured.err and "rendering HTML" in captured.err
    assert captured.err.endswith("\r\x1b[K"), "the progress line is cleared before the summary"
    assert captured.out.startswith(f"Report for {QUARTER} written:") and "report.html" in captured.out


@pytest.mark.parametrize("quiet", [[], ["--quiet"]])
def test_run_is_quiet_in_a_pipe_or_with_quiet(monkeypatch, tmp_path, capsys, quiet):
    args = _fake_run(monkeypatch, tmp_path)
    if quiet:
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.main(args + quiet) == 0
    captured = capsys.readouterr()
    assert captured.err == ""
    assert captured.out.startswith(f"Report for {QUARTER} written:")


def _fake_batch(monkeypatch):
    def fake(quarters, options, output_dir, jobs, progress):
        results = []
        for done, quarter in enumerate(quarters, 1):
            progress(done - 1, [str(quarter)])
            results.append(pipeline.BatchResult(str(quarter), "ok", 1.0, output_dir / str(quarter)))
            progress(done, [])
        return results

    monkeypatch.setattr(pipeline, "batch", fake)
    monkeypatch.setattr(cli, "_write_index", lambda *args: None)


@pytest.mark.parametrize("terminal, quiet, shown", [(True, [], True), (True, ["--quiet"], False), (False, [], False)])
def test_batch_shows_quarters_done_only_on_a_terminal(monkeypatch, tmp_path, capsys, terminal, quiet, shown):
    _fake_batch(monkeypatch)
    if terminal:
        monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert cli.main(["batch", "--from", "2013-14-Q3", "--to", QUARTER, "--output-dir", str(tmp_path), *quiet]) == 0
    captured = capsys.readouterr()
    assert ("quarters done 2/2" in captured.err) is shown and ("running 2013-14-Q3" in captured.err) is shown
    if not shown:
        assert captured.err == ""
    assert captured.out.splitlines()[0].split() == ["quarter", "status", "seconds", "result"]


@pytest.mark.slow
def test_a_real_run_on_a_terminal_counts_the_notebooks_cells(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys.stderr, "isatty", lambda: True)
    assert (
        cli.main(
            [
                "run",
                "--quarter",
                QUARTER,
                "--data-root",
                "data/sample",
                "--output-dir",
                str(tmp_path),
                "--formats",
                "html,pdf",
            ]
        )
        == 0
    )
    captured = capsys.readouterr()
    counts = [
        (int(n), int(total)) for n, total in re.findall(r"executing the notebook: cell (\d+)/(\d+)", captured.err)
    ]
    assert counts and counts[-1][0] == counts[-1][1] > 10, counts[-3:]
    for stage in (
        "starting the notebook's kernel",
        "rendering HTML",
        "rendering PDF",
        "publishing",
        "writing the index of quarters",
    ):
        assert stage in captured.err, stage
    assert "\r" not in captured.out and captured.out.startswith(f"Report for {QUARTER} written:")
    assert "index.html" in captured.out


def test_a_warning_on_the_terminal_starts_on_a_cleared_line():
    import logging

    stream = Terminal()
    handler = logging.StreamHandler(stream)
    logging.getLogger().addHandler(handler)
    try:
        progress = Progress(stream)
        progress.stage("rendering PDF")
        logging.getLogger("qa_lib.test").warning("a font lacks a character")
        assert stream.getvalue().endswith("rendering PDF…\r\x1b[Ka font lacks a character\n")
        progress.done()
        assert not handler.filters, "the terminal's handler is left as it was"
    finally:
        logging.getLogger().removeHandler(handler)
