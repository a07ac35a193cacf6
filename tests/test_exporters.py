"""qa_lib.exporters: the registry's ``write``, with the PDF typeset beside the other outputs."""

from __future__ import annotations

import threading
import time

import pytest

from qa_lib import exporters
from qa_lib.exporters import html, pdf


def _fake_writers(monkeypatch, fail: str | None = None, slow: str | None = None) -> list[tuple[str, str]]:
    """Replace the HTML and PDF writers by ones that record which thread wrote what."""
    calls: list[tuple[str, str]] = []

    def writer(name):
        def write(paper, figures, target):
            if name == slow:
                time.sleep(0.3)
            calls.append((name, threading.current_thread().name))
            if name == fail:
                raise RuntimeError(f"{name} failed")
            target.write_text(name, encoding="utf-8")

        return write

    monkeypatch.setattr(html, "write", writer("html"))
    monkeypatch.setattr(pdf, "write", writer("pdf"))
    return calls


def test_the_pdf_is_typeset_in_its_own_thread_while_the_rest_is_written(tmp_path, monkeypatch):
    calls = _fake_writers(monkeypatch, slow="pdf")
    meanwhile = []
    written = exporters.write(None, {}, tmp_path, ("pdf", "html"), meanwhile=lambda: meanwhile.append("done"))
    assert written == [tmp_path / "report.pdf", tmp_path / "report.html"], "in the order asked for"
    threads = dict(calls)
    assert threads["html"] == threading.current_thread().name
    assert threads["pdf"] != threads["html"] and threads["pdf"].startswith("typeset")
    assert [name for name, _ in calls] == ["html", "pdf"], "the HTML does not wait for the PDF"
    assert meanwhile == ["done"]
    assert (tmp_path / "report.pdf").read_text(encoding="utf-8") == "pdf"


def test_a_failed_pdf_is_raised_after_the_rest_is_written(tmp_path, monkeypatch):
    _fake_writers(monkeypatch, fail="pdf")
    meanwhile = []
    with pytest.raises(RuntimeError, match="pdf failed"):
        exporters.write(None, {}, tmp_path, ("html", "pdf"), meanwhile=lambda: meanwhile.append("done"))
    assert (tmp_path / "report.html").is_file() and meanwhile == ["done"]


def test_a_failure_beside_the_pdf_is_raised_only_once_the_pdf_is_finished(tmp_path, monkeypatch):
    _fake_writers(monkeypatch, fail="html", slow="pdf")
    with pytest.raises(RuntimeError, match="html failed"):
        exporters.write(None, {}, tmp_path, ("html", "pdf"))
    # Nothing is still writing into the run's folder when the failure reaches the caller.
    assert (tmp_path / "report.pdf").read_text(encoding="utf-8") == "pdf"
