"""The workbook's exceptions: one root, one subclass per kind of failure.

The CLI maps them to exit codes: :class:`InputError` and its subclasses are the
analyst's to fix (exit 2), :class:`LockedError` means another run holds the
quarter (exit 3), anything else is a crash (exit 1), whose traceback goes to a
file the message names.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass
from typing import Any


class QAError(Exception):
    """Root of every error the workbook raises on purpose."""


class InputError(QAError):
    """Parameters, framework or data that the analyst must correct."""


class ParameterError(InputError):
    """A run parameter is missing, malformed or contradicts another."""


class FrameworkError(InputError):
    """The framework YAML is malformed or inconsistent."""


class OutputError(InputError):
    """The outputs cannot be written where they were asked for: a file in the way, no
    permission, a read-only or full disk, or a link leading outside the output folder."""


@dataclass(frozen=True)
class Problem:
    """One problem found in a quarter's data, located as a person would find it.

    ``row`` is the row number as shown by a spreadsheet (header = row 1), or
    ``None`` when the problem concerns a whole file or column.
    """

    rule: str
    file: str
    row: int | None
    column: str | None
    value: str | None
    expected: str
    severity: str = "error"

    def describe(self) -> str:
        where = self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.column:
            where += f", column {self.column!r}"
        value = "" if self.value is None else f": value {self.value!r}"
        return f"[{self.rule}] {where}{value} — expected {self.expected}"


class DataError(InputError):
    """A quarter's data breaks the data contract; carries every problem found."""

    def __init__(self, problems: list[Problem]):
        self.problems = problems
        lines = [p.describe() for p in problems]
        noun = "problem" if len(problems) == 1 else "problems"
        super().__init__(f"{len(problems)} {noun} in the quarter's data:\n" + "\n".join(lines))


class CommentaryError(InputError):
    """``commentary.md`` refers to a figure that does not exist."""


class LockedError(QAError):
    """Another run is writing the same quarter."""


class RenderError(QAError):
    """Executing the notebook or rendering its outputs failed."""


class NotebookInputError(RenderError):
    """The notebook stopped on an input error (the kernel validates the data); the
    command validates again in its own process to report every problem."""


def validation_report(quarter: str, errors: list[Problem], warnings: list[Problem]) -> str:
    """``validation.json``: every problem, for the analyst and for tools."""

    def as_dict(problem: Problem) -> dict[str, Any]:
        return {**asdict(problem), "message": problem.describe()}

    return (
        json.dumps(
            {
                "quarter": quarter,
                "valid": not errors,
                "errors": [as_dict(p) for p in errors],
                "warnings": [as_dict(p) for p in warnings],
            },
            indent=2,
            ensure_ascii=False,
        )
        + "\n"
    )


class ReferenceDocumentError(InputError):
    """The Word reference document (``reference_docx``) is missing or is not a Word file."""
