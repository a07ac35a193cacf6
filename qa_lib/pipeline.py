"""The workbook's commands as stages: run (execute, render, publish), render again, validate,
verify and batch. The CLI parses arguments and calls these; each returns what happened and
raises the workbook's errors for the CLI to report."""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any

import nbformat
from pydantic import BaseModel, ConfigDict, ValidationError

from qa_lib import __version__, exporters
from qa_lib import provenance as P
from qa_lib.errors import InputError, ParameterError, Problem, RenderError
from qa_lib.exporters.html import write_provenance
from qa_lib.filesystem import refusals_as_errors, save_workbook, shown, write_json
from qa_lib.notebook import (
    NOTEBOOK,
    execute_notebook,
    import_renderers,
    make_portable,
    payload_from,
    portable_parameters,
    warnings_from,
)
from qa_lib.paper import Paper, assemble, sections_from
from qa_lib.parameters import RunParameters
from qa_lib.paths import display, resolve
from qa_lib.privacy import read_identifiers, scan
from qa_lib.progress import QUIET, Progress
from qa_lib.publishing import QuarterOutputs, RunLog, in_order, manifest
from qa_lib.quarter import Quarter

if TYPE_CHECKING:
    from qa_lib.kernel import RunKernel

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class RunResult:
    folder: Path
    files: list[Path]
    warnings: list[Problem] = field(default_factory=list)


def paper_of(nb: nbformat.NotebookNode) -> Paper:
    """The paper an executed notebook displayed: its sections in cell order, numbered."""
    return assemble(sections_from(nb), payload_from(nb)["meta"])


def render_into(
    work: Path,
    nb: nbformat.NotebookNode,
    formats: tuple[str, ...],
    started: datetime,
    run_log: RunLog,
    listed: tuple[str, ...] | None = None,
    notebook: dict[str, str] | None = None,
    reference_docx: Path | None = None,
    progress: Progress = QUIET,
) -> None:
    """Write every output of an executed notebook into ``work``: figures, the chosen
    formats, the record of the run (:data:`~qa_lib.provenance.RECORD`, whatever the formats),
    then the manifest that hashes them and lists ``listed`` (the formats the folder holds,
    some perhaps carried over; by default those written). ``reference_docx`` is the Word
    document ``report.docx`` is built on (by default the project's). The figures and the
    record are written while the PDF is typeset."""
    payload = payload_from(nb)

    def other_outputs() -> None:
        write_json(work / "figures.json", payload["figures"])
        write_provenance(payload["provenance"], payload["meta"], work / P.RECORD, notebook)

    exporters.write(
        paper_of(nb),
        payload["figures"],
        work,
        formats,
        reference_docx,
        lambda name: progress.stage(f"rendering {name.upper()}"),
        meanwhile=other_outputs,
    )
    log.info("outputs written: %s", ", ".join(sorted(p.name for p in work.iterdir())))
    run_log.close()
    run_log.check()
    record = manifest(payload["provenance"], work, started, listed or formats)
    write_json(work / "manifest.json", record | ({"notebook": notebook} if notebook else {}))


def render_outputs(
    folder: Path, nb: nbformat.NotebookNode, formats: tuple[str, ...], notebook: dict[str, str] | None = None
) -> None:
    """Write every output of an executed notebook into ``folder`` as a run does, with its own
    ``run.log`` (``verify`` compares them with a run's); ``notebook`` is the notebook the run
    recorded, which its record names."""
    run_log = RunLog(folder / "run.log")
    try:
        render_into(folder, nb, formats, datetime.now(timezone.utc), run_log, notebook=notebook)
    finally:
        run_log.close()


def _result(outputs: QuarterOutputs, formats: tuple[str, ...], warnings: list[Problem] | None = None) -> RunResult:
    names = [
        "report.ipynb",
        *[f"report.{f}" for f in in_order(formats)],
        P.RECORD,
        "figures.json",
        "manifest.json",
        "run.log",
    ]
    return RunResult(outputs.final, [outputs.final / name for name in names], warnings or [])


def run_quarter(
    parameters: dict[str, Any],
    outputs: QuarterOutputs,
    root: Path,
    formats: tuple[str, ...] = exporters.DEFAULT_FORMATS,
    reference_docx: Path | None = None,
    progress: Progress = QUIET,
    kernel: RunKernel | None = None,
) -> RunResult:
    """Execute and render one quarter and publish it, showing ``progress``; the caller holds the lock.
    ``kernel`` is the run's kernel if the caller started it already (it is closed here,
    whatever happens); by default it starts here.

    Raises
    ------
    OutputError
        When the file system refuses the outputs (no permission, a full disk, a file
        in the way): the previous outputs stay as they were; nothing of the run remains.
    RenderError
        When execution or rendering fails otherwise: the previous outputs stay as they
        were; the partly executed notebook and the traceback are kept in ``failed/``.
    ReferenceDocumentError
        When Word is to be written and its reference document is missing or damaged:
        refused before anything runs.
    """
    from qa_lib.kernel import RunKernel  # jupyter_client: only to execute

    try:
        # Every format the published outputs had is made again from this execution: none is lost.
        formats = in_order(set(formats) | set(outputs.published_formats()))
        if "docx" in formats:
            exporters.check_reference_docx(reference_docx)
        if kernel is None:
            progress.stage("starting the notebook's kernel")
            kernel = RunKernel(root)
        return _execute_and_publish(parameters, outputs, root, formats, reference_docx, progress, kernel)
    finally:
        if kernel is not None:
            kernel.close()


def _execute_and_publish(
    parameters: dict[str, Any],
    outputs: QuarterOutputs,
    root: Path,
    formats: tuple[str, ...],
    reference_docx: Path | None,
    progress: Progress,
    kernel: RunKernel,
) -> RunResult:
    work = outputs.new_run()
    started = datetime.now(timezone.utc)
    run_log: RunLog | None = None
    try:
        run_log = RunLog(work / "run.log")
        log.info("run of %s started with %s", parameters.get("quarter"), portable_parameters(parameters, root))
        notebook = root / NOTEBOOK
        nb = execute_notebook(
            notebook, work / "report.ipynb", parameters, root, progress_bar=progress.cells(), kernel=kernel.manager
        )
        make_portable(nb, work / "report.ipynb", root)  # first: a failure below keeps it, portable, in failed/
        warnings = warnings_from(nb)
        for problem in warnings:
            log.info(
                "warning [%s] in %s%s",
                problem.rule,
                problem.file,
                "" if problem.row is None else f", row {problem.row}",
            )
        render_into(
            work,
            nb,
            formats,
            started,
            run_log,
            notebook=_notebook_record(notebook, root),
            reference_docx=reference_docx,
            progress=progress,
        )
        progress.stage("checking the outputs for identifiers")
        _refuse_identifiers(work, read_identifiers(kernel.identifiers))
        progress.stage("publishing")
        outputs.publish(work)
    except IdentifiersInOutputs as exc:
        if run_log is not None:
            run_log.close()
        where = outputs.write_failed({"report.ipynb": work / "report.ipynb"})
        shutil.rmtree(work, ignore_errors=True)
        raise IdentifiersInOutputs(
            f"{exc}; nothing was published: the notebook as it ran is in {shown(where / 'report.ipynb')}"
        ) from None
    except Exception as exc:
        if run_log is not None:
            run_log.close()
        raise outputs.fail(exc, work, {"report.ipynb": work / "report.ipynb"}) from exc
    return _result(outputs, formats, warnings)


class IdentifiersInOutputs(InputError):
    """An output holds an identifier of the quarter's data: the run is not published."""


def _refuse_identifiers(work: Path, identifiers: dict[str, str]) -> None:
    """Scan every output of the run for the quarter's identifiers; refuse to publish on a hit."""
    hits = scan(sorted(p for p in work.iterdir() if p.is_file()), identifiers)
    if hits:
        raise IdentifiersInOutputs(
            "an identifier from the quarter's data is in the outputs, in "
            + "; ".join(h.describe() for h in hits[:5])
            + (f" and {len(hits) - 5} more places" if len(hits) > 5 else "")
            + ": remove it (or the cell's output) and run again"
        )


def _recorded_notebook(folder: Path) -> dict[str, str] | None:
    """The notebook a published run executed, as its manifest records it."""
    import json

    try:
        return json.loads((folder / "manifest.json").read_text(encoding="utf-8")).get("notebook")
    except (OSError, ValueError, AttributeError):
        return None


def _notebook_record(notebook: Path, root: Path) -> dict[str, str]:
    """The notebook executed, by name and SHA-256, for the manifest."""
    from qa_lib.loading import sha256

    return {"path": display(notebook, root), "sha256": sha256(notebook)}


def rerender_quarter(outputs: QuarterOutputs, formats: tuple[str, ...] | None = None) -> RunResult:
    """Render a published run's executed notebook again, without executing it
    (after a change of template or style); the caller holds the lock."""
    current = outputs.published()
    if current is None or not (current / "report.ipynb").is_file():
        raise ParameterError(
            f"{shown(outputs.final)} holds no executed notebook to render: name an output "
            f"folder of `qa-report run`, e.g. outputs/2013-14-Q4"
        )
    had = outputs.published_formats()
    asked = formats or had or exporters.DEFAULT_FORMATS
    # The formats not asked for are carried over unchanged: they come from the same executed notebook.
    carried = [f for f in had if f not in asked]
    if "docx" in asked:
        exporters.check_reference_docx(None)
    threading.Thread(target=import_renderers, name="import-renderers", daemon=True).start()
    nb = _renderable(current, outputs.final)
    work = outputs.new_run()
    started = datetime.now(timezone.utc)
    run_log: RunLog | None = None
    try:
        run_log = RunLog(work / "run.log")
        log.info(
            "re-render of %s without executing (%s; carried over: %s)",
            outputs.quarter,
            ",".join(asked),
            ",".join(carried) or "none",
        )
        shutil.copyfile(current / "report.ipynb", work / "report.ipynb")
        for kind in carried:
            shutil.copyfile(current / f"report.{kind}", work / f"report.{kind}")
        formats = in_order(set(asked) | set(carried))
        render_into(
            work,
            nb,
            asked,
            started,
            run_log,
            formats,
            _recorded_notebook(current),
        )
        outputs.publish(work)
    except Exception as exc:
        if run_log is not None:
            run_log.close()
        raise outputs.fail(exc, work, {}) from exc  # the published notebook is still there
    return _result(outputs, formats)


def _renderable(folder: Path, named: Path) -> nbformat.NotebookNode:
    """A published run's executed notebook (in ``folder``, which the user knows as ``named``),
    if this code can render its paper.

    Raises
    ------
    ParameterError
        When the notebook is damaged, or was made by other code (another version or commit of
        the workbook, see :func:`_other_code`) whose paper this code cannot read.
    """
    where = shown(named / "report.ipynb")
    try:
        nb = nbformat.read(folder / "report.ipynb", as_version=4)
    except (OSError, ValueError) as exc:  # nbformat's NotJSONError is a ValueError
        reason = (str(exc).strip().splitlines() or [type(exc).__name__])[0][:200]
        raise ParameterError(
            f"{where} is damaged ({reason}), so it cannot be rendered; restore the folder from a copy, "
            f"or run the quarter again"
        ) from None
    try:
        paper_of(nb)
    except Exception as exc:
        differences = _made_by_other_code(folder)
        if not differences:  # this code's own notebook: a bug, reported as one
            raise
        reason = (str(exc).strip().splitlines() or [""])[0][:200]
        raise ParameterError(
            f"{where} was made by other code ({'; '.join(differences)}), and this code cannot read "
            f"its paper ({type(exc).__name__}: {reason}); run the quarter again (`qa-report run`) to make "
            f"its outputs with this version"
        ) from None
    return nb


def _made_by_other_code(folder: Path) -> list[str]:
    """How the code that made a run differs from this code (:func:`_other_code`); empty when
    this code made it."""
    from qa_lib.paths import project_root

    try:
        manifest = RunManifest.model_validate_json((folder / "manifest.json").read_bytes())
    except (OSError, ValidationError):
        return ["its manifest.json, which names the code, is missing or unreadable"]
    return _other_code(manifest, project_root())


def validate(params: RunParameters) -> Any:
    """Load, validate and compute the quarter in this process, without the notebook: the
    context a run would make (its figures and warnings)."""
    from qa_lib.context import build_context

    return build_context(**params.notebook())


# -- verify ------------------------------------------------------------------------------------


class _RunParameters(BaseModel):
    """The parameters a manifest records; the notebook is run again with them."""

    model_config = ConfigDict(extra="allow")

    quarter: str
    data_root: str


class _GitRecord(BaseModel):
    commit: str | None = None
    dirty: bool | None = None


class RunManifest(BaseModel):
    """What ``verify`` reads of a run's ``manifest.json``; one without it cannot be verified."""

    model_config = ConfigDict(extra="allow")

    qa_workbook_version: str
    git: _GitRecord
    parameters: _RunParameters
    inputs: dict[str, str]
    outputs: dict[str, str]
    formats: list[str] = []
    packages: dict[str, str] = {}


# Outputs that record when the run happened, so never the same twice.
_TIMED_OUTPUTS = ("manifest.json", "run.log")
# Outputs that name the run's data root (the paper does not): a moved data root changes them.
_NAMING_DATA_ROOT = (P.RECORD, "report.ipynb")


def _read_run(folder: Path) -> tuple[RunManifest, dict[str, Any]]:
    """A run's manifest and figures, or exit 2 saying why the folder cannot be verified."""
    import json

    manifest_path = folder / "manifest.json"
    if not manifest_path.is_file():
        raise ParameterError(f"{shown(folder)} has no manifest.json: is it an output folder of `qa-report run`?")
    try:
        manifest = RunManifest.model_validate_json(manifest_path.read_bytes())
    except ValidationError as exc:
        first = exc.errors()[0]
        where = ".".join(str(p) for p in first["loc"]) or "the whole file"
        raise ParameterError(
            f"{shown(manifest_path)} is corrupt ({where}: {first['msg']}), so the run cannot be "
            f"verified; restore the folder from a copy, or run the quarter again"
        ) from None
    figures_path = folder / "figures.json"
    if not figures_path.is_file():
        raise ParameterError(
            f"{shown(folder)} has no figures.json, so its figures cannot be compared; restore it "
            f"from a copy (the manifest holds its SHA-256), or run the quarter again"
        )
    try:
        figures = json.loads(figures_path.read_text(encoding="utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ParameterError(
            f"{shown(figures_path)} is corrupt ({exc}), so its figures cannot be compared; "
            f"restore it from a copy, or run the quarter again"
        ) from None
    if not isinstance(figures, dict) or not isinstance(figures.get("figures"), dict):
        raise ParameterError(
            f"{shown(figures_path)} holds no figures, so they cannot be compared; restore it "
            f"from a copy, or run the quarter again"
        )
    return manifest, figures


def _data_root_of(manifest: RunManifest, given: str | None, root: Path) -> Path:
    """Where the run's data root is now: ``--data-root``, else where the manifest says;
    exit 2 naming ``--data-root`` when the run's quarter is not there."""
    recorded, quarter = manifest.parameters.data_root, manifest.parameters.quarter
    data_root = Path(given).absolute() if given else resolve(recorded, root)
    if (data_root / quarter).is_dir():
        return data_root
    if given:
        raise ParameterError(
            f"--data-root {given} holds no folder {quarter}/; name the folder that holds the run's quarter folders"
        )
    raise ParameterError(
        f"the run's data root is not where the manifest says: it records {recorded!r}, which here "
        f"is {shown(data_root)} and holds no folder {quarter}/; name where the data root is now "
        f"with --data-root"
    )


def _changed_outputs(folder: Path, manifest: RunManifest) -> list[str]:
    """Each output the manifest lists that is missing or no longer has the SHA-256 it lists."""
    from qa_lib.loading import sha256

    problems = []
    for name, recorded in manifest.outputs.items():
        path = folder / name
        if Path(name).name != name:
            problems.append(f"the manifest lists {name!r}, which is not a file of the output folder")
        elif not path.is_file():
            problems.append(f"{name} is missing (the manifest lists it)")
        elif (now := sha256(path)) != recorded:
            problems.append(
                f"{name} has changed since the run (SHA-256 {recorded[:12]}… in the manifest, {now[:12]}… now)"
            )
    return problems


def _params_file_of(manifest: RunManifest, given: str | None, root: Path) -> Path | None:
    """Where the run's params file is now: ``--params``, else ``params/<its name>`` in the project."""
    recorded = manifest.parameters.model_dump().get("params_file")
    if not recorded:
        return None
    return Path(given).absolute() if given else root / "params" / Path(recorded).name


def _changed_inputs(
    manifest: RunManifest, data_root: Path, output_dir: Path, params_file: Path | None, root: Path
) -> list[str]:
    from qa_lib.loading import sha256

    places = {P.DATA_ROOT: data_root, P.OUTPUT_DIR: output_dir, P.PARAMS: params_file.parent if params_file else root}
    problems = []
    for name, recorded in manifest.inputs.items():
        prefix, _, rest = name.partition("/")
        path = places[prefix] / rest if prefix in places else resolve(name, root)
        if prefix == P.PARAMS and params_file is not None:
            path = params_file
        if not path.is_file():
            problems.append(
                f"input {name} is missing" + (" (name where it is now with --params)" if prefix == P.PARAMS else "")
            )
        elif (now := sha256(path)) != recorded:
            problems.append(f"input {name} has changed since the run (SHA-256 {recorded[:12]}… is now {now[:12]}…)")
    return problems


def _changed_figures(old: dict[str, Any], new: dict[str, Any]) -> list[str]:
    problems = []
    for part in ("figures", "previous"):
        before, after = old.get(part) or {}, new.get(part) or {}
        for key in sorted(set(before) | set(after)):
            if before.get(key) != after.get(key):
                problems.append(f"{part} {key}: was {before.get(key, 'absent')}, now {after.get(key, 'absent')}")
    for key in ("quarter", "previous_quarter"):
        if old.get(key) != new.get(key):
            problems.append(f"{key}: was {old.get(key)}, now {new.get(key)}")
    return problems


def _rendered_differences(folder: Path, again: Path, names: list[str]) -> list[str]:
    """Each of ``names`` that differs between a run's folder and a re-run's: Word on its text
    (it carries the time it was made), the notebook on its cells' outputs (its injected
    parameters name the output folder), everything else byte for byte."""
    from qa_lib.exporters.docx import text_of

    problems = []
    for name in names:
        old, new = folder / name, again / name
        if not new.is_file():
            problems.append(f"{name}: a re-run does not make it")
        elif name.endswith(".docx"):
            if text_of(old) != text_of(new):
                problems.append(f"{name}: its text differs from a re-run on these inputs")
        elif name.endswith(".ipynb"):
            outputs = [[c.get("outputs") for c in nbformat.read(path, as_version=4).cells] for path in (old, new)]
            if outputs[0] != outputs[1]:
                problems.append(f"{name}: its cells' outputs differ from a re-run on these inputs")
        elif old.read_bytes() != new.read_bytes():
            problems.append(f"{name} differs from a re-run on these inputs")
    return problems


def _other_code(manifest: RunManifest, root: Path) -> list[str]:
    """How the code now differs from the code that made the run: the workbook's version, its
    commit or uncommitted changes, and the packages that compute or render the report. Any
    of them changes the rendered outputs' bytes (the record of the run names them all)."""
    git = P.git(root)
    found = (
        [f"it was version {manifest.qa_workbook_version}, this is {__version__}"]
        if manifest.qa_workbook_version != __version__
        else []
    )
    if manifest.git.commit != git["commit"]:
        found.append(
            f"it was commit {(manifest.git.commit or 'unknown')[:12]}…, this is {(git['commit'] or 'unknown')[:12]}…"
        )
    elif manifest.git.dirty != git["dirty"]:
        found.append(
            "this checkout has uncommitted changes"
            if git["dirty"]
            else "it had uncommitted changes, this checkout has none"
        )
    found += [
        f"it had {name} {version}, this has {P.version(name)}"
        for name, version in manifest.packages.items()
        if P.version(name) != version
    ]
    return found


def _renamed_data_root(manifest: RunManifest, data_root: Path, root: Path) -> list[str]:
    """Why the rendered outputs differ when the data root has moved: the record of the run names it."""
    now = display(data_root, root)
    if now == manifest.parameters.data_root:
        return []
    return [f"the record of the run ({P.RECORD}) names its data root {manifest.parameters.data_root!r}, here {now!r}"]


@dataclass
class Verification:
    """What ``verify`` found: differences (the run is not reproduced), outputs not compared
    and why, and what was compared."""

    problems: list[str]
    notes: list[str]
    reasons: list[str]
    compared: list[str]
    figures: int


def verify(folder: Path, data_root_given: str | None, params_given: str | None, root: Path) -> Verification:
    """Re-check a run's outputs and inputs against its manifest, re-execute and re-render it, and compare.

    Every output the manifest lists must still have its SHA-256. The re-run's figures are
    compared one by one; its rendered outputs (made in a temporary folder by the run's own
    functions) byte for byte, Word on its text, the notebook on its outputs. Outputs made by
    other code (see :func:`_other_code`), or naming a data root that has moved (the record of
    the run and the notebook), are listed, not compared: a quarter published before a release
    stays verifiable after it.
    """
    run_manifest, old_figures = _read_run(folder)
    data_root = _data_root_of(run_manifest, data_root_given, root)
    params_file = _params_file_of(run_manifest, params_given, root)
    output_dir = folder.resolve().parent  # where the run found earlier quarters' figures
    problems = _changed_outputs(folder, run_manifest) + _changed_inputs(
        run_manifest, data_root, output_dir, params_file, root
    )
    code, renamed = _other_code(run_manifest, root), _renamed_data_root(run_manifest, data_root, root)
    formats = [f for f in exporters.FORMATS if f in run_manifest.formats or f"report.{f}" in run_manifest.outputs]
    # The record of the run names the code and the packages: made by other code, it differs.
    rendered = [name for name in run_manifest.outputs if name.startswith("report.") or name == P.RECORD]
    if code:
        made_by = (
            f"made by version {run_manifest.qa_workbook_version} (commit "
            f"{(run_manifest.git.commit or 'unknown')[:12]}…"
            + (", with uncommitted changes" if run_manifest.git.dirty else "")
            + "), not compared"
        )
        skipped = rendered
        notes = [f"{name}: {made_by}" for name in skipped]
    else:
        skipped = [name for name in rendered if name in _NAMING_DATA_ROOT] if renamed else []
        notes = [f"{name}: names the data root {run_manifest.parameters.data_root!r}, not compared" for name in skipped]
    compared = [name for name in run_manifest.outputs if name not in _TIMED_OUTPUTS and name not in skipped]
    parameters = dict(
        run_manifest.parameters.model_dump(),
        data_root=str(data_root),
        output_dir=str(output_dir),
        params_file=str(params_file) if params_file and params_file.is_file() else None,
    )
    with tempfile.TemporaryDirectory(prefix="qa-verify-") as tmp:
        again = Path(tmp)
        log.info("re-executing %s", run_manifest.parameters.quarter)
        try:
            # The notebook the run executed (the analyst's, as it was), not whatever notebooks/ holds now.
            nb = execute_notebook(folder / "report.ipynb", again / "report.ipynb", parameters, root)
        except RenderError as exc:  # the inputs changed so that the quarter no longer runs, or the code did
            problems.append(f"re-running the quarter fails: {str(exc).splitlines()[0]}")
            nb = None
        if nb is not None:
            make_portable(nb, again / "report.ipynb", root)
            problems += _changed_figures(old_figures, payload_from(nb)["figures"])
            if any(name in rendered for name in compared):
                log.info("rendering %s again", ", ".join(formats))
                render_outputs(again, nb, tuple(formats), _recorded_notebook(folder))
                problems += _rendered_differences(folder, again, compared)
    return Verification(problems, notes, code + renamed, compared, len(old_figures["figures"]))


# -- batch -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class BatchResult:
    quarter: str
    state: str  # "ok", or "failed (exit N)"
    seconds: float
    folder: Path
    reason: str = ""  # a failure's own reason, in one line


def _reason(stderr: str) -> str:
    """A failed run's own reason, in one line: its last ``error:`` line."""
    errors = [line.removeprefix("error: ") for line in stderr.splitlines() if line.startswith("error: ")]
    return errors[-1] if errors else (stderr.strip().splitlines() or ["no message"])[-1]


def batch(
    quarters: list[Quarter],
    options: list[str],
    output_dir: Path,
    jobs: int | None = None,
    progress: Callable[[int, list[str]], None] = lambda done, running: None,
) -> list[BatchResult]:
    """Run every quarter with ``qa-report run <options>``, each in its own process (so one
    quarter's failure or crash cannot touch another's), ``jobs`` at a time; ``progress`` is
    told the number of quarters done and those running, as each starts and ends."""
    running: set[str] = set()
    done: list[str] = []
    lock = threading.Lock()

    def one(quarter: Quarter) -> BatchResult:
        command = [sys.executable, "-m", "qa_lib.cli", "run", "--quarter", str(quarter), *options]
        with lock:
            running.add(str(quarter))
            progress(len(done), sorted(running))
        began = time.monotonic()
        finished = subprocess.run(command, capture_output=True, text=True)
        seconds = time.monotonic() - began
        state = "ok" if finished.returncode == 0 else f"failed (exit {finished.returncode})"
        with lock:
            running.discard(str(quarter))
            done.append(str(quarter))
            progress(len(done), sorted(running))
            log.info("batch: %s %s", quarter, state)
        return BatchResult(
            str(quarter),
            state,
            seconds,
            output_dir / str(quarter),
            _reason(finished.stderr) if finished.returncode else "",
        )

    with ThreadPoolExecutor(max_workers=jobs or os.cpu_count() or 1) as pool:
        return list(pool.map(one, quarters))


# -- a new quarter ------------------------------------------------------------------------------


@dataclass(frozen=True)
class NewQuarter:
    params: Path
    folder: Path
    template: Path
    data_set: Path | None  # written for a new data root
    data_set_name: str | None


def write_template(quarter: Quarter, target: Path, framework: Path) -> Path:
    """The quarter's data-entry workbook, never over an existing file (it may hold data)."""
    from qa_lib.framework import load_framework
    from qa_lib.template import build_template

    fw = load_framework(framework)
    if target.exists():
        raise ParameterError(
            f"{target} already exists and may hold entered data; move it or name another file with --output"
        )
    with refusals_as_errors(target.parent, "name another file with --output"):
        save_workbook(build_template(fw, quarter), target)
    return target


def _for_params(path: Path, root: Path) -> str:
    """A path as a params file holds it: relative to the project root when inside it."""
    try:
        return path.resolve().relative_to(root).as_posix()
    except ValueError:
        return str(path)


def new_quarter(quarter: Quarter, data_root: Path, framework: Path, data_set: str | None, root: Path) -> NewQuarter:
    """A quarter's params file (``params/<quarter>.yaml``), its data folder with the data-entry
    workbook, and, for a data root that names no data set, its ``data_set.yaml``."""
    import yaml

    from qa_lib.loading import DATA_SET_FILE

    from qa_lib.framework import load_framework
    from qa_lib.paper import GAP_MARK
    from qa_lib.prose import skeleton
    from qa_lib.sections import commentary_order

    params_path = resolve(f"params/{quarter}.yaml", root)
    if params_path.exists():
        raise ParameterError(f"{shown(params_path)} already exists; edit it instead")
    folder = data_root / str(quarter)
    template = folder / "template.xlsx"
    named: Path | None = None
    name = data_set or data_root.name
    sections = commentary_order(load_framework(framework))
    with refusals_as_errors(folder, "choose another --data-root"):
        folder.mkdir(parents=True, exist_ok=True)
        if not template.exists():
            write_template(quarter, template, framework)
        # Skeletons to fill in, never over the analyst's own.
        for file, text in (
            ("quarter.yaml", skeleton("quarter.yaml", quarter=quarter, months=quarter.months)),
            ("commentary.md", skeleton("commentary.md", sections=sections, mark=GAP_MARK)),
        ):
            if not (folder / file).exists():
                (folder / file).write_text(text, encoding="utf-8")
        if not (data_root / DATA_SET_FILE).exists():
            # A new data root is a data set of its own: named, its runs take history only from its own.
            named = data_root / DATA_SET_FILE
            named.write_text(
                "# The name of this data set: a run uses published figures (history) only from runs "
                "of\n# the same data set, so a real quarter never takes the sample's as its own.\n"
                + yaml.safe_dump({"data_set": name}),
                encoding="utf-8",
            )
    # Paths inside a params file are read relative to the project root.
    with refusals_as_errors(params_path.parent, "run it in a copy of the project you can write to"):
        params_path.write_text(
            f"# Parameters for {quarter} ({quarter.months}).\n"
            + yaml.safe_dump(
                {
                    "quarter": str(quarter),
                    "data_root": _for_params(data_root, root),
                    "framework": _for_params(framework, root),
                    "status": "draft",
                },
                sort_keys=False,
            ),
            encoding="utf-8",
        )
    return NewQuarter(params_path, folder, template, named, name if named else None)
