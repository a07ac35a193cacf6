"""Executing the report notebook: papermill in this environment's own kernel
(:mod:`qa_lib.kernel`), which imports the workbook as it starts; and reading what the
executed notebook displayed.

The executed notebook is an output: it names no machine path (:func:`make_portable`).
"""

from __future__ import annotations

import logging
import os
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat

from qa_lib import FIGURES_MIME
from qa_lib.errors import InputError, NotebookInputError, Problem, RenderError

if TYPE_CHECKING:
    from qa_lib.kernel import WorkbookKernelManager

log = logging.getLogger(__name__)

NOTEBOOK = "notebooks/quarterly_report.ipynb"


def import_renderers() -> None:
    """Import the exporters' libraries while the kernel works (a thread of this process)."""
    try:
        import jinja2  # noqa: F401
        import typst  # noqa: F401
    except Exception:  # the exporter itself will raise it, where it is needed
        log.debug("importing the renderers ahead of use failed", exc_info=True)


def _input_error_names(cls: type = InputError) -> set[str]:
    names = {cls.__name__}
    sub: type
    for sub in cls.__subclasses__():
        names |= _input_error_names(sub)
    return names


def execute_notebook(
    notebook: Path,
    output: Path,
    parameters: dict[str, Any],
    root: Path,
    timeout: int = 600,
    env: dict[str, str] | None = None,
    progress_bar: dict[str, Any] | bool = False,
    kernel: WorkbookKernelManager | None = None,
) -> nbformat.NotebookNode:
    """Run the parameterised notebook with papermill in this environment's kernel;
    ``progress_bar`` is papermill's (a counter of cells, see :meth:`qa_lib.progress.Progress.cells`).

    ``kernel`` is one already started (see :class:`qa_lib.kernel.RunKernel`); by default
    it starts here, with ``env``. Either way it stops when the notebook has run, and it
    imports the workbook while this process imports papermill, then the exporters'
    libraries for the rendering to come.

    Raises
    ------
    NotebookInputError
        When the notebook stopped on bad parameters, framework, data or commentary.
    RenderError
        When it stopped on anything else.
    """
    from qa_lib.kernel import start_kernel  # jupyter_client: only to execute

    km = kernel if kernel is not None else start_kernel(root, env)
    threading.Thread(target=import_renderers, name="import-renderers", daemon=True).start()
    try:
        import papermill as pm
        from papermill.exceptions import PapermillExecutionError

        return pm.execute_notebook(
            str(notebook),
            str(output),
            parameters=parameters,
            cwd=str(root),
            km=km,
            kernel_name="python3",
            progress_bar=progress_bar,
            log_output=False,
            execution_timeout=timeout,
            start_timeout=120,
            request_save_on_cell_execute=False,  # written once, at the end or at a failure
        )
    except PapermillExecutionError as exc:
        first_line = (exc.source or "").strip().splitlines()[0] if (exc.source or "").strip() else ""
        kind = NotebookInputError if exc.ename in _input_error_names() else RenderError
        # Chained, so the kernel's traceback reaches failed/traceback.txt; the message is one line.
        raise kind(f"the notebook failed in cell {exc.exec_count} ({first_line}): {exc.ename}: {exc.evalue}") from exc
    finally:
        km.close()


def portable_parameters(parameters: dict[str, Any], root: Path) -> dict[str, Any]:
    """Parameters with every absolute path shown as the project shows it (no machine path)."""
    from qa_lib.paths import display

    return {k: display(Path(v), root) if isinstance(v, str) and os.path.isabs(v) else v for k, v in parameters.items()}


def make_portable(nb: nbformat.NotebookNode, path: Path, root: Path) -> None:
    """Rewrite the executed notebook so it names no machine path: papermill records
    absolute input and output paths and the injected parameters as given."""
    from qa_lib.paths import display

    meta = nb.metadata.get("papermill", {})
    for key in ("input_path", "output_path"):
        if meta.get(key):
            meta[key] = display(Path(meta[key]), root) if key == "input_path" else path.name
    given = dict(meta.get("parameters", {}))
    meta["parameters"] = portable_parameters(given, root)
    replacements = {v: meta["parameters"][k] for k, v in given.items() if v != meta["parameters"][k]}
    for cell in nb.cells:
        if "injected-parameters" in cell.metadata.get("tags", []):
            for old, new in replacements.items():
                cell.source = cell.source.replace(repr(old)[1:-1], new)
    nbformat.write(nb, path)


def payload_from(nb: nbformat.NotebookNode) -> dict[str, Any]:
    """What the notebook's figures cell displayed: the figures, the paper's metadata, the
    provenance and the warnings."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if FIGURES_MIME in data:
                return data[FIGURES_MIME]
    raise RenderError(
        "the executed notebook has no figures output (a cell tagged 'figures' calling context.figures_output())"
    )


def warnings_from(nb: nbformat.NotebookNode) -> list[Problem]:
    """The warnings the notebook's figures output carries (commentary warnings without their words)."""
    return [Problem(**w) for w in payload_from(nb).get("warnings", [])]
