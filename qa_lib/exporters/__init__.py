"""The paper in each format, from its assembled section data: one module per format, each
with ``write(paper, figures, target)``, registered here by the format's name. A module is
imported only when its format is written, so a render loads only what it needs."""

from __future__ import annotations

import importlib
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from qa_lib.paper import Paper

# Format name -> module of qa_lib.exporters that writes report.<format>.
WRITERS = {"html": "html", "pdf": "pdf", "docx": "docx", "xlsx": "xlsx"}
FORMATS = tuple(WRITERS)
DEFAULT_FORMATS = ("html", "pdf")
# Formats whose writer spends its time outside Python, so other threads run meanwhile: Typst
# lays out the PDF in Rust, without the interpreter's lock.
IN_BACKGROUND = frozenset({"pdf"})


def write(
    paper: Paper,
    figures: dict[str, Any],
    folder: Path,
    formats: tuple[str, ...],
    reference_docx: Path | None = None,
    starting: Callable[[str], None] = lambda name: None,
    meanwhile: Callable[[], None] = lambda: None,
) -> list[Path]:
    """Write ``report.<format>`` into ``folder`` for each format, calling ``starting`` with the
    format's name before each (for progress); return the files written, in the order of
    ``formats``. Word is built on ``reference_docx`` (by default the project's
    ``params/reference.docx``).

    The formats in :data:`IN_BACKGROUND` are written in a thread of their own, while this one
    calls ``meanwhile`` (the caller's other work) and then writes the others; an error in
    either is raised only once both have finished, so nothing is still writing behind it.
    """
    background = tuple(name for name in formats if name in IN_BACKGROUND)
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="typeset") as pool:
        pending = pool.submit(_write_each, paper, figures, folder, background, reference_docx, starting)
        meanwhile()
        written = _write_each(
            paper, figures, folder, tuple(n for n in formats if n not in background), reference_docx, starting
        )
        written |= pending.result()
    return [written[name] for name in formats]


def _write_each(
    paper: Paper,
    figures: dict[str, Any],
    folder: Path,
    formats: tuple[str, ...],
    reference_docx: Path | None,
    starting: Callable[[str], None],
) -> dict[str, Path]:
    written = {}
    for name in formats:
        starting(name)
        module = importlib.import_module(f"qa_lib.exporters.{WRITERS[name]}")
        target = folder / f"report.{name}"
        if name == "docx":
            module.write(paper, figures, target, reference=reference_docx)
        else:
            module.write(paper, figures, target)
        written[name] = target
    return written


def check_reference_docx(path: Path | None) -> None:
    """Refuse a missing or damaged Word reference document before anything runs
    (:class:`~qa_lib.errors.ReferenceDocumentError`, naming the file)."""
    from qa_lib.exporters.docx import open_reference

    open_reference(path)
