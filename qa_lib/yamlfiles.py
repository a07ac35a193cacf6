"""Reading YAML files (the framework, params files, quarter.yaml, data_set.yaml) safely:
bounded, checked before the parser, and into pydantic models whose problems name the file
and entry."""

from __future__ import annotations

from pathlib import Path
from typing import Any, TypeVar

import yaml
from pydantic import BaseModel, ValidationError

from qa_lib import limits
from qa_lib.errors import DataError, InputError
from qa_lib.limits import refuse

M = TypeVar("M", bound=BaseModel)


def read_yaml(path: Path, shown: str | None = None, within: Path | None = None) -> Any:
    """Read any YAML file the workbook takes, safely: a regular file of at most
    :data:`~qa_lib.limits.YAML_BYTES` (inside the folder ``within`` once links are resolved,
    if given), UTF-8 (or Windows-1252), whose nesting, aliases, repeated keys and numbers
    pass :func:`~qa_lib.limits.check_yaml`, then loaded by YAML's safe loader. ``shown`` is the name
    problems give the file (default: the path as given).

    Raises
    ------
    DataError
        With one problem naming the file: ``missing_file``, ``unsafe_file``, ``over_limit``,
        ``bad_encoding`` or ``malformed_yaml``.
    """
    shown = shown or str(path)
    raw = limits.read_bounded(Path(path), shown, limits.YAML_BYTES, within)
    text = limits.decode_text(raw, shown, "YAML")
    limits.check_yaml(text, shown)
    try:
        return yaml.load(text, Loader=limits.SAFE_LOADER)
    except yaml.YAMLError as exc:
        refuse("malformed_yaml", shown, f"valid YAML ({exc})")


def read_yaml_model(path: Path, model: type[M], error: type[InputError], what: str) -> M:
    """Read a YAML mapping (by :func:`read_yaml`) into a pydantic model; every problem names
    the file and entry.

    Raises
    ------
    InputError
        Of the given subclass, for a missing, unsafe or bad file or entries the model refuses.
    """
    path = Path(path)
    try:
        raw = read_yaml(path)
    except DataError as exc:
        problem = exc.problems[0]
        if problem.rule == "missing_file":
            raise error(f"{what} {path} does not exist") from None
        line = f", line {problem.row}" if problem.row else ""
        if problem.rule == "malformed_yaml":
            raise error(f"{what} {path} is not valid YAML{line}: expected {problem.expected}") from None
        raise error(f"{what} {path}{line}: expected {problem.expected}") from None
    if not isinstance(raw, dict):
        raise error(f"{what} {path} must hold a mapping of names to values")
    try:
        return model.model_validate(raw)
    except ValidationError as exc:
        details = "\n".join(
            f"  {'.'.join(str(p) for p in err['loc']) or '(top level)'}: {err['msg']}" for err in exc.errors()
        )
        raise error(f"{what} {path} is invalid:\n{details}") from None
