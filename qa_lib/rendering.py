"""Execute the notebook and write the quarter's outputs: the only module that writes files.

A run builds everything in a temporary folder beside the destination and moves
it into ``<output dir>/<quarter>/`` only when every output was written, so a
failure never leaves a half-written report in place of the last good one.
"""

from __future__ import annotations

import json
import logging
import os
import shutil
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nbformat
from filelock import FileLock, Timeout
from jupyter_client.kernelspec import KernelSpec
from jupyter_client.manager import KernelManager

from qa_lib.errors import LockedError, RenderError
from qa_lib.quarter import Quarter
from qa_lib.report import FIGURES_MIME

log = logging.getLogger(__name__)

TEMPLATES = Path(__file__).parent / "templates"
NOTEBOOK = "notebooks/quarterly_report.ipynb"
REMOVED_TAGS = {"parameters", "injected-parameters", "setup", "figures"}
OUTPUT_FILES = ("report.ipynb", "report.html", "report.pdf", "figures.json")


class WorkbookKernelManager(KernelManager):
    """Start the kernel with this interpreter, whatever kernelspecs are registered.

    A stale user-level ``python3`` kernelspec pointing at another Python would
    otherwise run the report against other packages, or fail to start. Where the
    platform has Unix sockets the kernel talks over them rather than TCP, so no
    local port is opened (and ipykernel has nothing to warn about).
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        if os.name == "posix":
            self.transport = "ipc"

    @property
    def kernel_spec(self) -> KernelSpec:  # type: ignore[override]
        return KernelSpec(
            argv=[sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
            display_name="qa-workbook (Python)",
            language="python",
            resource_dir=str(TEMPLATES),
        )


@dataclass(frozen=True)
class RunResult:
    folder: Path
    files: list[Path]


def execute_notebook(notebook: Path, output: Path, parameters: dict[str, Any], root: Path,
                     timeout: int = 600) -> nbformat.NotebookNode:
    """Run the parameterised notebook with papermill in this environment's kernel."""
    import papermill as pm
    from papermill.exceptions import PapermillExecutionError

    env_root = os.environ.get("QA_PROJECT_ROOT")
    os.environ["QA_PROJECT_ROOT"] = str(root)  # the kernel inherits it: paths resolve from the root
    try:
        return pm.execute_notebook(
            str(notebook), str(output), parameters=parameters, cwd=str(root),
            kernel_name="python3", kernel_manager_class=WorkbookKernelManager,
            progress_bar=False, log_output=False, execution_timeout=timeout, start_timeout=120,
        )
    except PapermillExecutionError as exc:
        raise RenderError(f"the notebook failed in cell {exc.exec_count}: {exc.ename}: {exc.evalue}") from None
    finally:
        if env_root is None:
            os.environ.pop("QA_PROJECT_ROOT", None)
        else:
            os.environ["QA_PROJECT_ROOT"] = env_root


def figures_from(nb: nbformat.NotebookNode) -> tuple[dict[str, Any], str]:
    """The figures document and report title that the notebook's figures cell displayed."""
    for cell in nb.cells:
        for out in cell.get("outputs", []):
            data = out.get("data", {})
            if FIGURES_MIME in data:
                payload = data[FIGURES_MIME]
                return payload["figures"], payload["title"]
    raise RenderError("the executed notebook has no figures output (a cell tagged 'figures' calling "
                      "report.figures_output())")


def html_from(nb: nbformat.NotebookNode, title: str) -> str:
    """The committee paper as one self-contained HTML file."""
    from nbconvert import HTMLExporter
    from nbconvert.preprocessors import TagRemovePreprocessor

    exporter = HTMLExporter(template_name="committee", extra_template_basedirs=[str(TEMPLATES)])
    exporter.register_preprocessor(TagRemovePreprocessor(remove_cell_tags=REMOVED_TAGS), enabled=True)
    css = (TEMPLATES / "committee" / "report.css").read_text(encoding="utf-8")
    body, _ = exporter.from_notebook_node(nb, resources={"qa": {"title": title, "css": css}})
    return body


def pdf_from(html: str, target: Path) -> None:
    """A4 PDF of the same HTML, tagged for accessibility."""
    from weasyprint import HTML

    HTML(string=html, base_url=str(TEMPLATES)).write_pdf(target, pdf_variant="pdf/ua-1")


def write_json(path: Path, document: dict[str, Any]) -> None:
    path.write_text(json.dumps(document, indent=2, sort_keys=True, allow_nan=False) + "\n", encoding="utf-8")


def run_quarter(quarter: Quarter, parameters: dict[str, Any], output_dir: Path, root: Path) -> RunResult:
    """Execute and render one quarter into ``output_dir/<quarter>/``.

    Raises
    ------
    LockedError
        When another run holds the quarter.
    RenderError
        When execution or rendering fails; the previous outputs stay in place.
    """
    output_dir.mkdir(parents=True, exist_ok=True)
    final = output_dir / str(quarter)
    lock = FileLock(str(output_dir / f".{quarter}.lock"))
    try:
        lock.acquire(timeout=0)
    except Timeout:
        raise LockedError(f"quarter {quarter} is locked by another run ({lock.lock_file})") from None
    try:
        with tempfile.TemporaryDirectory(prefix=f".{quarter}.", dir=output_dir) as tmp:
            work = Path(tmp) / str(quarter)
            work.mkdir()
            nb = execute_notebook(root / NOTEBOOK, work / "report.ipynb", parameters, root)
            document, title = figures_from(nb)
            write_json(work / "figures.json", document)
            html = html_from(nb, title)
            (work / "report.html").write_text(html, encoding="utf-8")
            pdf_from(html, work / "report.pdf")
            _swap_into_place(work, final)
    finally:
        lock.release()
    return RunResult(final, [final / name for name in OUTPUT_FILES])


def _swap_into_place(work: Path, final: Path) -> None:
    """Replace ``final`` with ``work`` so that one of the two is always whole."""
    retired = None
    if final.exists():
        retired = final.with_name(f".{final.name}.previous")
        if retired.exists():
            shutil.rmtree(retired)
        final.rename(retired)
    try:
        work.rename(final)
    except OSError:
        if retired is not None:
            retired.rename(final)
        raise
    if retired is not None:
        shutil.rmtree(retired)
