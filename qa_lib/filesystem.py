"""How the workbook writes files, and how it reads the file system's refusals.

A refusal to take outputs (a file in the way, no permission, a read-only or full disk)
is the analyst's to fix: it becomes one :class:`~qa_lib.errors.OutputError` naming the
path and what to do. Anything else is a bug.
"""

from __future__ import annotations

import errno
import json
import os
import tempfile
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from qa_lib.errors import OutputError, QAError

# How the file system refuses to take outputs, as opposed to a bug in the workbook.
_REFUSED = {errno.EACCES, errno.EPERM}
FULL = {errno.ENOSPC} | ({errno.EDQUOT} if hasattr(errno, "EDQUOT") else set())
_IN_THE_WAY = {errno.ENOTDIR, errno.EEXIST, errno.EISDIR}
_OUTPUT_ERRNOS = _REFUSED | FULL | _IN_THE_WAY | {errno.EROFS}


def shown(path: Path | str) -> str:
    """A path as the analyst will type it: relative to the working directory when below it."""
    absolute = Path(os.path.abspath(path))
    try:
        return str(absolute.relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(absolute)


def _refusal(exc: BaseException) -> OSError | None:
    """The file system's refusal behind ``exc``, which may wrap it (xlsxwriter raises its own
    error while handling the OSError), or ``None``."""
    seen: set[int] = set()
    current: BaseException | None = exc
    while current is not None and id(current) not in seen:
        if isinstance(current, OSError) and current.errno in _OUTPUT_ERRNOS:
            return current
        seen.add(id(current))
        current = current.__cause__ or current.__context__
    return None


def _file_in_the_way(path: Path) -> Path | None:
    """The first of ``path`` and its parents that exists but is not a folder."""
    for candidate in reversed([path, *path.parents]):
        if candidate.exists() and not candidate.is_dir():
            return candidate
        if not candidate.exists():
            return None
    return None


def output_error(exc: BaseException, place: Path, instead: str = "choose another --output-dir") -> OutputError | None:
    """``exc`` as the analyst should read it when it means the file system will not take the
    outputs being written to ``place``; ``None`` when it means something else (a bug).

    ``instead`` says what else the analyst can do, for the command at hand.
    """
    if isinstance(exc, OutputError):
        return exc
    error = _refusal(exc)
    if error is None:
        return None
    path = Path(error.filename) if error.filename else place
    if error.errno in FULL:
        # Name the folder the analyst chose, not a file deep inside it.
        disk = place if path == place or place in path.parents else path.parent
        what = "is full" if error.errno == errno.ENOSPC else "is over your quota"
        return OutputError(f"the disk holding {shown(disk)} {what}; free space and run again")
    if error.errno == errno.EROFS:
        return OutputError(f"cannot write to {shown(path)}: the file system is read-only; {instead}")
    if error.errno in _REFUSED:
        return OutputError(f"cannot write to {shown(path)}: permission denied; {instead} or fix its permissions")
    blocker = _file_in_the_way(path)
    if blocker is None:
        return None  # EEXIST and the like with no file in the way: not the analyst's to fix
    return OutputError(f"{shown(blocker)} is a file where a folder is needed; {instead} or move the file")


def save_traceback(exc: BaseException) -> Path:
    """Write the traceback of a crash to a temporary file (private to the user: it may
    quote input values) and return its path, for commands with no output folder."""
    handle, name = tempfile.mkstemp(prefix="qa-report-traceback-", suffix=".txt")
    with os.fdopen(handle, "w", encoding="utf-8") as file:
        file.write("".join(traceback.format_exception(exc)))
    return Path(name)


def one_line(exc: BaseException) -> str:
    """What went wrong, in one line: a bug is named by its type, the workbook's own errors by their message."""
    lines = str(exc).strip().splitlines() or [""]
    text = lines[0] + (" …" if len(lines) > 1 else "")
    return text if isinstance(exc, QAError) else f"{type(exc).__name__}: {text}".rstrip(": ")


def save_workbook(book: Any, path: Path) -> None:
    """Save an openpyxl workbook, never over an existing file (it may hold data), and
    leave no partial file behind when the save fails."""
    if path.exists():
        raise FileExistsError(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    staging = path.with_name(f".{path.name}.partial")
    try:
        book.save(staging)
        os.replace(staging, path)
    except BaseException:
        staging.unlink(missing_ok=True)
        raise


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")


@contextmanager
def refusals_as_errors(place: Path, instead: str) -> Iterator[None]:
    """Raise the file system's refusal to write at ``place`` as an :class:`OutputError`
    saying what else to do; anything else as it is."""
    try:
        yield
    except OSError as exc:
        problem = output_error(exc, place, instead)
        if problem is None:
            raise
        raise problem from exc
