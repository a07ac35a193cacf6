"""Where the project lives, so relative paths mean the same wherever code runs.

The notebook may run from ``notebooks/`` (JupyterLab), from the project root
(papermill, the CLI) or from ``outputs/<quarter>/`` (nbval on an executed
report); paths in parameters are always relative to the project root.
"""

from __future__ import annotations

import os
from pathlib import Path

_MARKERS = ("pyproject.toml", "params")


def _is_root(folder: Path) -> bool:
    return all((folder / marker).exists() for marker in _MARKERS)


def project_root() -> Path:
    """The project root: ``$QA_PROJECT_ROOT``, else the nearest folder above the
    working directory holding ``pyproject.toml`` and ``params/``, else the
    source tree this package was installed from (editable installs)."""
    env = os.environ.get("QA_PROJECT_ROOT")
    if env:
        return Path(env).resolve()
    cwd = Path.cwd().resolve()
    for folder in (cwd, *cwd.parents):
        if _is_root(folder):
            return folder
    source = Path(__file__).resolve().parents[1]
    if _is_root(source):
        return source
    return cwd


def resolve(path: str | os.PathLike[str], root: Path | None = None) -> Path:
    """Resolve ``path`` against the project root unless it is absolute."""
    path = Path(path)
    if path.is_absolute():
        return path
    return ((root or project_root()) / path).resolve()


def display(path: Path, root: Path | None = None) -> str:
    """A path as shown to people and written to outputs: relative to the
    project root when inside it, so no machine path leaks into a report."""
    root = root or project_root()
    try:
        return Path(path).resolve().relative_to(root).as_posix()
    except ValueError:
        return Path(path).name
