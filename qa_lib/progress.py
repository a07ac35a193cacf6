"""What a command is doing, shown on a terminal as one line rewritten in place: the stage, the
notebook's cells as papermill executes them, the quarters of a batch done. Nothing is shown
when the stream is not a terminal (a pipe, a file, a CI log) or with ``--quiet``: there the
summary the command prints at its end is the whole of its output."""

from __future__ import annotations

import io
import logging
import shutil
from typing import Any, TextIO

# Back to the start of the line and clear it: the next stage overwrites the last.
_CLEAR = "\r\x1b[K"


def is_terminal(stream: Any) -> bool:
    """Whether ``stream`` is a terminal (a stream without ``isatty`` is not)."""
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # ValueError: a closed stream
        return False


class Progress:
    """Progress written to ``stream`` (standard error), on a terminal only.

    Parameters
    ----------
    stream
        Where progress is written; nothing is written unless it is a terminal.
    quiet
        Show nothing, even on a terminal (``--quiet``).
    """

    def __init__(self, stream: TextIO, quiet: bool = False):
        self.stream = stream
        self.shown = not quiet and is_terminal(stream)
        # A warning logged to the same terminal starts on a cleared line, not after the stage
        # (until :meth:`done`).
        self._handlers = [
            h
            for h in logging.getLogger().handlers
            if self.shown and isinstance(h, logging.StreamHandler) and h.stream is stream
        ]
        for handler in self._handlers:
            handler.addFilter(self._clear_line)

    def _clear_line(self, record: logging.LogRecord) -> bool:
        try:
            self.stream.write(_CLEAR)
        except (OSError, ValueError):  # the terminal is gone: the record is written, or fails, as it would
            pass
        return True

    def stage(self, text: str) -> None:
        """Show the stage the command has reached, in place of the last."""
        if self.shown:
            self.stream.write(f"{_CLEAR}{text}…")
            self.stream.flush()

    def cells(self) -> dict[str, Any] | bool:
        """papermill's ``progress_bar`` argument: its tqdm counter of cells, as "cell 5/23" on
        this line while it runs and cleared when done; ``False`` where nothing is shown."""
        if not self.shown:
            return False
        return {
            "file": self.stream,
            "desc": "executing the notebook",
            "leave": False,
            "mininterval": 0,
            # The terminal's size, or 80 by 24 where it reports none (tqdm would hide the line at 0 rows).
            "ncols": shutil.get_terminal_size().columns,
            "nrows": shutil.get_terminal_size().lines,
            "bar_format": _CLEAR + "{desc}: cell {n_fmt}/{total_fmt} ({elapsed})",
        }

    def done(self) -> None:
        """Clear the line, for the summary that follows."""
        for handler in self._handlers:
            handler.removeFilter(self._clear_line)
        self._handlers = []
        if self.shown:
            self.stream.write(_CLEAR)
            self.stream.flush()


QUIET = Progress(io.StringIO(), quiet=True)  # shows nothing
